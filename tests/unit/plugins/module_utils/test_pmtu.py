"""The path MTU search against simulated paths: black holes, honest routers, loss, reordering,
routers that report a wrong MTU, dead hosts; and the ICMP codec it relies on."""

import collections
import random
import socket
import struct
import time

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu, probe_packets, probe_socket


class Hop:
    def __init__(self, address, mtu, sends_too_big=True, reports=None, answers_ttl=True):
        self.address = address
        self.mtu = mtu  # MTU of the link leaving this hop towards the destination
        self.sends_too_big = sends_too_big
        self.reports = reports  # the MTU its too-big message claims (None: the true one)
        self.answers_ttl = answers_ttl


class SimPath:
    """A path of routers to a destination, as a pmtu transport: exchange() -> one outcome per probe."""

    def __init__(self, first_mtu, hops, loss=0.0, seed=1, rtt=0.01, alive=True, busy_rtt=None):
        self.first_mtu = first_mtu  # this host's own link
        self.hops = hops
        self.loss = loss
        self.rng = random.Random(seed)
        self.rtt = rtt
        # The round trip after the first round (a host that gets busy), None: always `rtt`.
        self.busy_rtt = busy_rtt
        self.alive = alive
        self.sent = 0
        self.rounds = []
        self.drains = 0
        self.clock_now = 0.0
        self.in_flight = []  # answers slower than their round's wait: (size, event)
        self.late = []

    def clock(self):
        return self.clock_now

    def outcome(self, probe):
        if probe.size > self.first_mtu:
            return pmtu.Event("local_too_big", None, None, 0.0)
        self.sent += 1
        for index, hop in enumerate(self.hops, start=1):
            if self.rng.random() < self.loss:
                return None
            if probe.ttl is not None and probe.ttl == index:
                return pmtu.Event("time_exceeded", None, hop.address, self.rtt) if hop.answers_ttl else None
            if probe.size > hop.mtu:
                if not hop.sends_too_big:
                    return None
                return pmtu.Event("too_big", hop.reports or hop.mtu, hop.address, self.rtt)
        if self.rng.random() < self.loss or not self.alive:
            return None
        return pmtu.Event("reply", None, "dest", self.rtt)

    def exchange(self, probes, wait, early=False):
        self.late += self.in_flight  # they arrive while this round is out
        self.in_flight = []
        rtt = self.busy_rtt if self.busy_rtt is not None and self.rounds else self.rtt
        self.rounds.append([p.size for p in probes])
        outcomes = [self.outcome(p) for p in probes]
        if self.busy_rtt is not None and rtt > wait:  # only a busy path models late answers
            answered = zip(probes, outcomes, strict=True)
            self.in_flight = [(p.size, o._replace(rtt=rtt)) for p, o in answered if o is not None]
            outcomes = [None] * len(probes)
        settled = all(o is not None for o in outcomes)
        self.clock_now += rtt if settled or (early and any(outcomes)) else wait
        return outcomes

    def drain(self, wait):
        self.drains += 1
        self.late += self.in_flight
        self.in_flight = []
        self.clock_now += wait

    def take_late(self):
        late, self.late = self.late, []
        return late


def run(path, min_size=68, max_size=1500, attempts=3, timeout=2.0, family=4):
    return pmtu.probe_path(path, family, min_size, max_size, attempts, timeout, path.clock)


def test_black_hole_is_exact_and_flagged():
    path = SimPath(1500, [Hop("r1", 1500), Hop("r2", 1400, sends_too_big=False)])
    result = run(path)
    assert result["pmtu"] == 1400
    assert result["blackhole"] is True
    assert result["icmp_too_big"] is None
    assert result["recommended_mss"] == 1360
    assert result["converged"] is True
    assert result["rounds"] == 2, path.rounds
    assert max(len(r) for r in path.rounds) <= pmtu.ROUND_PROBES


def test_honest_path_is_exact_and_not_a_black_hole():
    path = SimPath(1500, [Hop("r1", 1380)])
    result = run(path)
    assert result["pmtu"] == 1380
    assert result["blackhole"] is False
    assert (result["icmp_too_big"], result["icmp_too_big_from"]) == (1380, "r1")
    # Too-big messages settle sizes at once: no round waits for a loss.
    assert result["elapsed_ms"] < 100


