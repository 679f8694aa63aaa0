# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: report
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: Build the netpath.mtu audit report from the audited hosts' variables
positional: _input, hosts
description:
  - Takes C(hostvars) and the names of the hosts an audit ran on, and returns the report that
    the C(netpath.mtu.audit) playbook writes to C(report.json) and renders with
    R(netpath.mtu.report_markdown,ansible_collections.netpath.mtu.report_markdown_filter),
    R(netpath.mtu.report_html,ansible_collections.netpath.mtu.report_html_filter) and
    R(netpath.mtu.report_metrics,ansible_collections.netpath.mtu.report_metrics_filter).
  - "For each host it reads these variables: C(netpath_findings) (the list of findings of
    C(netpath.mtu.findings)), C(netpath_probes) (the list of probe results of
    R(netpath.mtu.probe_results,ansible_collections.netpath.mtu.probe_results_filter)),
    C(ansible_facts.netpath_mtu) (set by C(netpath.mtu.mtu_facts)) and C(netpath_audit_error)
    (why the audit of the host failed, when it did)."
  - A host with C(netpath_audit_error), or without C(netpath_findings) (unreachable, or a task
    failed on it), is listed in RV(_value.summary.hosts_with_errors) with the reason, and has empty
    findings, facts and probes; facts of such a host are not taken from a fact cache, which may
    hold those of an earlier run.
  - Findings are sorted by severity (error, warning, info), then id, then interface.
  - The result is marked unsafe, so that text gathered from hosts is never templated.
  - "The C(netpath_findings), C(netpath_probes) and C(ansible_facts.netpath_mtu) of each listed
    host whose audit completed are checked first against their shapes (docs/schema.md in the
    collection): a field that does not fit fails the filter naming its path, e.g. C(report:
    hostvars.wg-site-a.netpath_findings[0].id: missing). Nothing of a host whose audit did not
    complete is read or checked."
options:
  _input:
    description: C(hostvars), or any mapping of host name to that host's variables.
    type: dict
    required: true
  hosts:
    description: Names of the hosts to report on, in the order the report lists them.
    type: list
    elements: str
    required: true
  generated:
    description: Time stamp for RV(_value.summary.generated). Defaults to now, in UTC, as C(YYYY-MM-DDTHH:MM:SSZ).
    type: str
  load:
    description:
      - The load tests of C(netpath.mtu.diagnose) (C(netpath_load_results)) - each a
        M(netpath.mtu.load_probe) result with C(from), C(to) and C(dest). They go into the report as
        C(load), and report.html draws their throughput and per-core CPU.
    type: list
    elements: dict
    version_added: 0.2.0
"""

EXAMPLES = r"""
# In a play over the audited hosts, after netpath.mtu.mtu_facts (and the findings filter) ran on each.
- name: Build the report from the hosts of the play
  ansible.builtin.set_fact:
    netpath_report: "{{ hostvars | netpath.mtu.report(ansible_play_hosts_all) }}"
  run_once: true

- name: Make the report directory on the controller
  ansible.builtin.file:
    path: "{{ playbook_dir }}/netpath-report"
    state: directory
    mode: "0755"
  delegate_to: localhost
  run_once: true

- name: Write it as JSON on the controller
  ansible.builtin.copy:
    content: "{{ netpath_report | to_nice_json(indent=2) }}"
    dest: "{{ playbook_dir }}/netpath-report/report.json"
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    hosts:
      description: >-
        Host name -> C(findings) (list of findings), C(facts) (C(ansible_facts.netpath_mtu)),
        C(probes) (list of probe results).
      type: dict
      sample:
        wg-site-a:
          findings:
            - id: pmtu_blackhole
              severity: error
              host: wg-site-a
              interface: wg0
              evidence: {dest: 10.2.0.2, pmtu: 1400, route_mtu: 1500, tunnel_mtu: 1420}
              explanation: Packets to 10.2.0.2 larger than 1400 bytes vanish and no router says why.
              fix:
                actions: [{role: netpath.mtu.wireguard_mtu, vars: {wireguard_mtu_interface: wg0, wireguard_mtu: auto}}]
                manual: null
          facts:
            version: 1
            chains:
              - - {interface: wg0, kind: wireguard, mtu: 1420, overhead: 60}
                - {interface: eth0, kind: physical, mtu: 1500, overhead: 0}
          probes: [{dest: 10.2.0.2, pmtu: 1400, route_mtu: 1500, blackhole: true, failed: false}]
    load:
      description:
        - With O(load), one entry per pair - C(from), C(to), C(dest), C(verdict), C(evidence), C(advice),
          C(throughput), C(route), C(probe), C(runs), C(offload), C(commands), or C(error) when the test failed
          (M(netpath.mtu.load_probe) returns them).
      type: list
      elements: dict
      returned: when O(load) is given and not empty
      version_added: 0.2.0
    summary:
      description: Counts over all hosts.
      type: dict
      contains:
        generated:
          description: When the report was built, UTC.
          type: str
          sample: "2026-05-10T09:30:00Z"
        hosts_audited:
          description: Number of hosts whose audit completed.
          type: int
          sample: 4
        hosts_with_errors:
          description: Hosts whose audit did not complete, sorted.
          type: list
          elements: str
          sample: [wg-router]
        errors:
          description: Host name -> why its audit did not complete.
          type: dict
          sample: {wg-router: "Gather MTU facts: ip: command not found"}
        findings:
          description: Number of findings over all hosts.
          type: int
          sample: 4
        by_severity:
          description: Number of findings of each severity; C(error), C(warning) and C(info) are always present.
          type: dict
          sample: {error: 2, warning: 2, info: 0}
        by_id:
          description: Number of findings of each id.
          type: dict
          sample: {pmtu_blackhole: 1, docker_mtu_exceeds_uplink: 1}
        by_host:
          description: Host name -> number of findings of each severity.
          type: dict
          sample: {wg-site-a: {error: 1, warning: 0, info: 0}}
        probes:
          description: >-
            Number of probe results (C(total)), of probes that failed (C(failed)) and of black holes
            found (C(blackholes)).
          type: dict
          sample: {total: 5, failed: 1, blackholes: 2}
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import unsafe


def report(hostvars, hosts, generated=None, load=None):
    def build():
        reports.checked_report_input(hostvars, hosts, generated, "report")
        return reports.build_report(hostvars, hosts, generated, load)
    return unsafe(build)


class FilterModule:
    def filters(self):
        return {"report": report}
