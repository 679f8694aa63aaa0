# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: still_found
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: The findings a remediation's fixes covered that the audit after them still finds
description:
  - Takes the C(covers) of a P(netpath.mtu.remediation_plan#filter) (fix -> the findings it answers, as
    C(id@interface)) and the host's findings from the audit after the fixes, and returns the covered
    findings that are still there at severity V(warning) or V(error), in the plan's order, once each.
  - A finding of severity V(info) does not count (the fix is in place; what is left is for a human).
  - The remediate playbook fails a host whose list is not empty.
positional: findings
options:
  _input:
    description: The plan's C(covers).
    type: dict
    required: true
  findings:
    description: The host's findings after the fixes (null counts as none).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
still: "{{ netpath_remediation.covers | netpath.mtu.still_found(netpath_findings) }}"
# ["missing_mss_clamp@docker0"]
"""

RETURN = r"""
_value:
  description: The keys C(id@interface) still found.
  type: list
  elements: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import remediation_outcome
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

still_found = named_filter("still_found", remediation_outcome.still_found, remediation_outcome.OutcomeError)


class FilterModule:
    def filters(self):
        return {"still_found": still_found}
