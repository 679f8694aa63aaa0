# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: wireguard_keepalive_changes
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: The live WireGuard peers whose PersistentKeepalive differs from the one wanted
description:
  - Reads the output of C(wg show IF persistent-keepalive) (a line C(PUBLIC_KEY<tab>SECONDS) or
    C(PUBLIC_KEY<tab>off) per peer) and returns the peers whose keepalive is not O(keepalive), each with
    its public key (which C(wg set IF peer KEY persistent-keepalive N) needs) and its value before.
  - The result holds public keys; use it in tasks with C(no_log). The wireguard_mtu role does.
positional: keepalive
options:
  _input:
    description: The text of C(wg show IF persistent-keepalive).
    type: str
    required: true
  keepalive:
    description: The keepalive wanted, in seconds 0..65535 (0 = off).
    type: int
    required: true
"""

EXAMPLES = r"""
todo: "{{ wg_show.stdout | netpath.mtu.wireguard_keepalive_changes(25) }}"
# [{"key": "GtL7...=", "previous": "off"}]
"""

RETURN = r"""
_value:
  description: C(key) and C(previous) of each peer to change.
  type: list
  elements: dict
"""

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
