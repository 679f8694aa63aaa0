# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: remediation_plan
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: The fixes for a host's findings, in a safe order
description:
  - Maps each finding of M(netpath.mtu.mtu_facts) / P(netpath.mtu.findings#filter) to the fix that answers it,
    from the same table that fills each finding's C(fix) (the report shows what is applied here), and returns
    the fixes in the order the remediate playbook applies them - kernel settings, the MSS clamp
    (and accepting too-big messages), the WireGuard MTU, Docker's daemon MTU, the qdisc, and last flannel's
    interface, which restarts k3s.
  - C(rp_filter_strict) sets loose mode (2) on the interface named; C(udp_buffer_errors) raises
    net.core.rmem_max and wmem_max to 8 MiB; C(icmp_too_big_blocked) accepts the too-big messages, for the
    families of the drop rules found (V(both) when there are both); C(missing_mss_clamp) and a black hole not
    under a tunnel clamp the MSS to the path MTU on FORWARD; a black hole under a WireGuard tunnel or a
    WireGuard MTU above its underlay size the tunnel from the measured path (C(wireguard_mtu=auto));
    C(wireguard_no_keepalive) sets a keepalive of 25 s and keeps the interface's MTU (the finding's
    C(evidence.mtu)) unless another finding on the same interface asks for V(auto);
    C(docker_mtu_exceeds_uplink) writes Docker's daemon MTU (restarting Docker only when allowed) and always
    adds the clamp, which fixes TCP without a restart; C(fifo_qdisc) sets fq_codel; C(flannel_over_tunnel)
    moves flannel.
  - A C(docker_mtu_exceeds_uplink) of severity V(info) (daemon.json already sets the MTU and a clamp on
    FORWARD is there; only Docker's restart is left) is planned only with O(allow_restart), and is left to a
    human (restart Docker when it suits) otherwise.
  - C(softirq_single_core), C(conntrack_drops), C(double_encapsulation), C(wireguard_stale_handshake), an
    MTU above a non-WireGuard underlay, C(udp_buffer_errors) where the sysctls are read-only (in a container,
    C(evidence.read_only)) and a C(pmtu_blackhole) of severity V(info) (the tunnel already fits the path;
    the black hole is the path's) are left to a human, with what to do.
  - An id in O(only) or O(skip) that is not a finding id fails, naming the known ids.
  - "The findings are checked first against their shape (docs/schema.md in the collection): a
    field that does not fit fails the filter naming its path, e.g. C(remediation_plan:
    findings[3].severity: 'fatal' is not one of error, warning, info)."
positional: only, skip, allow_restart, os_family
options:
  _input:
    description: One host's findings.
    type: list
    elements: dict
    required: true
  only:
    description: Finding ids to fix; the others are left out. Empty or null = all.
    type: list
    elements: str
  skip:
    description: Finding ids to leave out.
    type: list
    elements: str
  allow_restart:
    description:
      - Whether a fix may restart a service other than k3s (Docker).
      - Ansible's booleans, the strings of C(-e) included (V(false), V(no), V(0) mean false);
        anything else fails, naming the value.
    type: bool
    default: false
  os_family:
    description:
      - The host's C(ansible_facts.os_family), which names the packages, services and files of
        C(side_effects) (V(Debian) or V(RedHat)); omitted or another family, both are listed.
    type: str
    version_added: 0.2.0
"""

EXAMPLES = r"""
plan: "{{ netpath_findings | netpath.mtu.remediation_plan(skip=['fifo_qdisc']) }}"
# {"steps": {"mss_clamp": {...}, "docker_mtu": {...}}, "covers": {"mss_clamp": ["missing_mss_clamp@docker0"]},
#  "manual": [], "left": []}
"""

RETURN = r"""
_value:
  description:
    - C(steps) (role -> its variables, in the order to apply, merged from the actions of each finding's
      C(fix); C(sysctl) maps sysctl names to values, from the C(ansible.posix.sysctl) actions; C(link_mtu)
      maps interfaces to MTUs, from the M(netpath.mtu.link_mtu) actions, applied with C(persist=auto)),
      C(covers) (fix -> the findings it answers, as C(id@interface)), C(manual) (findings that need a human,
      each with C(finding) and C(what)), C(left) (findings the user left out).
    - C(side_effects) (added in 0.2.0) lists every change the steps make to the host, one sentence
      each, in the order they run - packages installed and debconf answers preseeded (the MSS clamp's
      persistence), services enabled or restarted, files written, settings changed live - so that the
      plan shows them before anything runs.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules
from ansible_collections.netpath.mtu.plugins.module_utils import remediation, schema


def remediation_plan(findings, only=None, skip=None, allow_restart=False, os_family=None):
    schema.check(findings, schema.FINDINGS, "findings", AnsibleFilterError, "remediation_plan")
    try:
        # -e netpath_remediate_allow_restart=false arrives as the string "false": bool() of it is True
        allow_restart = boolean(allow_restart, strict=True)
    except TypeError:
        raise AnsibleFilterError("remediation_plan: allow_restart=%r is not a boolean (true or false)"
                                 % (allow_restart,)) from None
    for name, ids in (("only", only), ("skip", skip)):
        if ids is None:
            continue
        if not isinstance(ids, list):
            raise AnsibleFilterError("remediation_plan: %s must be a list of finding ids" % name)
        unknown = [i for i in ids if i not in rules.IDS]
        if unknown:
            raise AnsibleFilterError("remediation_plan: %s names unknown finding ids %s; known: %s"
                                     % (name, ", ".join(map(str, unknown)), ", ".join(rules.IDS)))
    if os_family is not None and not isinstance(os_family, str):
        raise AnsibleFilterError("remediation_plan: os_family=%r is not a string (ansible_facts.os_family)"
                                 % (os_family,))
    return remediation.plan(findings, only or None, skip or None, allow_restart, os_family)


class FilterModule:
    def filters(self):
        return {"remediation_plan": remediation_plan}
