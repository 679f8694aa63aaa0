# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters inner_mtu, findings, wireguard_endpoints and the docker_* ones (documented in the .yml files of the same
names)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, encap, topology
from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules


def inner_mtu(outer_mtu, layers):
    try:
        outer = int(outer_mtu)
    except (TypeError, ValueError):
        raise AnsibleFilterError("inner_mtu: the MTU must be a number, got %r" % (outer_mtu,)) from None
    if isinstance(layers, (str, dict)):
        layers = [layers]
    try:
        return encap.inner_mtu(outer, list(layers))
    except ValueError as exc:
        raise AnsibleFilterError("inner_mtu: %s" % exc) from None


def findings(facts, probes=None, host=None):
    if not isinstance(facts, dict):
        raise AnsibleFilterError("findings: expected the netpath_mtu facts (a dict), got %s" % type(facts).__name__)
    if probes is not None and not isinstance(probes, list):
        raise AnsibleFilterError("findings: probes must be a list of pmtu_probe results")
    return rules.evaluate(facts, probes, host)


def wireguard_endpoints(facts):
    if not isinstance(facts, dict):
        raise AnsibleFilterError("wireguard_endpoints: expected the netpath_mtu facts (a dict), got %s"
                                 % type(facts).__name__)
    return topology.wireguard_endpoints(facts.get("wireguard"))


def _docker_mtu(mtu, filter_name):
    try:
        return docker_mtu.check_mtu(mtu, "mtu")
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, exc)) from None


def docker_daemon_json(text, mtu):
    if text is not None and not isinstance(text, str):
        raise AnsibleFilterError("docker_daemon_json: expected the text of daemon.json (or null: no file), got %s"
                                 % type(text).__name__)
    return docker_mtu.daemon_json_change(text, _docker_mtu(mtu, "docker_daemon_json"))


def _docker_networks(networks, filter_name):
    if isinstance(networks, dict):
        networks = networks.get("networks")
    if networks is None:
        return []
    if not isinstance(networks, list) or not all(isinstance(n, dict) for n in networks):
        raise AnsibleFilterError("%s: expected the docker part of the netpath_mtu facts or its networks, got %s"
                                 % (filter_name, type(networks).__name__))
    return networks


def docker_networks_too_big(networks, mtu, uplink=None):
    return docker_mtu.networks_too_big(_docker_networks(networks, "docker_networks_too_big"),
                                       _docker_mtu(mtu, "docker_networks_too_big"), uplink)


def docker_network_recreate(network, mtu, networks=None, swarm_manager=None):
    if not isinstance(network, dict) or not network.get("name"):
        raise AnsibleFilterError("docker_network_recreate: expected one network of the netpath_mtu facts' docker part")
    return docker_mtu.recreate_plan(network, _docker_mtu(mtu, "docker_network_recreate"),
                                    _docker_networks(networks, "docker_network_recreate"), swarm_manager)


class FilterModule:
    def filters(self):
        return {"inner_mtu": inner_mtu, "findings": findings, "wireguard_endpoints": wireguard_endpoints,
                "docker_daemon_json": docker_daemon_json, "docker_networks_too_big": docker_networks_too_big,
                "docker_network_recreate": docker_network_recreate}
