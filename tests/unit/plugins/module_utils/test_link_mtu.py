"""link_mtu: the device's MTU and limits from `ip -d -j link show` captured on the lab's hosts, and
the checks a new MTU must pass before anything is set."""

from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import link_mtu

FIXTURES = Path(__file__).parent / "fixtures"


def link(name):
    return link_mtu.parse_link((FIXTURES / name).read_text(), "x")


def test_links_from_the_lab():
    assert link("ip_link_bridge.json") == {"name": "docker0", "mtu": 1500, "min_mtu": 68, "max_mtu": 65535,
                                           "kind": "bridge"}
    assert link("ip_link_veth.json") == {"name": "eth0", "mtu": 1450, "min_mtu": 68, "max_mtu": 65535,
                                         "kind": "veth"}
    # lo sets no limits of its own (min_mtu and max_mtu 0)
    assert link("ip_link_lo.json") == {"name": "lo", "mtu": 65536, "min_mtu": None, "max_mtu": None, "kind": None}
    assert link("ip_link_vxlan.json")["kind"] == "vxlan"


@pytest.mark.parametrize("text", ["", "[]", "{", '[{"ifname": "eth0"}]'])
def test_output_without_a_link_is_an_error(text):
    with pytest.raises(link_mtu.LinkError, match="eth0"):
        link_mtu.parse_link(text, "eth0")


@pytest.mark.parametrize("mtu", [68, 1280, 1450, 9000, 65535])
def test_mtus_that_fit(mtu):
    assert link_mtu.check_mtu(mtu) is None
    assert link_mtu.check_mtu(mtu, link("ip_link_bridge.json")) is None
    assert link_mtu.check_mtu(mtu, link("ip_link_lo.json")) is None


@pytest.mark.parametrize(("mtu", "device", "message"), [
    (67, None, "mtu=67 is below 68, the smallest MTU IPv4 allows"),
    (0, None, "mtu=0 is below 68, the smallest MTU IPv4 allows"),
    (65536, {"name": "eth0", "mtu": 1450, "min_mtu": 68, "max_mtu": 65535, "kind": "veth"},
     "mtu=65536 is above the largest MTU device eth0 (veth) takes, max_mtu 65535"),
    (65537, {"name": "lo", "mtu": 1500, "min_mtu": None, "max_mtu": None, "kind": None},
     "mtu=65537 is above 65536, the largest MTU set on device lo, which reports no max_mtu"),
    (True, None, "mtu=True is not an integer"),
    (1000, {"name": "ip6tnl0", "mtu": 1452, "min_mtu": 1280, "max_mtu": 65407, "kind": "ip6tnl"},
     "mtu=1000 is below the smallest MTU device ip6tnl0 (ip6tnl) takes, min_mtu 1280"),
    (9216, {"name": "enp1s0", "mtu": 1500, "min_mtu": 68, "max_mtu": 9000, "kind": None},
     "mtu=9216 is above the largest MTU device enp1s0 takes, max_mtu 9000"),
])
def test_mtus_that_do_not_fit_are_named(mtu, device, message):
    assert link_mtu.check_mtu(mtu, device) == message


def test_the_loopback_goes_back_to_its_own_65536_from_any_mtu():
    # lo reports no max_mtu; its own MTU is 65536, one more than veths and bridges take.
    lo = link("ip_link_lo.json")
    assert link_mtu.check_mtu(65536) is None
    assert link_mtu.check_mtu(65536, lo) is None
    assert link_mtu.check_mtu(65536, dict(lo, mtu=1500)) is None
    assert link_mtu.check_mtu(70000, dict(lo, mtu=70000)) is None
