"""mtu_facts and the findings on captures of the lab's real hosts (lab/netpath_lab/capture.py).

Each capture holds every command output and file the Gatherer read on one host; replaying them
runs the same code paths as on the host, so these tests check the whole chain from tool output
to finding ids, per host, against the faults the lab was built with.
"""

import json
import re
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, gather

FIXTURES = Path(__file__).parent / "fixtures" / "facts"


class ReplayModule:
    def __init__(self, record, missing_tools=()):
        self.record = record
        self.missing_tools = set(missing_tools)

    def get_bin_path(self, tool):
        return tool if self.record["bins"].get(tool) and tool not in self.missing_tools else None

    def run_command(self, argv):
        key = " ".join(argv)
        if key not in self.record["commands"]:
            raise AssertionError("the capture of %s lacks %r: run lab/netpath_lab/capture.py again" %
                                 (self.record["host"], key))
        return tuple(self.record["commands"][key])


class ReplayGatherer(gather.Gatherer):
    def read(self, path):
        if path not in self.module.record["files"]:
            raise AssertionError("the capture lacks the file %s" % path)
        content = self.module.record["files"][path]
        if content is None:
            raise gather.Unavailable("cannot read %s" % path)
        return content

    def exists(self, path):
        return self.module.record["exists"].get(path, False)

    def dockerd_processes(self):
        # captures before this was gathered had no dockerd running
        return self.module.record.get("dockerd_processes", [])

    def listdir(self, path):
        # captures before the managers part was gathered listed no directory
        return self.module.record.get("listdir", {}).get(path, [])

    def writable(self, path):
        # captures before this was gathered say nothing: writable, as on a machine's own namespace
        return self.module.record.get("writable", {}).get(path, True)


def facts_of(host, missing_tools=()):
    record = json.loads((FIXTURES / ("%s.json" % host)).read_text())
    gatherer = ReplayGatherer(ReplayModule(record, missing_tools), clock=lambda: record["now"])
    return gather.gather(gatherer, gather.PARTS, record["route_targets"]), record


# The probe wg-site-a's audit makes to its WireGuard peer's endpoint (pmtu_probe on the lab).
BLACKHOLE_PROBE = {"dest": "10.2.0.2", "address": "10.2.0.2", "pmtu": 1400, "route_mtu": 1500, "blackhole": True,
                   "icmp_too_big": None, "recommended_mss": 1360, "interface": "eth0", "family": "ipv4"}

EXPECTED = {
    "wg-site-a": [("pmtu_blackhole", "wg0")],
    "wg-router": [("icmp_too_big_blocked", None)],
    "wg-site-b": [("mtu_exceeds_underlay", "wg0")],
    "k3s-server": [("flannel_over_tunnel", "flannel.1")],
    "k3s-agent": [("flannel_over_tunnel", "flannel.1")],
    "co-node": [("docker_mtu_exceeds_uplink", "docker0"), ("missing_mss_clamp", "docker0")],
    "co-router": [],
    "healthy-a": [],
    "healthy-b": [],
}


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_each_lab_host_gets_exactly_its_findings(host):
    facts, _record = facts_of(host)
    assert facts["unavailable"] == {}
    probes = [BLACKHOLE_PROBE] if host == "wg-site-a" else []
    got = [(f["id"], f["interface"]) for f in findings.evaluate(facts, probes, host)]
    assert got == EXPECTED[host]


def test_the_k3s_chain_is_drawn_down_to_the_link():
    facts, _record = facts_of("k3s-server")
    assert facts["chains"] == [[
        {"interface": "cni0", "kind": "bridge", "mtu": 1230, "overhead": 0},
        {"interface": "flannel.1", "kind": "vxlan", "mtu": 1230, "overhead": 50},
        {"interface": "tailscale0", "kind": "wireguard", "mtu": 1280, "overhead": 60},
        {"interface": "eth0", "kind": "veth", "mtu": 1500, "overhead": 0},
    ]]
    assert facts["flannel"]["iface"] == "tailscale0" and facts["flannel"]["mtu"] == 1230
    assert facts["flannel"]["service"] == "k3s"
    tailscale = facts["interfaces"]["tailscale0"]
    assert (tailscale["underlay"], tailscale["max_inner_mtu"]) == ("eth0", 1440)
    assert tailscale["implementation"] == "userspace"


