# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: report_metrics
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: Render the netpath.mtu audit report as metrics for node_exporter's textfile collector
positional: _input
description:
  - Renders the report of R(netpath.mtu.report,ansible_collections.netpath.mtu.report_filter) in
    the Prometheus text format that node_exporter's textfile collector reads from C(*.prom)
    files, each metric with C(# HELP) and C(# TYPE) lines.
  - "C(netpath_interface_mtu{host,interface}) (gauge) - each interface's MTU."
  - "C(netpath_interface_drops_total{host,interface,direction}) (counter, the kernel's) - rx
    and tx drops of each interface."
  - "C(netpath_wireguard_handshake_age_seconds{host,interface,peer_endpoint}) (gauge) - seconds
    since each WireGuard peer's latest handshake; peers that never completed one are left out."
  - "C(netpath_udp_buffer_errors_total{host,kind}) (counter, the kernel's) - UDP receive
    (C(kind=rcvbuf)) and send (C(kind=sndbuf)) buffer errors."
  - "C(netpath_findings{host,severity,id}) (gauge) - number of findings of each id."
  - "C(netpath_audit_success{host}) (gauge) - 1 when the audit of the host completed, 0 when it
    did not; C(netpath_audit_timestamp_seconds) (gauge) - when the report was made."
  - The two C(_total) metrics are typed C(counter), as the kernel counters they copy are.
  - Label values are escaped as the format requires.
  - "The report is checked first against the shape of C(report.json) (docs/schema.md in the
    collection): one from another version or edited by hand fails naming the field, e.g.
    C(report_metrics: report.summary.by_host: missing)."
options:
  _input:
    description: The report dict.
    type: dict
    required: true
notes:
  - Write the result with M(ansible.builtin.copy), which replaces the file atomically (by
    rename), so that the collector never reads half a file.
"""

EXAMPLES = r"""
# netpath_report from the netpath.mtu.report filter; node_exporter's textfile collector reads the
# directory on the controller (or copy it to the host whose node_exporter should serve it).
- name: Write the metrics for node_exporter on the controller
  ansible.builtin.copy:
    content: "{{ netpath_report | netpath.mtu.report_metrics }}"
    dest: /var/lib/node_exporter/textfile_collector/netpath.prom
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The metrics, one sample per line, ending with a newline.
  type: str
  sample: |
    # HELP netpath_interface_mtu MTU of the interface, bytes.
    # TYPE netpath_interface_mtu gauge
    netpath_interface_mtu{host="wg-site-a",interface="wg0"} 1420
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import of_report


def report_metrics(report):
    return of_report("report_metrics", reports.render_metrics, report)


class FilterModule:
    def filters(self):
        return {"report_metrics": report_metrics}
