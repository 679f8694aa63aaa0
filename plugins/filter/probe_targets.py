# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: probe_targets
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: Probe targets as C({dest, protocol, port}) for netpath.mtu.pmtu_probe
description:
  - Takes a list of probe targets, each a destination (an address or host name) or a dict
    C({dest, protocol, port}), and returns each as a dict C({dest, protocol, port}) ready for
    M(netpath.mtu.pmtu_probe). A plain destination, and a dict without C(protocol) or C(port),
    takes the defaults given.
  - ICMP targets have C(port) null; TCP and UDP ones need a port, their own or the default.
  - "A target that could not be probed fails the filter naming it and what is allowed, e.g.
    C(probe_targets: netpath_probe_targets[1] (db1): port=70000 is outside 1..65535)."
options:
  _input:
    description: The targets.
    type: list
    elements: raw
    required: true
  protocol:
    description: Protocol of the targets that name none.
    type: str
    choices: [icmp, tcp, udp]
    default: icmp
  port:
    description: Port of the TCP and UDP targets that name none.
    type: int
  name:
    description: The variable the targets come from, for messages.
    type: str
    default: netpath_probe_targets
"""

EXAMPLES = r"""
- name: Probe a host that answers echo and a database that does not
  netpath.mtu.pmtu_probe:
    dest: "{{ item.dest }}"
    protocol: "{{ item.protocol }}"
    port: "{{ item.port }}"
  loop: "{{ ['10.0.0.5', {'dest': 'db1', 'protocol': 'tcp', 'port': 5432}] | netpath.mtu.probe_targets }}"
"""

RETURN = r"""
_value:
  description: 'The targets, for example V({"dest": "db1", "protocol": "tcp", "port": 5432}).'
  type: list
  elements: dict
"""

from ansible_collections.netpath.mtu.plugins.module_utils import probe_targets as targets
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

probe_targets = named_filter("probe_targets", targets.normalise, targets.TargetError)


class FilterModule:
    def filters(self):
        return {"probe_targets": probe_targets}
