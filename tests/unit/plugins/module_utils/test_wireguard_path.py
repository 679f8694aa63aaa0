"""The path MTU to each WireGuard endpoint for the wireguard_mtu role: from measurements handed
over (the audit's probes) where they measured the endpoint, else from the role's own probes; and
the check that names a bad measurement."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import wireguard_path

TARGETS = [{"dest": "10.2.0.2", "protocol": "icmp", "port": None},
           {"dest": "fd00:3::2", "protocol": "tcp", "port": 22}]
# As mtu_facts' probes have them (the audit's netpath_probes).
AUDIT = [{"dest": "10.2.0.2", "kind": "wireguard_endpoint", "pmtu": 1400, "family": "ipv4", "protocol": "icmp",
          "blackhole": True, "failed": False, "route_mtu": 1500},
         {"dest": "10.9.9.9", "kind": "wireguard_endpoint", "failed": True, "msg": "does not answer"}]
# As a looped pmtu_probe registers them.
PROBED = [{"item": TARGETS[1], "pmtu": 1500, "family": "ipv6", "protocol": "tcp", "blackhole": False,
           "changed": False}]


def test_measurements_handed_over_stand_in_for_probes_in_the_targets_order():
    path = wireguard_path.endpoint_path(PROBED, TARGETS, AUDIT)
    assert path == [
        {"endpoint": "10.2.0.2", "protocol": "icmp", "family": "ipv4", "pmtu": 1400, "blackhole": True,
         "mtu": 1340, "summary": "10.2.0.2 path MTU 1400 (ipv4, a black hole) - 60 = 1340"},
        {"endpoint": "fd00:3::2", "protocol": "tcp", "family": "ipv6", "pmtu": 1500, "blackhole": False,
         "mtu": 1420, "summary": "fd00:3::2 path MTU 1500 (ipv6 over tcp) - 80 = 1420"}]


def test_a_measurement_handed_over_wins_over_a_probe_and_a_failed_one_counts_for_nothing():
    probed = [{"item": TARGETS[0], "pmtu": 1500, "family": "ipv4", "protocol": "icmp", "blackhole": False}]
    assert [p["pmtu"] for p in wireguard_path.endpoint_path(probed, TARGETS[:1], AUDIT)] == [1400]
    failed = [dict(AUDIT[1], dest="10.2.0.2")]
    assert [p["pmtu"] for p in wireguard_path.endpoint_path(probed, TARGETS[:1], failed)] == [1500]
    assert set(wireguard_path.usable(AUDIT)) == {"10.2.0.2"}


def test_without_measurements_the_probes_alone_and_unanswered_targets_left_out():
    unanswered = [{"item": TARGETS[0], "failed": True, "msg": "does not answer"}] + PROBED
    assert [p["endpoint"] for p in wireguard_path.endpoint_path(unanswered, TARGETS)] == ["fd00:3::2"]
    assert wireguard_path.endpoint_path([], [], None) == []


def test_good_measurements_pass():
    assert wireguard_path.measurements_problem(AUDIT, "v") == ""
    assert wireguard_path.measurements_problem([], "v") == ""
    assert wireguard_path.measurements_problem(None, "v") == ""


@pytest.mark.parametrize("value, said", [
    ("10.2.0.2", "v is '10.2.0.2'; allowed: a list"),
    (["10.2.0.2"], "v[0] is '10.2.0.2', not a dict"),
    ([{"pmtu": 1400, "family": "ipv4"}], "v[0] has dest None, not an address or name"),
    ([AUDIT[0], {"dest": "a", "pmtu": "big", "family": "ipv4"}],
     "v[1] (a) has pmtu 'big', not a number of bytes 68..65535"),
    ([{"dest": "a", "pmtu": True, "family": "ipv4"}], "v[0] (a) has pmtu True"),
    ([{"dest": "a", "pmtu": 70000, "family": "ipv4"}], "v[0] (a) has pmtu 70000"),
    ([{"dest": "a", "pmtu": 1400}], "v[0] (a) has family None, not ipv4 or ipv6"),
    ([{"dest": "a", "pmtu": 1400, "family": "ipv4", "protocol": "sctp"}], "has protocol 'sctp', not icmp, tcp or udp"),
    ([{"dest": "a", "pmtu": 1400, "family": "ipv4", "blackhole": "yes"}], "has blackhole 'yes', not true or false"),
])
def test_a_bad_measurement_is_named_with_what_is_allowed(value, said):
    problem = wireguard_path.measurements_problem(value, "v")
    assert said in problem
