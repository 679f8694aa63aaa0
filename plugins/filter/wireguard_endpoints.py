# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: wireguard_endpoints
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: The addresses of every WireGuard peer's endpoint in netpath.mtu facts
description:
  - Takes C(ansible_facts.netpath_mtu) (from M(netpath.mtu.mtu_facts)) and returns the address
    part of each peer endpoint of each WireGuard interface (no port, no brackets around IPv6),
    sorted and without repeats. These are the paths a tunnel's packets take, the ones to probe
    with M(netpath.mtu.pmtu_probe).
  - "The facts are checked first against their shape (docs/schema.md in the collection): a field
    that does not fit fails the filter naming its path, e.g. C(wireguard_endpoints:
    facts.wireguard.wg0.peers[0].endpoint: expected a string or null, got 5 (int))."
options:
  _input:
    description: The facts, C(ansible_facts.netpath_mtu).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Probe the underlay of every WireGuard tunnel
  netpath.mtu.pmtu_probe:
    dest: "{{ item }}"
  loop: "{{ ansible_facts.netpath_mtu | netpath.mtu.wireguard_endpoints }}"
"""

RETURN = r"""
_value:
  description: Endpoint addresses, for example V(10.2.0.2) or V(fd00::2).
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import schema, topology


def wireguard_endpoints(facts):
    schema.check(facts, schema.FACTS, "facts", AnsibleFilterError, "wireguard_endpoints")
    return topology.wireguard_endpoints(facts.get("wireguard"))


class FilterModule:
    def filters(self):
        return {"wireguard_endpoints": wireguard_endpoints}
