# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: path_measurements_problem
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: What is wrong with a list of path MTU measurements handed to a role
description:
  - Checks a list of path MTU measurements in the form of the audit's C(netpath_probes) (mtu_facts' C(probes)),
    each a dict with C(dest) and either C(pmtu) (bytes) and C(family) (V(ipv4) or V(ipv6)), with optional
    C(protocol) (V(icmp), V(tcp), V(udp)) and C(blackhole) (a boolean), or C(failed=true).
  - Returns a sentence naming the variable, the first bad entry and what is allowed; an empty string when
    nothing is wrong (null is allowed too). The wireguard_mtu role checks C(wireguard_mtu_endpoint_probes) with it.
positional: name
options:
  _input:
    description: The measurements.
    type: raw
    required: true
  name:
    description: The variable's name, for the sentence.
    type: str
    required: true
"""

EXAMPLES = r"""
problem: >-
  {{ [{'dest': '10.2.0.2', 'pmtu': 'big'}] | netpath.mtu.path_measurements_problem('wireguard_mtu_endpoint_probes') }}
# "wireguard_mtu_endpoint_probes[0] (10.2.0.2) has pmtu 'big', not a number of bytes 68..65535 (or failed: true); ..."
"""

RETURN = r"""
_value:
  description: What is wrong, or an empty string.
  type: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import wireguard_path


class FilterModule:
    def filters(self):
        return {"path_measurements_problem": wireguard_path.measurements_problem}
