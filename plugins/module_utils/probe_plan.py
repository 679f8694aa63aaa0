# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which paths the audit probes from a host besides netpath_probe_targets and the WireGuard endpoints:
every other host of the play (netpath_probe_mesh), or automatically when no target is given a ring of
peers (the next netpath_probe_auto_peers hosts of the play that have an address) and, where there is
no other host to probe, the host's default gateways.

Plain functions on plain data: the host's and its peers' variables (hostvars), as the probe_plan filter
gives them. The automatic targets come only from the play's own hosts and their default routes.
"""

from collections.abc import Mapping

from ansible.module_utils.parsing.convert_bool import boolean

# What a probe measured the path to (the `kind` of a probe result).
KINDS = ("target", "wireguard_endpoint", "peer", "gateway")
FAMILIES = ("ipv4", "ipv6")

# How many peers a host probes automatically (netpath_probe_auto_peers) when nothing says otherwise:
# each host then probes 3 peers and is probed by 3, whatever the size of the run.
AUTO_PEERS = 3

HOW_TO_MEASURE = ("give each host addresses to probe in netpath_probe_targets, or audit hosts together so that "
                  "they probe each other (netpath_probe_auto, on by default, probes the other hosts of the play "
                  "or, for a host audited alone, its default gateway)")


def default_routes(host_vars):
    """{ipv4, ipv6} -> default route of a host's gathered facts (routes.default), {} when not gathered."""
    facts = (host_vars.get("ansible_facts") or {}).get("netpath_mtu") or {} if isinstance(host_vars, Mapping) else {}
    routes = facts.get("routes") or {}
    default = routes.get("default")
    return {family: route for family, route in (default or {}).items()
            if family in FAMILIES and isinstance(route, Mapping)} if isinstance(default, Mapping) else {}


def peer_targets(peer, peer_vars):
    """The targets to probe a peer at: its netpath_probe_address when set, else the address it sends
    from on each default route it has (IPv4 and IPv6)."""
    address = peer_vars.get("netpath_probe_address") if isinstance(peer_vars, Mapping) else None
    if address:
        return [{"dest": str(address), "kind": "peer", "peer": peer}]
    return [{"dest": str(route["address"]), "kind": "peer", "peer": peer, "family": family}
            for family, route in sorted(default_routes(peer_vars).items()) if route.get("address")]


def gateway_targets(host_vars):
    """The host's default gateways, IPv4 and IPv6. A link-local IPv6 gateway (fe80::1, as router
    advertisements give it) is left out: pmtu_probe takes no interface scope."""
    return [{"dest": str(route["gateway"]), "kind": "gateway", "family": family}
            for family, route in sorted(default_routes(host_vars).items())
            if route.get("gateway") and not str(route["gateway"]).lower().startswith("fe80:")]


def plan_view(play_hosts, hostvars):
    """What probe_plan reads of each host of the play, in hostvars' shape: its netpath_probe_address,
    ansible_host, the parts it gathered and its default routes. Made once per run, it spares each
    host's plan reading every other host's variables (Ansible computes them anew at each read)."""
    view = {}
    for host in play_hosts or []:
        host_vars = hostvars.get(str(host), {}) if isinstance(hostvars, Mapping) else {}
        if not isinstance(host_vars, Mapping):
            host_vars = {}
        facts = (host_vars.get("ansible_facts") or {}).get("netpath_mtu") or {}
        routes = facts.get("routes") if isinstance(facts, Mapping) else None
        view[str(host)] = {
            "netpath_probe_address": host_vars.get("netpath_probe_address"),
            "ansible_host": host_vars.get("ansible_host"),
            "ansible_facts": {"netpath_mtu": {
                "gathered": list(facts.get("gathered") or []) if isinstance(facts, Mapping) else [],
                "routes": {"default": routes.get("default")} if isinstance(routes, Mapping) else {}}},
        }
    return view


