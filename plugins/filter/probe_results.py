# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: probe_results
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: Turn the registered results of a pmtu_probe loop into a list of probe results
positional: _input
description:
  - Takes what a loop of M(netpath.mtu.pmtu_probe) registered, with C(ignore_errors) so that
    destinations that do not answer are recorded, and returns one probe result per item, the
    shape that C(netpath.mtu.findings) and
    R(netpath.mtu.report,ansible_collections.netpath.mtu.report_filter) read.
  - "Each probe result: C(dest) (the O(netpath.mtu.pmtu_probe#module:dest) given to the module),
    the module's return values (C(pmtu), C(route_mtu), C(blackhole), C(icmp_too_big),
    C(recommended_mss), C(address), C(interface), ...), C(failed), and for a failed probe
    C(msg), the module's message. Ansible's own keys (C(changed), C(invocation), C(item), ...)
    are left out, and so are skipped items."
  - The result is marked unsafe, so that text gathered from hosts is never templated.
  - "The module's return values in each result are checked first against their types
    (docs/schema.md in the collection): a result that does not fit fails the filter naming its
    path, e.g. C(probe_results: registered.results[2].pmtu: expected an integer 0..4294967295 or
    null, got '1400')."
options:
  _input:
    description: The registered variable of the loop (a dict with C(results)), or its C(results) list.
    type: raw
    required: true
  peers:
    description:
      - The loop's items are inventory host names (a probe mesh); each probe result also gets
        C(peer), the item.
    type: bool
    default: false
  kind:
    description:
      - What the probed paths lead to, kept as each result's C(kind) (the report names each path
        measured by it). A loop item that is a dict (the targets of
        R(netpath.mtu.probe_plan,ansible_collections.netpath.mtu.probe_plan_filter)) gives its own
        C(kind) and C(peer).
    type: str
    choices: [target, wireguard_endpoint, peer, gateway]
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Probe the path MTU to each target
  netpath.mtu.pmtu_probe:
    dest: "{{ item }}"
  loop: [10.2.0.2, 10.20.0.2]
  register: probe_run
  ignore_errors: true

- name: Keep the results
  ansible.builtin.set_fact:
    netpath_probes: "{{ probe_run | netpath.mtu.probe_results }}"
"""

RETURN = r"""
_value:
  description: One probe result per item that was not skipped.
  type: list
  elements: dict
  sample:
    - {dest: 10.2.0.2, pmtu: 1400, route_mtu: 1500, blackhole: true, icmp_too_big: null, recommended_mss: 1360,
       address: 10.2.0.2, interface: eth0, family: ipv4, failed: false}
    - {dest: 10.9.9.9, failed: true, msg: "10.9.9.9 (10.9.9.9) does not answer: ..."}
"""

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports
from ansible_collections.netpath.mtu.plugins.plugin_utils.report_filters import unsafe


def probe_results(registered, peers=False, kind=None):
    return unsafe(lambda: reports.probe_results(reports.checked_registered(registered, "probe_results"), peers, kind))


class FilterModule:
    def filters(self):
        return {"probe_results": probe_results}
