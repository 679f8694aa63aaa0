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
