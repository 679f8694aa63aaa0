# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: remediation_outcomes
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: Each host's outcome of a remediate run, the hosts of remediation.json
positional: _input, hostvars, check_mode, plans
description:
  - Reads once each host's plan (C(netpath_remediation)), the link MTUs it persisted
    (C(netpath_link_persisted)), and, after real fixes, why the audit after them failed
    (C(netpath_audit_error)) and its findings (C(netpath_findings)), and returns what each host's
    fixes answered and what is left, as the C(netpath.mtu.remediate) playbook writes it in
    C(remediation.json).
  - A host without a plan (not in the run, or its audit failed) is left out.
  - The playbook makes it once on C(localhost), since a loop over the hosts would read every host's
    variables once per field, and build the result anew at each host.
options:
  _input:
    description: The hosts, in the order the summary lists them.
    type: list
    elements: str
    required: true
  check_mode:
    description: Whether the run was in check mode (nothing fixed; C(would_fix) and C(would_persist) instead).
    type: bool
    default: false
  plans:
    description:
      - The plans of the run, as P(netpath.mtu.remediation_plans#filter) returns them; each host's plan is
        then read from them instead of its C(netpath_remediation).
    type: dict
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Put together each host's outcome
  ansible.builtin.set_fact:
    summary: "{{ groups['all'] | netpath.mtu.remediation_outcomes(hostvars, ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description: Host -> its outcome.
  type: dict
  contains:
    fixes:
      description: The plan's C(covers) (fix -> the findings it answers, as C(id@interface)).
      type: dict
    side_effects:
      description: What the fixes change besides (a restart, say).
      type: list
    manual:
      description: What is left to a human.
      type: list
    left_out:
      description: What the plan left out, and why.
      type: list
    fixed:
      description: The findings the fixes answered, sorted (not in check mode).
      type: list
      elements: str
    would_fix:
      description: The same, in check mode.
      type: list
      elements: str
    persisted:
      description: The link MTUs persisted (not in check mode).
      type: dict
    would_persist:
      description: The same, in check mode.
      type: dict
    audit_after_failed:
      description: Why the audit after the fixes failed on the host, or null (not in check mode).
      type: str
    still_found:
      description: The answered findings that the audit after still finds (P(netpath.mtu.still_found#filter));
        not in check mode.
      type: list
      elements: str
  sample:
    web-1:
      fixes: {wireguard_mtu: ["mtu_exceeds_underlay@wg0"]}
      side_effects: []
      manual: []
      left_out: []
      fixed: ["mtu_exceeds_underlay@wg0"]
      persisted: {}
      audit_after_failed: null
      still_found: []
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import remediation_outcome
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import each_host


def remediation_outcomes(hosts, hostvars, check_mode=False, plans=None):
    if plans is not None and not isinstance(plans, Mapping):
        raise AnsibleFilterError("remediation_outcomes: plans must be the remediation_plans of the run (a dict)")
    read = [{"name": name, "plan": ((plans.get(name) or {}).get("plan") if plans is not None
                                    else host_vars.get("netpath_remediation")),
             "persisted": host_vars.get("netpath_link_persisted"), "audit_error": host_vars.get("netpath_audit_error"),
             "findings": host_vars.get("netpath_findings")}
            for name, host_vars in each_host("remediation_outcomes", hosts, hostvars)]
    try:
        return remediation_outcome.outcomes(read, bool(check_mode))
    except remediation_outcome.OutcomeError as exc:
        raise AnsibleFilterError("remediation_outcomes: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"remediation_outcomes": remediation_outcomes}
