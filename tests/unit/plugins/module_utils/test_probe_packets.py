"""TCP and UDP probes as bytes: their sizes and checksums, and which answers settle which probe."""

import socket
import struct

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu, probe_packets

TOKEN = bytes(range(8))
ADDRESSES = {4: ("10.0.0.1", "10.0.0.2", "10.9.9.9"), 6: ("fd00::1", "fd00::2", "fd09::9")}


def codec(kind, family):
    source, dest, _other = ADDRESSES[family]
    return kind(family, source, dest, 443, 40000, TOKEN)


def ipv4(payload, protocol=6):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, protocol, 0, bytes(4), bytes(4)) + payload


def wrap(family, segment, protocol):
    """`segment` as a raw socket of the family hands it over (IPv4 with its IP header)."""
    return ipv4(segment, protocol) if family == 4 else segment


def icmp_error(family, icmp_type, code, value, probe, protocol):
    """An ICMP error quoting `probe` as a router or the destination sends it."""
    if family == 4:
        return ipv4(struct.pack("!BBHI", icmp_type, code, 0, value) + ipv4(probe, protocol)[:576], 1)
    inner = struct.pack("!IHBB16s16s", 6 << 28, len(probe), protocol, 64, bytes(16), bytes(16)) + probe
    return struct.pack("!BBHI", icmp_type, code, 0, value) + inner[:1232]


def tcp_answer(probes, seq, flags, acked_payload=0):
    ack = (probes.sequence(seq) + 1 + acked_payload) & 0xFFFFFFFF
    return struct.pack("!HHIIBBHHH", 443, 40000, 7, ack, 5 << 4, flags, 0, 0, 0)


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("kind", [probe_packets.TcpSyns, probe_packets.UdpDatagrams])
def test_a_probe_makes_a_packet_of_its_size_with_a_valid_checksum(kind, family):
    probes = codec(kind, family)
    for size in (pmtu.IP_HEADER[family] + 60, 1500, 65535):
        segment = probes.build(9, size)
        assert len(segment) + pmtu.IP_HEADER[family] == size
        assert probe_packets.transport_checksum(family, probes.source, probes.dest, kind.protocol, segment) == 0
    with pytest.raises(ValueError, match="below the"):
        probes.build(1, pmtu.IP_HEADER[family] + 4)


def test_a_syn_carries_its_number_in_its_sequence_number_and_only_the_syn_flag():
    probes = codec(probe_packets.TcpSyns, 4)
    sport, dport, sequence, ack, _offset, flags = struct.unpack("!HHIIBB", probes.build(0x0102, 1400)[:14])
    assert (sport, dport, ack, flags) == (40000, 443, 0, probe_packets.TCP_SYN)
    assert (sequence - probes.base) & 0xFFFFFFFF == 0x0102 << 16


@pytest.mark.parametrize("family", [4, 6])
def test_a_syn_ack_and_a_reset_that_counts_the_payload_both_settle_their_probe(family):
    probes = codec(probe_packets.TcpSyns, family)
    dest, other = ADDRESSES[family][1], ADDRESSES[family][2]
    syn_ack = wrap(family, tcp_answer(probes, 0xFFFF, 0x12), 6)
    reset = wrap(family, tcp_answer(probes, 5, 0x14, acked_payload=65495), 6)
    assert probes.parse(syn_ack, dest, False) == ("reply", 0xFFFF, None)
    assert probes.parse(reset, dest, False) == ("reply", 5, None)
    assert probes.parse(syn_ack, other, False) is None  # from another host
    assert probes.parse(wrap(family, tcp_answer(probes, 5, 0x02), 6), dest, False) is None  # a bare SYN
    our_own_syn = wrap(family, probes.build(5, 1400), 6)  # the loopback hands our SYNs back too
    assert probes.parse(our_own_syn, dest, False) is None


