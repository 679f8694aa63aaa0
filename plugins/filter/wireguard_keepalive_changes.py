# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter wireguard_keepalive_changes (documented in its .yml file); the logic is module_utils/wg_quick.py."""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import wg_quick
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter


def _keepalive_changes(wg_show_text, keepalive):
    if wg_show_text is not None and not isinstance(wg_show_text, str):
        raise AnsibleFilterError("wireguard_keepalive_changes: expected the text of `wg show IF persistent-keepalive`, "
                                 "got %s" % type(wg_show_text).__name__)
    return wg_quick.keepalive_changes(wg_show_text, keepalive)


wireguard_keepalive_changes = named_filter("wireguard_keepalive_changes", _keepalive_changes, wg_quick.WgQuickError)


class FilterModule:
    def filters(self):
        return {"wireguard_keepalive_changes": wireguard_keepalive_changes}
