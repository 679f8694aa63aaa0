# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: probe_plan
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
short_description: The paths the audit probes from a host besides its targets, so that it always tests one
positional: _input, play_hosts, hostvars
description:
  - With O(mesh), every other host of the play, at its C(netpath_probe_address), C(ansible_host) or
    inventory name.
  - Otherwise, when O(auto) is on and O(targets) is empty, the other hosts of the play (the next
    O(auto_peers) after this one among those that have an address, in the play's order, wrapping
    around) at the address each sends from on its default route, IPv4 and IPv6 (its
    C(netpath_probe_address) first), as its
    gathered facts (C(ansible_facts.netpath_mtu.routes.default) of M(netpath.mtu.mtu_facts)) give it;
    where no other host has such an address (a host audited alone), the host's own default gateways,
    IPv4 and IPv6 (not a link-local IPv6 one, C(fe80::1), which M(netpath.mtu.pmtu_probe) cannot probe).
  - The targets come only from the play's own hosts and their default routes.
  - C(note) says why nothing is planned when nothing is; the report shows it for a host that measured no path.
options:
  _input:
    description: The inventory name of the host that probes.
    type: str
    required: true
  play_hosts:
    description: The hosts of the play (C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars), from which the hosts' gathered default routes and C(netpath_probe_address) are read.
    type: raw
    required: true
  targets:
    description: The host's C(netpath_probe_targets); when not empty, nothing automatic is planned.
    type: list
    elements: str
    default: []
  mesh:
    description: Probe every other host of the play (C(netpath_probe_mesh)).
    type: bool
    default: false
  auto:
    description: Plan the automatic targets (C(netpath_probe_auto)).
    type: bool
    default: true
  auto_peers:
    description:
      - How many other hosts to probe automatically (C(netpath_probe_auto_peers)), at least 1; unset,
        every other host of the play.
    type: int
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Plan the probes to the other hosts of the play or to the default gateway
  ansible.builtin.set_fact:
    probe_plan: "{{ inventory_hostname | netpath.mtu.probe_plan(ansible_play_hosts_all, hostvars) }}"
"""

RETURN = r"""
_value:
  description: The targets (each C(dest), C(kind) peer or gateway, C(peer), C(family)) and a C(note).
  type: dict
  sample:
    targets:
      - {dest: 10.0.0.10, kind: peer, peer: co-node, family: ipv4}
    note: null
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.netpath.mtu.plugins.module_utils import probe_plan as plans


def probe_plan(host, play_hosts, hostvars, targets=None, mesh=False, auto=True, auto_peers=None):
    if not isinstance(hostvars, Mapping) or isinstance(play_hosts, str) or not isinstance(play_hosts, (list, tuple)):
        raise AnsibleFilterError("probe_plan: expected a host name | probe_plan(ansible_play_hosts_all, hostvars)")
    try:
        mesh, auto = boolean(mesh, strict=True), boolean(auto, strict=True)
    except TypeError as exc:
        raise AnsibleFilterError("probe_plan: mesh and auto must be booleans: %s" % exc) from None
    try:
        auto_peers = None if auto_peers is None else plans.auto_peers_count(auto_peers, host)
    except ValueError as exc:
        raise AnsibleFilterError("probe_plan: %s" % exc) from None
    return plans.probe_plan(str(host), play_hosts, hostvars, targets or [], mesh, auto, auto_peers)


class FilterModule:
    def filters(self):
        return {"probe_plan": probe_plan}
