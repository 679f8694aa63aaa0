"""Each finding rule on small hand-made facts: when it fires, when it must not, what it says."""

import json
import re
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, mss_clamp

DESIGN_IDS = ["pmtu_blackhole", "mtu_exceeds_underlay", "double_encapsulation", "flannel_over_tunnel",
              "docker_mtu_exceeds_uplink", "missing_mss_clamp", "mss_clamp_exceeds_path", "icmp_too_big_blocked",
              "rp_filter_strict", "softirq_single_core", "udp_buffer_errors", "conntrack_drops", "fifo_qdisc",
              "wireguard_stale_handshake", "wireguard_no_keepalive"]


def link(kind="veth", mtu=1500, underlay=None, underlay_mtu=None, overhead=0, max_inner=None, addresses=()):
    return {"kind": kind, "mtu": mtu, "underlay": underlay, "underlay_mtu": underlay_mtu, "overhead": overhead,
            "max_inner_mtu": max_inner, "addresses": list(addresses)}


def ids(facts, probes=None):
    return [f["id"] for f in findings.evaluate(facts, probes, "h")]


def test_every_design_id_has_a_rule():
    assert sorted(findings.IDS) == sorted(DESIGN_IDS)


def test_an_empty_host_has_no_findings():
    assert findings.evaluate({}, [], "h") == []


def test_double_encapsulation_outside_flannel():
    facts = {"interfaces": {"vx0": link("vxlan", 1370, "wg0", 1420, 50, 1370),
                            "wg0": link("wireguard", 1420, "eth0", 1500, 80, 1420),
                            "eth0": link()},
             "chains": [[{"interface": "vx0", "kind": "vxlan", "mtu": 1370, "overhead": 50},
                         {"interface": "wg0", "kind": "wireguard", "mtu": 1420, "overhead": 80},
                         {"interface": "eth0", "kind": "veth", "mtu": 1500, "overhead": 0}]]}
    (finding,) = findings.evaluate(facts, [], "h")
    assert finding["id"] == "double_encapsulation" and finding["evidence"]["overhead"] == 130
    assert finding["evidence"]["chain"] == ["vx0", "wg0", "eth0"]


def test_rp_filter_strict_only_where_paths_can_be_asymmetric():
    facts = {"interfaces": {"eth0": link(), "eth1": link()},
             "sysctl": {"rp_filter": {"all": 0, "eth0": 1, "eth1": 0}}, "routes": {"rules": []}}
    assert ids(facts) == []
    facts["routes"]["rules"] = [{"priority": 100, "table": "vpn", "selector": {}}]
    (finding,) = findings.evaluate(facts, [], "h")
    assert (finding["id"], finding["interface"]) == ("rp_filter_strict", "eth0")
    facts["sysctl"]["rp_filter"]["all"] = 1  # the kernel takes max(all, interface): all=1 makes eth1 strict
    assert [f["interface"] for f in findings.evaluate(facts, [], "h")] == ["eth0", "eth1"]
    facts["sysctl"]["rp_filter"]["eth1"] = 2  # ... and eth1=2 keeps it loose
    assert [f["interface"] for f in findings.evaluate(facts, [], "h")] == ["eth0"]


@pytest.mark.parametrize(("counts", "fires"), [
    ([2000000, 10000], True), ([600000, 500000], False), ([5000, 0], False), ([3000000], False)])
def test_softirq_single_core(counts, fires):
    assert ids({"softirq": {"net_rx": counts}}) == (["softirq_single_core"] if fires else [])


def test_udp_buffer_errors():
    assert ids({"counters": {"udp": {"RcvbufErrors": 0, "SndbufErrors": 0}}}) == []
    (finding,) = findings.evaluate({"counters": {"udp": {"RcvbufErrors": 17, "SndbufErrors": 0}},
                                    "sysctl": {"net.core.rmem_max": 212992}}, [], "h")
    assert finding["evidence"] == {"RcvbufErrors": 17, "rmem_max": 212992, "wmem_max": None,
                                   "counted": "totals since boot"}


