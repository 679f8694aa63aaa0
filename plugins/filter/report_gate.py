# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: report_gate
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: What fails a pipeline gate on the netpath.mtu audit report
positional: _input, fail_on
description:
  - Takes the report of R(netpath.mtu.report,ansible_collections.netpath.mtu.report_filter)
    and a threshold, and returns one line per host that fails it, naming its findings at or
    above the threshold with their severity. An empty list passes.
  - A host whose audit did not complete fails any threshold but V(none).
  - "The report is checked first against the shape of C(report.json) (docs/schema.md in the
    collection): one from another version or edited by hand fails naming the field, e.g.
    C(report_gate: report.hosts.db1.findings[0].severity: 'fatal' is not one of error, warning,
    info)."
options:
  _input:
    description: The report dict.
    type: dict
    required: true
  fail_on:
    description:
      - V(none) - nothing fails.
      - V(warning) - findings of severity C(warning) or C(error) fail.
      - V(error) - findings of severity C(error) fail.
    type: str
    choices: [none, warning, error]
    default: none
"""

EXAMPLES = r"""
- name: Fail when a host has an error
  ansible.builtin.assert:
    that: netpath_report | netpath.mtu.report_gate('error') | length == 0
    fail_msg: "{{ netpath_report | netpath.mtu.report_gate('error') | join('; ') }}"
"""

RETURN = r"""
_value:
  description: One line per failing host, in the report's order.
  type: list
  elements: str
  sample:
    - "wg-site-a: pmtu_blackhole (error)"
    - "co-node: docker_mtu_exceeds_uplink (error), missing_mss_clamp (warning)"
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import of_report


def report_gate(report, fail_on="none"):
    return of_report("report_gate", reports.gate, report, fail_on)


class FilterModule:
    def filters(self):
        return {"report_gate": report_gate}
