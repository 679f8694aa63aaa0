# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: findings
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: Turn netpath.mtu facts and probe results into findings
description:
  - Runs every rule of the collection over a host's C(ansible_facts.netpath_mtu) (from
    M(netpath.mtu.mtu_facts)) and the results of M(netpath.mtu.pmtu_probe), and returns the
    findings, errors first.
  - "The ids are stable: V(pmtu_blackhole), V(mtu_exceeds_underlay), V(double_encapsulation),
    V(flannel_over_tunnel), V(docker_mtu_exceeds_uplink), V(missing_mss_clamp),
    V(mss_clamp_exceeds_path), V(icmp_too_big_blocked), V(rp_filter_strict), V(softirq_single_core),
    V(udp_buffer_errors),
    V(conntrack_drops), V(fifo_qdisc), V(wireguard_stale_handshake), V(wireguard_no_keepalive)."
  - "The facts and probes are checked first against their shapes (docs/schema.md in the
    collection): a field that does not fit fails the filter naming its path and what was expected,
    e.g. C(findings: facts.interfaces.eth0.kind: missing)."
options:
  _input:
    description: The facts, C(ansible_facts.netpath_mtu).
    type: dict
    required: true
  probes:
    description: Results of M(netpath.mtu.pmtu_probe) (failed probes are ignored).
    type: list
    elements: dict
  host:
    description: Host name to put in each finding.
    type: str
  load_test:
    description:
      - The host's M(netpath.mtu.load_probe) result, when a load test ran there. V(softirq_single_core)
        and V(udp_buffer_errors) then read the counters measured during it (their evidence says
        C(counted - during a load test of N s)) instead of the totals since boot (C(counted - totals since boot)).
    type: dict
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Name what is wrong on this host
  ansible.builtin.set_fact:
    netpath_findings: >-
      {{ ansible_facts.netpath_mtu | netpath.mtu.findings(probes=probes.results, host=inventory_hostname) }}
"""

RETURN = r"""
_value:
  description: The findings.
  type: list
  elements: dict
  contains:
    id:
      description: The finding's stable id.
      type: str
    severity:
      description:
        - V(error), V(warning) or V(info).
        - V(info) also marks a fault that is fixed for now - a C(pmtu_blackhole) under a WireGuard tunnel
          that fits the measured path, a C(docker_mtu_exceeds_uplink) whose daemon.json MTU fits the uplink
          with an MSS clamp on FORWARD (Docker's restart is left).
        - A fault on an interface that carries nothing now (down, and for a bridge with no interface
          attached, such as a C(docker0) with no container) is at most V(warning), and its evidence has
          C(affects_now=false); its explanation says when it will bite.
      type: str
    host:
      description: The host.
      type: str
    interface:
      description: The interface it concerns, or null.
      type: str
    evidence:
      description: The values that raised it, naming the interfaces.
      type: dict
    explanation:
      description: One paragraph on what is wrong and why it matters.
      type: str
    fix:
      description:
        - What fixes it, decided by the one table of fixes (module_utils/remediation.py) that the
          remediate playbook applies as well, so the report and remediate never differ.
        - C(actions), a list, in the order to apply; each action names a role (C(role), e.g.
          C(netpath.mtu.mss_clamp)) or a module (C(module), e.g. C(ansible.posix.sysctl)), never both,
          and C(vars), the role's variables or the module's options, as remediate passes them.
        - C(manual), what a human should do where no role or module of ours fixes it (C(actions) is
          then empty), else null.
        - C(command) (added in 0.2.0), the command that applies it on this host, in check mode (drop
          C(--check) to apply) - the remediate run limited to the host and the finding id where a role
          applies it, the module call where only a module does - or null where only a human can.
          C(<inventory>) is the user's to fill in.
        - C(runbook) (added in 0.2.0), the URL of its runbook in the published docs.
      type: dict
      sample:
        actions:
          - {role: netpath.mtu.docker_mtu, vars: {docker_mtu: 1450, docker_mtu_restart: false}}
          - {role: netpath.mtu.mss_clamp, vars: {mss_clamp_chain: FORWARD, mss_clamp_mss: pmtu}}
        manual: null
        command: >-
          ansible-playbook -i <inventory> netpath.mtu.remediate --limit co-node,localhost
          -e '{"netpath_remediate_only": ["docker_mtu_exceeds_uplink"]}' --check --diff
        runbook: https://github.com/netpath/netpath.mtu/blob/main/docs/runbook-container-requests-time-out.md
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils.audit_results import checked_findings


def findings(facts, probes=None, host=None, load_test=None):
    return checked_findings(facts, probes, host, load_test, error=AnsibleFilterError)


class FilterModule:
    def filters(self):
        return {"findings": findings}
