# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A link's MTU and the limits its device takes, from `ip -d -j link show dev NAME`, as plain functions."""

import json

from ansible_collections.netpath.mtu.plugins.module_utils.limits import IPV4_MIN_MTU, MAX_LINK_MTU

# A device that reports no max_mtu (0 in ip -d -j link) takes any value the kernel can hold; beyond
# the loopback's own MTU it is a typo.
NO_DEVICE_MAX = MAX_LINK_MTU


class LinkError(ValueError):
    pass


def parse_link(text, name):
    """{name, mtu, min_mtu, max_mtu, kind} of a link; min_mtu/max_mtu None when the device sets none (0)."""
    try:
        links = json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise LinkError("ip -d -j link show dev %s: not JSON (%s)" % (name, exc)) from None
    if not isinstance(links, list) or not links or not isinstance(links[0], dict) or "mtu" not in links[0]:
        raise LinkError("ip -d -j link show dev %s: no link in %r" % (name, text[:200]))
    link = links[0]
    return {
        "name": link.get("ifname", name),
        "mtu": int(link["mtu"]),
        "min_mtu": link.get("min_mtu") or None,
        "max_mtu": link.get("max_mtu") or None,
        "kind": (link.get("linkinfo") or {}).get("info_kind"),
    }


def check_mtu(mtu, link=None):
    """None when the MTU can be set, else the message naming it and the limit it breaks.

    The range is the device's own (min_mtu..max_mtu of ip -d link), never below 68; without
    the link only the type and that floor are checked. A device that reports no max_mtu (the
    loopback, whose own MTU is 65536) takes up to NO_DEVICE_MAX, or its current MTU if larger.
    """
    low = IPV4_MIN_MTU
    if isinstance(mtu, bool) or not isinstance(mtu, int):
        return "mtu=%r is not an integer" % (mtu,)
    if mtu < low:
        return "mtu=%d is below %d, the smallest MTU IPv4 allows" % (mtu, low)
    if link is None:
        return None
    kind = " (%s)" % link["kind"] if link.get("kind") else ""
    if link["min_mtu"] is not None and mtu < link["min_mtu"]:
        return "mtu=%d is below the smallest MTU device %s%s takes, min_mtu %d" % (mtu, link["name"], kind,
                                                                                   link["min_mtu"])
    if link["max_mtu"] is not None and mtu > link["max_mtu"]:
        return "mtu=%d is above the largest MTU device %s%s takes, max_mtu %d" % (mtu, link["name"], kind,
                                                                                  link["max_mtu"])
    high = max(NO_DEVICE_MAX, link["mtu"])
    if link["max_mtu"] is None and mtu > high:
        return "mtu=%d is above %d, the largest MTU set on device %s%s, which reports no max_mtu" % (
            mtu, high, link["name"], kind)
    return None


def verify_new_mtu(dest, mtu, probe, put_back):
    """Check with DF probes of exactly `mtu` bytes to `dest` that the path carries the MTU just set.

    probe(min_size, max_size) measures the path as pmtu_probe does: (its result, None), or (None,
    why it could not). Returns (verify, failure): verify is the exact probe's result with `dest` and
    `size`; failure None when an echo of `mtu` bytes came back. Otherwise verify also holds `search`,
    the largest packet that did get through (searched while the new MTU is still in place, so that
    packets up to it can be sent) or `search_error`. A search that reaches `mtu` proves the MTU
    after all: the exact round was lost to something passing (a busy peer, a tunnel re-keying), and
    its `error` stays in verify. Otherwise put_back() restores the previous MTU, and failure says
    what came back.
    """
    exact, error = probe(mtu, mtu)
    verify = dict(exact or {}, dest=dest, size=mtu)
    if exact is not None and (exact.get("pmtu") or 0) >= mtu:
        return verify, None
    if error:
        verify["error"] = error
    search, search_error = probe(None, mtu)
    if search is not None:
        verify["search"] = search
        if (search.get("pmtu") or 0) >= mtu:
            return verify, None
        found = "the largest echo that came back was %d bytes%s" % (
            search.get("pmtu") or 0,
            " (a black hole: larger packets vanished without a too-big message)" if search.get("blackhole") else "")
    else:
        verify["search_error"] = search_error
        found = search_error or error or "no result"
    put_back()
    return verify, "no echo of %d bytes came back from %s (DF probes; the request may well have arrived): %s" % (
        mtu, dest, found)
