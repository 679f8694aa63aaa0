# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Path MTU search: the search and its driver, and the ICMP codec (echo requests and the errors
that quote any probe). The TCP and UDP probes are in probe_packets.py.

Everything here works on data: the sockets live in probe_socket.py, and the unit tests drive
the search over simulated paths. Sizes are IP packet sizes in bytes (headers included).

The search sends many DF probes of different sizes at once, narrows the range between the
largest size answered and the smallest size lost, and calls a size lost only when it was lost
`attempts` times (RFC 8899) or a router said it was too big. An answer is proof that a size
fits, so a size lost on a lossy path below one that was answered is simply ignored.
"""

import collections
import struct

from ansible_collections.netpath.mtu.plugins.module_utils.encap import IP_HEADER
from ansible_collections.netpath.mtu.plugins.module_utils.limits import MTU_LIMITS

ICMP_HEADER = 8
# TCP MSS = path MTU - IP header - TCP header (20).
MSS_OVERHEAD = {4: 40, 6: 60}
ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
ICMP_PROTOCOL = {4: 1, 6: 58}
# At most this many probes go out in one round: enough to resolve 68..1500 to one byte, confirmed,
# in two rounds (80 sizes leave gaps of 18, whose 17 sizes x 3 attempts fit the second round),
# little enough (about 64 kB) not to flood the path.
ROUND_PROBES = 80
MAX_ROUNDS = 12
PAYLOAD_MAGIC = b"netpath-pmtu"

Probe = collections.namedtuple("Probe", "size ttl")
# kind: reply | too_big | time_exceeded | local_too_big; mtu: reported MTU or None;
# source: who answered; rtt: seconds from send to answer.
Event = collections.namedtuple("Event", "kind mtu source rtt")


class DeadDestination(Exception):
    """The destination answered no probe at all: not a black hole."""


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def build_echo(family, ident, seq, size, token=b""):
    """The ICMP echo request that makes an IP packet of `size` bytes."""
    payload_len = size - IP_HEADER[family] - ICMP_HEADER
    if payload_len < 0:
        raise ValueError("size %d is below the %d-byte headers" % (size, IP_HEADER[family] + ICMP_HEADER))
    payload = (PAYLOAD_MAGIC + token)[:payload_len]
    payload += b"\0" * (payload_len - len(payload))
    header = struct.pack("!BBHHH", ECHO_REQUEST[family], 0, 0, ident, seq)
    if family == 6:
        return header + payload  # the kernel fills in the ICMPv6 checksum (it covers a pseudo-header)
    return struct.pack("!BBHHH", ECHO_REQUEST[4], 0, checksum(header + payload), ident, seq) + payload


def strip_ipv4(family, data):
    """The payload of a packet from a raw socket: IPv4 raw sockets hand over the IP header too,
    IPv6 raw sockets only the payload. None when too short to be one."""
    if family == 4:
        if len(data) < 20:
            return None
        data = data[(data[0] & 0x0F) * 4:]
    return data


IcmpError = collections.namedtuple("IcmpError", "kind mtu protocol quoted")


def icmp_error(family, data):
    """The ICMP error in `data` (an ICMP message, no IP header) as an IcmpError, else None.

    kind: too_big | time_exceeded | port_unreachable; protocol and quoted: the protocol and the
    start (transport header first) of the packet it quotes, the probe it is about.
    """
    if len(data) < 8:
        return None
    icmp_type, code = data[0], data[1]
    if family == 4 and icmp_type == 3 and code == 4:
        kind, mtu = "too_big", struct.unpack("!H", data[6:8])[0] or None
    elif family == 6 and icmp_type == 2:
        kind, mtu = "too_big", struct.unpack("!I", data[4:8])[0] or None
    elif (family, icmp_type, code) in ((4, 11, 0), (6, 3, 0)):
        kind, mtu = "time_exceeded", None
    elif (family, icmp_type, code) in ((4, 3, 3), (6, 1, 4)):
        kind, mtu = "port_unreachable", None
    else:
        return None
    inner = data[8:]
    if family == 4:
        if len(inner) < 20:
            return None
        protocol, quoted = inner[9], inner[(inner[0] & 0x0F) * 4:]
    else:
        if len(inner) < 40:
            return None
        protocol, quoted = inner[6], inner[40:]
    return IcmpError(kind, mtu, protocol, quoted)


def parse_icmp(family, data, ident):
    """(kind, seq, mtu) for a packet that concerns our echo probes, else None.

    Errors (too big, time exceeded) quote our echo request: its id and sequence match them.
    """
    data = strip_ipv4(family, data)
    if data is None or len(data) < 8:
        return None
    if data[0] == ECHO_REPLY[family]:
        their_ident, seq = struct.unpack("!HH", data[4:8])
        return ("reply", seq, None) if their_ident == ident else None
    error = icmp_error(family, data)
    if error is None or error.kind == "port_unreachable" or error.protocol != ICMP_PROTOCOL[family]:
        return None
    quoted = error.quoted
    if len(quoted) < 8 or quoted[0] != ECHO_REQUEST[family]:
        return None
    their_ident, seq = struct.unpack("!HH", quoted[4:8])
    return (error.kind, seq, error.mtu) if their_ident == ident else None


def validate_sizes(family, min_size, max_size):
    """An error message for sizes the family does not allow, else None."""
    low, high = MTU_LIMITS[family]
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if value is not None and not low <= value <= high:
            return "%s=%d is outside %d..%d, the sizes IPv%d allows" % (name, value, low, high, family)
    if min_size is not None and max_size is not None and min_size > max_size:
        return "min_size=%d is larger than max_size=%d" % (min_size, max_size)
    return None


class Search:
    """Which sizes to probe next, from what the earlier rounds showed."""

    def __init__(self, fits, max_size, attempts, round_probes=ROUND_PROBES):
        self.low = fits  # the largest size known to fit (answered)
        self.max_size = max_size
        self.attempts = attempts
        self.round_probes = round_probes
        self.lost = {}  # size -> times lost (a too-big counts as `attempts`)
        self.reported = []  # (mtu, source) from too-big messages

    def record(self, size, event):
        if event is not None and event.kind == "reply":
            self.low = max(self.low, size)
        elif event is not None and event.kind in ("too_big", "local_too_big"):
            self.lost[size] = self.attempts
            if event.kind == "too_big":
                self.reported.append((event.mtu, event.source))
        else:
            self.lost[size] = self.lost.get(size, 0) + 1

    def upper(self):
        """The smallest size above `low` that was lost at least once (max_size + 1 if none)."""
        above = [s for s in self.lost if s > self.low]
        return min(above) if above else self.max_size + 1

    def done(self):
        high = self.upper()
        return high == self.low + 1 and (high > self.max_size or self.lost[high] >= self.attempts)

    def next_round(self):
        """The sizes of the next round, ascending (repeats are extra copies), or [] when done."""
        if self.done():
            return []
        high = self.upper()
        confirm = [high] * (self.attempts - self.lost[high]) if high <= self.max_size else []
        between = list(range(self.low + 1, high))
        if not between:
            return confirm
        if len(between) * self.attempts + len(confirm) <= self.round_probes:
            # Few enough to settle in this round: each size as often as it takes to call it lost.
            return sorted(between * self.attempts + confirm)
        hints = set()
        for mtu, _source in self.reported:
            if mtu and self.low < mtu < high:
                hints.update((mtu, mtu + 1))
        count = self.round_probes - len(hints)
        span = high - 1 - self.low
        spread = set(self.low + -(-i * span // count) for i in range(1, count + 1))
        return sorted((spread | hints) & set(between))


def _smallest_reported(search):
    return min((mtu for mtu, _source in search.reported if mtu), default=None)


def _unexplained_loss(search, max_size):
    """Sizes above the largest answered were lost with no too-big message that explains it."""
    icmp_too_big = _smallest_reported(search)
    return search.low < max_size and (icmp_too_big is None or icmp_too_big > search.low)


def _record_late(search, late, wait, timeout):
    """Count answers that came after their round (each still proves its size fits) and wait
    longer from now on: twice the slowest of them, never more than `timeout`."""
    for size, event in late:
        search.record(size, event)
    slowest = max((event.rtt for _size, event in late), default=0.0)
    return min(timeout, max(wait, 2 * slowest + 0.02))


def probe_path(transport, family, min_size, max_size, attempts, timeout, clock, what="ICMP echo requests"):
    """Find the path MTU over `transport`; the result dict of the pmtu_probe module (less route facts).

    `what` names the probes (ICMP echo requests, TCP SYNs to a port, ...) in the error when none
    is answered. The search is the same for every protocol: only the transport differs."""
    started = clock()
    liveness = transport.exchange([Probe(min_size, None)] * attempts, timeout, early=True)
    rtts = [event.rtt for event in liveness if event is not None and event.kind == "reply"]
    if not rtts:
        raise DeadDestination("no answer to %d %s of %d bytes in %.1f s" % (attempts, what, min_size, timeout))
    rtt = min(rtts)
    # Long enough for the slowest answer a healthy path gives, never longer than `timeout`.
    wait = min(timeout, max(0.05, 4 * max(rtts) + 0.02))
    search = Search(min_size, max_size, attempts)
    rounds, drained = 0, False
    while rounds < MAX_ROUNDS:
        sizes = search.next_round()
        if not sizes:
            # Before calling the sizes above `low` lost without a router saying so: answers still
            # on their way (a busy host, a slow tunnel) would prove them, so wait one round more.
            if drained or not _unexplained_loss(search, max_size):
                break
            transport.drain(wait)
            drained = True
        else:
            rounds += 1
            drained = False
            for size, event in zip(sizes, transport.exchange([Probe(size, None) for size in sizes], wait)):
                search.record(size, event)
        wait = _record_late(search, transport.take_late(), wait, timeout)
    pmtu = search.low
    icmp_too_big = _smallest_reported(search)
    return {
        "pmtu": pmtu,
        "converged": search.done(),
        "blackhole": _unexplained_loss(search, max_size),
        "icmp_too_big": icmp_too_big,
        "icmp_too_big_from": next((src for mtu, src in search.reported if mtu == icmp_too_big), None),
        "recommended_mss": pmtu - MSS_OVERHEAD[family],
        "rounds": rounds,
        "rtt_ms": round(rtt * 1000, 3),
        "wait_ms": round(wait * 1000, 1),
        "elapsed_ms": round((clock() - started) * 1000, 1),
    }


def locate(transport, family, small, large, max_hops, wait):
    """Find how far a packet of `large` bytes gets, by TTL, next to one of `small` bytes.

    Returns the hops seen and the bottleneck: the last hop the large packet reached; the link
    from it towards the next hop is narrower than `large`.
    """
    probes = []
    for ttl in range(1, max_hops + 1):
        probes += [Probe(small, ttl), Probe(large, ttl)]
    outcomes = transport.exchange(probes, wait)
    hops = []
    for ttl in range(1, max_hops + 1):
        small_event, large_event = outcomes[2 * ttl - 2], outcomes[2 * ttl - 1]
        source = next((e.source for e in (small_event, large_event) if e is not None), None)
        reached = small_event is not None and small_event.kind == "reply"
        hops.append({"hop": ttl, "address": source,
                     "large_arrived": large_event is not None and large_event.kind in ("time_exceeded", "reply"),
                     "destination": reached})
        if reached:
            break
    last = max([h["hop"] for h in hops if h["large_arrived"]] or [0])
    nxt = next((h for h in hops if h["hop"] == last + 1), None)
    return {
        "hops": hops,
        "bottleneck": {
            "hop": last,
            "address": hops[last - 1]["address"] if last else None,
            "next_hop": last + 1 if nxt else None,
            "next_address": nxt["address"] if nxt else None,
        },
    }
