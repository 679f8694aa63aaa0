# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters iptables_clamp_lines and nft_rules_by_conf (documented in their .yml files); the logic
is module_utils/mss_clamp_saved.py."""

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp_saved
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

iptables_clamp_lines = named_filter("iptables_clamp_lines", mss_clamp_saved.iptables_clamp_lines,
                                    mss_clamp_saved.SavedStateError)
nft_rules_by_conf = named_filter("nft_rules_by_conf", mss_clamp_saved.nft_rules_by_conf,
                                 mss_clamp_saved.SavedStateError)


class FilterModule:
    def filters(self):
        return {"iptables_clamp_lines": iptables_clamp_lines, "nft_rules_by_conf": nft_rules_by_conf}
