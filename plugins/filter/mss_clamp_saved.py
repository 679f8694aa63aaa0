# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters iptables_clamp_lines and nft_rules_by_conf (documented in their .yml files); the logic
is module_utils/mss_clamp_saved.py."""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp_saved


def iptables_clamp_lines(text, comment):
    try:
        return mss_clamp_saved.iptables_clamp_lines(text, comment)
    except mss_clamp_saved.SavedStateError as exc:
        raise AnsibleFilterError("iptables_clamp_lines: %s" % exc) from None


def nft_rules_by_conf(rules, conf_text):
    try:
        return mss_clamp_saved.nft_rules_by_conf(rules, conf_text)
    except mss_clamp_saved.SavedStateError as exc:
        raise AnsibleFilterError("nft_rules_by_conf: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"iptables_clamp_lines": iptables_clamp_lines, "nft_rules_by_conf": nft_rules_by_conf}
