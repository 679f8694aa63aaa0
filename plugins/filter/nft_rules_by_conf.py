# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: nft_rules_by_conf
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: Which nft rules an include in an nftables configuration can insert at boot
description:
  - Splits rules written as C(family table chain statement) by whether the nftables configuration
    (the text of C(/etc/nftables.conf), say) defines their table (C(table inet filter {),
    C(add table ip6 filter); a table without a family is C(ip)). Only those can be inserted by a file
    the configuration includes after it; the others are not kept across a reboot that way.
positional: conf_text
options:
  _input:
    description: The rules, each C(family table chain statement).
    type: list
    elements: str
    required: true
  conf_text:
    description: The configuration's text (empty when there is none).
    type: str
    required: true
"""

EXAMPLES = r"""
split: "{{ ['inet filter input icmpv6 type packet-too-big accept'] | netpath.mtu.nft_rules_by_conf(conf) }}"
# {"persisted": ["inet filter input icmpv6 type packet-too-big accept"], "not_persisted": []}
"""

RETURN = r"""
_value:
  description: C(persisted) and C(not_persisted), each a list of the rules in the order given.
  type: dict
"""

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp_saved
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

nft_rules_by_conf = named_filter("nft_rules_by_conf", mss_clamp_saved.nft_rules_by_conf,
                                 mss_clamp_saved.SavedStateError)


class FilterModule:
    def filters(self):
        return {"nft_rules_by_conf": nft_rules_by_conf}
