# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter unknown_variables (documented in unknown_variables.yml); the logic is
module_utils/known_variables.py."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.netpath.mtu.plugins.module_utils import known_variables


def unknown_variables(hostvars, hosts, known, playbook, warn=True, elsewhere=None):
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError("unknown_variables: expected hostvars, got %s" % type(hostvars).__name__)
    if isinstance(hosts, str) or not isinstance(known, (list, tuple)) or not isinstance(elsewhere or [], (list, tuple)):
        raise AnsibleFilterError("unknown_variables: hosts and known must be lists of names")
    hosts = [str(h) for h in hosts if str(h) in hostvars]
    # the names only: reading a variable's value would template it
    names = dict((host, list(hostvars[host].keys())) for host in hosts)
    lines = [known_variables.message(u, str(playbook), hosts)
             for u in known_variables.unknown_variables(names, known, elsewhere or [])]
    if warn:
        for line in lines:
            Display().warning(line)
    return lines


class FilterModule:
    def filters(self):
        return {"unknown_variables": unknown_variables}
