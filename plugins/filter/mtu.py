# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters inner_mtu, findings and wireguard_endpoints (documented in the .yml files of the same names)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import encap, topology
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


class FilterModule:
    def filters(self):
        return {"inner_mtu": inner_mtu, "findings": findings, "wireguard_endpoints": wireguard_endpoints}
