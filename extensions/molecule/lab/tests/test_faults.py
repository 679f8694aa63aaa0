"""Each seed's fault is really there on the lab, shown with real traffic and the hosts' own state.

These tests do not use the lab's code: they look at the containers directly (testinfra's docker
backend), so a lab that builds the wrong thing fails here.
"""

import json

import pytest
import testinfra

TRANSFER_SECONDS = 5
BULK = 20_000_000


def host(name):
    return testinfra.get_host(f"docker://{name}")


def link(name, ifname, netns=None):
    cmd = f"ip -d -j link show dev {ifname}"
    if netns:
        cmd = f"ip netns exec {netns} {cmd}"
    return json.loads(host(name).check_output(cmd))[0]


def http_get(name, url):
    out = host(name).run(
        f"curl -s -o /dev/null --max-time {TRANSFER_SECONDS} -w '%{{http_code}} %{{size_download}}' {url}"
    )
    code, size = out.stdout.split()
    return code, int(size)


def http_post(name, url, size):
    return host(name).run(
        f"head -c {size} /dev/zero | curl -s --max-time {TRANSFER_SECONDS} -X POST --data-binary @- {url}"
    )


class TestWireguardBlackhole:
    """Seed 001: WireGuard at 1420 across a 1400 link, ICMP frag-needed dropped on the router."""

    def test_the_path_is_narrower_than_the_tunnel_needs(self):
        assert link("wg-site-a", "wg0")["mtu"] == 1420
        assert link("wg-router", "eth1")["mtu"] == 1400
        assert link("wg-router", "eth0")["mtu"] == 1500

    def test_the_router_drops_fragmentation_needed(self):
        rules = host("wg-router").check_output("iptables -S OUTPUT")
        assert "--icmp-type 3/4 -j DROP" in rules or "fragmentation-needed -j DROP" in rules

    def test_ping_through_the_tunnel_works(self):
        assert host("wg-site-b").run("ping -c 2 -W 1 10.20.0.1").rc == 0

    def test_a_small_http_request_works(self):
        assert http_get("wg-site-b", "http://10.20.0.1:8080/bytes/512") == ("200", 512)

    def test_a_bulk_transfer_stalls(self):
        code, moved = http_get("wg-site-b", f"http://10.20.0.1:8080/bytes/{BULK}")
        # A healthy lab path moves 20 MB in well under a second; this one is wedged.
        assert moved < BULK // 100, f"moved {moved} bytes: the black hole is not there"

    def test_full_size_packets_vanish_without_a_too_big_message(self):
        result = host("wg-site-b").run("ping -c 2 -W 1 -M do -s 1392 10.20.0.1")
        assert result.rc != 0
        assert "Frag needed" not in result.stdout + result.stderr


class TestCloudOverlay:
    """Seed 002: docker0 and veths at 1500 on a 1450 uplink, too-big messages lost on the way."""

    def test_bridge_and_uplink_mtus(self):
        assert link("co-node", "docker0")["mtu"] == 1500
        assert link("co-node", "veth0a1b2c3")["mtu"] == 1500
        assert link("co-node", "eth0")["mtu"] == 1450
        assert link("co-app", "eth0")["mtu"] == 1500

    def test_a_small_post_from_the_container_works(self):
        result = http_post("co-app", "http://198.51.100.10:8080/echo", 200)
        assert result.rc == 0 and result.stdout.strip() == "200"

    def test_a_post_of_a_few_kb_from_the_container_times_out(self):
        result = http_post("co-app", "http://198.51.100.10:8080/echo", 8000)
        assert result.rc == 28, f"curl exit {result.rc}, answer {result.stdout!r}: expected a time-out"

    def test_the_same_post_from_the_node_works(self):
        result = http_post("co-node", "http://198.51.100.10:8080/echo", 8000)
        assert result.rc == 0 and result.stdout.strip() == "8000"


