# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probes of each protocol pmtu_probe speaks: how a probe of a size is built, and which
received packet settles which probe. Plain functions on bytes; the sockets are in probe_socket.py.

A codec numbers its probes with a 16-bit `seq` and offers:
  build(seq, size) -> the bytes a raw socket of `protocol` sends (the kernel adds the IP header);
  parse(data, source, from_icmp) -> (kind, seq, mtu) or None, kind as in pmtu.Event;
  answer(data, source) -> a packet to send back, or None (a TCP reset for a SYN-ACK we caused).
`data` is what a raw socket hands over: with the IP header on IPv4, without it on IPv6.
"""

import socket
import struct

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu

TCP_HEADER = 20
UDP_HEADER = 8
TCP_SYN, TCP_RST, TCP_ACK = 0x02, 0x04, 0x10
PROTOCOL_NUMBER = {"icmp": None, "tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP}
ADDRESS_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


def transport_checksum(family, source, dest, protocol, segment):
    """The TCP/UDP checksum of `segment` (its checksum field zero) between two packed addresses."""
    if family == 4:
        pseudo = source + dest + struct.pack("!BBH", 0, protocol, len(segment))
    else:
        pseudo = source + dest + struct.pack("!I3xB", len(segment), protocol)
    return pmtu.checksum(pseudo + segment)


def payload_length(family, size, header):
    length = size - pmtu.IP_HEADER[family] - header
    if length < 0:
        raise ValueError("size %d is below the %d-byte headers" % (size, pmtu.IP_HEADER[family] + header))
    return length


class EchoProbes:
    """ICMP echo requests: the replies and the errors both come on the raw ICMP socket."""

    protocol = None  # the ICMP socket of the family
    what = "ICMP echo requests"

    def __init__(self, family, ident, token):
        self.family, self.ident, self.token = family, ident, token

    def build(self, seq, size):
        return pmtu.build_echo(self.family, self.ident, seq, size, self.token)

    def parse(self, data, _source, _from_icmp):
        return pmtu.parse_icmp(self.family, data, self.ident)

    def answer(self, _data, _source):
        return None


class _PortProbes:
    """What TCP and UDP probes share: the ports and addresses, and the ICMP errors about them."""

    def __init__(self, family, source, dest, port, sport, token):
        self.family, self.port, self.sport, self.token = family, port, sport, token
        self.source = socket.inet_pton(ADDRESS_FAMILY[family], source)
        self.dest = socket.inet_pton(ADDRESS_FAMILY[family], dest)

    def from_dest(self, source):
        try:
            return socket.inet_pton(ADDRESS_FAMILY[self.family], source.split("%")[0]) == self.dest
        except (OSError, ValueError):
            return False

    def _segment(self, header, payload, checksum_at):
        segment = header + payload
        checksum = transport_checksum(self.family, self.source, self.dest, self.protocol, segment)
        return segment[:checksum_at] + struct.pack("!H", checksum) + segment[checksum_at + 2:]

    def _ours(self, ports):
        """The transport header starts with our source port and the destination's port."""
        return len(ports) >= 4 and struct.unpack("!HH", ports[:4]) == (self.sport, self.port)

    def parse(self, data, source, from_icmp):
        data = pmtu.strip_ipv4(self.family, data)
        if data is None:
            return None
        if not from_icmp:
            return self._parse_answer(data, source)
        error = pmtu.icmp_error(self.family, data)
        if error is None or error.protocol != self.protocol or not self._ours(error.quoted):
            return None
        seq = self._quoted_seq(error.quoted)
        if seq is None:
            return None
        if error.kind == "port_unreachable":
            # The destination itself says nothing listens there: the probe arrived. From anyone
            # else it proves nothing about the size.
            return ("reply", seq, None) if self.from_dest(source) else None
        return (error.kind, seq, error.mtu)


