# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter probe_plan (documented in probe_plan.yml); the logic is module_utils/probe_plan.py."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.netpath.mtu.plugins.module_utils import probe_plan as plans


def probe_plan(host, play_hosts, hostvars, targets=None, mesh=False, auto=True):
    if not isinstance(hostvars, Mapping) or isinstance(play_hosts, str) or not isinstance(play_hosts, (list, tuple)):
        raise AnsibleFilterError("probe_plan: expected a host name | probe_plan(ansible_play_hosts_all, hostvars)")
    try:
        mesh, auto = boolean(mesh, strict=True), boolean(auto, strict=True)
    except TypeError as exc:
        raise AnsibleFilterError("probe_plan: mesh and auto must be booleans: %s" % exc) from None
    return plans.probe_plan(str(host), play_hosts, hostvars, targets or [], mesh, auto)


class FilterModule:
    def filters(self):
        return {"probe_plan": probe_plan}
