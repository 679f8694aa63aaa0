"""What the audit probes from a host besides its targets and WireGuard endpoints (issue 21: the audit
always tests a path): the other hosts of the play at the address of their default route, else the
host's default gateways, and why nothing when nothing."""

import pytest

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


class CountingHostvars(dict):
    """hostvars that count the reads of each host's variables (Ansible computes them at each read)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = {}

    def get(self, key, default=None):
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key, default)


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
