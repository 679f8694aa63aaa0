# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What each interface rides on: underlays, overheads, and the stacks of encapsulation they form.

Plain functions on parsed data (parsers.links, parsers.wireguard_dump and route look-ups).
"""

import ipaddress
import posixpath

from ansible_collections.netpath.mtu.plugins.module_utils import encap, wg_quick

TUNNELS = ("vxlan", "wireguard", "geneve", "gre", "gretap", "ip6gre", "ip6gretap", "ipip", "sit", "ip6tnl")
# Links that send what they carry out of one of their members (enslaved links, `master` = them).
MEMBERED = ("bridge", "bond")
# The programs known to hold a TUN/TAP device (/dev/net/tun); any other holder is "other".
TUN_OWNERS = ("tailscaled", "wireguard-go", "openvpn", "zerotier-one")
# Owners whose TUN carries WireGuard, so that its encapsulation (and overhead) is known.
WIREGUARD_OWNERS = {"wireguard-go": "userspace", "tailscaled": "tailscale"}


def tun_owner(process):
    """Which known program a process holding /dev/net/tun is, by its comm or its executable's name."""
    names = set([process.get("comm") or "", posixpath.basename(process.get("exe") or "")])
    for owner in TUN_OWNERS:
        # comm is cut to 15 characters; every known name is shorter
        if owner in names:
            return owner
    return "other"


def tun_owners(processes):
    """Interface name -> {owner, pid, comm} from the processes holding /dev/net/tun.

    processes: [{pid, comm, exe, interfaces: [names from fdinfo's iff: lines]}] (gather.tun_processes).
    When several hold one device (a daemon and its child), the known program wins, then the lowest pid.
    """
    result = {}
    for process in sorted(processes, key=lambda p: p.get("pid") or 0):
        owner = tun_owner(process)
        for name in process.get("interfaces") or []:
            if name not in result or (result[name]["owner"] == "other" and owner != "other"):
                result[name] = {"owner": owner, "pid": process.get("pid"), "comm": process.get("comm")}
    return result


def is_tunnel(link):
    """The one rule of what counts as a tunnel (a layer that encapsulates what it carries).

    A link of an encapsulating kind; or a TUN device, whose userspace owner sends what it reads
    somewhere else (a TAP counts only when a known VPN holds it: a virtual machine's TAP is a NIC).
    """
    if link.get("kind") in TUNNELS or link.get("kind") == "xfrm":
        return True
    if link.get("kind") != "tun":
        return False
    return link.get("tun_type") != "tap" or link.get("owner") in TUN_OWNERS


def _family(address):
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None


def wireguard_endpoints(wireguard):
    """Addresses of every WireGuard peer endpoint, whose routes tell the tunnels' underlays."""
    return sorted(set(wg_quick.endpoint_host(peer["endpoint"]) for wg in (wireguard or {}).values()
                      for peer in wg["peers"] if peer["endpoint"]))


def vxlan_addresses(links):
    """Addresses whose routes tell the underlay of VXLAN (and other tunnel) devices bound to no device."""
    result = set()
    for link in links.values():
        ends = link.get("vxlan") or link.get("endpoints")
        if ends and not link.get("parent"):
            result.update(a for a in (ends.get("remote"), ends.get("local")) if a)
    return sorted(result)


def source_address(addresses, version, gateway=None):
    """Of an interface's addresses ("addr/prefix", as parsers.links gives them), the one of IP
    `version` a host sends from towards `gateway`: the first on the gateway's subnet, else the first
    of that version that is neither loopback nor link-local; None when there is none."""
    candidates = []
    for text in addresses:
        try:
            interface = ipaddress.ip_interface(text)
        except ValueError:
            continue
        if interface.version == version and not (interface.ip.is_loopback or interface.ip.is_link_local):
            candidates.append(interface)
    try:
        via = ipaddress.ip_address(gateway) if gateway else None
    except ValueError:
        via = None
    on_link = [i for i in candidates if via is not None and via.version == version and via in i.network]
    chosen = (on_link or candidates or [None])[0]
    return str(chosen.ip) if chosen else None


