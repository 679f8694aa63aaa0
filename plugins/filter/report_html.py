# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: report_html
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: Render the netpath.mtu audit report as a self-contained HTML page with each host's MTU cascade
positional: _input
description:
  - Renders the report of R(netpath.mtu.report,ansible_collections.netpath.mtu.report_filter)
    as one HTML page, the C(report.html) of the C(netpath.mtu.audit) playbook.
  - The page is self-contained and loads nothing - inline CSS and inline SVG, no script, no
    font, no image, and a Content-Security-Policy that forbids any of them - so it can be
    attached to a ticket or opened offline.
  - At the top, the number of hosts audited, of hosts not audited (unreachable, or the audit
    failed on them - C(summary.hosts_with_errors) of the report), of findings of each severity,
    and a table of the hosts. Then a section per host.
  - "Each host's MTU cascade is drawn from C(facts.chains): one SVG per chain of
    encapsulations, the physical link at the top and the layers it carries (tunnel, overlay,
    bridge, pod) below it in order, each a box with its interface name, kind, MTU and overhead and as
    wide as its MTU is large. Between two layers, the room the lower one leaves for the upper
    one (its MTU less the upper one's overhead), in red where the upper layer's MTU is larger.
    A layer named by a finding's C(interface) is drawn in red, tagged with the finding's id."
  - Below the cascade, the host's findings (severity, id, interface, evidence, explanation,
    fix) and its path MTU probes.
  - Everything that comes from hosts (host and interface names, evidence, messages) is
    HTML-escaped.
  - Layers carry C(data-interface), C(data-kind), C(data-mtu), C(data-overhead) and, when a
    finding names them, C(data-findings) attributes, for tests and tools that read the page.
  - "The report is checked first against the shape of C(report.json) (docs/schema.md in the
    collection): one from another version or edited by hand fails naming the field, e.g.
    C(report_html: report.summary.by_host: missing)."
options:
  _input:
    description: The report dict.
    type: dict
    required: true
"""

EXAMPLES = r"""
# netpath_report from the netpath.mtu.report filter; the directory exists on the controller.
- name: Write report.html on the controller
  ansible.builtin.copy:
    content: "{{ netpath_report | netpath.mtu.report_html }}"
    dest: "{{ playbook_dir }}/netpath-report/report.html"
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The HTML document.
  type: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import of_report


def report_html(report):
    return of_report("report_html", reports.render_html, report)


class FilterModule:
    def filters(self):
        return {"report_html": report_html}
