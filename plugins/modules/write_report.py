# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: write_report
short_description: Write the audit report's files on the controller
version_added: 0.2.0
description:
  - Renders a report (the output of P(netpath.mtu.report#filter)) as C(report.json), C(report.md) and
    C(report.html) and writes each that differs from the file already there, atomically, in a
    directory on the controller (made when missing, mode C(0755); the files C(0644)).
  - An action that runs in the controller's own process - no module runs anywhere - which is what
    the audit's last play uses it for (three C(ansible.builtin.copy) tasks cost that play about
    2.5 s per run).
  - The C(report.json) is what C(to_nice_json(indent=2)) would write; C(report.md) and
    C(report.html) are what P(netpath.mtu.report_markdown#filter) and
    P(netpath.mtu.report_html#filter) give.
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Says which files would change and writes none. The audit runs it with C(check_mode=false),
      the report being its output.
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Writes on the controller, whatever the host of the task.
options:
  report:
    description: The report, as P(netpath.mtu.report#filter) gives it.
    type: dict
    required: true
  dest:
    description: The directory on the controller to write the files in.
    type: path
    required: true
  formats:
    description: Which files to write - V(json) (C(report.json)), V(md) (C(report.md)), V(html) (C(report.html)).
    type: list
    elements: str
    choices: [json, md, html]
    default: [json, md, html]
"""

EXAMPLES = r"""
- name: Write report.json, report.md and report.html
  netpath.mtu.write_report:
    report: "{{ netpath_report }}"
    dest: "{{ playbook_dir }}/netpath-report"
  check_mode: false
  delegate_to: localhost
"""

RETURN = r"""
dest:
  description: The directory written in.
  returned: always
  type: str
  sample: /home/ops/netpath-report
files:
  description: The names of the report's files.
  returned: always
  type: list
  elements: str
  sample: [report.html, report.json, report.md]
changed_files:
  description: The files whose content changed (in check mode, would change).
  returned: always
  type: list
  elements: str
  sample: [report.json, report.md, report.html]
"""
