"""link_mtu takes its range from the device itself, on a real namespace's links."""


def test_the_loopback_can_be_set_back_to_its_own_65536(netns):
    ns = netns("lo")
    lowered = ns.module("link_mtu", {"name": "lo", "mtu": 1500})
    assert (lowered["rc_module"], lowered["changed"], lowered["previous_mtu"]) == (0, True, 65536)
    back = ns.module("link_mtu", {"name": "lo", "mtu": 65536})
    assert back["rc_module"] == 0, back.get("msg")
    assert (back["changed"], back["previous_mtu"]) == (True, 1500)
    assert '"mtu":65536' in ns.run(["ip", "-j", "link", "show", "lo"]).stdout.replace(" ", "")


def test_a_veth_refuses_more_than_its_own_max_mtu_and_keeps_its_mtu(netns):
    a, b = netns("a"), netns("b")
    a.veth_to(b, 1500, "10.78.0", "fd78::")
    result = a.module("link_mtu", {"name": "vt0", "mtu": 65536})
    assert result["rc_module"] == 1
    assert result["msg"] == "mtu=65536 is above the largest MTU device vt0 (veth) takes, max_mtu 65535"
    assert '"mtu":1500' in a.run(["ip", "-j", "link", "show", "vt0"]).stdout.replace(" ", "")
