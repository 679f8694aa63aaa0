# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: unknown_variables
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
short_description: Name the netpath_* variables a playbook is given but does not take, with the name meant
positional: _input, hosts, known, playbook
description:
  - Looks at the names of the variables O(hosts) see (inventory, host and group variables, extra
    vars, facts) and returns a line for each C(netpath_*) name that is not in O(known), saying where
    it is set and the closest name of O(known) (difflib's close matches), e.g. C(netpath.mtu.remediate
    does not take netpath_report_dir (set for localhost), which does nothing here - did you mean
    netpath_remediate_report_dir?).
  - Only the names are read, never the values.
  - With O(warn), each line is also shown as a warning.
  - The audit, remediate and flannel_iface playbooks run it first, with the names of their specs in
    C(playbooks/vars/argument_specs.yml), and fail on any line when C(netpath_strict) is true.
options:
  _input:
    description: C(hostvars).
    type: raw
    required: true
  hosts:
    description: The hosts whose variables to look at (the playbook's hosts and localhost).
    type: list
    elements: str
    required: true
  known:
    description: The names of the variables the playbook takes.
    type: list
    elements: str
    required: true
  playbook:
    description: The playbook's name, for the messages.
    type: str
    required: true
  warn:
    description: Also show each line as a warning.
    type: bool
    default: true
  elsewhere:
    description:
      - Names that pass although the playbook does not take them, those of the collection's other
        playbooks, which an inventory shared by them holds (C(netpath_remediate_verify_url) on the audit).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Name the netpath_* variables this playbook does not take
  ansible.builtin.assert:
    that: unknown | length == 0
    fail_msg: "{{ unknown | join(' ') }}"
  vars:
    unknown: >-
      {{ hostvars | netpath.mtu.unknown_variables(ansible_play_hosts_all, ['netpath_report_dir'],
                                                  'my.playbook', warn=false) }}
"""

RETURN = r"""
_value:
  description: One line per unknown variable, by name.
  type: list
  elements: str
"""

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
