# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one table of fixes: a finding -> the action that fixes it, and a host's findings -> a plan.

fix_for() decides the fix of each finding; findings.py fills every finding's `fix` from it and
plan() (what the remediate playbook applies) builds on it, so the report and remediate cannot
disagree. A fix, as data:

    {"actions": [ACTION, ...], "manual": None}        what remediate applies, in this order
    {"actions": [], "manual": "what a human should do"} no role or module of ours fixes it

    ACTION = {"role": "netpath.mtu.mss_clamp", "vars": {"mss_clamp_chain": "FORWARD", ...}}
           | {"module": "ansible.posix.sysctl", "vars": {"name": "net.core.rmem_max", "value": "8388608"}}

An action names a role or a module (never both) by its fully qualified name, with the variables
(role) or options (module) that remediate passes to it as they are. Every name in `vars` is declared
in that role's meta/argument_specs.yml or that module's argument_spec (a unit test checks it).
"""

from ansible_collections.netpath.mtu.plugins.module_utils.limits import IPV6_MIN_MTU

# Applied in this order on a host: what cannot interrupt anything first (kernel settings, a
# clamp, accepting too-big messages), then MTUs changed live, then what a restart carries.
# A plan's step is named after its role; "sysctl" gathers the ansible.posix.sysctl actions.
ORDER = ("sysctl", "mss_clamp", "link_mtu", "wireguard_mtu", "docker_mtu", "qdisc", "flannel_iface")
SYSCTL_MODULE = "ansible.posix.sysctl"
# A link's MTU, set live and written where the link's manager keeps it ("link_mtu" gathers them).
LINK_MTU_MODULE = "netpath.mtu.link_mtu"
ROLE_PREFIX = "netpath.mtu."

# What to do where no role of ours fixes a finding.
MANUAL = {
    "softirq_single_core": "spread receive processing over the CPUs (RSS/RPS, irqbalance) or scale the gateway",
    "conntrack_drops": "raise net.netfilter.nf_conntrack_max after checking the table's memory, or exempt "
                       "the tunnel's UDP from connection tracking",
    "double_encapsulation": "bind the inner tunnel to a link where both ends reach each other directly "
                            "(for flannel over a tunnel: the flannel_iface role)",
    "mtu_exceeds_underlay": "lower this interface's MTU to what its underlay carries in the tool that makes it "
                            "(the module netpath.mtu.link_mtu sets it live, and with persist where its network "
                            "manager keeps it)",
    "udp_buffer_errors": "raise net.core.rmem_max and wmem_max on the machine that hosts this network "
                         "namespace (a container cannot set them)",
    "wireguard_stale_handshake": "check that the endpoint is reachable over UDP, that the keys match, and that "
                                 "no NAT mapping expired (a keepalive is already set or the peer never answered)",
    "pmtu_blackhole": "the tunnel already fits the path; the filter that drops too-big messages on the path "
                      "still hurts other traffic: ask whoever runs it to let them through",
    "docker_mtu_exceeds_uplink": "restart Docker when it suits you, so that it takes the MTU daemon.json already "
                                 "sets (remediate does with netpath_remediate_allow_restart: true)",
}

LOOSE_RP_FILTER = "2"
# What the fix for UDP buffer errors raises net.core.rmem_max and wmem_max to (8 MiB).
UDP_BUFFER_BYTES = 8388608
# The keepalive that holds a NAT mapping open (wg-quick's customary value).
KEEPALIVE_SECONDS = 25
# A clamp to the path MTU on forwarded traffic: seed 002's fix that needs no restart. No
# out-interface: the SYN-ACK that sets the container's MSS leaves by the bridge.
FORWARD_CLAMP = {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}
# The chain a clamp goes in for the traffic whose MSS is too large (mss_clamp_exceeds_path).
CLAMP_CHAINS = {("forwarded",): "FORWARD", ("local",): "OUTPUT", ("forwarded", "local"): "POSTROUTING", (): "FORWARD"}


def _role(name, variables):
    return {"role": ROLE_PREFIX + name, "vars": variables}


def _sysctl(name, value):
    return {"module": SYSCTL_MODULE, "vars": {"name": name, "value": value}}


def _actions(finding, allow_restart):
    """The actions for one finding; None when it needs a human."""
    fid, iface = finding["id"], finding.get("interface")
    evidence = finding.get("evidence") or {}
    if fid == "rp_filter_strict":
        return [_sysctl("net.ipv4.conf.%s.rp_filter" % iface, LOOSE_RP_FILTER)]
    if fid == "udp_buffer_errors" and not evidence.get("read_only"):
        return [_sysctl(name, str(UDP_BUFFER_BYTES)) for name in ("net.core.rmem_max", "net.core.wmem_max")]
    if fid == "icmp_too_big_blocked":
        families = evidence.get("families") or ["ipv4"]
        return [_role("mss_clamp", {"mss_clamp_allow_icmp_too_big": True,
                                    "mss_clamp_family": families[0] if len(families) == 1 else "both"})]
    if fid == "missing_mss_clamp":
        return [_role("mss_clamp", dict(FORWARD_CLAMP))]
    if fid == "mss_clamp_exceeds_path" and isinstance(evidence.get("path_mss"), int):
        # our clamp at the MSS the path carries, beside the user's rule (TCPMSS only lowers)
        return [_role("mss_clamp", {"mss_clamp_chain": CLAMP_CHAINS[tuple(sorted(evidence.get("traffic") or []))],
                                    "mss_clamp_mss": evidence["path_mss"],
                                    "mss_clamp_family": evidence.get("family") or "ipv4"})]
    if fid == "pmtu_blackhole" and finding.get("severity") != "info":
        if evidence.get("tunnel"):
            return [_role("wireguard_mtu", {"wireguard_mtu_interface": evidence["tunnel"], "wireguard_mtu": "auto"})]
        return [_role("mss_clamp", dict(FORWARD_CLAMP))]
    if fid == "mtu_exceeds_underlay" and evidence.get("kind") == "wireguard":
        return [_role("wireguard_mtu", {"wireguard_mtu_interface": iface, "wireguard_mtu": "auto"})]
    if fid == "mtu_exceeds_underlay" and isinstance(evidence.get("max_inner_mtu"), int):
        # set live and kept by the link's manager (persist=auto fails on a link nothing manages:
        # remediate then sets it live only and says so)
        return [{"module": LINK_MTU_MODULE, "vars": {"name": iface, "mtu": evidence["max_inner_mtu"],
                                                     "persist": "auto"}}]
    if fid == "wireguard_no_keepalive":
        # the keepalive only: the MTU stays what it is (a black hole's finding asks for auto);
        # the role takes IPv6's minimum and up, a smaller tunnel gets sized from its path
        mtu = evidence.get("mtu")
        return [_role("wireguard_mtu", {"wireguard_mtu_interface": iface, "wireguard_mtu_keepalive": KEEPALIVE_SECONDS,
                                        "wireguard_mtu": mtu if isinstance(mtu, int) and mtu >= IPV6_MIN_MTU
                                        else "auto"})]
    if fid == "docker_mtu_exceeds_uplink" and (finding.get("severity") != "info" or allow_restart):
        # seed 002: the clamp fixes TCP now without downtime; daemon.json carries the MTU to the
        # next restart of Docker (now only when the user allows restarts)
        return [_role("docker_mtu", {"docker_mtu": evidence.get("uplink_mtu", "auto"),
                                     "docker_mtu_restart": bool(allow_restart)}),
                _role("mss_clamp", dict(FORWARD_CLAMP))]
    if fid == "fifo_qdisc":
        return [_role("qdisc", {"qdisc_interfaces": [iface]})]
    if fid == "flannel_over_tunnel" and evidence.get("physical"):
        return [_role("flannel_iface", {"flannel_iface": evidence["physical"]})]
    return None


def fix_for(finding, allow_restart=False):
    """The fix of one finding (see the module's docstring); allow_restart as remediate's."""
    actions = _actions(finding, allow_restart)
    if actions is None:
        return {"actions": [], "manual": MANUAL.get(finding["id"], "see the finding's explanation")}
    return {"actions": actions, "manual": None}


def finding_key(finding):
    return "%s@%s" % (finding["id"], finding.get("interface") or "host")


def _step(action):
    """(plan step, its variables) of one action."""
    if action.get("module") == SYSCTL_MODULE:
        return "sysctl", {action["vars"]["name"]: action["vars"]["value"]}
    if action.get("module") == LINK_MTU_MODULE:
        return "link_mtu", {action["vars"]["name"]: action["vars"]["mtu"]}
    return action["role"][len(ROLE_PREFIX):], action["vars"]


def _merge(steps, kind, variables):
    current = steps.setdefault(kind, {})
    for name, value in variables.items():
        if name == "qdisc_interfaces":
            current[name] = sorted(set(current.get(name, [])) | set(value))
        elif name == "mss_clamp_family" and current.get(name, value) != value:
            current[name] = "both"
        elif name == "wireguard_mtu" and "auto" in (current.get(name), value):
            current[name] = "auto"
        elif name == "mss_clamp_mss" and isinstance(current.get(name), int):
            # a measured MSS is more precise than the route's (pmtu); of two, the lower fits both
            current[name] = min(current[name], value) if isinstance(value, int) else current[name]
        elif name == "mss_clamp_chain" and current.get(name, value) != value:
            current[name] = "POSTROUTING"  # the chain both the routed and the host's own SYNs pass
        else:
            current[name] = value


def plan(findings, only=None, skip=None, allow_restart=False):
    """The fixes for one host's findings.

    `only` and `skip` are finding ids the user chose (only: nothing else is fixed). Returns a dict:
    steps (kind -> variables, in ORDER), covers (kind -> the findings it fixes, id@interface),
    manual (findings that need a human, with what to do) and left (findings the user left out).
    Each finding's actions are fix_for()'s, merged per role (the fix in the report is the same).
    """
    steps, covers, manual, left = {}, {}, [], []
    for finding in findings or []:
        fid = finding.get("id")
        if (only and fid not in only) or (skip and fid in skip):
            left.append(finding_key(finding))
            continue
        fix = fix_for(finding, allow_restart)
        if fix["manual"]:
            manual.append({"finding": finding_key(finding), "what": fix["manual"]})
            continue
        wireguard = [a["vars"] for a in fix["actions"] if a.get("role") == ROLE_PREFIX + "wireguard_mtu"]
        planned = steps.get("wireguard_mtu", {}).get("wireguard_mtu_interface")
        if wireguard and planned and planned != wireguard[0]["wireguard_mtu_interface"]:
            manual.append({"finding": finding_key(finding), "what": "run the wireguard_mtu role for %s as well"
                           % wireguard[0]["wireguard_mtu_interface"]})
            continue
        for action in fix["actions"]:
            kind, variables = _step(action)
            _merge(steps, kind, variables)
            covers.setdefault(kind, []).append(finding_key(finding))
    ordered = dict((kind, steps[kind]) for kind in ORDER if kind in steps)
    return {"steps": ordered, "covers": dict((k, sorted(set(v))) for k, v in covers.items()),
            "manual": manual, "left": left}