def test_a_path_with_nothing_narrower_returns_the_route_mtu():
    result = run(SimPath(1500, [Hop("r1", 9000)]))
    assert result["pmtu"] == 1500
    assert result["blackhole"] is False


@pytest.mark.parametrize("true_mtu", [68, 69, 576, 1279, 1280, 1281, 1339, 1340, 1450, 1499])
def test_every_value_is_found_to_the_byte(true_mtu):
    result = run(SimPath(1500, [Hop("r1", true_mtu, sends_too_big=False)]))
    assert result["pmtu"] == true_mtu


@pytest.mark.parametrize("seed", range(20))
def test_a_lossy_black_hole_still_gives_the_exact_value(seed):
    path = SimPath(1500, [Hop("r1", 1360, sends_too_big=False)], loss=0.1, seed=seed)
    result = run(path)
    assert result["pmtu"] == 1360
    assert result["blackhole"] is True


def test_a_router_that_reports_a_too_large_mtu_does_not_explain_the_loss():
    # r1 claims 1450 but drops everything above 1400: believing it would black-hole 1401..1450.
    path = SimPath(1500, [Hop("r1", 1400, reports=1450)])
    result = run(path)
    assert result["pmtu"] == 1400
    assert result["icmp_too_big"] == 1450
    assert result["blackhole"] is True


def test_a_router_that_reports_a_too_small_mtu_is_not_believed():
    path = SimPath(1500, [Hop("r1", 1400, reports=1280)])
    result = run(path)
    assert result["pmtu"] == 1400
    assert result["icmp_too_big"] == 1280
    assert result["blackhole"] is False


def test_an_honest_router_before_a_black_hole():
    path = SimPath(1500, [Hop("r1", 1450), Hop("r2", 1400, sends_too_big=False)])
    result = run(path)
    assert result["pmtu"] == 1400
    assert result["icmp_too_big"] == 1450
    assert result["blackhole"] is True


def test_a_dead_destination_is_not_a_black_hole():
    path = SimPath(1500, [Hop("r1", 1400, sends_too_big=False)], alive=False)
    with pytest.raises(pmtu.DeadDestination, match="no answer to 3 ICMP echo requests of 68 bytes in 2.0 s"):
        run(path)
    assert path.rounds == [[68, 68, 68]]


def test_ipv6_sizes_and_mss():
    result = run(SimPath(1500, [Hop("r1", 1400, sends_too_big=False)]), min_size=1280, family=6)
    assert result["pmtu"] == 1400
    assert result["recommended_mss"] == 1340


def test_waiting_follows_the_round_trip_time():
    slow = run(SimPath(1500, [Hop("r1", 1400, sends_too_big=False)], rtt=0.2))
    fast = run(SimPath(1500, [Hop("r1", 1400, sends_too_big=False)], rtt=0.0005))
    assert slow["wait_ms"] == pytest.approx(820)
    assert fast["wait_ms"] == 50
    assert run(SimPath(1500, [Hop("r1", 1400)], rtt=5.0), timeout=2.0)["wait_ms"] == 2000


def test_sizes_above_the_local_link_count_as_too_big():
    result = run(SimPath(1400, [Hop("r1", 9000)]), max_size=1500)
    assert result["pmtu"] == 1400


def test_attempts_one_trusts_a_single_loss():
    path = SimPath(1500, [Hop("r1", 1400, sends_too_big=False)])
    assert run(path, attempts=1)["pmtu"] == 1400
    assert sum(len(r) for r in path.rounds) < 110


@pytest.mark.parametrize(("family", "low", "high"), [(4, 68, 65535), (6, 1280, 65535)])
def test_size_limits(family, low, high):
    assert pmtu.validate_sizes(family, low, high) is None
    assert "min_size=%d is outside" % (low - 1) in pmtu.validate_sizes(family, low - 1, high)
    assert "max_size=%d is outside" % (high + 1) in pmtu.validate_sizes(family, low, high + 1)
    assert pmtu.validate_sizes(family, 1500, 1400) == "min_size=1500 is larger than max_size=1400"


