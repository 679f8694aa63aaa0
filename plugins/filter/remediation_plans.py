# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: remediation_plans
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: The plan of every host of a remediate run, made once
positional: _input, hostvars, check_mode, report_hosts
description:
  - For each host of the list, P(netpath.mtu.remediation_plan#filter) of its audit's findings, with the
    host's own C(netpath_remediate_only), C(netpath_remediate_skip), C(netpath_remediate_allow_restart)
    and C(ansible_facts.os_family), the plan in words as remediate prints it, and the k3s service of
    its audit's facts (C(flannel.service)).
  - The findings and facts are those of the host's entry in O(report_hosts) when given (a report.json
    of the audit), else the host's own C(netpath_findings) and C(ansible_facts.netpath_mtu) from the
    audit of the run. A host whose audit did not complete (C(netpath_audit_error) set, or no
    C(netpath_findings)) gets no plan.
  - "The C(netpath.mtu.remediate) playbook makes them once on C(localhost): a task on each host cost the
    controller a task's work per host."
options:
  _input:
    description: The hosts of the run.
    type: list
    elements: str
    required: true
  check_mode:
    description: Whether the run is in check mode (the plan in words says what it would fix).
    type: bool
    default: false
  report_hosts:
    description: The C(hosts) of a report.json to plan from, instead of the audit of the run.
    type: dict
"""

EXAMPLES = r"""
- name: Plan every host's fixes, once
  ansible.builtin.set_fact:
    plans: "{{ groups['fleet'] | netpath.mtu.remediation_plans(hostvars, ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description:
    - Host name -> C(plan) (what P(netpath.mtu.remediation_plan#filter) returns), C(view) (the plan in
      words - what it fixes or would fix with which fix, its side effects, what needs a human, what was
      left out) and C(k3s_service).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.remediation_plan import remediation_plan
from ansible_collections.netpath.mtu.plugins.module_utils import remediation
from ansible_collections.netpath.mtu.plugins.module_utils.report import plain
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import each_host


def audit_of(host, host_vars, report_hosts):
    """{findings, facts} the host's plan starts from, or None when its audit did not complete."""
    if report_hosts is not None:
        entry = report_hosts.get(host)
        return entry if isinstance(entry, Mapping) else {}
    findings = host_vars.get("netpath_findings")
    if host_vars.get("netpath_audit_error") or findings is None:
        return None
    return {"findings": findings, "facts": (host_vars.get("ansible_facts") or {}).get("netpath_mtu")}


def remediation_plans(hosts, hostvars, check_mode=False, report_hosts=None):
    if report_hosts is not None and not isinstance(report_hosts, Mapping):
        raise AnsibleFilterError("remediation_plans: report_hosts must be the hosts of a report.json (a dict)")
    plans = {}
    for name, host_vars in each_host("remediation_plans", hosts, hostvars):
        audit = plain(audit_of(name, host_vars, report_hosts))
        if audit is None:
            continue
        try:
            plan = remediation_plan(audit.get("findings") or [],
                                    only=plain(host_vars.get("netpath_remediate_only")) or [],
                                    skip=plain(host_vars.get("netpath_remediate_skip")) or [],
                                    allow_restart=plain(host_vars.get("netpath_remediate_allow_restart", False)),
                                    os_family=plain((host_vars.get("ansible_facts") or {}).get("os_family")))
        except AnsibleFilterError as exc:
            raise AnsibleFilterError("remediation_plans: %s: %s" % (name, exc)) from None
        flannel = (audit.get("facts") or {}).get("flannel")
        plans[name] = {"plan": plan, "view": remediation.plan_view(plan, bool(check_mode)),
                       "k3s_service": flannel.get("service") if isinstance(flannel, Mapping) else None}
    return plans


class FilterModule:
    def filters(self):
        return {"remediation_plans": remediation_plans}