@pytest.mark.parametrize("family", [4, 6])
def test_each_syn_ack_is_answered_with_a_reset_and_nothing_else_is(family):
    probes = codec(probe_packets.TcpSyns, family)
    dest = ADDRESSES[family][1]
    reset = probes.answer(wrap(family, tcp_answer(probes, 3, 0x12), 6), dest)
    sport, dport, sequence, ack, _offset, flags = struct.unpack("!HHIIBB", reset[:14])
    assert (sport, dport, sequence, ack, flags) == (40000, 443, probes.sequence(3) + 1, 0, probe_packets.TCP_RST)
    assert probe_packets.transport_checksum(family, probes.source, probes.dest, 6, reset) == 0
    assert probes.answer(wrap(family, tcp_answer(probes, 3, 0x14, 100), 6), dest) is None  # a reset
    assert probes.answer(wrap(family, tcp_answer(probes, 3, 0x12), 6), ADDRESSES[family][2]) is None
    stranger = bytearray(tcp_answer(probes, 3, 0x12))
    stranger[8:12] = struct.pack("!I", probes.sequence(3) + 2)  # acknowledges no SYN of ours
    assert probes.answer(wrap(family, bytes(stranger), 6), dest) is None


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("kind", [probe_packets.TcpSyns, probe_packets.UdpDatagrams])
def test_icmp_errors_about_a_probe_settle_it(kind, family):
    probes = codec(kind, family)
    dest, router = ADDRESSES[family][1], ADDRESSES[family][2]
    probe = probes.build(77, 1500)
    too_big = (3, 4, 1400) if family == 4 else (2, 0, 1400)
    expired = (11, 0, 0) if family == 4 else (3, 0, 0)
    unreachable = (3, 3, 0) if family == 4 else (1, 4, 0)
    assert probes.parse(icmp_error(family, *too_big, probe, kind.protocol), router, True) == ("too_big", 77, 1400)
    assert probes.parse(icmp_error(family, *expired, probe, kind.protocol), router, True) == ("time_exceeded", 77, None)
    # A port unreachable proves arrival only from the destination itself.
    assert probes.parse(icmp_error(family, *unreachable, probe, kind.protocol), dest, True) == ("reply", 77, None)
    assert probes.parse(icmp_error(family, *unreachable, probe, kind.protocol), router, True) is None
    other = codec(kind, family)
    other.sport = 40001
    assert probes.parse(icmp_error(family, *too_big, other.build(77, 1500), kind.protocol), router, True) is None
    wrong_protocol = 17 if kind.protocol == 6 else 6
    assert probes.parse(icmp_error(family, *too_big, probe, wrong_protocol), router, True) is None


@pytest.mark.parametrize("family", [4, 6])
def test_a_udp_reply_settles_a_probe_only_when_it_echoes_it(family):
    probes = codec(probe_packets.UdpDatagrams, family)
    dest = ADDRESSES[family][1]
    probe = probes.build(12, 1400)
    echo = struct.pack("!HHHH", 443, 40000, len(probe), 0) + probe[8:]
    assert probes.parse(wrap(family, echo, 17), dest, False) == ("reply", 12, None)
    other_reply = struct.pack("!HHHH", 443, 40000, 12, 0) + b"pong"
    assert probes.parse(wrap(family, other_reply, 17), dest, False) is None


def test_an_echo_codec_reads_what_parse_icmp_reads():
    probes = probe_packets.EchoProbes(4, 0x1234, TOKEN)
    request = probes.build(9, 1400)
    reply = ipv4(bytes([0, 0, 0, 0]) + request[4:], 1)
    assert probes.parse(reply, "10.0.0.2", True) == ("reply", 9, None)
    assert probes.answer(reply, "10.0.0.2") is None


def test_addresses_are_compared_as_addresses():
    probes = codec(probe_packets.TcpSyns, 6)
    assert probes.from_dest("fd00:0::2") and probes.from_dest("fd00::2%eth0")
    assert not probes.from_dest("not an address")
    assert socket.inet_pton(socket.AF_INET6, "fd00::2") == probes.dest
