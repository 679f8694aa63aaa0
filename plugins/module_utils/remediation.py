# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""From a host's findings to the fixes the remediate playbook applies, in a safe order.

One function, plan(), as plain data in and out: which fix answers which finding, with the
variables of each role decided here (so that the playbook passes them on as they are), what needs
a human, and what the user left out. The finding ids and their meaning are in findings.py.
"""

from ansible_collections.netpath.mtu.plugins.module_utils import findings
from ansible_collections.netpath.mtu.plugins.module_utils.link_mtu import IPV6_MIN_MTU

# Applied in this order on a host: what cannot interrupt anything first (kernel settings, a
# clamp, accepting too-big messages), then MTUs changed live, then what a restart carries.
ORDER = ("sysctl", "mss_clamp", "wireguard_mtu", "docker_mtu", "qdisc", "flannel_iface")

# Findings no role of ours fixes, with what to do instead.
MANUAL = {
    "softirq_single_core": "spread receive processing over the CPUs (RSS/RPS, irqbalance) or scale the gateway",
    "conntrack_drops": "raise net.netfilter.nf_conntrack_max after checking the table's memory, or exempt "
                       "the tunnel's UDP from connection tracking",
    "double_encapsulation": "bind the inner tunnel to a link where both ends reach each other directly "
                            "(for flannel over a tunnel: the flannel_iface role)",
    "mtu_exceeds_underlay": "lower this interface's MTU to its underlay's in the tool that makes it",
    "udp_buffer_errors": "raise net.core.rmem_max and wmem_max on the machine that hosts this network "
                         "namespace (a container cannot set them)",
    "wireguard_stale_handshake": "check that the endpoint is reachable over UDP, that the keys match, and that "
                                 "no NAT mapping expired (a keepalive is already set or the peer never answered)",
    "pmtu_blackhole": "the tunnel already fits the path; the filter that drops too-big messages on the path "
                      "still hurts other traffic: ask whoever runs it to let them through",
}

LOOSE_RP_FILTER = "2"
UDP_BUFFER_BYTES = str(findings.UDP_BUFFER_BYTES)


def _key(finding):
    return "%s@%s" % (finding["id"], finding.get("interface") or "host")


def _fix(finding, allow_restart):
    """(kind, variables) for one finding; kind None means it needs a human."""
    fid, iface = finding["id"], finding.get("interface")
    evidence = finding.get("evidence") or {}
    if fid == "rp_filter_strict":
        return "sysctl", {"net.ipv4.conf.%s.rp_filter" % iface: LOOSE_RP_FILTER}
    if fid == "udp_buffer_errors" and evidence.get("read_only"):
        return None, None
    if fid == "udp_buffer_errors":
        return "sysctl", {"net.core.rmem_max": UDP_BUFFER_BYTES, "net.core.wmem_max": UDP_BUFFER_BYTES}
    if fid == "icmp_too_big_blocked":
        families = evidence.get("families") or ["ipv4"]
        return "mss_clamp", {"mss_clamp_allow_icmp_too_big": True,
                             "mss_clamp_family": families[0] if len(families) == 1 else "both"}
    if fid == "missing_mss_clamp":
        return "mss_clamp", {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}
    if fid == "pmtu_blackhole" and finding.get("severity") == "info":
        return None, None  # the tunnel already fits; the path's filter is someone else's to fix
    if fid == "pmtu_blackhole" and evidence.get("tunnel"):
        return "wireguard_mtu", {"wireguard_mtu_interface": evidence["tunnel"], "wireguard_mtu": "auto"}
    if fid == "pmtu_blackhole":
        return "mss_clamp", {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}
    if fid == "mtu_exceeds_underlay" and (finding.get("fix") or {}).get("role") == "netpath.mtu.wireguard_mtu":
        return "wireguard_mtu", {"wireguard_mtu_interface": iface, "wireguard_mtu": "auto"}
    if fid == "wireguard_no_keepalive":
        # the keepalive only: the MTU stays what it is (a black hole's finding asks for auto)
        mtu = evidence.get("mtu")
        return "wireguard_mtu", {"wireguard_mtu_interface": iface, "wireguard_mtu_keepalive": 25,
                                 # the role takes IPv6's minimum and up; a smaller tunnel gets sized from its path
                                 "wireguard_mtu": mtu if isinstance(mtu, int) and mtu >= IPV6_MIN_MTU else "auto"}
    if fid == "docker_mtu_exceeds_uplink":
        # seed 002: the clamp fixes TCP now without downtime; daemon.json carries the MTU to the
        # next restart of Docker (now only when the user allows restarts)
        return "docker_mtu", {"docker_mtu": evidence.get("uplink_mtu", "auto"), "docker_mtu_restart": allow_restart}
    if fid == "fifo_qdisc":
        return "qdisc", {"qdisc_interfaces": [iface]}
    if fid == "flannel_over_tunnel":
        return "flannel_iface", dict((finding.get("fix") or {}).get("vars") or {})
    return None, None


def _merge(steps, kind, variables):
    current = steps.setdefault(kind, {})
    for name, value in variables.items():
        if name == "qdisc_interfaces":
            current[name] = sorted(set(current.get(name, [])) | set(value))
        elif name == "mss_clamp_family" and current.get(name, value) != value:
            current[name] = "both"
        elif name == "wireguard_mtu" and "auto" in (current.get(name), value):
            current[name] = "auto"
        else:
            current[name] = value


def plan(findings, only=None, skip=None, allow_restart=False):
    """The fixes for one host's findings.

    `only` and `skip` are finding ids the user chose (only: nothing else is fixed). Returns a dict:
    steps (kind -> variables, in ORDER), covers (kind -> the findings it fixes, id@interface),
    manual (findings that need a human, with what to do) and left (findings the user left out).
    A docker_mtu step always comes with the clamp that fixes TCP without a restart.
    """
    steps, covers, manual, left = {}, {}, [], []
    for finding in findings or []:
        fid = finding.get("id")
        if finding.get("severity") == "info" and fid == "docker_mtu_exceeds_uplink" and not allow_restart:
            continue  # fixed for now; what is left waits for a restart of Docker the user allows
        if (only and fid not in only) or (skip and fid in skip):
            left.append(_key(finding))
            continue
        kind, variables = _fix(finding, allow_restart)
        if kind is None:
            manual.append({"finding": _key(finding), "what": MANUAL.get(fid, "see the finding's explanation")})
            continue
        if kind == "wireguard_mtu" and "wireguard_mtu_interface" in steps.get(kind, {}) \
                and steps[kind]["wireguard_mtu_interface"] != variables["wireguard_mtu_interface"]:
            manual.append({"finding": _key(finding), "what": "run the wireguard_mtu role for %s as well"
                           % variables["wireguard_mtu_interface"]})
            continue
        _merge(steps, kind, variables)
        covers.setdefault(kind, []).append(_key(finding))
        if kind == "docker_mtu":
            _merge(steps, "mss_clamp", {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"})
            covers.setdefault("mss_clamp", []).append(_key(finding))
    ordered = dict((kind, steps[kind]) for kind in ORDER if kind in steps)
    return {"steps": ordered, "covers": dict((k, sorted(set(v))) for k, v in covers.items()),
            "manual": manual, "left": left}