class TcpSyns(_PortProbes):
    """TCP SYNs that carry the probe's size as payload; a SYN-ACK or a reset proves it arrived.

    The probe's number is in the SYN's sequence number, seq << 16 above a random base: the
    SYN-ACK acknowledges base + (seq << 16) + 1, a reset also counts the payload (less than
    65536 bytes), so the high 16 bits of (ack - 1 - base) are seq in both answers.
    """

    protocol = socket.IPPROTO_TCP

    def __init__(self, family, source, dest, port, sport, token):
        super().__init__(family, source, dest, port, sport, token)
        self.base = int.from_bytes(token[:4], "big")
        self.what = "TCP SYNs to port %d" % port

    def sequence(self, seq):
        return (self.base + (seq << 16)) & 0xFFFFFFFF

    def build(self, seq, size):
        payload = (pmtu.PAYLOAD_MAGIC + self.token)[:payload_length(self.family, size, TCP_HEADER)]
        payload += b"\0" * (payload_length(self.family, size, TCP_HEADER) - len(payload))
        header = struct.pack("!HHIIBBHHH", self.sport, self.port, self.sequence(seq), 0, 5 << 4, TCP_SYN,
                             65535, 0, 0)
        return self._segment(header, payload, 16)

    def _quoted_seq(self, quoted):
        if len(quoted) < 8:
            return None
        offset = (struct.unpack("!I", quoted[4:8])[0] - self.base) & 0xFFFFFFFF
        return None if offset & 0xFFFF else offset >> 16

    def _answer_to_us(self, data, source):
        """(flags, ack) of a segment from the destination's port to ours, else None."""
        if len(data) < TCP_HEADER or not self.from_dest(source):
            return None
        if struct.unpack("!HH", data[:4]) != (self.port, self.sport):
            return None
        return data[13], struct.unpack("!I", data[8:12])[0]

    def _parse_answer(self, data, source):
        answer = self._answer_to_us(data, source)
        if answer is None:
            return None
        flags, ack = answer
        if not flags & TCP_ACK or not flags & (TCP_SYN | TCP_RST):
            return None
        return ("reply", ((ack - 1 - self.base) & 0xFFFFFFFF) >> 16, None)

    def answer(self, data, source):
        """A reset for a SYN-ACK to one of our SYNs, so that no half-open connection stays on
        the destination. (This host's kernel resets it too: no socket listens on our port.)"""
        answer = self._answer_to_us(pmtu.strip_ipv4(self.family, data) or b"", source)
        if answer is None or answer[0] & (TCP_SYN | TCP_ACK | TCP_RST) != TCP_SYN | TCP_ACK:
            return None
        if (answer[1] - 1 - self.base) & 0xFFFF:
            return None  # not an answer to a SYN of ours
        header = struct.pack("!HHIIBBHHH", self.sport, self.port, answer[1], 0, 5 << 4, TCP_RST, 0, 0, 0)
        return self._segment(header, b"", 16)


class UdpDatagrams(_PortProbes):
    """UDP datagrams to a port: a port unreachable from the destination, or a reply that echoes
    the probe, proves it arrived. The probe's number follows the magic and token in the payload,
    which ICMP errors quote (Linux quotes up to 576 bytes on IPv4, 1280 on IPv6)."""

    protocol = socket.IPPROTO_UDP

    def __init__(self, family, source, dest, port, sport, token):
        super().__init__(family, source, dest, port, sport, token)
        self.prefix = pmtu.PAYLOAD_MAGIC + token
        self.what = "UDP datagrams to port %d" % port

    def build(self, seq, size):
        length = payload_length(self.family, size, UDP_HEADER)
        payload = (self.prefix + struct.pack("!H", seq))[:length]
        payload += b"\0" * (length - len(payload))
        header = struct.pack("!HHHH", self.sport, self.port, UDP_HEADER + length, 0)
        return self._segment(header, payload, 6)

    def _seq_in(self, payload):
        start = len(self.prefix)
        if payload[:start] != self.prefix or len(payload) < start + 2:
            return None
        return struct.unpack("!H", payload[start:start + 2])[0]

    def _quoted_seq(self, quoted):
        return self._seq_in(quoted[UDP_HEADER:])

    def _parse_answer(self, data, source):
        if len(data) < UDP_HEADER or not self.from_dest(source):
            return None
        if struct.unpack("!HH", data[:4]) != (self.port, self.sport):
            return None
        seq = self._seq_in(data[UDP_HEADER:])
        return None if seq is None else ("reply", seq, None)

    def answer(self, _data, _source):
        return None
