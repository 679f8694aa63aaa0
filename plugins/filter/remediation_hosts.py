# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: remediation_hosts
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: Which hosts of a remediate run stop, fix, need their distribution or move flannel
positional: _input, hostvars, plans
description:
  - Reads once each host's plan (C(netpath_remediation), set by the C(netpath.mtu.remediate) playbook
    from P(netpath.mtu.remediation_plan#filter)), C(ansible_facts.os_family) and the k3s service of
    its audit's facts (C(netpath_facts_before.flannel.service)), and sorts the hosts by what the
    next plays of the run do with them.
  - The C(netpath.mtu.remediate) playbook makes it once on C(localhost), so that each of its later plays
    takes only the hosts it works on, where a task that each host skips still costs the controller
    about as much as one that runs.
options:
  _input:
    description: The hosts of the run, in the order of the inventory.
    type: list
    elements: str
    required: true
  plans:
    description:
      - The plans of the run, as P(netpath.mtu.remediation_plans#filter) returns them; each host's plan
        and k3s service are then read from them instead of its C(netpath_remediation) and
        C(netpath_facts_before). A host without one has no plan.
    type: dict
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Sort the hosts by what their plans need
  ansible.builtin.set_fact:
    by_need: "{{ groups['fleet'] | netpath.mtu.remediation_hosts(hostvars) }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The hosts each later play of remediate takes.
  type: dict
  contains:
    stopped:
      description: The hosts without a plan (their audit failed), which remediate stops, naming why.
      type: list
      elements: str
    fixing:
      description: The hosts whose plan has a step.
      type: list
      elements: str
    steps:
      description: Each step a plan can have (V(sysctl), V(mss_clamp), V(link_mtu), V(wireguard_mtu),
        V(docker_mtu), V(qdisc), V(flannel_iface)) -> the hosts whose plan has it.
      type: dict
    distribution:
      description: The hosts whose plan clamps the MSS and whose C(os_family) is not known yet.
      type: list
      elements: str
    flannel:
      description: The k3s nodes whose plan moves flannel, servers before agents.
      type: list
      elements: str
  sample:
    stopped: []
    fixing: [web-1]
    steps: {sysctl: [], mss_clamp: [], link_mtu: [], wireguard_mtu: [web-1], docker_mtu: [], qdisc: [],
            flannel_iface: []}
    distribution: []
    flannel: []
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import remediation
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import each_host


def _get(mapping, *keys):
    for key in keys:
        mapping = mapping.get(key) if isinstance(mapping, Mapping) else None
    return mapping


def remediation_hosts(hosts, hostvars, plans=None):
    if plans is not None and not isinstance(plans, Mapping):
        raise AnsibleFilterError("remediation_hosts: plans must be the remediation_plans of the run (a dict)")
    read = []
    for name, host_vars in each_host("remediation_hosts", hosts, hostvars):
        if plans is not None:
            entry = plans.get(name) or {}
            read.append({"name": name, "plan": entry.get("plan"), "k3s_service": entry.get("k3s_service"),
                         "os_family": _get(host_vars, "ansible_facts", "os_family")})
            continue
        plan = host_vars.get("netpath_remediation")
        if plan is not None and not isinstance(plan, Mapping):
            raise AnsibleFilterError("remediation_hosts: %s: netpath_remediation is not a plan (a dict), got %r"
                                     % (name, plan))
        read.append({"name": name, "plan": plan, "os_family": _get(host_vars, "ansible_facts", "os_family"),
                     "k3s_service": _get(host_vars, "netpath_facts_before", "flannel", "service")})
    return remediation.hosts_by_need(read)


class FilterModule:
    def filters(self):
        return {"remediation_hosts": remediation_hosts}