def test_locate_finds_the_last_hop_the_large_packet_reached():
    path = SimPath(1500, [Hop("r1", 1500), Hop("r2", 1400, sends_too_big=False), Hop("r3", 1400)])
    found = pmtu.locate(path, 4, 68, 1401, 30, 0.05)
    assert found["bottleneck"] == {"hop": 2, "address": "r2", "next_hop": 3, "next_address": "r3"}
    assert [h["address"] for h in found["hops"]] == ["r1", "r2", "r3", "dest"]
    assert found["hops"][-1]["destination"] is True


def test_locate_when_the_first_link_is_the_narrow_one():
    found = pmtu.locate(SimPath(1500, [Hop("r1", 1400, sends_too_big=False)]), 4, 68, 1401, 30, 0.05)
    assert found["bottleneck"] == {"hop": 1, "address": "r1", "next_hop": 2, "next_address": "dest"}


# --- the codec --------------------------------------------------------------------------------


def ipv4(payload, proto=1, src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02"):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst) + payload


def test_echo_request_sizes_and_checksum():
    packet = pmtu.build_echo(4, 0x1234, 7, 1400, b"tok")
    assert len(packet) == 1400 - 20
    assert pmtu.checksum(packet) == 0
    assert len(pmtu.build_echo(6, 1, 1, 1280)) == 1280 - 40
    with pytest.raises(ValueError):
        pmtu.build_echo(4, 1, 1, 20)


def test_parse_replies_and_errors_ipv4():
    request = pmtu.build_echo(4, 0x1234, 9, 1400)
    reply = ipv4(bytes([0, 0]) + request[2:])
    assert pmtu.parse_icmp(4, reply, 0x1234) == ("reply", 9, None)
    assert pmtu.parse_icmp(4, reply, 0x9999) is None
    too_big = ipv4(struct.pack("!BBHHH", 3, 4, 0, 0, 1380) + ipv4(request)[:28])
    assert pmtu.parse_icmp(4, too_big, 0x1234) == ("too_big", 9, 1380)
    old_router = ipv4(struct.pack("!BBHHH", 3, 4, 0, 0, 0) + ipv4(request)[:28])
    assert pmtu.parse_icmp(4, old_router, 0x1234) == ("too_big", 9, None)
    expired = ipv4(struct.pack("!BBHI", 11, 0, 0, 0) + ipv4(request)[:28])
    assert pmtu.parse_icmp(4, expired, 0x1234) == ("time_exceeded", 9, None)
    unreachable = ipv4(struct.pack("!BBHI", 3, 1, 0, 0) + ipv4(request)[:28])
    assert pmtu.parse_icmp(4, unreachable, 0x1234) is None
    quoting_udp = ipv4(struct.pack("!BBHHH", 3, 4, 0, 0, 1380) + ipv4(request, proto=17)[:28])
    assert pmtu.parse_icmp(4, quoting_udp, 0x1234) is None
    assert pmtu.parse_icmp(4, b"\x45\x00", 0x1234) is None


def test_parse_replies_and_errors_ipv6():
    request = pmtu.build_echo(6, 0x4321, 3, 1400)
    assert pmtu.parse_icmp(6, bytes([129, 0]) + request[2:], 0x4321) == ("reply", 3, None)
    header = struct.pack("!IHBB16s16s", 6 << 28, len(request), 58, 64, b"\0" * 16, b"\0" * 16)
    too_big = struct.pack("!BBHI", 2, 0, 0, 1380) + header + request[:8]
    assert pmtu.parse_icmp(6, too_big, 0x4321) == ("too_big", 3, 1380)
    expired = struct.pack("!BBHI", 3, 0, 0, 0) + header + request[:8]
    assert pmtu.parse_icmp(6, expired, 0x4321) == ("time_exceeded", 3, None)
    with_extension = struct.pack("!BBHI", 2, 0, 0, 1380) + header[:6] + b"\x00" + header[7:] + request[:8]
    assert pmtu.parse_icmp(6, with_extension, 0x4321) is None


def test_matching_survives_reordering_duplicates_and_strangers():
    requests = {seq: pmtu.build_echo(4, 0x1234, seq, 1000) for seq in (10, 11, 12)}
    pending = {10: (0, 1.0), 11: (1, 1.0), 12: (2, 1.5)}

    def reply(seq, ident=0x1234):
        return ipv4(bytes([0, 0, 0, 0]) + struct.pack("!HH", ident, seq) + requests[seq][8:])

    too_big = ipv4(struct.pack("!BBHHH", 3, 4, 0, 0, 900) + ipv4(requests[11])[:28])
    packets = [(reply(12), "d", 1.6), (reply(10, ident=0x5555), "x", 1.6), (too_big, "r1", 1.7),
               (reply(10), "d", 1.8), (reply(10), "d", 1.9),
               (ipv4(bytes(4) + struct.pack("!HH", 0x1234, 77)), "d", 2.0)]
    packets = [packet + (True,) for packet in packets]
    settled = probe_socket.match(probe_packets.EchoProbes(4, 0x1234, b""), pending, packets)
    assert set(settled) == {10, 11, 12}
    assert settled[12].kind == "reply" and settled[12].rtt == pytest.approx(0.1)
    assert settled[11] == pmtu.Event("too_big", 900, "r1", pytest.approx(0.7))
    assert settled[10].rtt == pytest.approx(0.8)  # the first of the duplicates


def test_answers_that_come_after_their_round_on_a_busy_host_are_not_a_black_hole():
    # The first probes come back in 10 ms (so each round waits 60 ms); then the host gets busy
    # and every answer takes 300 ms. Counting those as lost gave 609 for a 1340-byte path.
    path = SimPath(1400, [Hop("r1", 1400)], rtt=0.01, busy_rtt=0.3)
    result = run(path, max_size=1400)
    assert result["pmtu"] == 1400
    assert result["blackhole"] is False
    assert result["converged"] is True
    assert result["wait_ms"] >= 600  # it waits longer once answers come late


def test_a_black_hole_waits_one_round_more_for_late_answers_and_no_more():
    path = SimPath(1500, [Hop("r1", 1400, sends_too_big=False)])
    result = run(path)
    assert (result["pmtu"], result["blackhole"]) == (1400, True)
    assert path.drains == 1
    assert result["elapsed_ms"] < 200


def test_an_honest_router_needs_no_wait_for_late_answers():
    path = SimPath(1500, [Hop("r1", 1380)])
    assert run(path)["pmtu"] == 1380
    assert path.drains == 0


def test_the_socket_transport_keeps_late_answers_for_the_probe_they_answer():
    # A raw ICMP socket needs root; a UDP socket on loopback delivers the same bytes.
    transport = probe_socket.RawProbeTransport.__new__(probe_socket.RawProbeTransport)
    transport.family, transport.clock = 4, time.monotonic
    transport.codec = probe_packets.EchoProbes(4, 0x1234, b"")
    transport.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    transport.sock.bind(("127.0.0.1", 0))
    transport.sockets = [(transport.sock, True)]
    sent_at = time.monotonic() - 0.5
    transport.unanswered = collections.OrderedDict({7: (1300, sent_at), 8: (1400, sent_at)})
    transport.late = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        for seq in (8, 99):  # an answer to probe 8, and one to no probe of ours
            peer.sendto(ipv4(struct.pack("!BBHHH", 0, 0, 0, 0x1234, seq) + b"x" * 10),
                        transport.sock.getsockname())
        transport.drain(0.2)
    transport.sock.close()
    late = transport.take_late()
    assert [(size, event.kind) for size, event in late] == [(1400, "reply")]
    assert 0.5 <= late[0][1].rtt < 5
    assert list(transport.unanswered) == [7]
    assert transport.take_late() == []


def test_the_socket_buffers_hold_a_round_of_the_largest_probes_twice():
    # A 65535-byte packet is charged as 128 KiB and more; 80 of them, answers and (on lo) echoed
    # requests, is over 20 MiB, where the old fixed 1 MiB dropped most replies: a false black hole.
    assert probe_socket.packet_charge(65535) > 65536 * 2 - 1
    assert probe_socket.buffer_bytes(65535, 80) >= 2 * 80 * 65536 * 2
    assert probe_socket.buffer_bytes(9000, 80) >= 2 * 80 * 9000
    assert probe_socket.buffer_bytes(1500, 80) == probe_socket.MIN_BUFFER