def load_test(net_rx, udp, seconds=3.0):
    """A load_probe result of two runs, its counters split between them."""
    half = [n // 2 for n in net_rx]
    return {"runs": [{"counters": {"seconds": seconds / 2, "net_rx": half, "udp": dict(udp)}},
                     {"counters": {"seconds": seconds / 2, "net_rx": [n - h for n, h in zip(net_rx, half, strict=True)],
                                   "udp": dict((k, 0) for k in udp)}}]}


def test_counter_rules_read_the_load_test_when_one_ran():
    # a host that once had a bad night: the totals since boot say so, the load test says it is quiet now
    at_rest = {"softirq": {"net_rx": [2000000, 10000]}, "counters": {"udp": {"RcvbufErrors": 17}},
               "sysctl": {"net.core.rmem_max": 212992, "net.core.wmem_max": 212992}}
    assert ids(at_rest) == ["softirq_single_core", "udp_buffer_errors"]
    quiet = load_test([4000, 3900], {"RcvbufErrors": 0, "SndbufErrors": 0})
    assert [f["id"] for f in findings.evaluate(at_rest, [], "h", quiet)] == []
    # failing now: a few seconds of load decide, far below the million of the boot totals
    failing = load_test([9000, 40], {"RcvbufErrors": 0, "SndbufErrors": 12}, seconds=6.0)
    softirq, udp = findings.evaluate({"sysctl": at_rest["sysctl"]}, [], "h", failing)
    assert softirq["evidence"] == {"cpu": 0, "share": 0.996, "net_rx": [9000, 40],
                                   "counted": "during a load test of 6.0 s"}
    assert "during a load test of 6.0 s" in softirq["explanation"]
    assert udp["evidence"]["SndbufErrors"] == 12 and udp["evidence"]["counted"] == "during a load test of 6.0 s"
    # too few events in the test to judge a share
    assert [f["id"] for f in findings.evaluate({}, [], "h", load_test([500, 0], {}))] == []


def test_conntrack_drops_and_a_full_table():
    quiet = {"conntrack": {"count": 10, "max": 100, "per_cpu": [{"cpu": 0, "drop": 0, "insert_failed": 0}]}}
    assert ids(quiet) == []
    assert ids({"conntrack": {"count": 10, "max": 100, "per_cpu": [{"drop": 3}, {"insert_failed": 1}]}}) == [
        "conntrack_drops"]
    assert ids({"conntrack": {"count": 95, "max": 100, "per_cpu": []}}) == ["conntrack_drops"]


def test_fifo_qdisc_only_when_it_queued():
    facts = {"interfaces": {"eth0": link()}, "qdisc": {"eth0": {"kind": "pfifo_fast", "drops": 0, "backlog": 0}}}
    assert ids(facts) == []
    facts["qdisc"]["eth0"]["drops"] = 42
    assert ids(facts) == ["fifo_qdisc"]
    facts["qdisc"]["eth0"]["kind"] = "fq_codel"
    assert ids(facts) == []


def peer(**values):
    base = {"endpoint": "203.0.113.7:51820", "latest_handshake": 1000, "handshake_age": 30,
            "persistent_keepalive": 25, "tx_bytes": 100, "rx_bytes": 100}
    base.update(values)
    return base


@pytest.mark.parametrize(("values", "fires"), [
    ({}, False),
    ({"handshake_age": 900}, True),  # a keepalive should have kept it fresh
    ({"handshake_age": 900, "persistent_keepalive": None}, False),  # an idle tunnel without keepalive
    ({"latest_handshake": 0, "handshake_age": None, "tx_bytes": 500}, True),  # sent, never answered
    ({"latest_handshake": 0, "handshake_age": None, "tx_bytes": 0}, False),  # never used
])
def test_wireguard_stale_handshake(values, fires):
    facts = {"wireguard": {"wg0": {"peers": [peer(**values)]}}}
    assert ids(facts) == (["wireguard_stale_handshake"] if fires else [])


def test_wireguard_no_keepalive_behind_nat_only():
    interfaces = {"wg0": link("wireguard", 1420, "eth0", 1500, 60, 1440), "eth0": link(addresses=["192.168.1.5/24"])}
    facts = {"interfaces": interfaces, "wireguard": {"wg0": {"peers": [peer(persistent_keepalive=None)]}}}
    assert ids(facts) == ["wireguard_no_keepalive"]
    facts["wireguard"]["wg0"]["peers"][0]["endpoint"] = "10.0.0.9:51820"  # a peer on the same private network
    assert ids(facts) == []
    interfaces["eth0"]["addresses"] = ["198.51.100.4/24"]  # this host has a public address
    facts["wireguard"]["wg0"]["peers"][0]["endpoint"] = "203.0.113.7:51820"
    assert ids(facts) == []


def test_a_probe_that_is_not_a_black_hole_raises_nothing():
    honest = {"dest": "10.61.0.2", "pmtu": 1380, "route_mtu": 1500, "blackhole": False, "icmp_too_big": 1380}
    assert ids({}, [honest, {"failed": True, "msg": "does not answer"}]) == []


def test_findings_come_errors_first_and_each_paragraph_is_one_line():
    facts = {"softirq": {"net_rx": [2000000, 1]}, "icmp_filtering": {"rules": [{"rule": "-A OUTPUT ...",
                                                                                "chain": "OUTPUT"}]}}
    result = findings.evaluate(facts, [], "h")
    assert [f["severity"] for f in result] == ["error", "warning"]
    for finding in result:
        assert "\n" not in finding["explanation"] and "  " not in finding["explanation"]
        assert set(finding) == {"id", "severity", "host", "interface", "evidence", "explanation", "fix"}


def test_the_docs_list_the_same_ids():
    design = Path(__file__).resolve().parents[4] / "plugins" / "filter" / "findings.py"
    listed = design.read_text().split("ids are stable")[1].split("options:")[0]
    assert sorted(re.findall(r"V\((\w+)\)", listed)) == sorted(DESIGN_IDS)


def test_udp_buffer_errors_once_the_buffers_are_raised_and_where_they_cannot_be():
    # the counters add up since boot: after the fix, old errors are no news
    assert ids({"counters": {"udp": {"RcvbufErrors": 17}},
                "sysctl": {"net.core.rmem_max": 8388608, "net.core.wmem_max": 8388608}}) == []
    # inside a container /proc/sys shows net.core.rmem_max read-only: the evidence says so
    (finding,) = findings.evaluate({"counters": {"udp": {"RcvbufErrors": 2084}},
                                    "sysctl": {"net.core.rmem_max": 4194304, "net.core.wmem_max": 4194304,
                                               "read_only": ["net.core.rmem_max", "net.core.wmem_max"]}}, [], "h")
    assert finding["evidence"]["read_only"] == ["net.core.rmem_max", "net.core.wmem_max"]


def test_docker_mtu_waiting_for_a_restart_behind_a_clamp_is_info():
    facts = {"interfaces": {"eth0": {"kind": "veth", "mtu": 1450, "underlay": None},
                            "docker0": {"kind": "bridge", "mtu": 1500, "underlay": "eth0"}},
             "docker": {"bridges": {"docker0": 1500}, "daemon_mtu": 1450}}
    (before,) = [f for f in findings.evaluate(facts, [], "h") if f["id"] == "docker_mtu_exceeds_uplink"]
    assert before["severity"] == "error"
    facts["mss_clamp"] = [{"chain": "FORWARD", "clamp_to_pmtu": True}]
    (after,) = [f for f in findings.evaluate(facts, [], "h") if f["id"] == "docker_mtu_exceeds_uplink"]
    assert after["severity"] == "info" and "restart Docker when it suits you" in after["explanation"]


def test_a_black_hole_under_a_tunnel_that_fits_is_info():
    facts = {"interfaces": {"eth0": {"kind": "veth", "mtu": 1500, "underlay": None},
                            "wg0": {"kind": "wireguard", "mtu": 1420, "overhead": 60, "underlay": "eth0"}}}
    probe = {"blackhole": True, "interface": "eth0", "address": "10.2.0.2", "pmtu": 1400, "route_mtu": 1500,
             "recommended_mss": 1360}
    assert [x["severity"] for x in findings.evaluate(facts, [probe], "h") if x["id"] == "pmtu_blackhole"] == ["error"]
    facts["interfaces"]["wg0"]["mtu"] = 1340
    assert [x["severity"] for x in findings.evaluate(facts, [probe], "h") if x["id"] == "pmtu_blackhole"] == ["info"]


# Severity from impact: a fault on an interface that carries nothing now is at most a warning,
# and its text says when it will bite instead of what is failing.
def docker_host(state="down", ports=(), networks=None, bridge="docker0"):
    links = {"eth0": dict(link("physical", 1450), state="up"),
             bridge: dict(link("bridge", 1500, "eth0"), state=state)}
    for port in ports:
        links[port] = dict(link("veth", 1500), state="up", master=bridge)
    return {"interfaces": links, "sysctl": {"net.ipv4.ip_forward": 1},
            "docker": {"bridges": {bridge: 1500}, "daemon_mtu": None, "networks": networks}}


def by_id(facts, fid):
    (found,) = [item for item in findings.evaluate(facts, [], "node-1") if item["id"] == fid]
    return found


def test_a_docker0_down_with_nothing_attached_is_a_warning_that_will_bite():
    docker = by_id(docker_host(), "docker_mtu_exceeds_uplink")
    assert docker["severity"] == "warning" and docker["evidence"]["affects_now"] is False
    assert "will bite when containers start" in docker["explanation"]
    assert "veth" not in docker["explanation"] and "nothing is attached to docker0" in docker["explanation"]
    # docker0 takes daemon.json's MTU with a restart of Docker: no network to make again
    assert "restart Docker" in docker["explanation"] and "again" not in docker["explanation"]
    clamp = by_id(docker_host(), "missing_mss_clamp")
    assert clamp["severity"] == "warning" and clamp["evidence"]["affects_now"] is False
    assert "forwards nothing from it now" in clamp["explanation"]


def test_a_docker0_with_containers_is_an_error_naming_what_is_attached():
    docker = by_id(docker_host("up", ["veth1a2b"]), "docker_mtu_exceeds_uplink")
    assert docker["severity"] == "error" and "affects_now" not in docker["evidence"]
    assert "1 interface attached (veth1a2b)" in docker["explanation"]
    assert "will bite" not in docker["explanation"]
    # down but something attached (the bridge set down by hand): the containers are cut off, not safe
    assert by_id(docker_host("down", ["veth1a2b"]), "docker_mtu_exceeds_uplink")["severity"] == "error"
    # a state the facts do not give is never taken for idle
    facts = docker_host()
    del facts["interfaces"]["docker0"]["state"]
    assert by_id(facts, "docker_mtu_exceeds_uplink")["severity"] == "error"


def test_a_user_network_needs_making_again_not_a_restart():
    networks = [{"name": "bridge", "bridge": "docker0"}, {"name": "backend", "bridge": "br-5e1f"}]
    docker = by_id(docker_host("up", ["veth9"], networks, bridge="br-5e1f"), "docker_mtu_exceeds_uplink")
    assert docker["evidence"]["network"] == "backend" and docker["evidence"]["default_bridge"] is False
    assert "make the network backend again with -o com.docker.network.driver.mtu=1450" in docker["explanation"]
    assert "restart Docker" not in docker["explanation"]
    # once daemon.json and the clamp are there, a restart would not help it: a human's, saying so
    facts = docker_host("up", ["veth9"], networks, bridge="br-5e1f")
    facts["docker"]["daemon_mtu"], facts["mss_clamp"] = 1450, [{"chain": "FORWARD"}]
    waiting = by_id(facts, "docker_mtu_exceeds_uplink")
    assert waiting["severity"] == "info" and "network backend again" in waiting["fix"]["manual"]


def test_a_tunnel_that_is_down_is_a_warning():
    facts = {"interfaces": {"eth0": link("physical", 1400),
                            "wg0": dict(link("wireguard", 1420, "eth0", 1400, 60, 1340), state="down")}}
    found = by_id(facts, "mtu_exceeds_underlay")
    assert found["severity"] == "warning" and "will bite when it comes up" in found["explanation"]
    facts["interfaces"]["wg0"]["state"] = "unknown"  # how a WireGuard link that is up reports
    assert by_id(facts, "mtu_exceeds_underlay")["severity"] == "error"


# --- mss_clamp_exceeds_path: a clamp that is there but too large -----------------------------------

def clamp(chain="FORWARD", mss=None, out=None, family="ipv4", **extra):
    rule = {"backend": "iptables", "family": family, "table": "mangle", "chain": chain, "hook": chain.lower(),
            "mss": mss, "clamp_to_pmtu": mss is None, "out_interface": out, "conditions": [], "shadowed": False,
            "rule": "-A %s -j TCPMSS %s" % (chain, "--set-mss %d" % mss if mss else "--clamp-mss-to-pmtu")}
    rule.update(extra)
    return rule


def path(pmtu=1450, route_mtu=1500, interface="eth0", blackhole=True, address="198.51.100.10", family="ipv4"):
    return {"dest": address, "address": address, "pmtu": pmtu, "route_mtu": route_mtu, "interface": interface,
            "blackhole": blackhole, "family": family}


def clamp_findings(rules, probes, forwarding=1):
    facts = {"mss_clamp": rules, "sysctl": {"net.ipv4.ip_forward": forwarding}}
    return [f for f in findings.evaluate(facts, probes, "h") if f["id"] == "mss_clamp_exceeds_path"]


def test_a_fixed_mss_above_the_path_is_named_with_its_numbers():
    (finding,) = clamp_findings([clamp(mss=1460)], [path(route_mtu=1450, blackhole=False)])
    assert (finding["severity"], finding["interface"]) == ("warning", "eth0")
    evidence = finding["evidence"]
    assert (evidence["clamp_mss"], evidence["path_mss"], evidence["traffic"]) == (1460, 1410, ["forwarded"])
    assert evidence["rules"] == [{"rule": "-A FORWARD -j TCPMSS --set-mss 1460", "chain": "FORWARD",
                                  "backend": "iptables", "mss": 1460, "from": "set-mss"}]
    assert "1460" in finding["explanation"] and "1410" in finding["explanation"]
    assert finding["fix"]["actions"] == [{"role": "netpath.mtu.mss_clamp", "vars": {
        "mss_clamp_chain": "FORWARD", "mss_clamp_mss": 1410, "mss_clamp_family": "ipv4"}}]


def test_clamp_to_pmtu_on_a_wide_route_in_front_of_a_narrower_hop():
    (finding,) = clamp_findings([clamp()], [path(pmtu=1450, route_mtu=1500)])
    assert finding["severity"] == "error"  # the probe found the larger packets vanishing
    assert finding["evidence"]["clamp_mss"] == 1460
    assert finding["evidence"]["rules"][0]["from"] == "clamp-to-pmtu, route MTU 1500"
    # on a route as narrow as the path, clamp-to-PMTU is right
    assert clamp_findings([clamp()], [path(pmtu=1450, route_mtu=1450)]) == []


@pytest.mark.parametrize(("rules", "fires"), [
    ([clamp(mss=1460), clamp(mss=1400)], False),  # TCPMSS only lowers: the lowest rule decides
    ([clamp(mss=1460), clamp()], True),  # clamp-to-PMTU on the 1500 route gives 1460 too
    ([clamp(mss=1410)], False),  # exactly what the path carries
    ([clamp(mss=1460, out="eth1")], False),  # another interface's rule: these SYNs never meet it
    ([clamp(mss=1460, out="eth0")], True),
    ([clamp(mss=1460, family="ipv6")], False),
    ([clamp(mss=1460, family="both")], True),  # an nftables inet rule
    ([clamp(mss=1460, conditions=["-s 10.1.0.0/16"])], False),  # only part of the traffic: not trusted
    ([clamp(mss=1460, shadowed=True)], False),
    ([clamp(mss=1460, chain="INPUT")], False),  # a hook outgoing SYNs do not pass
    ([clamp("OUTPUT", mss=1460)], True),  # the host's own connections
    ([], False),  # no clamp at all is missing_mss_clamp's or pmtu_blackhole's business
])
def test_which_rules_count(rules, fires):
    assert bool(clamp_findings(rules, [path()])) == fires


def nft_output_chain(*values):
    """`nft -j list ruleset` of one output chain whose rules set the MSS to `values`, in that order."""
    flags = {"payload": {"protocol": "tcp", "field": "flags"}}
    syn = {"match": {"op": "==", "left": {"&": [flags, ["syn", "rst"]]}, "right": "syn"}}
    items = [{"table": {"family": "ip", "name": "user"}},
             {"chain": {"family": "ip", "table": "user", "name": "out", "type": "filter", "hook": "output",
                        "prio": -150, "policy": "accept"}}]
    items += [{"rule": {"family": "ip", "table": "user", "chain": "out", "handle": index, "expr": [
        syn, {"mangle": {"key": {"tcp option": {"name": "maxseg", "field": "size"}}, "value": value}}]}}
        for index, value in enumerate(values, start=2)]
    return json.dumps({"nftables": items})


@pytest.mark.parametrize("values", [(1300, 1350), (1350, 1300)])
def test_nft_maxseg_set_only_lowers_so_the_lowest_rule_counts_in_any_order(values):
    # nft_exthdr_tcp_set_eval leaves an MSS at or below the value it sets (Linux >= 4.14): the
    # lab's real SYNs carry 1300 with either order (tests/playbooks/test_link_persist_managers.py)
    rules = mss_clamp.find_clamp_rules(nft_ruleset=nft_output_chain(*values))
    assert [(r["backend"], r["hook"], r["mss"], r["conditions"]) for r in rules] == [
        ("nftables", "output", value, []) for value in values]
    (finding,) = clamp_findings(rules, [path(pmtu=1200)])
    assert (finding["evidence"]["clamp_mss"], finding["evidence"]["traffic"]) == (1300, ["local"])
    assert clamp_findings(rules, [path(pmtu=1340)]) == []  # 1300 fits a 1340-byte path


def test_forward_rules_count_only_where_the_host_forwards_and_the_chain_fits_the_traffic():
    assert clamp_findings([clamp(mss=1460)], [path()], forwarding=0) == []
    (local,) = clamp_findings([clamp("OUTPUT", mss=1460)], [path()], forwarding=0)
    assert local["fix"]["actions"][0]["vars"]["mss_clamp_chain"] == "OUTPUT"
    (both,) = clamp_findings([clamp("POSTROUTING", mss=1460)], [path()])
    assert both["evidence"]["traffic"] == ["forwarded", "local"]
    assert both["fix"]["actions"][0]["vars"]["mss_clamp_chain"] == "POSTROUTING"


def test_ipv6_takes_60_bytes_and_one_finding_per_interface_for_the_narrowest_path():
    (six,) = clamp_findings([clamp(mss=1400, family="ipv6")],
                            [path(pmtu=1400, address="2001:db8::10", family=None)])
    assert (six["evidence"]["path_mss"], six["evidence"]["family"]) == (1340, "ipv6")
    (finding,) = clamp_findings([clamp(mss=1460)], [path(pmtu=1450, address="198.51.100.10"),
                                                    path(pmtu=1400, address="198.51.100.20")])
    assert (finding["evidence"]["dest"], finding["evidence"]["path_mss"]) == ("198.51.100.20", 1360)


def test_the_finding_clears_once_our_clamp_at_the_path_mss_is_there():
    rules = [clamp(mss=1460)]
    (finding,) = clamp_findings(rules, [path()])
    ours = finding["fix"]["actions"][0]["vars"]
    rules.append(clamp(ours["mss_clamp_chain"], mss=ours["mss_clamp_mss"], comment="netpath.mtu", ours=True))
    assert clamp_findings(rules, [path()]) == []
