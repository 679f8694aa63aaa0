# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The finding rules: facts (ansible_facts.netpath_mtu) and probe results -> findings.

Each rule is a function of the facts and probes that yields findings; `evaluate` runs them all.
A finding names the interfaces and values that raised it, explains them in one paragraph, and
carries its fix, which remediation.fix_for decides (the one table of fixes, which remediate reads
too). The ids are a contract (docs/mtu_facts.md lists them).
"""

import ipaddress

from ansible_collections.netpath.mtu.plugins.module_utils import limits, load, topology, wg_quick
from ansible_collections.netpath.mtu.plugins.module_utils.remediation import (
    KEEPALIVE_SECONDS,
    UDP_BUFFER_BYTES,
    fix_for,
)

# WireGuard re-handshakes every 2 minutes while it sends; with a keepalive it always sends.
STALE_HANDSHAKE_SECONDS = 300
SOFTIRQ_SHARE = 0.9
SOFTIRQ_MIN_EVENTS = 1000000
# During a load test: seconds of bulk traffic, not months of uptime, so far fewer events decide.
SOFTIRQ_MIN_EVENTS_UNDER_LOAD = 1000
FIFO_QDISCS = ("pfifo_fast", "pfifo", "bfifo", "pfifo_head_drop")
# Operational states (ip link's operstate) of an interface that carries nothing now.
DOWN_STATES = ("down", "lowerlayerdown", "notpresent")
# The highest severity of a fault that affects nothing yet: it will bite, it does not now.
LATENT_SEVERITY = "warning"


def finding(fid, severity, interface, evidence, explanation, idle=False):
    """One finding. `idle`: the interface it is about carries nothing now (see idle()); the one
    rule of impact applies here: such a fault is at most a warning, and its evidence says
    `affects_now: false` (the rule's text says when it will bite)."""
    if idle:
        evidence = dict(evidence, affects_now=False)
        if limits.severity_rank(severity) < limits.severity_rank(LATENT_SEVERITY):
            severity = LATENT_SEVERITY
    item = {"id": fid, "severity": severity, "interface": interface, "evidence": evidence,
            "explanation": " ".join(explanation.split())}
    item["fix"] = fix_for(item)
    return item


def _links(facts):
    return facts.get("interfaces") or {}


def attached(links, name):
    """The interfaces enslaved to `name` (a bridge's ports: containers' veths, taps)."""
    return sorted(port for port, link in links.items() if (link or {}).get("master") == name)


def idle(links, name):
    """Whether interface `name` carries nothing now: it is down and, for a bridge, has no port.
    A state that is not known (no `state` in the facts, "unknown" as tunnels report) counts as in
    use, so a fault is never played down on a guess."""
    link = links.get(name) or {}
    if str(link.get("state") or "").lower() not in DOWN_STATES:
        return False
    return link.get("kind") != "bridge" or not attached(links, name)


def pmtu_blackhole(facts, probes):
    links = _links(facts)
    for probe in probes:
        if not probe.get("blackhole"):
            continue
        dev = probe.get("interface")
        tunnels = [n for n, link in links.items() if link["kind"] == "wireguard" and link.get("underlay") == dev]
        evidence = {"dest": probe.get("address") or probe.get("dest"), "pmtu": probe["pmtu"],
                    "route_mtu": probe.get("route_mtu"), "interface": dev, "icmp_too_big": probe.get("icmp_too_big"),
                    "recommended_mss": probe.get("recommended_mss")}
        severity = "error"
        if tunnels:
            wg = tunnels[0]
            evidence.update(tunnel=wg, tunnel_mtu=links[wg]["mtu"], tunnel_overhead=links[wg]["overhead"])
            if links[wg]["mtu"] + (links[wg]["overhead"] or 0) <= probe["pmtu"]:
                severity = "info"  # the tunnel fits the path; the black hole is still there for the rest
        yield finding("pmtu_blackhole", severity, tunnels[0] if tunnels else dev, evidence, """
            Packets larger than %(pmtu)d bytes towards %(dest)s vanish on the path and no router says so
            (no ICMP "fragmentation needed" / "packet too big" that explains them): a path-MTU black hole.
            The route allows %(route)s bytes, so TCP starts with segments that do not fit; small requests
            work and bulk transfers stall.%(tunnel)s Lower the MTU to fit the measured path and clamp TCP's
            MSS to %(mss)s, and let the too-big messages through where the path filters them.""" % {
            "pmtu": probe["pmtu"], "dest": evidence["dest"], "route": probe.get("route_mtu"),
            "mss": probe.get("recommended_mss"),
            "tunnel": " The WireGuard tunnel %s (MTU %d) rides on this path." % (tunnels[0], links[tunnels[0]]["mtu"])
            if tunnels else ""})


def mtu_exceeds_underlay(facts, probes):
    for name, link in sorted(_links(facts).items()):
        if link.get("max_inner_mtu") is None or link["mtu"] <= link["max_inner_mtu"]:
            continue
        evidence = {"interface": name, "kind": link["kind"], "mtu": link["mtu"], "overhead": link["overhead"],
                    "underlay": link["underlay"], "underlay_mtu": link["underlay_mtu"],
                    "max_inner_mtu": link["max_inner_mtu"], "state": link.get("state")}
        down = idle(_links(facts), name)
        if link["kind"] == "bond":
            yield _member_narrower(_links(facts), name, link, evidence, down)
            continue
        yield finding("mtu_exceeds_underlay", "error", name, evidence, """
            %(name)s (%(kind)s, MTU %(mtu)d) adds %(overhead)d bytes and rides on %(under)s (MTU
            %(under_mtu)d): a full-size packet becomes %(outer)d bytes, more than %(under)s carries. Such
            packets %(are)s fragmented or dropped; the largest inner packet that fits is %(max)d.%(now)s""" % {
            "name": name, "kind": link["kind"], "mtu": link["mtu"], "overhead": link["overhead"],
            "under": link["underlay"], "under_mtu": link["underlay_mtu"], "outer": link["mtu"] + link["overhead"],
            "max": link["max_inner_mtu"], "are": "will be" if down else "are",
            "now": " %s is down, so nothing is affected now: it will bite when it comes up." % name if down else ""},
            idle=down)
    yield from _cni_exceeds_uplink(facts.get("cni") or {})


def _member_narrower(links, name, link, evidence, down):
    """A bond above the MTU of a member it sends through (topology.annotate)."""
    narrow = dict((m, links[m]["mtu"]) for m in link["members"] if links[m]["mtu"] < link["mtu"])
    evidence = dict(evidence, members_below=narrow)
    return finding("mtu_exceeds_underlay", "error", name, evidence, """
        %(name)s (%(kind)s, MTU %(mtu)d) sends through %(members)s: frames above %(max)d that go out of
        %(them)s are dropped. Set %(name)s to %(max)d, or raise %(them)s to %(mtu)d.%(now)s""" % {
        "name": name, "kind": link["kind"], "mtu": link["mtu"], "max": link["max_inner_mtu"],
        "members": ", ".join("%s (MTU %d)" % (m, links[m]["mtu"]) for m in link["members"]),
        "them": " and ".join(sorted(narrow)),
        "now": " %s is down, so nothing is affected now: it will bite when it comes up." % name if down else ""},
        idle=down)


def _cni_exceeds_uplink(cni):
    """A CNI whose pods' MTU is more than the uplink carries once the CNI has encapsulated them."""
    if cni.get("mtu") is None or cni.get("max_mtu") is None or cni["mtu"] <= cni["max_mtu"]:
        return
    tunnel = cni.get("encapsulation") or {}
    over = dict((name, mtu) for name, mtu in sorted((cni.get("pod_veths") or {}).items()) if mtu > cni["max_mtu"])
    evidence = {"cni": cni.get("plugin"), "config": "%s/%s" % (cni.get("dir"), cni.get("active")),
                "cni_mtu": cni["mtu"], "mtu_source": cni.get("mtu_source"), "encapsulation": tunnel.get("kind"),
                "tunnel": tunnel.get("device"), "overhead": tunnel.get("overhead") or 0, "uplink": cni.get("uplink"),
                "uplink_mtu": cni.get("uplink_mtu"), "max_mtu": cni["max_mtu"], "pod_veths_over": over}
    yield finding("mtu_exceeds_underlay", "error", sorted(over)[0] if over else None, evidence, """
        The %(cni)s CNI gives pods MTU %(mtu)d (%(source)s), but its packets leave by %(up)s (MTU %(umtu)d)%(via)s,
        which leaves %(max)d for a pod's packet. Pods send packets that do not fit once encapsulated: small
        requests work, larger ones hang where too-big messages do not make it back. %(pods)s""" % {
        "cni": cni.get("plugin"), "mtu": cni["mtu"], "source": "its config %s" % evidence["config"]
        if cni.get("mtu_source") == "config" else "its pods' veths", "up": cni.get("uplink"),
        "umtu": cni.get("uplink_mtu"), "max": cni["max_mtu"],
        "via": " after %s adds %d bytes (%s)" % (tunnel["device"], tunnel["overhead"], tunnel["kind"])
        if tunnel else "",
        "pods": "Pods at that MTU now: %s." % ", ".join(sorted(over)) if over else ""})


def _owned(name, link):
    """`name`, and the program holding it when it is a TUN device: "tailscale0 (wireguard-go)"."""
    return "%s (%s)" % (name, link["owner"]) if link.get("owner") else name


def flannel_over_tunnel(facts, probes):
    flannel, links = facts.get("flannel") or {}, _links(facts)
    vxlan = links.get("flannel.1")
    if not flannel.get("present") or not vxlan or not vxlan.get("underlay"):
        return
    carrier = links.get(vxlan["underlay"]) or {}
    if not topology.is_tunnel(carrier):
        return
    physical = carrier.get("underlay")
    fixed_mtu = links[physical]["mtu"] - vxlan["overhead"] if physical in links else None
    evidence = {"interface": "flannel.1", "flannel_iface": flannel.get("iface") or vxlan["underlay"],
                "carrier": vxlan["underlay"], "carrier_kind": carrier.get("kind"), "carrier_mtu": carrier.get("mtu"),
                "carrier_owner": carrier.get("owner"),
                "flannel_mtu": flannel.get("mtu") or vxlan["mtu"], "physical": physical,
                "flannel_mtu_on_physical": fixed_mtu, "config": flannel.get("config")}
    down = idle(links, "flannel.1")
    evidence["state"] = vxlan.get("state")
    yield finding("flannel_over_tunnel", "error", "flannel.1", evidence, """
        flannel's VXLAN (flannel.1) rides on %(carrier)s, itself a %(ckind)s tunnel of MTU %(cmtu)s, so every pod
        packet is encapsulated twice and pods get MTU %(fmtu)s. Bound to %(phys)s instead, flannel would give
        pods %(fixed)s; the node can keep registering with its tunnel address (node-ip) while the VXLAN data
        plane uses the faster link.%(now)s""" % {
        "carrier": _owned(vxlan["underlay"], carrier), "ckind": carrier.get("kind"), "cmtu": carrier.get("mtu"),
        "fmtu": evidence["flannel_mtu"], "phys": physical or "the physical interface", "fixed": fixed_mtu,
        "now": " flannel.1 is down, so no pod traffic is affected now: it will bite when it comes up." if down
        else ""}, idle=down)


def double_encapsulation(facts, probes):
    flannel_reported = bool(list(flannel_over_tunnel(facts, probes)))
    links = _links(facts)
    for chain in facts.get("chains") or []:
        layers = [layer for layer in chain if topology.is_tunnel(links.get(layer["interface"]) or layer)]
        if len(layers) < 2 or (flannel_reported and any(layer["interface"] == "flannel.1" for layer in layers)):
            continue
        top = layers[0]["interface"]
        # a TUN whose owner's encapsulation is not known adds bytes nobody can count here
        unknown = [layer["interface"] for layer in layers
                   if (links.get(layer["interface"]) or {"overhead": 0})["overhead"] is None]
        owners = dict((layer["interface"], layer["owner"]) for layer in layers if layer.get("owner"))
        evidence = {"chain": [layer["interface"] for layer in chain],
                    "overhead": sum(layer["overhead"] or 0 for layer in layers),
                    "mtus": dict((layer["interface"], layer["mtu"]) for layer in chain)}
        if owners:
            evidence["owners"] = owners
        if unknown:
            evidence["overhead_unknown"] = unknown
        yield finding("double_encapsulation", "warning", top, evidence, """
            %(top)s is a tunnel inside a tunnel (%(stack)s): %(overhead)s of headers on every packet,
            and an inner MTU that small packets hide and bulk transfers pay for. Bind the inner tunnel to the
            physical link where the two ends can reach each other directly.""" % {
            "top": top, "stack": " over ".join(_owned(layer["interface"], layer) for layer in chain),
            "overhead": "%d bytes%s" % (evidence["overhead"], " and what %s adds" % " and ".join(
                _owned(name, links.get(name) or {}) for name in unknown) if unknown else "")})


def _docker_network(docker, bridge):
    """(name, is Docker's default bridge network) of the Docker network a Linux bridge belongs to."""
    for network in docker.get("networks") or []:
        if isinstance(network, dict) and network.get("bridge") == bridge:
            return network.get("name"), network.get("name") == "bridge"
    return None, bridge == "docker0"  # networks not listed: docker0 is the default bridge's own name


def _bridge_users(links, name):
    """What is behind a bridge now, for the text: its ports, or that nothing is attached."""
    ports = attached(links, name)
    if not ports:
        return "nothing is attached to %s" % name
    return "%d interface%s attached (%s)" % (len(ports), "" if len(ports) == 1 else "s", ", ".join(ports[:5])
                                             + (", ..." if len(ports) > 5 else ""))


def docker_mtu_exceeds_uplink(facts, probes):
    docker, links = facts.get("docker") or {}, _links(facts)
    for name in sorted(docker.get("bridges") or {}):
        link = links.get(name) or {}
        uplink = link.get("underlay")
        if not uplink or topology.is_tunnel(links[uplink]) or link["mtu"] <= links[uplink]["mtu"]:
            continue
        network, default_bridge = _docker_network(docker, name)
        down = idle(links, name)
        evidence = {"bridge": name, "bridge_mtu": link["mtu"], "uplink": uplink, "uplink_mtu": links[uplink]["mtu"],
                    "daemon_mtu": docker.get("daemon_mtu"), "daemon_json": docker.get("daemon_json"),
                    "network": network, "default_bridge": default_bridge, "state": link.get("state"),
                    "attached": len(attached(links, name))}
        values = {"bridge": name, "bmtu": link["mtu"], "up": uplink, "umtu": links[uplink]["mtu"],
                  "dmtu": docker.get("daemon_mtu"), "net": network or name, "users": _bridge_users(links, name)}
        # docker0 takes daemon.json's "mtu" when Docker restarts; a network made with docker network
        # create keeps the MTU it was made with, whatever daemon.json says, until it is made again
        values["fix"] = ("""set Docker's MTU to %(umtu)d (daemon.json "mtu") and restart Docker, which gives
            %(bridge)s and the containers started after the restart the new MTU""" if default_bridge else """make
            the network %(net)s again with -o com.docker.network.driver.mtu=%(umtu)d (its MTU is fixed when
            it is made and daemon.json's "mtu" never reaches it; the docker_mtu role's
            docker_mtu_recreate_networks does it for a network without containers)""") % values
        daemon_mtu = docker.get("daemon_mtu")
        clamped = any(rule.get("chain") in ("FORWARD", "forward") for rule in facts.get("mss_clamp") or [])
        if isinstance(daemon_mtu, int) and daemon_mtu <= links[uplink]["mtu"] and clamped:
            # the fix without downtime is in place; the rest waits for a time the user chooses
            waiting = """
                Docker's %(bridge)s is still at MTU %(bmtu)d over the %(umtu)d of %(up)s, though daemon.json sets
                %(dmtu)d, and an MSS clamp on FORWARD keeps TCP from behind %(bridge)s within the uplink
                meanwhile. Nothing to do now; %(later)s.""" % dict(values, later=(
                "restart Docker when it suits you, so that %(bridge)s and the containers started after it take "
                "that MTU" if default_bridge else "when it suits you, %(fix)s") % values)
            yield finding("docker_mtu_exceeds_uplink", "info", name, evidence, waiting)
            continue
        if down:
            text = """
                Docker's %(bridge)s is at MTU %(bmtu)d but the uplink %(up)s carries %(umtu)d (typically a cloud
                network's own VXLAN). %(bridge)s is down and %(users)s, so nothing is affected now; it will bite
                when containers start on it: they will send segments the uplink cannot carry, and where the
                too-big messages do not make it back (NAT, filters), requests of a few kB will time out while
                small ones work. Before then, %(fix)s; clamp TCP's MSS on FORWARD for what starts meanwhile."""
        else:
            text = """
                Docker's %(bridge)s (%(users)s) is at MTU %(bmtu)d but the uplink %(up)s carries %(umtu)d
                (typically a cloud network's own VXLAN). Containers send segments the uplink cannot carry; when
                the too-big messages do not make it back (NAT, filters), requests of a few kB time out while
                small ones work and the host itself is fine. Clamp TCP's MSS on FORWARD now (no downtime), and
                %(fix)s."""
        yield finding("docker_mtu_exceeds_uplink", "error", name, evidence, text % values, idle=down)


def missing_mss_clamp(facts, probes):
    sysctl, links = facts.get("sysctl") or {}, _links(facts)
    if not sysctl.get("net.ipv4.ip_forward"):
        return
    if any(rule.get("chain") in ("FORWARD", "forward") for rule in facts.get("mss_clamp") or []):
        return
    for name, link in sorted(links.items()):
        uplink = link.get("underlay")
        if link["kind"] != "bridge" or not uplink or topology.is_tunnel(links[uplink]):
            continue
        if link["mtu"] <= links[uplink]["mtu"]:
            continue
        down = idle(links, name)
        values = {"bridge": name, "bmtu": link["mtu"], "up": uplink, "umtu": links[uplink]["mtu"],
                  "mss": links[uplink]["mtu"] - 40, "users": _bridge_users(links, name)}
        if down:
            now = """%(bridge)s (MTU %(bmtu)d) is down and %(users)s, so this host forwards nothing from it now; once
                something starts behind it, its traffic leaves by %(up)s (MTU %(umtu)d) and no TCPMSS rule clamps
                the SYNs forwarded, so its TCP connections will negotiate segments that do not fit the egress."""
        else:
            now = """This host forwards traffic from %(bridge)s (MTU %(bmtu)d; %(users)s) out of %(up)s (MTU
                %(umtu)d) and no TCPMSS rule clamps the SYNs it forwards, so TCP connections from behind %(bridge)s
                negotiate segments that do not fit the egress."""
        yield finding("missing_mss_clamp", "warning", name, {
            "bridge": name, "bridge_mtu": link["mtu"], "egress": uplink, "egress_mtu": links[uplink]["mtu"],
            "ip_forward": sysctl.get("net.ipv4.ip_forward"), "clamp_rules": len(facts.get("mss_clamp") or []),
            "state": link.get("state"), "attached": len(attached(links, name))},
            (now + """ A clamp in FORWARD makes both ends agree on %(mss)d-byte segments whatever path MTU
            discovery manages.""") % values, idle=down)


# Which netfilter hooks see the SYNs towards a destination: the host's own connections pass
# output and postrouting, the ones it routes forward and postrouting.
TRAFFIC_HOOKS = {"local": ("output", "postrouting"), "forwarded": ("forward", "postrouting")}
TCP_IP_HEADERS = {"ipv4": 40, "ipv6": 60}


def _family(probe):
    if probe.get("family") in TCP_IP_HEADERS:
        return probe["family"]
    return "ipv6" if ":" in str(probe.get("address") or probe.get("dest") or "") else "ipv4"


def clamp_mss(rule, family, route_mtu):
    """The MSS a clamp rule gives a SYN on a route of `route_mtu`; None when it cannot be told."""
    if rule.get("clamp_to_pmtu"):
        return route_mtu - TCP_IP_HEADERS[family] if isinstance(route_mtu, int) else None
    return rule.get("mss")


def clamps_towards(rules, family, interface, hooks):
    """The clamp rules that every SYN of `family` leaving by `interface` through `hooks` meets.

    A rule with conditions (other matches, flags that miss SYN-ACKs) or behind a rule that can end
    the chain may not see the SYN, so it is left out rather than trusted.
    """
    return [rule for rule in rules if rule.get("hook") in hooks and rule.get("family") in (family, "both")
            and rule.get("out_interface") in (None, interface) and not rule.get("conditions")
            and not rule.get("shadowed")]


def _forwarding(sysctl, family):
    key = "net.ipv4.ip_forward" if family == "ipv4" else "net.ipv6.conf.all.forwarding"
    return sysctl.get(key, 1) if sysctl else 1  # not gathered: the FORWARD rules may matter


def _clamp_excess(facts, probe):
    """(path MSS, evidence) when the clamp rules give SYNs towards the probed destination a larger MSS."""
    family = _family(probe)
    path_mss = probe["pmtu"] - TCP_IP_HEADERS[family]
    traffic, given = [], []
    for kind, hooks in sorted(TRAFFIC_HOOKS.items()):
        if kind == "forwarded" and not _forwarding(facts.get("sysctl"), family):
            continue
        rules = clamps_towards(facts.get("mss_clamp") or [], family, probe.get("interface"), hooks)
        values = [(clamp_mss(rule, family, probe.get("route_mtu")), rule) for rule in rules]
        values = [(mss, rule) for mss, rule in values if mss is not None]
        # neither backend raises an MSS: xt_TCPMSS ("never increase MSS, even when setting it") nor
        # nft's `tcp option maxseg size set` (nft_exthdr_tcp_set_eval, Linux >= 4.14: "increase can
        # cause connection to stall"), so the lowest rule a SYN meets decides, in any order
        if values and min(mss for mss, _rule in values) > path_mss:
            traffic.append(kind)
            given += [{"rule": rule["rule"], "chain": rule["chain"], "backend": rule.get("backend"),
                       "mss": mss, "from": "clamp-to-pmtu, route MTU %s" % probe.get("route_mtu")
                       if rule.get("clamp_to_pmtu") else "set-mss"} for mss, rule in values]
    if not traffic:
        return None
    unique = []
    for item in given:
        if item not in unique:
            unique.append(item)
    return path_mss, {"interface": probe.get("interface"), "dest": probe.get("address") or probe.get("dest"),
                      "family": family, "pmtu": probe["pmtu"], "route_mtu": probe.get("route_mtu"),
                      "path_mss": path_mss, "clamp_mss": min(item["mss"] for item in unique),
                      "traffic": traffic, "rules": unique, "blackhole": bool(probe.get("blackhole"))}


def mss_clamp_exceeds_path(facts, probes):
    worst = {}
    for probe in probes:
        if not isinstance(probe.get("pmtu"), int) or not probe.get("interface"):
            continue
        excess = _clamp_excess(facts, probe)
        if excess and (probe["interface"] not in worst or excess[0] < worst[probe["interface"]][0]):
            worst[probe["interface"]] = excess
    for name, (path_mss, evidence) in sorted(worst.items()):
        yield finding("mss_clamp_exceeds_path", "error" if evidence["blackhole"] else "warning", name, evidence, """
            A TCPMSS clamp is there, but it gives SYNs towards %(dest)s by %(name)s an MSS of %(clamp)d (%(rules)s)
            while the measured path carries %(pmtu)d-byte packets, an MSS of %(path)d. TCP still sends segments
            that do not fit, so bulk transfers stall%(hole)s as if there were no clamp. A clamp at %(path)d
            fixes it; TCPMSS only ever lowers an MSS, so the rule there may stay.""" % {
            "dest": evidence["dest"], "name": name, "clamp": evidence["clamp_mss"], "pmtu": evidence["pmtu"],
            "path": path_mss, "hole": " (the path drops them without a too-big message)" if evidence["blackhole"]
            else " wherever the too-big messages do not come back",
            "rules": "; ".join("%s gives %d" % (r["from"], r["mss"]) for r in evidence["rules"])})


def icmp_too_big_blocked(facts, probes):
    filtering = facts.get("icmp_filtering") or {}
    rules = filtering.get("rules") or []
    if not rules:
        return
    families = sorted(set(r.get("family", "ipv4") for r in rules))
    yield finding("icmp_too_big_blocked", "error", None, {"rules": [r["rule"] for r in rules],
                                                          "chains": sorted(set(r["chain"] for r in rules)),
                                                          "families": families}, """
        This host's firewall drops ICMP "fragmentation needed" / ICMPv6 "packet too big" (%(n)d rule%(s)s).
        Those messages are how path MTU discovery learns that a packet is too big; without them every
        narrower link behind or through this host becomes a black hole for large packets. Accept exactly
        these types (they are harmless) or at least the ones related to existing connections.""" % {
        "n": len(rules), "s": "" if len(rules) == 1 else "s"})


def rp_filter_strict(facts, probes):
    sysctl, links = facts.get("sysctl") or {}, _links(facts)
    rp = sysctl.get("rp_filter") or {}
    rules = facts.get("routes", {}).get("rules") or []
    custom_rules = [r for r in rules if r.get("table") not in ("local", "main", "default")]
    tunnels = [n for n, link in sorted(links.items()) if topology.is_tunnel(link)]
    if not custom_rules and not tunnels:
        return
    for name in sorted(links):
        if links[name]["kind"] == "loopback":
            continue
        effective = max(rp.get("all") or 0, rp.get(name) or 0)
        if effective != 1:
            continue
        yield finding("rp_filter_strict", "warning", name, {
            "interface": name, "rp_filter": rp.get(name), "rp_filter_all": rp.get("all"),
            "policy_rules": len(custom_rules), "tunnels": tunnels}, """
            Strict reverse-path filtering (rp_filter=1) is on for %(name)s on a host with %(why)s. When
            replies come back by another interface than the route to their source (asymmetric routing, policy
            routing, tunnels), the kernel drops them silently and the connection looks like a stall. Loose
            mode (2) keeps the spoofing check without breaking asymmetric paths.""" % {
            "name": name, "why": "policy routing rules" if custom_rules else "tunnels (%s)" % ", ".join(tunnels)})


def _measured(facts, counts_at_rest):
    """The counters a rule reads: those of the load test when one ran on the host, else the totals since boot.

    -> (counters, during, under_load): during is the text the evidence carries.
    """
    test = facts.get("load")
    if test:
        return test, "during a load test of %s s" % test["seconds"], True
    return counts_at_rest, "totals since boot", False


def softirq_single_core(facts, probes):
    counters, during, under_load = _measured(facts, {"net_rx": (facts.get("softirq") or {}).get("net_rx") or []})
    counts = counters.get("net_rx") or []
    total = sum(counts)
    if len(counts) < 2 or total < (SOFTIRQ_MIN_EVENTS_UNDER_LOAD if under_load else SOFTIRQ_MIN_EVENTS):
        return
    share = max(counts) / float(total)
    if share < SOFTIRQ_SHARE:
        return
    cpu = counts.index(max(counts))
    yield finding("softirq_single_core", "warning", None, {"cpu": cpu, "share": round(share, 3),
                                                           "net_rx": counts, "counted": during}, """
        CPU %(cpu)d handled %(pct).0f%% of all NET_RX softirqs on a %(n)d-CPU host (%(during)s): packet processing
        (and a userspace or kernel tunnel's crypto) is pinned to one core, which caps throughput however fast the
        link is. Spread interrupts and receive processing (RPS/RSS, irqbalance) or scale the gateway.""" % {
        "cpu": cpu, "pct": share * 100, "n": len(counts), "during": during})


def udp_buffer_errors(facts, probes):
    counters, during, _under_load = _measured(facts, {"udp": (facts.get("counters") or {}).get("udp") or {}})
    errors = dict((k, v) for k, v in (counters.get("udp") or {}).items()
                  if k in ("RcvbufErrors", "SndbufErrors") and v)
    if not errors:
        return
    sysctl = facts.get("sysctl") or {}
    rmem, wmem = sysctl.get("net.core.rmem_max"), sysctl.get("net.core.wmem_max")
    # Totals since boot add up: once the buffers are raised, older errors are no news.
    if isinstance(rmem, int) and isinstance(wmem, int) and min(rmem, wmem) >= UDP_BUFFER_BYTES:
        return
    evidence = dict(errors, rmem_max=rmem, wmem_max=wmem, counted=during)
    read_only = [name for name in ("net.core.rmem_max", "net.core.wmem_max") if name in sysctl.get("read_only", [])]
    if read_only:
        evidence["read_only"] = read_only
    yield finding("udp_buffer_errors", "warning", None, evidence, """
        The kernel dropped UDP datagrams for want of socket buffer (%(errs)s, %(during)s). A UDP tunnel (WireGuard,
        VXLAN) loses packets this way under load, which TCP inside it sees as congestion. Raise net.core.rmem_max /
        wmem_max moderately and measure again; larger buffers also move queueing elsewhere.""" % {
        "errs": ", ".join("%s %d" % kv for kv in sorted(errors.items())), "during": during})


def conntrack_drops(facts, probes):
    conntrack = facts.get("conntrack") or {}
    per_cpu = conntrack.get("per_cpu") or []
    totals = dict((k, sum(cpu.get(k, 0) or 0 for cpu in per_cpu)) for k in ("drop", "insert_failed", "early_drop"))
    full = conntrack.get("max") and conntrack.get("count", 0) >= 0.9 * conntrack["max"]
    if not any(totals.values()) and not full:
        return
    yield finding("conntrack_drops", "warning", None, dict(totals, count=conntrack.get("count"),
                                                           max=conntrack.get("max")), """
        Connection tracking dropped packets (drop %(drop)d, insert_failed %(insert_failed)d, early_drop
        %(early_drop)d; %(count)s of %(max)s entries in use). A gateway that tracks tunnel traffic statefully
        loses packets when the table fills or inserts race, which looks like loss on the tunnel.""" % dict(
        totals, count=conntrack.get("count"), max=conntrack.get("max")))


def fifo_qdisc(facts, probes):
    links, qdisc = _links(facts), facts.get("qdisc") or {}
    for name in sorted(qdisc):
        q = qdisc[name]
        link = links.get(name) or {}
        if q.get("kind") not in FIFO_QDISCS or link.get("kind") == "loopback":
            continue
        if not (q.get("drops") or q.get("backlog") or q.get("overlimits")):
            continue  # a FIFO that never queued is harmless
        evidence = {"interface": name, "qdisc": q["kind"], "drops": q.get("drops"), "backlog": q.get("backlog"),
                    "overlimits": q.get("overlimits")}
        explanation = """
            %(name)s queues in a plain FIFO (%(kind)s) and it has dropped %(drops)s packets: under load one bulk
            flow fills the queue and every other flow waits behind it. fq_codel (or cake) keeps queues short and
            flows fair.""" % {"name": name, "kind": q["kind"], "drops": q.get("drops")}
        yield finding("fifo_qdisc", "warning", name, evidence, explanation)


# Addresses a host behind NAT has: RFC 1918, CGNAT (RFC 6598), IPv6 ULA.
NAT_NETWORKS = [ipaddress.ip_network(n)
                for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")]


def _private(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in NAT_NETWORKS if net.version == ip.version)


def wireguard_stale_handshake(facts, probes):
    for name, wg in sorted((facts.get("wireguard") or {}).items()):
        for peer in wg.get("peers") or []:
            age = peer.get("handshake_age")
            never = not peer.get("latest_handshake") and (peer.get("tx_bytes") or 0) > 0
            stale = age is not None and age > STALE_HANDSHAKE_SECONDS and peer.get("persistent_keepalive")
            if not (never or stale):
                continue
            yield finding("wireguard_stale_handshake", "warning", name, {
                "interface": name, "endpoint": peer.get("endpoint"), "handshake_age": age,
                "persistent_keepalive": peer.get("persistent_keepalive"), "tx_bytes": peer.get("tx_bytes"),
                "rx_bytes": peer.get("rx_bytes")}, """
                The peer at %(ep)s on %(name)s has %(what)s: the tunnel is not up, whatever the interface's state.
                Check that its endpoint is reachable over UDP, the keys match, and NAT state has not expired.""" % {
                "ep": peer.get("endpoint"), "name": name,
                "what": "never completed a handshake though packets were sent" if never else
                "not handshaken for %d s despite a keepalive" % age})


def wireguard_no_keepalive(facts, probes):
    links = _links(facts)
    for name, wg in sorted((facts.get("wireguard") or {}).items()):
        underlay = links.get((links.get(name) or {}).get("underlay")) or {}
        addresses = [a.split("/")[0] for a in underlay.get("addresses", [])]
        for peer in wg.get("peers") or []:
            if peer.get("persistent_keepalive") or not peer.get("endpoint"):
                continue
            endpoint = wg_quick.endpoint_host(peer["endpoint"])
            local_private = addresses and all(_private(a) for a in addresses)
            if not local_private or _private(endpoint):
                continue
            yield finding("wireguard_no_keepalive", "info", name, {
                "interface": name, "endpoint": peer["endpoint"], "local_addresses": addresses,
                "mtu": (links.get(name) or {}).get("mtu")}, """
                %(name)s reaches its peer at %(ep)s (a public address) from a private one, so it is most likely
                behind NAT, and it sends no keepalive: once the NAT mapping expires the peer cannot reach this
                host until it sends something itself. PersistentKeepalive = %(keepalive)d keeps the mapping open.""" % {
                "keepalive": KEEPALIVE_SECONDS, "name": name, "ep": peer["endpoint"]})


RULES = (pmtu_blackhole, mtu_exceeds_underlay, flannel_over_tunnel, double_encapsulation, docker_mtu_exceeds_uplink,
         missing_mss_clamp, mss_clamp_exceeds_path, icmp_too_big_blocked, rp_filter_strict, softirq_single_core,
         udp_buffer_errors, conntrack_drops, fifo_qdisc, wireguard_stale_handshake, wireguard_no_keepalive)
IDS = tuple(rule.__name__ for rule in RULES)


def evaluate(facts, probes=None, host=None, load_test=None):
    """Every finding the rules raise for one host, errors first.

    load_test: the host's netpath.mtu.load_probe result, when a load test ran there; the counter
    rules then read what it measured instead of the totals since boot.
    """
    result = []
    facts = dict(facts or {}, load=load.totals(load_test)) if load_test else facts
    for rule in RULES:
        for item in rule(facts or {}, [p for p in probes or [] if isinstance(p, dict) and "pmtu" in p]):
            item["host"] = host
            item["fix"] = fix_for(item)  # again, now that its command can name the host
            result.append(item)
    return sorted(result, key=lambda f: (limits.severity_rank(f["severity"]), f["id"], f["interface"] or ""))
