# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Import netpath.mtu's filter plugins once, before Ansible forks its workers
version_added: 0.2.0
description:
  - >-
    Ansible runs each task on each host in a forked worker process. A worker that templates one of
    this collection's filters (C(netpath.mtu.findings), C(netpath.mtu.report), ...) finds it by
    importing the collection's filter files one after the other, each compiled from source, with
    the C(module_utils) they use: 0.1 to 0.2 s of the controller's CPU for every such task on every
    host. This callback imports them once, in the main process, when the playbook starts; the
    workers inherit them.
  - >-
    It prints nothing and changes no result. On the lab's 20-host audit it halves the controller's
    CPU time (docs/fleet.md has the numbers). The C(netpath.mtu.progress) stdout callback does the
    same, so this one is for runs with another stdout callback.
  - >-
    Enable it with C(callbacks_enabled = netpath.mtu.preload) in C([defaults]) of C(ansible.cfg),
    or E(ANSIBLE_CALLBACKS_ENABLED=netpath.mtu.preload). A filter file that fails to import is
    named in a warning; the task that uses it then fails with Ansible's own message.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - Enabled in C(callbacks_enabled) (see the description).
"""

from ansible.plugins.callback import CallbackBase

from ansible_collections.netpath.mtu.plugins.plugin_utils.preload import collection_package_of, preload_filters


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "netpath.mtu.preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        for name, why in preload_filters(collection_package_of(__name__)).items():
            self._display.warning("netpath.mtu.preload: could not import %s (%s)" % (name, why))