def annotate(links, wireguard, routes, default_dev, owners=None, xfrm_states=None):
    """Add kind corrections, owner, underlay, underlay_mtu, overhead and max_inner_mtu to `links` in place.

    routes: address -> route dict (parsers.route_get) for the addresses named by
    wireguard_endpoints() and vxlan_addresses(); default_dev: the default route's device;
    owners: tun_owners() (None when /proc could not be read: TUN owners are then null);
    xfrm_states: parsers.xfrm_states, for xfrm interfaces (None when they could not be read), with
    `routes` holding the routes to their destinations (ipsec_destinations).
    """
    wireguard, owners = wireguard or {}, owners or {}
    for name, link in links.items():
        if link["kind"] == "tun":
            holder = owners.get(name) or {}
            link["owner"], link["owner_pid"] = holder.get("owner"), holder.get("pid")
        owner = link.get("owner")
        if name in wireguard or link["kind"] == "wireguard":
            link["implementation"] = "kernel" if link["kind"] == "wireguard" else WIREGUARD_OWNERS.get(
                owner, "userspace")
            link["kind"] = "wireguard"
        elif link["kind"] == "tun" and (owner in WIREGUARD_OWNERS or (owner is None and name.startswith("tailscale"))):
            link["kind"], link["implementation"] = "wireguard", WIREGUARD_OWNERS.get(owner, "tailscale")
    for name, link in links.items():
        underlay, family = None, None
        if link["kind"] == "wireguard":
            underlay, family = _wireguard_underlay(wireguard.get(name), links, routes, default_dev)
        elif link["kind"] in TUNNELS:
            ends = link.get("vxlan") or link.get("endpoints") or {}
            address = ends.get("remote") or ends.get("local")
            family = _family(address) if address else None
            underlay = link.get("parent") or (routes.get(address) or {}).get("dev")
        elif link["kind"] == "bridge":
            # Pods behind flannel's cni0 leave through the overlay; other bridges through the default route.
            underlay = "flannel.1" if name == "cni0" and "flannel.1" in links else default_dev
        elif link["kind"] in ("macvlan", "ipvlan", "vlan"):
            underlay = link.get("parent")
        if underlay == name or underlay not in links:
            underlay = None
        link["underlay"] = underlay
        link["underlay_mtu"] = links[underlay]["mtu"] if underlay else None
        link["outer_family"] = family
        tunnel = link["kind"] in TUNNELS
        link["overhead"] = encap.overhead(link["kind"], family) if tunnel else 0
        if is_tunnel(link) and not tunnel:
            # a TUN whose owner's encapsulation is not known: what it adds, and over what, is not known
            link["overhead"] = None
        if tunnel and underlay:
            layer = "tailscale" if link.get("implementation") == "tailscale" else link["kind"]
            link["max_inner_mtu"] = encap.inner_mtu(link["underlay_mtu"], [{"kind": layer, "family": family}])
        else:
            link["max_inner_mtu"] = None
        if link["kind"] == "xfrm":
            _annotate_xfrm(link, xfrm_states, routes, links)
        if link["kind"] in MEMBERED:
            # The kernel gives a bridge its narrowest port's MTU (br_mtu_auto_adjust) until its MTU is
            # set by hand; a bond gives its members its own on enslaving, but a member's MTU set
            # afterwards stays.
            members = sorted(n for n, other in links.items() if other.get("master") == name)
            link["members"] = members
            link["members_mtu"] = min(links[n]["mtu"] for n in members) if members else None
            if link["kind"] == "bond":
                # Every frame a bond carries leaves by a member: the narrowest one is its limit. A
                # bridge port below the bridge is not: a pod or container not yet recreated after
                # a CNI's MTU was raised sits below cni0 by design, and its fix is to recreate it,
                # never to lower the bridge back under the pods that were.
                link["max_inner_mtu"] = link["members_mtu"]
    return links


def _annotate_xfrm(link, states, routes, links):
    """A route-based IPsec interface: what its ESP states (those of its if_id) leave by, and the
    largest inner packet the narrowest of them carries (encap.esp_max_inner_mtu). The kernel keeps
    such an interface at 1500 whatever ESP carries, and answers a larger packet with a too-big."""
    best = None
    for state in states or []:
        if state["proto"] != "esp" or state.get("if_id") != link.get("if_id"):
            continue
        dev, outer = esp_route(state, routes, links)
        inner = encap.esp_max_inner_mtu(outer, state) if outer else None
        if inner is not None and (best is None or inner < best[0]):
            best = (inner, dev, outer, state["family"])
    if best is None:
        link["overhead"] = None  # no state of its if_id, or one whose algorithms are not known
        return
    link["max_inner_mtu"], link["underlay"], link["underlay_mtu"], link["outer_family"] = best
    link["overhead"] = best[2] - best[0]


