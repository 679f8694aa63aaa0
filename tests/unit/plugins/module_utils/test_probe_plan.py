"""What the audit probes from a host besides its targets and WireGuard endpoints (issue 21: the audit
always tests a path): the other hosts of the play at the address of their default route, else the
host's default gateways, and why nothing when nothing."""

import re

import pytest
from counting_hostvars import CountingHostvars

from ansible_collections.netpath.mtu.plugins.module_utils.probe_plan import plan_view, probe_plan, probe_plans


def facts(ipv4=None, ipv6=None, gathered=("interfaces", "routes")):
    return {"ansible_facts": {"netpath_mtu": {"gathered": list(gathered),
                                              "routes": {"default": {"ipv4": ipv4, "ipv6": ipv6}}}}}


V4 = {"interface": "eth0", "gateway": "10.0.0.1", "address": "10.0.0.10"}
V6 = {"interface": "eth0", "gateway": "fe80::1", "address": "2001:db8::10"}
HOSTVARS = {
    "web-1": facts(V4, V6),
    "db-1": facts({"interface": "eth0", "gateway": "10.0.0.1", "address": "10.0.0.20"}),
    "router": facts(),
    "pinned": dict(facts(V4), netpath_probe_address="192.0.2.30"),
}


def test_a_host_probes_the_other_hosts_of_the_play_at_their_default_routes_address():
    plan = probe_plan("web-1", ["web-1", "db-1", "router", "pinned"], HOSTVARS)
    assert plan == {"note": None, "targets": [
        {"dest": "10.0.0.20", "kind": "peer", "peer": "db-1", "family": "ipv4"},
        # netpath_probe_address first; a host without a default route is not probed
        {"dest": "192.0.2.30", "kind": "peer", "peer": "pinned"}]}


def test_both_families_of_a_peer_are_probed():
    plan = probe_plan("db-1", ["web-1", "db-1"], HOSTVARS)
    assert [t["dest"] for t in plan["targets"]] == ["10.0.0.10", "2001:db8::10"]


def test_a_host_audited_alone_probes_its_default_gateways():
    hostvars = {"web-1": facts(V4, dict(V6, gateway="2001:db8::1"))}
    plan = probe_plan("web-1", ["web-1"], hostvars)
    assert plan == {"note": None, "targets": [
        {"dest": "10.0.0.1", "kind": "gateway", "family": "ipv4"},
        {"dest": "2001:db8::1", "kind": "gateway", "family": "ipv6"}]}


def test_where_no_other_host_has_an_address_the_gateway_is_probed_but_not_a_link_local_one():
    plan = probe_plan("web-1", ["web-1", "router"], HOSTVARS)
    assert plan["targets"] == [{"dest": "10.0.0.1", "kind": "gateway", "family": "ipv4"}]


@pytest.mark.parametrize(("host", "play", "hostvars", "note"), [
    ("router", ["router"], HOSTVARS, "this host has no default gateway"),
    ("router", ["router"], {"router": facts(ipv6=V6)},
     "this host's default gateway is link-local (IPv6), which pmtu_probe cannot probe"),
    ("router", ["router", "lost"], dict(HOSTVARS, lost={}),
     "no other host of the play has an address on a default route, and this host has no default gateway"),
    ("router", ["router"], {"router": facts(gathered=["interfaces"])},
     "the routes part of mtu_facts was not gathered (netpath_gather_subset), so no default route is known"),
])
def test_nothing_to_probe_says_why(host, play, hostvars, note):
    assert probe_plan(host, play, hostvars) == {"targets": [], "note": note}


def test_targets_given_or_auto_off_plan_nothing_more():
    assert probe_plan("web-1", ["web-1", "db-1"], HOSTVARS, targets=["192.0.2.7"]) == {"targets": [], "note": None}
    assert probe_plan("web-1", ["web-1", "db-1"], HOSTVARS, auto=False) == {
        "targets": [], "note": "netpath_probe_auto is false and netpath_probe_targets is empty"}


