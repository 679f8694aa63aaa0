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


class NarrowPath:
    """A path that carries `pmtu` bytes, as pmtu_probe measures it; `dead` when nothing answers."""

    def __init__(self, pmtu, dead=False, blackhole=False, lost_rounds=0):
        self.pmtu, self.dead, self.blackhole, self.asked, self.put_back = pmtu, dead, blackhole, [], 0
        self.lost_rounds = lost_rounds

    def probe(self, min_size, max_size):
        self.asked.append((min_size, max_size))
        if self.dead or len(self.asked) <= self.lost_rounds:
            return None, "10.8.0.1 (10.8.0.1) does not answer: no answer to 3 ICMP echo requests"
        largest = min(self.pmtu, max_size)
        if min_size is not None and largest < min_size:
            return {"pmtu": min_size - 1, "blackhole": self.blackhole}, None
        return {"pmtu": largest, "blackhole": self.blackhole, "rtt_ms": 0.3}, None

    def restore(self):
        self.put_back += 1


def test_a_path_that_carries_the_new_mtu_is_verified_with_one_exact_probe_and_nothing_put_back():
    path = NarrowPath(1500)
    verify, failure = link_mtu.verify_new_mtu("10.8.0.1", 1420, path.probe, path.restore)
    assert failure is None
    assert verify == {"pmtu": 1420, "blackhole": False, "rtt_ms": 0.3, "dest": "10.8.0.1", "size": 1420}
    assert path.asked == [(1420, 1420)]
    assert path.put_back == 0


@pytest.mark.parametrize(("pmtu", "mtu", "blackhole"), [(1340, 1420, True), (1380, 1381, False), (1500, 9000, True)])
def test_a_path_narrower_than_the_new_mtu_is_searched_then_the_previous_mtu_put_back(pmtu, mtu, blackhole):
    path = NarrowPath(pmtu, blackhole=blackhole)
    verify, failure = link_mtu.verify_new_mtu("fd00::1", mtu, path.probe, path.restore)
    assert path.asked == [(mtu, mtu), (None, mtu)]
    assert path.put_back == 1
    assert verify["search"]["pmtu"] == pmtu and verify["size"] == mtu
    assert failure.startswith("no echo of %d bytes came back from fd00::1" % mtu)
    assert ("the largest echo that came back was %d bytes" % pmtu) in failure
    assert ("a black hole" in failure) is blackhole


def test_a_far_end_that_does_not_answer_at_all_fails_with_the_probes_reason_and_is_put_back():
    path = NarrowPath(1500, dead=True)
    verify, failure = link_mtu.verify_new_mtu("10.8.0.1", 1420, path.probe, path.restore)
    assert path.put_back == 1
    assert verify["error"].startswith("10.8.0.1 (10.8.0.1) does not answer")
    assert "search" not in verify and verify["search_error"]
    assert failure.endswith("does not answer: no answer to 3 ICMP echo requests")


def test_an_exact_round_lost_in_passing_is_verified_by_a_search_that_reaches_the_new_mtu():
    path = NarrowPath(1500, lost_rounds=1)
    verify, failure = link_mtu.verify_new_mtu("10.20.0.1", 1340, path.probe, path.restore)
    assert failure is None
    assert path.asked == [(1340, 1340), (None, 1340)]
    assert path.put_back == 0
    assert verify["search"]["pmtu"] == 1340 and verify["error"].endswith("no answer to 3 ICMP echo requests")


def test_a_search_one_byte_short_of_the_new_mtu_still_fails_and_puts_it_back():
    path = NarrowPath(1339, lost_rounds=1)
    verify, failure = link_mtu.verify_new_mtu("10.20.0.1", 1340, path.probe, path.restore)
    assert path.put_back == 1
    assert "the largest echo that came back was 1339 bytes" in failure
