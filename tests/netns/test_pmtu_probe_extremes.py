"""pmtu_probe at the largest MTUs Linux links have, on real veths and loopbacks."""

import pytest


@pytest.mark.parametrize("dest", ["10.77.0.2", "fd77::2"])
def test_a_clean_65535_byte_veth_path_is_exact_and_no_black_hole(netns, dest):
    a, b = netns("a"), netns("b")
    a.veth_to(b, 65535, "10.77.0", "fd77::")
    result = a.module("pmtu_probe", {"dest": dest})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["converged"]) == (65535, False, True)
    assert result["route_mtu"] == 65535


@pytest.mark.parametrize("dest", ["127.0.0.1", "::1"])
def test_the_loopback_gives_the_largest_ip_packet_and_no_black_hole(netns, dest):
    # lo has MTU 65536, one byte more than an IP packet can hold: the answer is 65535, clean.
    result = netns("lo").module("pmtu_probe", {"dest": dest})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["route_mtu"]) == (65535, False, 65536)


@pytest.mark.parametrize("dest", ["a" * 64 + ".example", "a..b", ".example"])
def test_a_name_that_cannot_be_encoded_fails_naming_it(netns, dest):
    result = netns("names").module("pmtu_probe", {"dest": dest})
    assert result["rc_module"] == 1 and result["failed"]
    assert f"dest {dest!r} is not a valid host name" in result["msg"]
    assert "Traceback" not in result["msg"]


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
@pytest.mark.parametrize("dest", ["127.0.0.1", "::1"])
def test_tcp_and_udp_on_the_loopback_give_the_largest_ip_packet(netns, dest, protocol):
    # Each probe comes back to the probe's own raw socket next to its answer: the buffers hold both.
    ns = netns("lo")
    ns.run(["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
            "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=10000"])
    result = ns.module("pmtu_probe", {"dest": dest, "protocol": protocol, "port": 9})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["route_mtu"]) == (65535, False, 65536)


@pytest.mark.parametrize("protocol", ["icmp", "tcp"])
@pytest.mark.parametrize("dest", ["10.76.0.1", "fd76::1"])
def test_an_own_address_gives_the_loopback_route_and_no_black_hole(netns, dest, protocol):
    # The route to an address of this host goes over lo (table local), whatever link carries it.
    a, b = netns("own"), netns("peer")
    a.veth_to(b, 1500, "10.76.0", "fd76::")
    args = {"dest": dest, "protocol": protocol}
    if protocol == "tcp":
        args["port"] = 9
    result = a.module("pmtu_probe", args)
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["interface"]) == (65535, False, "lo")