def probe_plans(hosts, hostvars, defaults=None):
    """The probe plan of each host of an audit run, made once on the controller: {host: plan}.

    Each host's own netpath_probe_targets, netpath_probe_mesh, netpath_probe_auto and
    netpath_probe_auto_peers (else `defaults`) decide its plan, as probe_plan does; every host of
    `hosts` is a peer, but a host whose gathering failed this run (its registered
    netpath_audit_gathered failed) gets no plan. Each
    host's variables are read once: Ansible computes them anew at each read of hostvars, so plans
    made host by host would cost each host more as the fleet grows.
    Raises ValueError naming the host and the variable whose mesh or auto is not a boolean, or whose
    auto_peers is not an integer of at least 1."""
    defaults = defaults if isinstance(defaults, Mapping) else {}
    hosts = [str(host) for host in hosts or []]
    read = {}
    for host in hosts:
        host_vars = hostvars.get(host) if isinstance(hostvars, Mapping) else None
        read[host] = host_vars if isinstance(host_vars, Mapping) else {}
    view = plan_view(hosts, read)
    plans = {}
    for host in hosts:
        if (read[host].get("netpath_audit_gathered") or {}).get("failed"):
            continue
        settings = {}
        for name, unset in (("netpath_probe_targets", ()), ("netpath_probe_mesh", False), ("netpath_probe_auto", True),
                            ("netpath_probe_auto_peers", AUTO_PEERS)):
            value = read[host].get(name)
            value = defaults.get(name) if value is None else value
            settings[name] = unset if value is None else value
        try:
            mesh, auto = (boolean(settings[name], strict=True) for name in ("netpath_probe_mesh", "netpath_probe_auto"))
        except TypeError as exc:
            raise ValueError("%s: netpath_probe_mesh and netpath_probe_auto must be booleans: %s"
                             % (host, exc)) from None
        auto_peers = auto_peers_count(settings["netpath_probe_auto_peers"], host)
        plans[host] = probe_plan(host, hosts, view, settings["netpath_probe_targets"] or (), mesh, auto, auto_peers)
    return plans


def auto_peers_count(value, host):
    """netpath_probe_auto_peers as an int (a string of digits, as -e gives it, too); ValueError naming
    the host and the value when it is not an integer of at least 1."""
    count = value
    if isinstance(value, str) and value.strip().isdigit():
        count = int(value)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("%s: netpath_probe_auto_peers=%r: allowed is an integer of at least 1, how many other "
                         "hosts of the audit this host probes automatically (default %d)" % (host, value, AUTO_PEERS))
    return count


def ring(host, play_hosts):
    """The other hosts of the play in the play's order, starting with the one after `host` and
    wrapping around: the order in which `host` takes its automatic peers."""
    hosts = [str(p) for p in play_hosts or []]
    if host not in hosts:
        return hosts
    at = hosts.index(host)
    return [peer for peer in hosts[at + 1:] + hosts[:at] if peer != host]


def probe_plan(host, play_hosts, hostvars, targets=(), mesh=False, auto=True, auto_peers=None):
    """What `host` probes besides its targets and WireGuard endpoints: {targets, note}.

    targets: [{dest, kind (peer or gateway), peer (the inventory host, for a peer), family}].
    With mesh, every other host of the play, at its netpath_probe_address, ansible_host or name (as
    netpath_probe_mesh always did). Otherwise, when auto is on and no target is given: the next
    `auto_peers` hosts of the play after `host` (None: all of them; the play's order, wrapping
    around: a ring) among those with an address it sends from on its default route, probed at that
    address (netpath_probe_address first). So every host probes `auto_peers` peers and, when all
    probe automatically and have an address, is probed by as many, whatever the size of the play;
    the same play gives the same plan. Where the play has no other host with such an address, the
    host's default gateways.
    note: why nothing is planned, when nothing is (None otherwise, or when targets are given).
    """
    host = str(host)
    peers = [str(p) for p in play_hosts or [] if str(p) != host]
    own = hostvars.get(host, {}) if isinstance(hostvars, Mapping) else {}
    if mesh:
        planned = []
        for peer in peers:
            peer_vars = hostvars.get(peer, {})
            dest = peer_vars.get("netpath_probe_address") or peer_vars.get("ansible_host") or peer
            planned.append({"dest": str(dest), "kind": "peer", "peer": peer})
        return {"targets": planned, "note": None if planned else "netpath_probe_mesh: the play has no other host"}
    if targets:
        return {"targets": [], "note": None}
    if not auto:
        return {"targets": [], "note": "netpath_probe_auto is false and netpath_probe_targets is empty"}
    chosen = {}
    for peer in ring(host, play_hosts):
        if auto_peers is not None and len(chosen) >= auto_peers:
            break
        addresses = peer_targets(peer, hostvars.get(peer, {}))
        if addresses:
            chosen[peer] = addresses
    # In the play's order, as before the ring: where every peer is taken, the plan is the same.
    planned = [t for peer in peers if peer in chosen for t in chosen[peer]]
    if planned:
        return {"targets": planned, "note": None}
    planned = gateway_targets(own)
    if planned:
        return {"targets": planned, "note": None}
    if "routes" not in (((own.get("ansible_facts") or {}).get("netpath_mtu") or {}).get("gathered") or []):
        why = "the routes part of mtu_facts was not gathered (netpath_gather_subset), so no default route is known"
    elif any(route.get("gateway") for route in default_routes(own).values()):
        why = "this host's default gateway is link-local (IPv6), which pmtu_probe cannot probe"
    else:
        why = "this host has no default gateway"
    if peers:
        why = "no other host of the play has an address on a default route, and " + why
    return {"targets": [], "note": why}
