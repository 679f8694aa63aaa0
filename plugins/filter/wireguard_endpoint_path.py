# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: wireguard_endpoint_path
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: The path MTU to each WireGuard endpoint and the tunnel MTU it allows
description:
  - For each probe target of a WireGuard interface, in their order, the path MTU to it and the tunnel MTU it
    allows (the path MTU less the WireGuard overhead of the target's family, 60 bytes over IPv4, 80 over IPv6),
    with a summary such as C(10.2.0.2 path MTU 1400 (ipv4, a black hole) - 60 = 1340).
  - Each path MTU comes from O(measurements) when one of them measured the target's C(dest), else from the
    input, the results of a looped M(netpath.mtu.pmtu_probe). A target measured by neither is left out.
  - The wireguard_mtu role uses it, with O(measurements) from C(wireguard_mtu_endpoint_probes).
positional: targets, measurements
options:
  _input:
    description: The C(results) of M(netpath.mtu.pmtu_probe) looped over the targets (each with its C(item)).
    type: list
    elements: dict
    required: true
  targets:
    description: The probe targets, each a dict with C(dest) (as netpath.mtu.probe_targets makes them).
    type: list
    elements: dict
    required: true
  measurements:
    description:
      - Path MTUs measured before, each a dict with C(dest), C(pmtu), C(family) and optionally C(protocol) and
        C(blackhole), as the audit's C(netpath_probes) (mtu_facts' C(probes)) have them. Entries with
        C(failed=true) are ignored.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
path: "{{ probe_run.results | netpath.mtu.wireguard_endpoint_path(targets, netpath_probes) }}"
# [{"endpoint": "10.2.0.2", "protocol": "icmp", "family": "ipv4", "pmtu": 1400, "blackhole": true,
#   "mtu": 1340, "summary": "10.2.0.2 path MTU 1400 (ipv4, a black hole) - 60 = 1340"}]
"""

RETURN = r"""
_value:
  description:
    - C(endpoint), C(protocol), C(family), C(pmtu), C(blackhole), C(mtu) and C(summary) of each target measured.
  type: list
  elements: dict
"""

from ansible_collections.netpath.mtu.plugins.module_utils import wireguard_path
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

wireguard_endpoint_path = named_filter("wireguard_endpoint_path", wireguard_path.endpoint_path, KeyError, TypeError)


class FilterModule:
    def filters(self):
        return {"wireguard_endpoint_path": wireguard_endpoint_path}
