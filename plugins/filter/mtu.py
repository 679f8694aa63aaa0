# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters inner_mtu, findings, wireguard_endpoints, probe_targets and the docker_* ones (documented in the
.yml files of the same names)."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, encap, schema, topology
from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules
from ansible_collections.netpath.mtu.plugins.module_utils import probe_targets as targets
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

inner_mtu = named_filter("inner_mtu", encap.checked_inner_mtu, ValueError)
probe_targets = named_filter("probe_targets", targets.normalise, targets.TargetError)


def findings(facts, probes=None, host=None):
    schema.check(facts, schema.FACTS, "facts", AnsibleFilterError, "findings")
    schema.check(probes, schema.PROBES_OR_NONE, "probes", AnsibleFilterError, "findings")
    schema.check(host, schema.HOST, "host", AnsibleFilterError, "findings")
    return rules.evaluate(facts, probes, host)


def wireguard_endpoints(facts):
    schema.check(facts, schema.FACTS, "facts", AnsibleFilterError, "wireguard_endpoints")
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
    """The networks of the docker part of the facts, or a list of networks as they are."""
    if isinstance(networks, Mapping):
        networks = schema.check(networks, schema.DOCKER, "docker", AnsibleFilterError, filter_name).get("networks")
    else:
        schema.check(networks, schema.DOCKER_NETWORKS, "networks", AnsibleFilterError, filter_name)
    return list(networks or [])


def docker_networks_too_big(networks, mtu, uplink=None):
    schema.check(uplink, schema.INTERFACE_NAME, "uplink", AnsibleFilterError, "docker_networks_too_big")
    return docker_mtu.networks_too_big(_docker_networks(networks, "docker_networks_too_big"),
                                       _docker_mtu(mtu, "docker_networks_too_big"), uplink)


def docker_network_recreate(network, mtu, networks=None, swarm_manager=None):
    schema.check(network, schema.DOCKER_NETWORK, "network", AnsibleFilterError, "docker_network_recreate")
    schema.check(swarm_manager, schema.SWARM_MANAGER, "swarm_manager", AnsibleFilterError, "docker_network_recreate")
    return docker_mtu.recreate_plan(network, _docker_mtu(mtu, "docker_network_recreate"),
                                    _docker_networks(networks, "docker_network_recreate"), swarm_manager)


class FilterModule:
    def filters(self):
        return {"inner_mtu": inner_mtu, "findings": findings, "wireguard_endpoints": wireguard_endpoints,
                "probe_targets": probe_targets,
                "docker_daemon_json": docker_daemon_json, "docker_networks_too_big": docker_networks_too_big,
                "docker_network_recreate": docker_network_recreate}
