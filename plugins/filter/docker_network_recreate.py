# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: docker_network_recreate
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: How to make a Docker network again with another MTU, everything else as it is
description:
  - Takes one network of the C(docker) part of C(ansible_facts.netpath_mtu) and returns the argument
    lists of C(docker network rm) and C(docker network create) that make it again with
    C(com.docker.network.driver.mtu) set to the MTU, and the same driver, scope, C(--internal),
    C(--attachable), C(--ingress), C(--ipv6), IPAM driver, options and configuration (subnets,
    gateways, ranges, auxiliary addresses), options and labels. Options Docker writes itself
    (the overlay's VXLAN ids) are left out.
  - C(problems) names what stands in the way of doing it safely now - containers attached on this
    host, swarm services using it here, the default bridge, a config-only network, a swarm network
    on a host that is not a manager, C(docker_gwbridge) while the host is in a swarm.
  - "The network is checked first against its shape (docs/schema.md in the collection): one that
    does not fit fails the filter naming its path, e.g. C(docker_network_recreate: network.name:
    missing)."
positional: mtu, networks, swarm_manager
options:
  _input:
    description: One network of the facts' C(docker.networks).
    type: dict
    required: true
  mtu:
    description: Docker's MTU, 1280..65535.
    type: int
    required: true
  networks:
    description: The C(docker) part of the facts (or its networks), for a network made from a config-only one.
    type: raw
  swarm_manager:
    description: Whether this host manages the swarm; null when not known.
    type: bool
"""

EXAMPLES = r"""
- name: Read the Docker networks of the host
  netpath.mtu.mtu_facts:
    gather_subset: [docker]
  become: true

- name: Plan making the network "backend" again with MTU 1450
  ansible.builtin.set_fact:
    backend_plan: "{{ ansible_facts.netpath_mtu.docker.networks | selectattr('name', 'equalto', 'backend') | first
      | netpath.mtu.docker_network_recreate(1450, ansible_facts.netpath_mtu.docker) }}"

- name: Stop when something stands in the way
  ansible.builtin.assert:
    that: backend_plan.problems | length == 0
    fail_msg: "{{ backend_plan.problems | join('; ') }}"

- name: Remove the network
  ansible.builtin.command:
    argv: "{{ backend_plan.remove }}"
    stdin: "{{ backend_plan.stdin | default(omit, true) }}"
  become: true
  changed_when: true

- name: Make it again with the MTU
  ansible.builtin.command:
    argv: "{{ backend_plan.create }}"
  become: true
  changed_when: true
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    remove: {description: C(docker network rm NAME)., type: list, elements: str}
    create: {description: C(docker network create ...) with the MTU., type: list, elements: str}
    restore: {description: C(docker network create ...) as the network was., type: list, elements: str}
    stdin:
      description: The answer C(docker network rm) needs (C(y) for the ingress network's question), or null.
      type: str
    command: {description: The same for a human to run in a shell., type: str}
    problems: {description: What stands in the way; empty when nothing does., type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, schema
from ansible_collections.netpath.mtu.plugins.plugin_utils import docker_filter_inputs as inputs


def docker_network_recreate(network, mtu, networks=None, swarm_manager=None):
    schema.check(network, schema.DOCKER_NETWORK, "network", AnsibleFilterError, "docker_network_recreate")
    schema.check(swarm_manager, schema.SWARM_MANAGER, "swarm_manager", AnsibleFilterError, "docker_network_recreate")
    return docker_mtu.recreate_plan(network, inputs.checked_mtu(mtu, "docker_network_recreate"),
                                    inputs.checked_networks(networks, "docker_network_recreate"), swarm_manager)


class FilterModule:
    def filters(self):
        return {"docker_network_recreate": docker_network_recreate}