class TestK3sDoubleTunnel:
    """Seed 000: flannel-iface: tailscale0 puts flannel's VXLAN on a 1280 WireGuard device."""

    @pytest.mark.parametrize("node", ["k3s-server", "k3s-agent"])
    def test_pod_mtu_is_1230(self, node):
        assert host(node).file("/run/flannel/subnet.env").contains("^FLANNEL_MTU=1230$")
        assert link(node, "tailscale0")["mtu"] == 1280
        vxlan = link(node, "flannel.1")
        assert vxlan["mtu"] == 1230
        assert vxlan["linkinfo"]["info_kind"] == "vxlan"
        assert link(node, "cni0")["mtu"] == 1230
        assert link(node, "eth0", netns="pod-web")["mtu"] == 1230

    @pytest.mark.parametrize(("node", "service"), [("k3s-server", "k3s"), ("k3s-agent", "k3s-agent")])
    def test_the_k3s_unit_is_the_labelled_stand_in(self, node, service):
        unit = host(node).service(service)
        assert unit.is_running and unit.is_enabled
        assert "LAB MOCK" in host(node).check_output(f"systemctl show -p Description --value {service}")
        assert host(node).file("/etc/rancher/k3s/config.yaml").contains("^flannel-iface: tailscale0$")

    def test_vxlan_rides_on_tailscale0(self):
        vxlan = link("k3s-server", "flannel.1")["linkinfo"]["info_data"]
        assert vxlan["local"] == "100.64.0.1"
        assert vxlan["port"] == 8472

    def test_pods_reach_each_other_through_both_tunnels(self):
        assert host("k3s-server").run("ip netns exec pod-web ping -c 2 -W 1 10.42.1.10").rc == 0


class TestProbePaths:
    """Paths for pmtu_probe: an honest router and a lossy black hole."""

    def test_the_honest_router_says_fragmentation_needed(self):
        result = host("pp-client").run("ping -c 1 -W 1 -M do -s 1400 10.61.0.2")
        assert "Frag needed and DF set (mtu = 1380)" in result.stdout + result.stderr

    def test_the_lossy_path_is_silent_and_lossy(self):
        result = host("pp-client").run("ping -c 1 -W 1 -M do -s 1400 10.62.0.2")
        assert result.rc != 0 and "Frag needed" not in result.stdout + result.stderr
        rules = host("pp-router").check_output("iptables -S FORWARD")
        assert "-o eth2 -m statistic --mode random --probability 0.1" in rules


class TestHealthy:
    def test_a_bulk_transfer_completes(self):
        assert http_get("healthy-b", f"http://10.30.0.1:8080/bytes/{BULK}") == ("200", BULK)

    def test_a_post_of_a_few_kb_completes(self):
        result = http_post("healthy-a", "http://10.30.0.2:8080/echo", 8000)
        assert result.rc == 0 and result.stdout.strip() == "8000"


class TestCniCalico:
    """A Calico node whose config gives pods 1500 over a 1450 uplink (no CNI daemon runs: its file and veth)."""

    def test_calicos_own_config_gives_pods_1500(self):
        conflist = json.loads(host("cni-node").file("/etc/cni/net.d/10-calico.conflist").content_string)
        assert conflist["plugins"][0]["type"] == "calico" and conflist["plugins"][0]["mtu"] == 1500

    def test_the_pod_veth_is_at_1500_and_the_uplink_at_1450(self):
        assert link("cni-node", "cali5e3a1f0b2c4")["mtu"] == 1500
        assert link("cni-node", "eth0")["mtu"] == 1450

    def test_a_full_size_pod_packet_reaches_the_node_but_cannot_leave_by_the_uplink(self):
        assert host("cni-pod").run("ping -M do -s 1472 -c 1 -W 1 10.72.0.1").rc == 0
        assert host("cni-node").run("ping -M do -s 1472 -c 1 -W 1 10.71.0.2").rc != 0
        assert host("cni-node").run("ping -M do -s 1422 -c 1 -W 1 10.71.0.2").rc == 0
