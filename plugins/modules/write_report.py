# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: write_report
short_description: Write the audit report's files, or the remediation summary, on the controller
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
  - With O(remediation) instead of O(report), it writes C(remediation.json), the summary of
    the C(netpath.mtu.remediate) playbook, the same way (a C(file) and a C(copy) task cost that play
    about 1.6 s per run).
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
    description:
      - The report, as P(netpath.mtu.report#filter) gives it.
      - One of O(report) and O(remediation) is required.
    type: dict
  remediation:
    description:
      - The remediation summary to write as C(remediation.json), as a JSON object (keys sorted, two spaces).
      - Mutually exclusive with O(report); O(formats) does not apply to it.
    type: dict
    version_added: 0.2.0
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

- name: Write remediation.json
  netpath.mtu.write_report:
    remediation: {check_mode: false, hosts: "{{ summary_by_host }}"}
    dest: "{{ playbook_dir }}/netpath-remediation"
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
  description: The names of the files written (C(remediation.json) with O(remediation)).
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
