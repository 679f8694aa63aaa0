# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: audit_results
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: What the audit leaves on each host, derived once for every host
positional: _input, hostvars, plans
description:
  - For each host of the list whose gathering completed (its registered C(netpath_audit_gathered)
    neither failed, nor was skipped, nor found the host unreachable), the values the audit leaves on
    it - C(probes) (C(netpath_probes)), C(probe_note) (C(netpath_probe_note)), C(findings)
    (C(netpath_findings)) and C(error) (C(netpath_audit_error)). The other hosts are left out.
  - C(probes) are those of the gathering, then those of the host's plan (its registered
    C(netpath_probe_plan_run)) when the plan has targets; a plan run that failed as a whole counts
    each target as a failed probe with the run's message.
  - The findings are those of P(netpath.mtu.findings#filter), with the host's C(netpath_load_test)
    when a load test ran there. Facts or probes that do not fit their schema leave the host no
    findings and an C(error) naming the field.
  - "The audit derives them once on C(localhost): a task on each host cost the controller a task's
    work per host."
options:
  _input:
    description: The hosts of the audit run that took part in its gathering.
    type: list
    elements: str
    required: true
  plans:
    description: Host name -> its probe plan, as P(netpath.mtu.probe_plans#filter) returns them.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Derive every host's probe results and findings, once
  ansible.builtin.set_fact:
    audit_results: "{{ groups['fleet'] | netpath.mtu.audit_results(hostvars, probe_plans) }}"
"""

RETURN = r"""
_value:
  description: Host name -> C({probes, probe_note, findings, error}).
  type: dict
  sample:
    web-1:
      probes: [{dest: 10.0.0.20, kind: peer, peer: db-1, pmtu: 1420, failed: false}]
      probe_note: ""
      findings: []
      error: null
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils.audit_results import audit_results as derive


def audit_results(hosts, hostvars, plans):
    if not isinstance(hostvars, Mapping) or isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("audit_results: expected a list of hosts | audit_results(hostvars, plans)")
    if not isinstance(plans, Mapping):
        raise AnsibleFilterError("audit_results: plans must be a dict (host -> plan), got %r" % (plans,))
    return derive(hosts, hostvars, plans)


class FilterModule:
    def filters(self):
        return {"audit_results": audit_results}
