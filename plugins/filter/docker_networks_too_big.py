# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: docker_networks_too_big
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: The Docker networks whose MTU is too large for Docker's MTU
description:
  - Takes the C(docker) part of C(ansible_facts.netpath_mtu) (from M(netpath.mtu.mtu_facts)), or its
    C(networks), and Docker's MTU (normally the uplink's), and returns the bridge and overlay networks
    whose containers get a larger MTU than fits.
  - A bridge network gives containers its C(com.docker.network.driver.mtu) option, or 1500 without
    one (daemon.json's C(mtu) only applies to the default bridge, which is left out here, as it takes
    that MTU when Docker restarts). It fits when that is at most the MTU.
  - An overlay network's option is the underlay MTU it assumes (1500 without one); Docker takes the
    VXLAN overhead (50, from the collection's overhead table) off it for the containers. It fits
    when its containers get at most the MTU less the VXLAN overhead, that is when the option is at
    most the MTU.
  - Each entry has the commands that make the network again with the MTU and every other setting
    as it is (see P(netpath.mtu.docker_network_recreate#filter)).
  - "The networks are checked first against their shape (docs/schema.md in the collection): one
    that does not fit fails the filter naming its path, e.g. C(docker_networks_too_big:
    docker.networks[1].containers: expected a list or null, got 'web')."
positional: mtu, uplink
options:
  _input:
    description: The C(docker) part of the facts, or its C(networks) list.
    type: raw
    required: true
  mtu:
    description: Docker's MTU, 1280..65535.
    type: int
    required: true
  uplink:
    description: The interface the MTU comes from, named in the explanations; null says "docker_mtu" instead.
    type: str
"""

EXAMPLES = r"""
- name: The networks too large for eth0
  ansible.builtin.debug:
    msg: >-
      {{ ansible_facts.netpath_mtu.docker | netpath.mtu.docker_networks_too_big(1450, 'eth0')
         | map(attribute='summary') }}
"""

RETURN = r"""
_value:
  description: One entry per network that is too large, in the facts' order.
  type: list
  elements: dict
  contains:
    name: {description: The network's name., type: str}
    id: {description: Its id., type: str}
    driver: {description: C(bridge) or C(overlay)., type: str}
    scope: {description: C(local) or C(swarm)., type: str}
    mtu: {description: The MTU containers on it get., type: int}
    max_mtu: {description: The largest MTU they may have (the MTU; less the VXLAN overhead for an overlay)., type: int}
    option: {description: Its C(com.docker.network.driver.mtu) option; null when it has none., type: int}
    containers: {description: Containers attached on this host., type: list, elements: str}
    why: {description: The explanation., type: str}
    recreate: {description: The shell commands that make it again with the MTU., type: str}
    problems:
      description: What stands in the way of making it again now; empty when nothing does.
      type: list
      elements: str
    summary: {description: All of it in one line., type: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, schema
from ansible_collections.netpath.mtu.plugins.plugin_utils import docker_filter_inputs as inputs


def docker_networks_too_big(networks, mtu, uplink=None):
    schema.check(uplink, schema.INTERFACE_NAME, "uplink", AnsibleFilterError, "docker_networks_too_big")
    return docker_mtu.networks_too_big(inputs.checked_networks(networks, "docker_networks_too_big"),
                                       inputs.checked_mtu(mtu, "docker_networks_too_big"), uplink)


class FilterModule:
    def filters(self):
        return {"docker_networks_too_big": docker_networks_too_big}
