"""mtu_facts and the findings on captures of the lab's real hosts (lab/netpath_lab/capture.py).

Each capture holds every command output and file the Gatherer read on one host; replaying them
runs the same code paths as on the host, so these tests check the whole chain from tool output
to finding ids, per host, against the faults the lab was built with.
"""

import json
import re
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, gather, topology

FIXTURES = Path(__file__).parent / "fixtures" / "facts"


# Read since the captures were made (the routes part's IPv6 default route, which the interfaces part
# reads only when there is no IPv4 one): replayed as a failed command, which the gatherer takes as
# no route of that family.
NOT_CAPTURED = {"ip -6 -j route show default"}
# Captures made before the ipsec part was gathered: the lab's kernel has no ESP, so `ip xfrm` gives
# nothing there, as it is replayed.
BEFORE_IPSEC = {"ip xfrm state": (0, "", ""), "ip xfrm policy": (0, "", "")}


class ReplayModule:
    def __init__(self, record, missing_tools=()):
        self.record = record
        self.missing_tools = set(missing_tools)

    def get_bin_path(self, tool):
        return tool if self.record["bins"].get(tool) and tool not in self.missing_tools else None

    def run_command(self, argv):
        key = " ".join(argv)
        if key in NOT_CAPTURED and key not in self.record["commands"]:
            return 1, "", "not in this capture"
        if key in BEFORE_IPSEC and key not in self.record["commands"]:
            return BEFORE_IPSEC[key]
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

    def list_dir(self, path):
        # captures before this was gathered listed no directory: as an empty one
        return self.module.record.get("dirs", {}).get(path, [])

    def tun_processes(self):
        # captures before this was gathered have no TUN owners: null, as when /proc cannot be read
        return self.module.record.get("tun_processes", [])

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
    "cni-node": [("mtu_exceeds_underlay", "cali5e3a1f0b2c4")],
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
        {"interface": "tailscale0", "kind": "wireguard", "mtu": 1280, "overhead": 60, "owner": "wireguard-go"},
        {"interface": "eth0", "kind": "veth", "mtu": 1500, "overhead": 0},
    ]]
    assert facts["flannel"]["iface"] == "tailscale0" and facts["flannel"]["mtu"] == 1230
    assert facts["flannel"]["service"] == "k3s"
    tailscale = facts["interfaces"]["tailscale0"]
    assert (tailscale["underlay"], tailscale["max_inner_mtu"]) == ("eth0", 1440)
    assert tailscale["implementation"] == "userspace"
    # the lab's tailscale0 is wireguard-go's TUN (a stand-in for Tailscale), and the finding says so
    assert (tailscale["owner"], tailscale["tun_type"]) == ("wireguard-go", "tun")
    (finding,) = findings.evaluate(facts, [], "k3s-server")
    assert finding["evidence"]["carrier_owner"] == "wireguard-go"
    assert "tailscale0 (wireguard-go)" in finding["explanation"]


def test_a_calico_node_wider_than_its_uplink_is_named_from_its_real_file_and_veth():
    # lab topology cni_calico: Calico's own conflist and a pod veth, no Calico daemon (none can run here)
    facts, _record = facts_of("cni-node")
    assert (facts["cni"]["plugin"], facts["cni"]["mtu"], facts["cni"]["mtu_source"]) == ("calico", 1500, "config")
    assert facts["cni"]["pod_veths"] == {"cali5e3a1f0b2c4": 1500}
    (finding,) = findings.evaluate(facts, [], "cni-node")
    assert finding["evidence"]["config"] == "/etc/cni/net.d/10-calico.conflist"
    assert (finding["evidence"]["uplink"], finding["evidence"]["max_mtu"]) == ("eth0", 1450)
    assert finding["fix"]["actions"] == [] and "calico-node" in finding["fix"]["manual"]


def test_findings_name_values_and_fixes():
    facts, _record = facts_of("wg-site-b")
    (finding,) = findings.evaluate(facts, [], "wg-site-b")
    assert finding["evidence"] == {"interface": "wg0", "kind": "wireguard", "mtu": 1420, "overhead": 60,
                                   "underlay": "eth0", "underlay_mtu": 1400, "max_inner_mtu": 1340,
                                   "state": "unknown"}
    # the role measures the path itself (auto) rather than trusting the 1340 computed here
    assert finding["fix"]["actions"] == [{"role": "netpath.mtu.wireguard_mtu",
                                          "vars": {"wireguard_mtu_interface": "wg0", "wireguard_mtu": "auto"}}]
    assert finding["fix"]["manual"] is None and "--limit wg-site-b,localhost" in finding["fix"]["command"]
    assert "1480 bytes" in finding["explanation"] and finding["host"] == "wg-site-b"
    facts, _record = facts_of("co-node")
    docker = findings.evaluate(facts, [], "co-node")[0]
    assert docker["evidence"]["bridge_mtu"] == 1500 and docker["evidence"]["uplink_mtu"] == 1450
    assert docker["fix"]["actions"] == [
        {"role": "netpath.mtu.docker_mtu", "vars": {"docker_mtu": 1450, "docker_mtu_restart": False}},
        {"role": "netpath.mtu.mss_clamp", "vars": {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}}]


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


def test_the_default_routes_give_the_gateway_and_the_address_the_host_sends_from():
    class Defaults(gather.Gatherer):
        def run(self, tool, args):
            return {
                "-4": '[{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]}]',
                "-6": '[{"dst":"default","gateway":"fe80::1","dev":"eth1","prefsrc":"2001:db8::5","flags":[]}]',
            }[args[0]] if args[1:] == ["-j", "route", "show", "default"] else "[]"

    links = {"eth0": {"addresses": ["127.0.0.2/8", "192.0.2.9/24", "10.0.0.10/24", "fe80::2/64"]}}
    default = Defaults(module=None).routes([], links)["default"]
    # the address on the gateway's subnet, not the first one; IPv6 takes the route's own source
    assert default == {"ipv4": {"interface": "eth0", "gateway": "10.0.0.1", "address": "10.0.0.10"},
                       "ipv6": {"interface": "eth1", "gateway": "fe80::1", "address": "2001:db8::5"}}


@pytest.mark.parametrize(("addresses", "version", "gateway", "chosen"), [
    (["192.0.2.9/24", "10.0.0.10/24"], 4, "10.0.0.1", "10.0.0.10"),
    (["192.0.2.9/24", "10.0.0.10/24"], 4, None, "192.0.2.9"),
    (["fe80::2/64", "2001:db8::5/64"], 6, "fe80::1", "2001:db8::5"),
    (["fe80::2/64", "127.0.0.1/8"], 6, "fe80::1", None),
    (["10.0.0.10/24"], 6, None, None),
])
def test_the_source_address_of_a_default_route(addresses, version, gateway, chosen):
    assert topology.source_address(addresses, version, gateway) == chosen
