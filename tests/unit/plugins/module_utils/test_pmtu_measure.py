"""pmtu_measure: what a path that cannot be measured becomes (a failed probe result naming why,
before any packet is sent), and the parameters it refuses. Real probes are measured on real paths
by tests/netns and the Molecule scenarios (audit, pmtu_probe)."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu_measure
from ansible_collections.netpath.mtu.plugins.module_utils.pmtu_measure import ProbeFailed, measure, measure_all


def no_ip(args):
    raise AssertionError("ip must not run for a target refused before its route is read: %s" % args)


@pytest.mark.parametrize("params, why", [
    ({"dest": "10.0.0.1", "protocol": "tcp"}, "protocol=tcp needs a port"),
    ({"dest": "10.0.0.1", "port": 22}, "port=22 is given but protocol is icmp"),
    ({"dest": "10.0.0.1", "protocol": "udp", "port": 70000}, "port=70000 is outside 1..65535"),
    ({"dest": "10.0.0.1", "timeout": 0}, "timeout=0 is outside 0.01..60"),
    ({"dest": "10.0.0.1", "attempts": 11}, "attempts=11 is outside 1..10"),
    ({"dest": "10.0.0.1", "family": "ipv6"}, "dest '10.0.0.1' is an IPv4 address but family is ipv6"),
    ({"dest": "a..b"}, "dest 'a..b' is not a valid host name or address"),
])
def test_refuses_what_cannot_be_probed_before_reading_a_route(params, why):
    with pytest.raises(ProbeFailed, match=why.replace(".", "[.]").replace("(", "[(]")):
        measure(params, no_ip)


def test_a_target_without_a_route_fails_with_ip_s_reason():
    def unreachable(args):
        return 2, "", "RTNETLINK answers: Network is unreachable\n"

    probes, warnings = measure_all([{"dest": "192.0.2.1", "kind": "target"}], unreachable)
    assert probes == [{"dest": "192.0.2.1", "kind": "target", "protocol": "icmp", "port": None, "failed": True,
                       "msg": "no route to 192.0.2.1: RTNETLINK answers: Network is unreachable"}]
    assert warnings == []


def test_each_target_gets_its_own_result_in_order_with_its_kind():
    asked = [{"dest": "10.0.0.1", "kind": "target", "protocol": "tcp", "port": None},
             {"dest": "10.0.0.2", "kind": "wireguard_endpoint"}]
    probes = measure_all(asked, lambda args: (2, "", "RTNETLINK answers: Network is unreachable"))[0]
    assert [(p["dest"], p["kind"], p["failed"]) for p in probes] == [
        ("10.0.0.1", "target", True), ("10.0.0.2", "wireguard_endpoint", True)]
    assert probes[0]["msg"].startswith("protocol=tcp needs a port")
    assert probes[1]["msg"] == "no route to 10.0.0.2: RTNETLINK answers: Network is unreachable"


def test_the_report_keeps_the_keys_the_probe_returns():
    from ansible_collections.netpath.mtu.plugins.module_utils import report
    assert report.PROBE_KEYS is pmtu_measure.PROBE_KEYS
    assert {"pmtu", "blackhole", "recommended_mss", "protocol", "port"} <= set(pmtu_measure.PROBE_KEYS)


def test_a_planned_peer_keeps_its_peer_and_is_probed_in_its_family():
    # The audit's probe play measures its plan in one mtu_facts run: kind, peer and family go through.
    asked = [{"dest": "10.0.0.20", "kind": "peer", "peer": "db-1", "family": "ipv6"},
             {"dest": "10.0.0.1", "kind": "gateway", "family": "ipv4"}]
    probes = measure_all(asked, lambda args: (2, "", "RTNETLINK answers: Network is unreachable"))[0]
    assert probes[0] == {"dest": "10.0.0.20", "kind": "peer", "peer": "db-1", "protocol": "icmp", "port": None,
                         "failed": True, "msg": "dest '10.0.0.20' is an IPv4 address but family is ipv6"}
    assert (probes[1]["kind"], "peer" in probes[1], probes[1]["msg"]) == (
        "gateway", False, "no route to 10.0.0.1: RTNETLINK answers: Network is unreachable")
