# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: iptables_clamp_lines
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: The MSS clamp lines of iptables-save output or a saved rules file
description:
  - Picks from C(iptables-save) or C(ip6tables-save) output (or a file they wrote, such as
    C(/etc/iptables/rules.v4)) the lines the netpath.mtu.mss_clamp role looks after - the TCPMSS rules
    of the C(*mangle) table, then the rules of the C(*filter) table that carry C(--comment COMMENT) -
    so that the running rules and the saved ones can be compared.
  - An empty or missing text gives an empty list.
positional: comment
options:
  _input:
    description: The iptables-save text.
    type: str
    required: true
  comment:
    description: The comment of the role's filter rules (C(netpath.mtu)).
    type: str
    required: true
"""

EXAMPLES = r"""
saved: "{{ lookup('file', '/etc/iptables/rules.v4') | netpath.mtu.iptables_clamp_lines('netpath.mtu') }}"
# ["-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"]
"""

RETURN = r"""
_value:
  description: The lines, stripped, in file order.
  type: list
  elements: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp_saved
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

iptables_clamp_lines = named_filter("iptables_clamp_lines", mss_clamp_saved.iptables_clamp_lines,
                                    mss_clamp_saved.SavedStateError)


class FilterModule:
    def filters(self):
        return {"iptables_clamp_lines": iptables_clamp_lines}
