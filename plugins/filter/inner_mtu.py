# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: inner_mtu
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: MTU left inside a stack of encapsulations
description:
  - Subtracts each layer's overhead from the outer MTU, outermost layer first, from the one
    overhead table of the collection (VXLAN 50, WireGuard 60 over IPv4 and 80 over IPv6 or when
    the outer family is not known, Geneve 50, GRE 24, IPIP 20, IPsec ESP 73, PPPoE 8).
  - A C(tailscale) layer is Tailscale's TUN device, always 1280 at most.
  - The result is always an integer of at least 68, the smallest MTU IPv4 allows; layers that
    leave less fail, naming each layer and its overhead.
  - "Fails, naming the value, on an outer MTU that is not a whole number 68..65536 (a boolean is
    not a number: V(true) is not 1), and on a layer that is not a known kind or family, naming its
    index (C(inner_mtu: layers[1]: unknown encapsulation 'mpls'; known: ...))."
positional: layers
options:
  _input:
    description: The MTU of the outer link, in bytes, 68..65536 (an integer or a string of digits).
    type: int
    required: true
  layers:
    description:
      - The encapsulations, outermost first, each a kind (V(vxlan), V(wireguard), V(geneve), V(gre),
        V(ipip), V(ipsec), V(pppoe), V(tailscale)), a kind with its outer family (V(wireguard/ipv4),
        V(vxlan6)), or a dict with C(kind) and C(family).
    type: list
    elements: raw
    required: true
"""

EXAMPLES = r"""
# 1500 - 50 (VXLAN) - 80 (WireGuard, outer family unknown) = 1370
pod_mtu: "{{ 1500 | netpath.mtu.inner_mtu(['vxlan', 'wireguard']) }}"

# WireGuard over IPv4 on a 1450 cloud network: 1390
wg_mtu: "{{ 1450 | netpath.mtu.inner_mtu(['wireguard/ipv4']) }}"
"""

RETURN = r"""
_value:
  description: The largest packet that fits inside the innermost layer, in bytes.
  type: int
"""

from ansible_collections.netpath.mtu.plugins.module_utils import encap
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

inner_mtu = named_filter("inner_mtu", encap.checked_inner_mtu, ValueError)


class FilterModule:
    def filters(self):
        return {"inner_mtu": inner_mtu}
