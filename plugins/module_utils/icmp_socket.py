# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Raw ICMP echo probes with the DF bit set, as a transport for pmtu.probe_path.

IP_PMTUDISC_PROBE (IPV6_PMTUDISC_PROBE) sets DF and ignores the kernel's cached path MTU, so a
probe of any size up to the interface MTU leaves the host as sent, whatever an earlier too-big
message taught the kernel. Needs CAP_NET_RAW (root).
"""

import collections
import errno
import os
import select
import socket
import time

from ansible_collections.netpath.mtu.plugins.module_utils import pmtu

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


def match(family, ident, pending, packets):
    """Pair received packets with pending probes.

    pending: seq -> (index, sent_at); packets: (data, source, received_at) in arrival order.
    Returns seq -> Event for the first packet that settles each pending probe; duplicates,
    stale answers and other programs' ICMP are ignored, in whatever order they arrive.
    """
    settled = {}
    for data, source, received_at in packets:
        parsed = pmtu.parse_icmp(family, data, ident)
        if parsed is None or parsed[1] not in pending or parsed[1] in settled:
            continue
        kind, seq, mtu = parsed
        settled[seq] = pmtu.Event(kind, mtu, source, received_at - pending[seq][1])
    return settled


class RawIcmpTransport:
    def __init__(self, family, address, max_size, outstanding, clock=time.monotonic):
        """`outstanding`: the most probes one exchange sends, each at most `max_size` bytes."""
        self.family = family
        self.address = address
        self.clock = clock
        self.ident = int.from_bytes(os.urandom(2), "big")
        self.token = os.urandom(8)
        self.seq = int.from_bytes(os.urandom(2), "big")
        self.sent = 0
        if family == 4:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            self.sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)
        else:
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            self.sock.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE)
            self.sock.setsockopt(socket.IPPROTO_IPV6, IPV6_DONTFRAG, 1)
        self.buffer = buffer_bytes(max_size, outstanding)
        for forced, plain in ((SO_RCVBUFFORCE, socket.SO_RCVBUF), (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, forced, self.buffer)
            except PermissionError:  # CAP_NET_RAW without CAP_NET_ADMIN: up to the sysctl's limit
                self.sock.setsockopt(socket.SOL_SOCKET, plain, self.buffer)
        self.default_ttl = None
        # Probes of earlier rounds still unanswered (seq -> (size, sent_at)), and answers to them
        # that came after their round had ended: on a busy host they still prove their size fits.
        self.unanswered = collections.OrderedDict()
        self.late = []

    def close(self):
        self.sock.close()

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
            packet = pmtu.build_echo(self.family, self.ident, self.seq, probe.size, self.token)
            sent_at = self.clock()
            try:
                self.sock.sendto(packet, (self.address, 0))
            except OSError as exc:
                if exc.errno in (errno.EPERM, errno.EACCES):
                    raise SendRefused("sending an echo request to %s was refused on this host (%s)"
                                      % (self.address, exc.strerror)) from None
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
            for seq, event in match(self.family, self.ident, pending, received).items():
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
        """One packet as [(data, source, received_at)] (a late answer is kept aside), or None
        when nothing came before `deadline`."""
        remaining = deadline - self.clock()
        if remaining <= 0:
            return None
        readable, _w, _x = select.select([self.sock], [], [], remaining)
        if not readable:
            return None
        data, source = self.sock.recvfrom(65535)
        received = [(data, source[0], self.clock())]
        for seq, event in match(self.family, self.ident, self.unanswered, received).items():
            self.late.append((self.unanswered.pop(seq)[0], event))
        return received
