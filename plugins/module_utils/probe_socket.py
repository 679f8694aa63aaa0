# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Raw-socket probes with the DF bit set, as a transport for pmtu.probe_path: ICMP echo requests,
TCP SYNs or UDP datagrams, as the codec of probe_packets.py builds and reads them.

IP_PMTUDISC_PROBE (IPV6_PMTUDISC_PROBE) sets DF and ignores the kernel's cached path MTU, so a
probe of any size up to the interface MTU leaves the host as sent, whatever an earlier too-big
message taught the kernel. TCP and UDP probes go out on a raw socket of their protocol, which also
receives the answers; the ICMP errors about them come on a second, raw ICMP socket. Needs
CAP_NET_RAW (root).
"""

import collections
import errno
import os
import select
import socket
import time

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu, probe_packets

# From <linux/in.h> and <linux/in6.h>; Python's socket module does not export all of them.
IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3
IPV6_MTU_DISCOVER = 23
IPV6_PMTUDISC_PROBE = 3
IPV6_DONTFRAG = 62
IPV6_UNICAST_HOPS = 16
# Earlier probes whose late answers still count (a search sends a few hundred at most).
MAX_UNANSWERED = 4096
# From <asm-generic/socket.h>: set a buffer size past net.core.{r,w}mem_max (needs CAP_NET_ADMIN).
SO_SNDBUFFORCE = 32
SO_RCVBUFFORCE = 33
# What a packet costs the kernel beyond its bytes (headroom, skb_shared_info, struct sk_buff),
# rounded up; the data area with its headroom is allocated as the power of two that holds it.
SKB_OVERHEAD = 1024
# Below this the old fixed receive buffer is kept: small paths never needed more.
MIN_BUFFER = 1 << 20


def packet_charge(size):
    """Bytes a socket buffer is charged for one packet of `size` bytes (its skb's truesize)."""
    return (1 << (size + SKB_OVERHEAD - 1).bit_length()) + SKB_OVERHEAD


def buffer_bytes(max_size, outstanding):
    """Socket buffer that holds `outstanding` packets of up to `max_size` bytes at once, twice over.

    Twice, because the answers of a round pile up while it is still being sent, and on the
    loopback a raw ICMP socket receives its own echo requests next to the replies. Too small a
    buffer drops the replies to the largest probes, which then look lost: a false black hole.
    """
    return max(MIN_BUFFER, 2 * outstanding * packet_charge(max_size))


class SendRefused(Exception):
    """This host refused to send a probe (EPERM/EACCES): its own firewall drops it."""


def match(codec, pending, packets):
    """Pair received packets with pending probes.

    pending: seq -> (index, sent_at); packets: (data, source, received_at, from_icmp) in arrival
    order, from_icmp telling the ICMP socket's packets from the probe protocol's.
    Returns seq -> Event for the first packet that settles each pending probe; duplicates,
    stale answers and other programs' ICMP are ignored, in whatever order they arrive.
    """
    settled = {}
    for data, source, received_at, from_icmp in packets:
        parsed = codec.parse(data, source, from_icmp)
        if parsed is None or parsed[1] not in pending or parsed[1] in settled:
            continue
        kind, seq, mtu = parsed
        settled[seq] = pmtu.Event(kind, mtu, source, received_at - pending[seq][1])
    return settled


def raw_socket(family, protocol, buffer):
    """A raw socket of `protocol` (None: ICMP of the family) that sends with DF set, past the
    cached path MTU, with send and receive buffers of `buffer` bytes."""
    if family == 4:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, protocol or socket.IPPROTO_ICMP)
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)
    else:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, protocol or socket.IPPROTO_ICMPV6)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_DONTFRAG, 1)
    for forced, plain in ((SO_RCVBUFFORCE, socket.SO_RCVBUF), (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
        try:
            sock.setsockopt(socket.SOL_SOCKET, forced, buffer)
        except PermissionError:  # CAP_NET_RAW without CAP_NET_ADMIN: up to the sysctl's limit
            sock.setsockopt(socket.SOL_SOCKET, plain, buffer)
    return sock


def source_for(family, address, port):
    """The address this host sends from to `address`."""
    af = probe_packets.ADDRESS_FAMILY[family]
    with socket.socket(af, socket.SOCK_DGRAM) as router:
        router.connect((address, port))  # no packet: it only picks the route and source
        source = router.getsockname()[0]
    return source


def hold_port(family, protocol, source):
    """(a socket bound to a free port of `protocol` on `source`, that port), so that no other
    program takes the port while the probes use it.

    Nothing listens on the held port, so this host's kernel resets a SYN-ACK that reaches it,
    and the bound UDP socket takes UDP answers, so the kernel sends no port unreachable back."""
    kind = socket.SOCK_STREAM if protocol == socket.IPPROTO_TCP else socket.SOCK_DGRAM
    holder = socket.socket(probe_packets.ADDRESS_FAMILY[family], kind)
    holder.bind((source, 0))
    return holder, holder.getsockname()[1]


def make_codec(family, address, protocol, port):
    """(the codec of `protocol` to `address`:`port`, the sockets to close with the transport)."""
    token = os.urandom(8)
    if protocol == "icmp":
        return probe_packets.EchoProbes(family, int.from_bytes(os.urandom(2), "big"), token), []
    source = source_for(family, address, port)
    holder, sport = hold_port(family, probe_packets.PROTOCOL_NUMBER[protocol], source)
    codec = probe_packets.TcpSyns if protocol == "tcp" else probe_packets.UdpDatagrams
    return codec(family, source, address, port, sport, token), [holder]


class RawProbeTransport:
    def __init__(self, family, address, codec, max_size, outstanding, clock=time.monotonic, keep=()):
        """`outstanding`: the most probes one exchange sends, each at most `max_size` bytes;
        `keep`: sockets to close with this one (the held source port)."""
        self.family = family
        self.address = address
        self.codec = codec
        self.clock = clock
        self.seq = int.from_bytes(os.urandom(2), "big")
        self.sent = 0
        self.answered = 0  # packets sent back, the resets for SYN-ACKs
        self.buffer = buffer_bytes(max_size, outstanding)
        self.sock = raw_socket(family, codec.protocol, self.buffer)
        # (socket, from_icmp): TCP and UDP probes learn of their errors on a raw ICMP socket.
        self.sockets = [(self.sock, codec.protocol is None)]
        if codec.protocol is not None:
            self.sockets.append((raw_socket(family, None, self.buffer), True))
        self.keep = list(keep)
        self.default_ttl = None
        # Probes of earlier rounds still unanswered (seq -> (size, sent_at)), and answers to them
        # that came after their round had ended: on a busy host they still prove their size fits.
        self.unanswered = collections.OrderedDict()
        self.late = []

    def close(self):
        for sock in [sock for sock, _from_icmp in self.sockets] + self.keep:
            sock.close()

    def _set_ttl(self, ttl):
        if ttl == self.default_ttl:
            return
        value = ttl if ttl is not None else 64
        if self.family == 4:
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, value)
        else:
            self.sock.setsockopt(socket.IPPROTO_IPV6, IPV6_UNICAST_HOPS, value if ttl is not None else -1)
        self.default_ttl = ttl

    def exchange(self, probes, wait, early=False):
        """Send every probe, then collect answers until each is settled or `wait` has passed.

        With early=True the round also ends shortly after the first answer (used for the
        liveness probes, where one answer is all that is needed).
        """
        pending, outcomes = {}, [None] * len(probes)
        for index, probe in enumerate(probes):
            self.seq = (self.seq + 1) & 0xFFFF
            self._set_ttl(probe.ttl)
            packet = self.codec.build(self.seq, probe.size)
            sent_at = self.clock()
            try:
                self.sock.sendto(packet, (self.address, 0))
            except OSError as exc:
                if exc.errno in (errno.EPERM, errno.EACCES):
                    raise SendRefused("sending %s to %s was refused on this host (%s)"
                                      % (self.codec.what, self.address, exc.strerror)) from None
                if exc.errno != errno.EMSGSIZE:
                    raise
                # Larger than this host's own link: it never left, and that is the answer.
                outcomes[index] = pmtu.Event("local_too_big", None, None, 0.0)
                continue
            self.sent += 1
            pending[self.seq] = (index, sent_at)
        self._set_ttl(None)
        deadline = self.clock() + wait
        while pending:
            received = self._receive(deadline)
            if received is None:
                break
            for seq, event in match(self.codec, pending, received).items():
                outcomes[pending.pop(seq)[0]] = event
                if early and event.kind == "reply":
                    deadline = min(deadline, self.clock() + max(0.02, 2 * event.rtt))
        for seq, (index, sent_at) in pending.items():
            if probes[index].ttl is None:
                self.unanswered[seq] = (probes[index].size, sent_at)
        while len(self.unanswered) > MAX_UNANSWERED:
            self.unanswered.popitem(last=False)
        return outcomes

    def drain(self, wait):
        """Wait up to `wait` seconds for late answers to earlier probes, without sending."""
        deadline = self.clock() + wait
        while self.unanswered and self._receive(deadline) is not None:
            pass

    def take_late(self):
        """The late answers received so far, as (size, Event), oldest first; forgets them."""
        late, self.late = self.late, []
        return late

    def _receive(self, deadline):
        """The packets waiting on the sockets as [(data, source, received_at, from_icmp)] (late
        answers are kept aside), or None when nothing came before `deadline`."""
        remaining = deadline - self.clock()
        if remaining <= 0:
            return None
        from_icmp = dict(self.sockets)
        readable, _w, _x = select.select(list(from_icmp), [], [], remaining)
        if not readable:
            return None
        received = []
        for sock in readable:
            data, source = sock.recvfrom(65535)
            received.append((data, source[0], self.clock(), from_icmp[sock]))
            self._answer(data, source[0])
        for seq, event in match(self.codec, self.unanswered, received).items():
            self.late.append((self.unanswered.pop(seq)[0], event))
        return received

    def _answer(self, data, source):
        reply = self.codec.answer(data, source)
        if reply is None:
            return
        try:
            self.sock.sendto(reply, (self.address, 0))
            self.answered += 1
        except OSError:
            pass  # the kernel resets the SYN-ACK as well; a refused reset loses nothing more
