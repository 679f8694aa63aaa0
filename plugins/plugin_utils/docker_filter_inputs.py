# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inputs the docker_* filters share (an MTU, Docker's networks), checked once for all three."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, schema


def checked_mtu(mtu, filter_name):
    try:
        return docker_mtu.check_mtu(mtu, "mtu")
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (filter_name, exc)) from None


def checked_networks(networks, filter_name):
    """The networks of the docker part of the facts, or a list of networks as they are."""
    if isinstance(networks, Mapping):
        networks = schema.check(networks, schema.DOCKER, "docker", AnsibleFilterError, filter_name).get("networks")
    else:
        schema.check(networks, schema.DOCKER_NETWORKS, "networks", AnsibleFilterError, filter_name)
    return list(networks or [])