def _wireguard_underlay(wg, links, routes, default_dev):
    """The narrowest interface any peer's endpoint is reached by, and that endpoint's family."""
    best = None
    for peer in (wg or {}).get("peers", []):
        if not peer.get("endpoint"):
            continue
        host = wg_quick.endpoint_host(peer["endpoint"])
        dev = (routes.get(host) or {}).get("dev")
        if dev in links and (best is None or links[dev]["mtu"] < links[best[0]]["mtu"]):
            best = (dev, _family(host))
    return best or (default_dev, None)


def chains(links):
    """Each stack of encapsulation from a top interface down to a link with no underlay."""
    used = set(link["underlay"] for link in links.values() if link.get("underlay"))
    result = []
    for name in sorted(links):
        if name in used or not links[name].get("underlay"):
            continue
        chain, seen = [], set()
        while name and name not in seen:
            seen.add(name)
            link = links[name]
            layer = {"interface": name, "kind": link["kind"], "mtu": link["mtu"], "overhead": link["overhead"] or 0}
            if link.get("owner"):
                layer["owner"] = link["owner"]
            chain.append(layer)
            name = link.get("underlay")
        result.append(chain)
    return result


def _esp_states(template, states, if_id):
    """The ESP states an outbound policy's template uses: same mode, reqid (0: any) and if_id, and
    the template's ends where it names them."""
    return [s for s in states if s["proto"] == "esp" and s["mode"] == template.get("mode")
            and template.get("reqid") in (0, None, s["reqid"]) and (s.get("if_id") or 0) == (if_id or 0)
            and all(template.get(end) in (None, s[end]) for end in ("src", "dst"))]


def esp_route(state, routes, links):
    """(the interface an ESP state's packets leave by, the MTU they meet there: the route's, else
    the interface's); None for what is not known."""
    route = routes.get(state["dst"]) or {}
    dev = route.get("dev") if route.get("dev") in links else None
    return dev, route.get("mtu") or (links[dev]["mtu"] if dev else None)


def ipsec_destinations(states):
    """Addresses whose routes tell what ESP packets leave by: every state's far end."""
    return sorted(set(s["dst"] for s in states if s["proto"] == "esp"))


def ipsec(states, policies, routes, links):
    """The `ipsec` facts: the xfrm states (keys never kept) and policies, and for each outbound policy
    with ESP its path: the xfrm interface of its if_id (route-based IPsec), the state(s) it uses, the
    route the ESP packets take (underlay, its MTU or the route's), and max_inner_mtu, the largest
    inner packet that fits (encap.esp_max_inner_mtu; nested templates apply from the last,
    outermost, inwards). Where several states match, the narrowest."""
    paths = []
    for policy in policies:
        templates = [t for t in policy["templates"] if t.get("proto") == "esp"]
        if policy["dir"] != "out" or not templates:
            continue
        mtu, underlay, used, chain = None, None, [], []
        for depth, template in enumerate(reversed(templates)):
            candidates = []
            for state in _esp_states(template, states, policy.get("if_id")):
                if depth == 0:
                    dev, outer = esp_route(state, routes, links)
                else:
                    dev, outer = underlay, mtu
                inner = encap.esp_max_inner_mtu(outer, state) if outer else None
                candidates.append((inner if inner is not None else -1, state, dev, outer))
            if not candidates:
                mtu = None
                break
            inner, state, dev, outer = min(candidates, key=lambda c: c[0])
            if depth == 0:
                underlay, chain = dev, _chain_below(dev, links)
                path_outer = outer
            mtu = inner if inner >= 0 else None
            used.insert(0, {"spi": state["spi"], "src": state["src"], "dst": state["dst"], "mode": state["mode"],
                            "nat_t": bool(state["encap"]), "family": state["family"]})
            if mtu is None:
                break
        if not used:
            continue
        # route-based IPsec: the xfrm interface of the policy's if_id, which routes lead into
        interface = ([name for name, link in sorted(links.items()) if link.get("kind") == "xfrm"
                      and policy.get("if_id") and link.get("if_id") == policy["if_id"]] or [None])[0]
        paths.append({"policy": {"src": policy["src"], "dst": policy["dst"]}, "interface": interface,
                      "states": used, "underlay": underlay,
                      "underlay_mtu": path_outer, "max_inner_mtu": mtu,
                      "overhead": path_outer - mtu if mtu is not None and path_outer else None, "chain": chain})
    return {"states": states, "policies": policies, "paths": paths}


def _chain_below(name, links):
    """The interfaces from `name` down its underlays."""
    chain = []
    while name in links and name not in chain:
        chain.append(name)
        name = links[name].get("underlay")
    return chain