def test_findings_name_values_and_fixes():
    facts, _record = facts_of("wg-site-b")
    (finding,) = findings.evaluate(facts, [], "wg-site-b")
    assert finding["evidence"] == {"interface": "wg0", "kind": "wireguard", "mtu": 1420, "overhead": 60,
                                   "underlay": "eth0", "underlay_mtu": 1400, "max_inner_mtu": 1340}
    # the role measures the path itself (auto) rather than trusting the 1340 computed here
    assert finding["fix"] == {"actions": [{"role": "netpath.mtu.wireguard_mtu",
                                           "vars": {"wireguard_mtu_interface": "wg0", "wireguard_mtu": "auto"}}],
                              "manual": None}
    assert "1480 bytes" in finding["explanation"] and finding["host"] == "wg-site-b"
    facts, _record = facts_of("co-node")
    docker = findings.evaluate(facts, [], "co-node")[0]
    assert docker["evidence"]["bridge_mtu"] == 1500 and docker["evidence"]["uplink_mtu"] == 1450
    assert docker["fix"] == {"actions": [
        {"role": "netpath.mtu.docker_mtu", "vars": {"docker_mtu": 1450, "docker_mtu_restart": False}},
        {"role": "netpath.mtu.mss_clamp", "vars": {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}}],
        "manual": None}


def test_the_blackhole_fix_targets_the_tunnel_on_that_path():
    facts, _record = facts_of("wg-site-a")
    (finding,) = findings.evaluate(facts, [BLACKHOLE_PROBE], "wg-site-a")
    assert finding["evidence"]["tunnel"] == "wg0" and finding["evidence"]["tunnel_mtu"] == 1420
    assert [a["role"] for a in finding["fix"]["actions"]] == ["netpath.mtu.wireguard_mtu"]


def test_no_key_ever_reaches_the_facts():
    for host in ("wg-site-a", "k3s-server", "healthy-a"):
        facts, record = facts_of(host)
        dump = record["commands"]["wg show all dump"][1]
        keys = set(re.findall(r"[A-Za-z0-9+/]{43}=", dump))
        assert keys, "the capture should hold keys to look for"
        text = json.dumps(facts)
        assert not [k for k in keys if k in text]


def test_a_missing_tool_marks_its_part_unavailable_and_nothing_else():
    facts, _record = facts_of("wg-site-a", missing_tools=("wg", "tc"))
    assert facts["unavailable"] == {"wireguard": "wg is not installed", "qdisc": "tc is not installed"}
    assert "interfaces" in facts["gathered"] and facts["interfaces"]["wg0"]["kind"] == "tun"


def test_firewall_parts_need_one_readable_tool():
    facts, _record = facts_of("wg-router", missing_tools=("iptables-save", "ip6tables-save", "nft"))
    assert "neither iptables-save nor nft" in facts["unavailable"]["icmp_filtering"]
    assert "mss_clamp" in facts["unavailable"]


@pytest.mark.parametrize(("subset", "parts"), [
    (["all"], list(gather.PARTS)),
    (["!docker"], [p for p in gather.PARTS if p != "docker"]),
    (["!all"], ["interfaces"]),
    (["!all", "routes"], ["interfaces", "routes"]),
    (["!all", "!interfaces"], []),
    (["!all", "!interfaces", "sysctl"], ["sysctl"]),
    (["interfaces", "docker"], ["interfaces", "docker"]),
    (["all", "!all"], list(gather.PARTS)),
])
def test_gather_subset_is_read_as_ansibles_setup_reads_it(subset, parts):
    assert gather.select_parts(subset) == (parts, None)


def test_an_unknown_part_is_named():
    assert gather.select_parts(["interfaces", "!bogus"]) == (
        None, "gather_subset: unknown part '!bogus'; known: all, " + ", ".join(gather.PARTS))


def test_a_target_without_a_route_says_why():
    class NoRoute(gather.Gatherer):
        def run(self, tool, args):
            if args[:3] == ["-j", "route", "get"]:
                raise gather.Unavailable("ip -j route get %s failed: RTNETLINK answers: Network is unreachable"
                                         % args[3])
            return "[]"

    routes = NoRoute(module=None).routes(["10.9.9.9", "junk", "-h", "1.2.3.4.5", ""])
    assert routes["targets"] == {"10.9.9.9": None, "junk": None, "-h": None, "1.2.3.4.5": None, "": None}
    assert routes["no_route"]["10.9.9.9"].endswith("Network is unreachable")
    assert routes["no_route"]["junk"] == "'junk' is not an IPv4 or IPv6 address (ip route get takes no names)"
    assert set(routes["no_route"]) == {"10.9.9.9", "junk", "-h", "1.2.3.4.5", ""}
