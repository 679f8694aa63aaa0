# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: probe_plans
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: The probe plan of every host of an audit, made once
positional: _input, hostvars, defaults
description:
  - For each host of the list, what P(netpath.mtu.probe_plan#filter) plans for it - the next
    C(netpath_probe_auto_peers) hosts of the list after it (3 unless set; in the list's order,
    wrapping around) at the address each sends from on its default route, skipping those without
    one, the host's default gateways when there is none, every other host with
    C(netpath_probe_mesh), nothing when the host has C(netpath_probe_targets) or
    C(netpath_probe_auto=false).
  - So each host probes C(netpath_probe_auto_peers) peers and is probed by as many, whatever the
    number of hosts; the same list and facts give the same plans.
  - Each host's own C(netpath_probe_targets), C(netpath_probe_mesh), C(netpath_probe_auto) and
    C(netpath_probe_auto_peers) decide its plan, else O(defaults).
  - A host whose gathering failed (its registered C(netpath_audit_gathered) failed) gets no plan,
    but stays a peer of the others.
  - The audit makes it once per run on C(localhost), reading each host's variables once, where
    plans made host by host would each read every other host's (Ansible computes them anew at each
    read), a cost per host that grows with the fleet.
options:
  _input:
    description: The hosts of the audit.
    type: list
    elements: str
    required: true
  defaults:
    description:
      - The values of C(netpath_probe_targets), C(netpath_probe_mesh), C(netpath_probe_auto) and
        C(netpath_probe_auto_peers) (version 0.2.0) for a host that sets none.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Plan every host's probes, once
  ansible.builtin.set_fact:
    probe_plans: "{{ groups['fleet'] | netpath.mtu.probe_plans(hostvars, {'netpath_probe_auto': true}) }}"
  delegate_to: localhost
  run_once: true

- name: Probe what the plan says
  netpath.mtu.pmtu_probe:
    dest: "{{ item.dest }}"
  loop: "{{ hostvars['localhost'].probe_plans[inventory_hostname].targets | default([]) }}"
"""

RETURN = r"""
_value:
  description: Host name -> its plan, as P(netpath.mtu.probe_plan#filter) returns it ({targets, note}).
  type: dict
  sample:
    web-1:
      targets: [{dest: 10.0.0.20, kind: peer, peer: db-1, family: ipv4}]
      note: null
    db-1:
      targets: [{dest: 10.0.0.10, kind: peer, peer: web-1, family: ipv4}]
      note: null
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import probe_plan as plans


def probe_plans(hosts, hostvars, defaults=None):
    if not isinstance(hostvars, Mapping) or isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("probe_plans: expected a list of hosts | probe_plans(hostvars, defaults)")
    if defaults is not None and not isinstance(defaults, Mapping):
        raise AnsibleFilterError("probe_plans: defaults must be a dict, got %r" % (defaults,))
    try:
        return plans.probe_plans(hosts, hostvars, defaults)
    except ValueError as exc:
        raise AnsibleFilterError("probe_plans: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"probe_plans": probe_plans}