def test_the_mesh_probes_every_other_host_as_it_always_did():
    hostvars = dict(HOSTVARS, router={"ansible_host": "198.51.100.1"})
    plan = probe_plan("web-1", ["web-1", "db-1", "router", "pinned"], hostvars, targets=["192.0.2.7"], mesh=True)
    assert plan["targets"] == [{"dest": "db-1", "kind": "peer", "peer": "db-1"},
                               {"dest": "198.51.100.1", "kind": "peer", "peer": "router"},
                               {"dest": "192.0.2.30", "kind": "peer", "peer": "pinned"}]


@pytest.mark.parametrize(("host", "play", "hostvars", "options"), [
    ("web-1", ["web-1", "db-1", "router", "pinned"], HOSTVARS, {}),
    ("db-1", ["web-1", "db-1"], HOSTVARS, {}),
    ("web-1", ["web-1"], {"web-1": facts(V4, dict(V6, gateway="2001:db8::1"))}, {}),
    ("web-1", ["web-1", "router"], HOSTVARS, {}),
    ("router", ["router", "lost"], dict(HOSTVARS, lost={}), {}),
    ("router", ["router"], {"router": facts(gathered=["interfaces"])}, {}),
    ("web-1", ["web-1", "db-1", "router", "pinned", "gone"], dict(HOSTVARS, router={"ansible_host": "198.51.100.1"}),
     {"mesh": True}),
])
def test_the_view_made_once_plans_as_hostvars_do(host, play, hostvars, options):
    view = plan_view(play, hostvars)
    assert sorted(view) == sorted(play)
    assert probe_plan(host, play, view, **options) == probe_plan(host, play, hostvars, **options)
    assert probe_plan(host, play, view, **options)["targets"] or probe_plan(host, play, view, **options)["note"]


def test_the_plans_made_once_are_each_hosts_plan_reading_each_host_once():
    play = ["web-1", "db-1", "router", "pinned"]
    hostvars = CountingHostvars(HOSTVARS)
    hostvars["db-1"] = dict(HOSTVARS["db-1"], netpath_probe_targets=["192.0.2.7"])
    hostvars["router"] = dict(HOSTVARS["router"], netpath_probe_mesh="yes")
    hostvars["pinned"] = dict(HOSTVARS["pinned"], netpath_probe_auto=False)
    plans = probe_plans(play, hostvars, {"netpath_probe_targets": [], "netpath_probe_mesh": False,
                                         "netpath_probe_auto": True})
    assert plans == {
        "web-1": probe_plan("web-1", play, HOSTVARS),
        "db-1": probe_plan("db-1", play, HOSTVARS, targets=["192.0.2.7"]),
        "router": probe_plan("router", play, HOSTVARS, mesh=True),
        "pinned": probe_plan("pinned", play, HOSTVARS, auto=False)}
    assert plans["web-1"]["targets"] and plans["router"]["targets"] and plans["pinned"]["note"]
    assert hostvars.reads == {host: 1 for host in play}


def test_the_defaults_decide_for_a_host_that_sets_nothing():
    play = ["web-1", "db-1"]
    planned = probe_plans(play, HOSTVARS, {"netpath_probe_auto": False})
    assert planned["web-1"] == probe_plan("web-1", play, HOSTVARS, auto=False)
    # no defaults at all: auto on, no mesh, no targets
    assert probe_plans(play, HOSTVARS)["web-1"] == probe_plan("web-1", play, HOSTVARS)


def test_a_host_whose_gathering_failed_gets_no_plan_but_stays_a_peer():
    hostvars = dict(HOSTVARS, router=dict(HOSTVARS["router"], ansible_host="198.51.100.1",
                                          netpath_audit_gathered={"failed": True, "msg": "unreachable"}))
    plans = probe_plans(["web-1", "router"], hostvars, {"netpath_probe_mesh": True})
    assert sorted(plans) == ["web-1"]
    assert plans["web-1"]["targets"] == [{"dest": "198.51.100.1", "kind": "peer", "peer": "router"}]


def test_a_mesh_or_auto_that_is_not_a_boolean_names_the_host():
    with pytest.raises(ValueError, match=r"^db-1: netpath_probe_mesh and netpath_probe_auto must be booleans"):
        probe_plans(["web-1", "db-1"], dict(HOSTVARS, **{"db-1": dict(HOSTVARS["db-1"], netpath_probe_auto="often")}))


