"""The remediate plan: which fix answers which finding, in which order, and what is left to a human."""

from ansible_collections.netpath.mtu.plugins.module_utils import remediation


def f(fid, interface=None, **evidence):
    return {"id": fid, "interface": interface, "evidence": evidence}


def test_the_lab_hosts():
    # wg-site-a (seed 001): the tunnel over a black hole
    assert remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0")])["steps"] == {
        "wireguard_mtu": {"wireguard_mtu_interface": "wg0", "wireguard_mtu": "auto"}}
    # wg-router: its firewall drops the too-big messages
    assert remediation.plan([f("icmp_too_big_blocked", families=["ipv4", "ipv6"])])["steps"] == {
        "mss_clamp": {"mss_clamp_allow_icmp_too_big": True, "mss_clamp_family": "both"}}
    assert remediation.plan([f("icmp_too_big_blocked", families=["ipv6"])])["steps"]["mss_clamp"][
        "mss_clamp_family"] == "ipv6"
    # co-node (seed 002): the clamp, and daemon.json for the next restart of Docker
    plan = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450),
                             f("missing_mss_clamp", "docker0")])
    assert list(plan["steps"]) == ["mss_clamp", "docker_mtu"]
    assert plan["steps"]["mss_clamp"] == {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}
    assert plan["steps"]["docker_mtu"] == {"docker_mtu": 1450, "docker_mtu_restart": False}
    assert plan["covers"]["mss_clamp"] == ["docker_mtu_exceeds_uplink@docker0", "missing_mss_clamp@docker0"]


def test_order_is_safe_first():
    findings = [f("flannel_over_tunnel", "flannel.1", physical="eth0"), f("fifo_qdisc", "eth0"),
                f("rp_filter_strict", "wg0"), f("udp_buffer_errors")]
    plan = remediation.plan(findings)
    assert list(plan["steps"]) == ["sysctl", "qdisc", "flannel_iface"]
    assert plan["steps"]["sysctl"] == {"net.ipv4.conf.wg0.rp_filter": "2", "net.core.rmem_max": "8388608",
                                       "net.core.wmem_max": "8388608"}
    assert plan["steps"]["flannel_iface"] == {"flannel_iface": "eth0"}


def test_manual_and_left_out():
    plan = remediation.plan([f("softirq_single_core"), f("fifo_qdisc", "eth0"), f("rp_filter_strict", "eth1")],
                            skip=["fifo_qdisc"])
    assert plan["manual"][0]["finding"] == "softirq_single_core@host"
    assert "irqbalance" in plan["manual"][0]["what"]
    assert plan["left"] == ["fifo_qdisc@eth0"]
    assert list(plan["steps"]) == ["sysctl"]
    assert remediation.plan([f("fifo_qdisc", "eth0"), f("rp_filter_strict", "eth1")], only=["fifo_qdisc"])["left"] == [
        "rp_filter_strict@eth1"]


def test_restart_allowed_and_two_tunnels():
    plan = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1400)], allow_restart=True)
    assert plan["steps"]["docker_mtu"]["docker_mtu_restart"] is True
    plan = remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0"), f("pmtu_blackhole", "wg1", tunnel="wg1")])
    assert plan["steps"]["wireguard_mtu"]["wireguard_mtu_interface"] == "wg0"
    assert plan["manual"] == [{"finding": "pmtu_blackhole@wg1", "what": "run the wireguard_mtu role for wg1 as well"}]


def test_qdisc_interfaces_merge():
    plan = remediation.plan([f("fifo_qdisc", "eth1"), f("fifo_qdisc", "eth0")])
    assert plan["steps"]["qdisc"] == {"qdisc_interfaces": ["eth0", "eth1"]}


def test_udp_buffers_that_a_container_cannot_raise_need_a_human():
    plan = remediation.plan([f("udp_buffer_errors", None, RcvbufErrors=2084, read_only=["net.core.rmem_max"])])
    assert plan["steps"] == {}
    assert plan["manual"][0]["finding"] == "udp_buffer_errors@host"
    assert "machine that hosts" in plan["manual"][0]["what"]


def test_docker_waiting_for_a_restart_is_left_alone_unless_restarts_are_allowed():
    waiting = dict(f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450), severity="info")
    assert remediation.plan([waiting])["steps"] == {}
    assert remediation.plan([waiting], allow_restart=True)["steps"]["docker_mtu"]["docker_mtu_restart"] is True


def test_a_black_hole_the_tunnel_already_fits_needs_no_role():
    plan = remediation.plan([dict(f("pmtu_blackhole", "wg0", tunnel="wg0"), severity="info")])
    assert plan["steps"] == {} and "already fits" in plan["manual"][0]["what"]


def test_keepalive_keeps_the_mtu_unless_a_black_hole_asks_for_auto():
    keepalive = f("wireguard_no_keepalive", "wg0", mtu=1380)
    assert remediation.plan([keepalive])["steps"]["wireguard_mtu"] == {
        "wireguard_mtu_interface": "wg0", "wireguard_mtu_keepalive": 25, "wireguard_mtu": 1380}
    both = remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0"), keepalive])["steps"]["wireguard_mtu"]
    assert both["wireguard_mtu"] == "auto" and both["wireguard_mtu_keepalive"] == 25
    assert remediation.plan([f("wireguard_stale_handshake", "wg0")])["steps"] == {}


def test_keepalive_on_a_tunnel_below_what_the_role_takes_sizes_it_from_the_path():
    plan = remediation.plan([f("wireguard_no_keepalive", "wg0", mtu=1200)])
    assert plan["steps"]["wireguard_mtu"]["wireguard_mtu"] == "auto"
