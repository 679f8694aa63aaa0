# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: probe_plan_view
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
short_description: What netpath.mtu.probe_plan reads of each host of the play, read once
positional: _input, hostvars
description:
  - For each host of the play, its C(netpath_probe_address), C(ansible_host), the parts of
    M(netpath.mtu.mtu_facts) it gathered and its default routes, in the shape of C(hostvars).
  - Given to P(netpath.mtu.probe_plan#filter) in place of C(hostvars), it gives the same plan, but
    each host's plan no longer reads the variables of every other host (which Ansible computes anew
    at each read); the audit makes it once per run, so that its cost per host stays flat as the
    fleet grows.
options:
  _input:
    description: The hosts whose plans it serves (those of the play that probes).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: raw
    required: true
"""

EXAMPLES = r"""
# In a play on localhost, once, after the hosts have gathered their facts
- name: Note what each host's plan needs of the others
  ansible.builtin.set_fact:
    plan_view: "{{ groups['fleet'] | netpath.mtu.probe_plan_view(hostvars) }}"

# Then on each host of the fleet

- name: Plan the probes
  ansible.builtin.set_fact:
    probe_plan: >-
      {{ inventory_hostname | netpath.mtu.probe_plan(ansible_play_hosts_all, hostvars['localhost'].plan_view) }}
"""

RETURN = r"""
_value:
  description: Host name -> the variables of it that the plan reads.
  type: dict
  sample:
    co-node:
      netpath_probe_address: null
      ansible_host: null
      ansible_facts:
        netpath_mtu:
          gathered: [interfaces, routes]
          routes: {default: {ipv4: {gateway: 10.0.0.1, address: 10.0.0.10, dev: eth0}}}
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import probe_plan as plans


def probe_plan_view(play_hosts, hostvars):
    if not isinstance(hostvars, Mapping) or isinstance(play_hosts, str) or not isinstance(play_hosts, (list, tuple)):
        raise AnsibleFilterError("probe_plan_view: expected ansible_play_hosts_all | probe_plan_view(hostvars)")
    return plans.plan_view(play_hosts, hostvars)


class FilterModule:
    def filters(self):
        return {"probe_plan_view": probe_plan_view}