def addressed(count):
    """A run of `count` hosts h0..h(count-1), each with an IPv4 default route of its own."""
    return {"h%d" % i: facts({"interface": "eth0", "gateway": "10.0.0.1", "address": "10.0.1.%d" % (i + 1)})
            for i in range(count)}


def probed_peers(plans):
    return {host: [t["peer"] for t in plan["targets"] if t["kind"] == "peer"] for host, plan in plans.items()}


@pytest.mark.parametrize("count", [1, 2, 3, 5, 10])
@pytest.mark.parametrize("auto_peers", [1, 3])
def test_each_host_probes_the_next_auto_peers_hosts_of_the_run_in_a_ring(count, auto_peers):
    hostvars = addressed(count)
    play = sorted(hostvars, key=lambda host: int(host[1:]))
    plans = probe_plans(play, hostvars, {"netpath_probe_auto_peers": auto_peers})
    taken = min(auto_peers, count - 1)
    for at, host in enumerate(play):
        ring = {play[(at + step) % count] for step in range(1, taken + 1)}
        assert set(probed_peers(plans)[host]) == ring
        if count == 1:
            assert plans[host]["targets"] == [{"dest": "10.0.0.1", "kind": "gateway", "family": "ipv4"}]
    probed_by = {host: sum(host in peers for peers in probed_peers(plans).values()) for host in play}
    assert probed_by == {host: taken for host in play}
    # the same run plans the same
    assert probe_plans(play, hostvars, {"netpath_probe_auto_peers": auto_peers}) == plans


def test_a_thousand_hosts_probe_three_peers_each_not_the_other_999():
    hostvars = addressed(1000)
    plans = probe_plans(list(hostvars), hostvars)
    assert {len(plan["targets"]) for plan in plans.values()} == {3}
    assert probed_peers(plans)["h999"] == ["h0", "h1", "h2"]


@pytest.mark.parametrize("count", [2, 3, 5])
def test_as_many_auto_peers_as_the_other_hosts_is_the_plan_of_every_peer(count):
    hostvars = addressed(count)
    play = list(hostvars)
    for auto_peers in (count - 1, count, 50):
        for host in play:
            assert probe_plan(host, play, hostvars, auto_peers=auto_peers) == probe_plan(host, play, hostvars)
    every_peer = {host: [t for peer in play if peer != host
                         for t in probe_plan(host, [host, peer], hostvars)["targets"]]
                  for host in play}
    assert probe_plans(play, hostvars, {"netpath_probe_auto_peers": count - 1}) == {
        host: {"targets": every_peer[host], "note": None} for host in play}


def test_the_ring_skips_the_hosts_without_an_address():
    hostvars = dict(addressed(4), router=facts(), lost={})
    play = ["h0", "router", "h1", "lost", "h2", "h3"]
    plans = probe_plans(play, hostvars, {"netpath_probe_auto_peers": 2})
    assert probed_peers(plans) == {"h0": ["h1", "h2"], "router": ["h1", "h2"], "h1": ["h2", "h3"],
                                   "lost": ["h2", "h3"], "h2": ["h0", "h3"], "h3": ["h0", "h1"]}


def test_a_host_sets_its_own_auto_peers_and_both_families_of_a_peer_count_as_one():
    play = ["web-1", "db-1", "router", "pinned"]
    hostvars = dict(HOSTVARS, **{"db-1": dict(HOSTVARS["db-1"], netpath_probe_auto_peers="1")})
    plans = probe_plans(play, hostvars, {"netpath_probe_auto_peers": 2})
    assert [t["dest"] for t in plans["db-1"]["targets"]] == ["192.0.2.30"]  # router has no address
    assert [t["dest"] for t in plans["pinned"]["targets"]] == ["10.0.0.10", "2001:db8::10", "10.0.0.20"]


@pytest.mark.parametrize("value", [0, -1, "two", 2.5, True, [3]])
def test_auto_peers_that_is_not_an_integer_of_at_least_1_names_the_host_and_the_value(value):
    hostvars = dict(HOSTVARS, **{"db-1": dict(HOSTVARS["db-1"], netpath_probe_auto_peers=value)})
    with pytest.raises(ValueError, match=r"^db-1: netpath_probe_auto_peers=%s: allowed is an integer of at least 1"
                       % re.escape(repr(value))):
        probe_plans(["web-1", "db-1"], hostvars)
