# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsers of the system tools' machine-readable output (iproute2's JSON), as plain functions.

Every module that reads a tool's output imports it from here, so each format is parsed once.
"""

import json
import re

# Linux interface names: up to 15 bytes, not '.' or '..', no '/', ':' or whitespace.
IFNAME_RE = re.compile(r"^(?!\.{1,2}$)[^/:\s]{1,15}$")


class ParseError(ValueError):
    pass


def valid_ifname(name):
    return isinstance(name, str) and bool(IFNAME_RE.match(name))


def _json(text, what):
    try:
        return json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise ParseError("%s: not JSON (%s)" % (what, exc)) from None


def route_get(text):
    """`ip -j route get [fibmatch] ADDR` -> {dev, src, gateway, mtu}.

    With fibmatch the answer is the routing table's entry, whose mtu is one set on the route (None
    when it has none: the device's applies). Without it, the answer includes what the kernel
    learned from too-big messages (a route exception), so its mtu may be a cached path MTU; IPv4
    marks such an answer with "cache", IPv6 does not, hence the two look-ups.
    """
    routes = _json(text, "ip route get")
    if not routes or not isinstance(routes, list) or "dev" not in routes[0]:
        raise ParseError("ip route get: no route in %r" % text[:200])
    route = routes[0]
    metrics = {}
    for entry in route.get("metrics") or []:
        if isinstance(entry, dict):
            metrics.update(entry)
    return {
        "dev": route["dev"],
        "src": route.get("prefsrc"),
        "gateway": route.get("gateway"),
        "mtu": metrics.get("mtu"),
    }


def link_mtu(text):
    """`ip -j link show dev NAME` -> the link's MTU."""
    links = _json(text, "ip link show")
    if not links or "mtu" not in links[0]:
        raise ParseError("ip link show: no link in %r" % text[:200])
    return int(links[0]["mtu"])
