# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: report_markdown
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: Render the netpath.mtu audit report as Markdown
positional: _input
description:
  - Renders the report of R(netpath.mtu.report,ansible_collections.netpath.mtu.report_filter)
    as GitHub-flavoured Markdown, the C(report.md) of the C(netpath.mtu.audit) playbook.
  - A summary table (findings of each severity per host), then a section per host, with its
    MTU cascade (each chain of encapsulations from the physical link up), a table of its
    findings (severity, id, interface, evidence, fix), each finding's explanation, and its
    path MTU probes.
  - Text from hosts is escaped, so it cannot break the tables or inject HTML.
  - "The report is checked first against the shape of C(report.json) (docs/schema.md in the
    collection): one from another version or edited by hand fails naming the field, e.g.
    C(report_markdown: report.summary.by_host: missing)."
options:
  _input:
    description: The report dict.
    type: dict
    required: true
"""

EXAMPLES = r"""
# netpath_report from the netpath.mtu.report filter; the directory exists on the controller.
- name: Write report.md on the controller
  ansible.builtin.copy:
    content: "{{ netpath_report | netpath.mtu.report_markdown }}"
    dest: "{{ playbook_dir }}/netpath-report/report.md"
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The Markdown document.
  type: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import of_report


def report_markdown(report):
    return of_report("report_markdown", reports.render_markdown, report)


class FilterModule:
    def filters(self):
        return {"report_markdown": report_markdown}
