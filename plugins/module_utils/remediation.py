# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one table of fixes: a finding -> the action that fixes it, and a host's findings -> a plan.

fix_for() decides the fix of each finding; findings.py fills every finding's `fix` from it and
plan() (what the remediate playbook applies) builds on it, so the report and remediate cannot
disagree. A fix, as data:

    {"actions": [ACTION, ...], "manual": None, "command": CMD, "runbook": URL}
        what remediate applies, in this order; CMD the remediate run that applies it to this host
        (--check --diff: drop --check to apply)
    {"actions": [], "manual": "what a human should do", "command": CMD or None, "runbook": URL}
        no role of ours applies it; CMD the module call that does, where one does (None otherwise)

    ACTION = {"role": "netpath.mtu.mss_clamp", "vars": {"mss_clamp_chain": "FORWARD", ...}}
           | {"module": "ansible.posix.sysctl", "vars": {"name": "net.core.rmem_max", "value": "8388608"}}

An action names a role or a module (never both) by its fully qualified name, with the variables
(role) or options (module) that remediate passes to it as they are. Every name in `vars` is declared
in that role's meta/argument_specs.yml or that module's argument_spec (a unit test checks it).
"""

import json
import shlex

from ansible_collections.netpath.mtu.plugins.module_utils import cni
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

# Where a report links each finding's runbook: the published docs (galaxy.yml's `documentation`,
# which a unit test holds this to), since report.html and report.md are read wherever they were
# copied to, far from any checkout of the docs.
RUNBOOK_URL = "https://github.com/netpath/netpath.mtu/blob/main/docs/runbook-%s.md"
RUNBOOKS = {
    "pmtu_blackhole": "wireguard-black-hole", "mtu_exceeds_underlay": "wireguard-black-hole",
    "icmp_too_big_blocked": "wireguard-black-hole",
    "docker_mtu_exceeds_uplink": "container-requests-time-out", "missing_mss_clamp": "container-requests-time-out",
    "mss_clamp_exceeds_path": "container-requests-time-out",
    "flannel_over_tunnel": "flannel-over-a-tunnel", "double_encapsulation": "flannel-over-a-tunnel",
    "rp_filter_strict": "wireguard-is-slow", "udp_buffer_errors": "wireguard-is-slow",
    "softirq_single_core": "wireguard-is-slow", "fifo_qdisc": "wireguard-is-slow",
    "conntrack_drops": "wireguard-is-slow",
    "wireguard_stale_handshake": "wireguard-is-slow", "wireguard_no_keepalive": "wireguard-is-slow",
}
# The runbook of a finding id this table does not know yet: the one that starts from the symptom.
GENERAL_RUNBOOK = "large-transfers-hang"
HOST_PLACEHOLDER = "<host>"
INVENTORY_PLACEHOLDER = "<inventory>"

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


def _manual(finding):
    evidence = finding.get("evidence") or {}
    if finding["id"] == "docker_mtu_exceeds_uplink" and evidence.get("default_bridge") is False:
        return ("make the network %s again with -o com.docker.network.driver.mtu=%s when it suits you (a restart of "
                "Docker does not change it)" % (evidence.get("network") or evidence.get("bridge"),
                                                evidence.get("uplink_mtu")))
    plugin = evidence.get("cni") if finding["id"] == "mtu_exceeds_underlay" else None
    if isinstance(plugin, str) and plugin:
        # the cluster's manifests or operator own a CNI's MTU, and pods take it only when made anew
        return cni.FIXES.get(plugin, "set the CNI's MTU to %s, restart it and recreate the pods"
                             % (evidence.get("max_mtu"),))
    return MANUAL.get(finding["id"], "see the finding's explanation")


def remediate_command(finding, allow_restart=False):
    """The remediate run that applies the fix of this finding (of its id) on its host alone, in check
    mode first. The limit keeps localhost, where remediate writes its summary."""
    extra = {"netpath_remediate_only": [finding["id"]]}
    if allow_restart:
        extra["netpath_remediate_allow_restart"] = True
    return "ansible-playbook -i %s netpath.mtu.remediate --limit %s -e %s --check --diff" % (
        INVENTORY_PLACEHOLDER, shlex.quote("%s,localhost" % (finding.get("host") or HOST_PLACEHOLDER)),
        shlex.quote(json.dumps(extra)))


def _module_command(finding):
    """The ad-hoc module call for a fix no role of ours applies, where a module does it; else None."""
    fid, evidence = finding["id"], finding.get("evidence") or {}
    host = shlex.quote(finding.get("host") or HOST_PLACEHOLDER)
    if fid == "mtu_exceeds_underlay" and finding.get("interface") and evidence.get("max_inner_mtu"):
        return "ansible %s -i %s -b -m netpath.mtu.link_mtu -a %s --check --diff" % (
            host, INVENTORY_PLACEHOLDER,
            shlex.quote("name=%s mtu=%s" % (finding["interface"], evidence["max_inner_mtu"])))
    if fid == "docker_mtu_exceeds_uplink" and evidence.get("default_bridge") is not False:
        return remediate_command(finding, allow_restart=True)
    if fid == "udp_buffer_errors":
        # read-only here (a container): the machine that hosts its network namespace sets them
        return "ansible <machine-hosting-%s> -i %s -b -m ansible.posix.sysctl -a %s --check --diff" % (
            finding.get("host") or HOST_PLACEHOLDER, INVENTORY_PLACEHOLDER,
            shlex.quote("name=net.core.rmem_max value=%d sysctl_file=/etc/sysctl.d/90-netpath-mtu.conf"
                        % UDP_BUFFER_BYTES))
    return None


def runbook_for(fid):
    return RUNBOOK_URL % RUNBOOKS.get(fid, GENERAL_RUNBOOK)


def fix_for(finding, allow_restart=False):
    """The fix of one finding (see the module's docstring); allow_restart as remediate's."""
    actions = _actions(finding, allow_restart)
    if actions is None:
        return {"actions": [], "manual": _manual(finding), "command": _module_command(finding),
                "runbook": runbook_for(finding["id"])}
    return {"actions": actions, "manual": None, "command": remediate_command(finding, allow_restart),
            "runbook": runbook_for(finding["id"])}


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


def plan(findings, only=None, skip=None, allow_restart=False, os_family=None):
    """The fixes for one host's findings.

    `only` and `skip` are finding ids the user chose (only: nothing else is fixed). Returns a dict:
    steps (kind -> variables, in ORDER), covers (kind -> the findings it fixes, id@interface),
    manual (findings that need a human, with what to do), left (findings the user left out) and
    side_effects (every change the steps make, side_effects()).
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
            "manual": manual, "left": left, "side_effects": side_effects(ordered, os_family)}


# --- the side effects of a plan, listed before anything runs ------------------------------------
# What each role does to a host beyond the fix itself: packages, services, files. The names are the
# roles' (roles/*/defaults/main.yml, roles/mss_clamp/vars/<os_family>.yml); a unit test holds them
# to those files.
SYSCTL_FILE = "/etc/sysctl.d/90-netpath-mtu.conf"
IPTABLES_PERSISTENCE = {
    "Debian": {"packages": ["iptables-persistent"], "services": ["netfilter-persistent"],
               "files": {"ipv4": "/etc/iptables/rules.v4", "ipv6": "/etc/iptables/rules.v6"},
               "debconf": ["iptables-persistent/autosave_v4", "iptables-persistent/autosave_v6"],
               "nftables_conf": "/etc/nftables.conf"},
    "RedHat": {"packages": ["iptables-services"], "services": ["iptables", "ip6tables"],
               "files": {"ipv4": "/etc/sysconfig/iptables", "ipv6": "/etc/sysconfig/ip6tables"},
               "debconf": [], "nftables_conf": "/etc/sysconfig/nftables.conf"},
}
ROLE_DEFAULTS = {
    "mss_clamp_chain": "FORWARD", "mss_clamp_family": "ipv4", "mss_clamp_mss": "pmtu", "mss_clamp_backend": "auto",
    "mss_clamp_persist": True, "mss_clamp_nftables_file": "/etc/nftables.d/netpath-mtu.nft",
    "docker_mtu_daemon_json": "/etc/docker/daemon.json", "docker_mtu_restart": False,
    "qdisc_kind": "fq_codel", "qdisc_default": True, "qdisc_sysctl_file": "/etc/sysctl.d/90-netpath-qdisc.conf",
    "qdisc_config_dir": "/etc/netpath-mtu/qdisc",
    "flannel_iface_k3s_config": "/etc/rancher/k3s/config.yaml", "flannel_iface_proxy_namespace": "tailscale",
}


def _families(family):
    return ["ipv4", "ipv6"] if family == "both" else [family]


def _mss_clamp_effects(values, os_family):
    mss = values["mss_clamp_mss"]
    effects = ["add a TCPMSS rule to %s (MSS %s, %s) in the running firewall" % (
        values["mss_clamp_chain"], "clamped to the path MTU" if mss == "pmtu" else mss, values["mss_clamp_family"])]
    if values.get("mss_clamp_allow_icmp_too_big"):
        effects.append("accept ICMP too-big messages (%s) in the running firewall" % values["mss_clamp_family"])
    if not values["mss_clamp_persist"]:
        return effects
    backend = values["mss_clamp_backend"]
    for name in ("Debian", "RedHat") if os_family not in IPTABLES_PERSISTENCE else (os_family,):
        keep = IPTABLES_PERSISTENCE[name]
        on = "" if os_family in IPTABLES_PERSISTENCE else "on %s, " % name
        when = "if the firewall is %s: " if backend == "auto" else "with %s: "
        if backend in ("auto", "iptables"):
            effects.append(on + (when % "iptables") + "where %s is missing, %sinstall it; enable %s; write %s" % (
                ", ".join(keep["packages"]),
                "preseed debconf %s and " % " and ".join(keep["debconf"]) if keep["debconf"] else "",
                ", ".join(keep["services"]),
                ", ".join(keep["files"][f] for f in _families(values["mss_clamp_family"]))))
        if backend in ("auto", "nftables"):
            effects.append(on + (when % "nftables") + "write %s, include it from %s, enable nftables.service" % (
                values["mss_clamp_nftables_file"], keep["nftables_conf"]))
    return effects


def _step_effects(kind, variables, os_family):
    values = dict(ROLE_DEFAULTS, **variables)
    if kind == "sysctl":
        return ["write %s (%s) and apply it live" % (SYSCTL_FILE, ", ".join(
            "%s=%s" % item for item in sorted(variables.items())))]
    if kind == "mss_clamp":
        return _mss_clamp_effects(values, os_family)
    if kind == "wireguard_mtu":
        iface = values["wireguard_mtu_interface"]
        config = values.get("wireguard_mtu_config") or "/etc/wireguard/%s.conf" % iface
        mtu = values.get("wireguard_mtu", "auto")
        effects = ["set %s's MTU live to %s and write it to %s" % (
            iface, "the path MTU measured to each endpoint less WireGuard's overhead" if mtu == "auto" else mtu,
            config)]
        if values.get("wireguard_mtu_keepalive"):
            effects.append("set PersistentKeepalive = %s on every peer of %s, live and in %s" % (
                values["wireguard_mtu_keepalive"], iface, config))
        if values.get("wireguard_mtu_restart"):
            effects.append("restart wg-quick@%s.service" % iface)
        return effects
    if kind == "docker_mtu":
        effects = ['write "mtu": %s to %s (keeping a backup of a file already there)'
                   % (values.get("docker_mtu", "auto"), values["docker_mtu_daemon_json"])]
        effects.append("restart Docker through what runs it (containers stop unless live-restore is on)"
                       if values["docker_mtu_restart"]
                       else "no restart of Docker: it takes the MTU when it next starts")
        return effects
    if kind == "qdisc":
        ifaces = ", ".join(values.get("qdisc_interfaces") or [])
        effects = ["replace the root qdisc of %s with %s (tc)" % (ifaces, values["qdisc_kind"]),
                   "write /etc/systemd/system/netpath-qdisc@.service and %s/<interface>.conf, enable a "
                   "netpath-qdisc@ unit per interface (it sets the qdisc at boot)" % values["qdisc_config_dir"]]
        if values["qdisc_default"]:
            effects.append("write net.core.default_qdisc=%s to %s and apply it live"
                           % (values["qdisc_kind"], values["qdisc_sysctl_file"]))
        return effects
    if kind == "flannel_iface":
        return ["write flannel-iface: %s to %s" % (values["flannel_iface"], values["flannel_iface_k3s_config"]),
                "restart k3s (or k3s-agent), one node at a time, waiting for the node to be Ready",
                "delete the Tailscale proxy pods in namespace %s so that they come back with the new MTU"
                % values["flannel_iface_proxy_namespace"]]
    return []


def side_effects(steps, os_family=None):
    """Every change the steps of a plan make to a host, one sentence each, in the order they run:
    packages, services, files and live settings. `os_family` (Debian, RedHat) names the packages and
    files of that family; unknown, both are listed."""
    return [effect for kind, variables in steps.items() for effect in _step_effects(kind, variables, os_family)]


def hosts_by_need(hosts):
    """Which hosts of a remediate run each of its next plays takes, decided once on the controller.

    hosts: [{"name", "plan" (None where the plan was not made: the audit of the host failed),
    "os_family" (None where not gathered), "k3s_service"}] in the order of the inventory.
    -> {"stopped": hosts without a plan, "fixing": hosts whose plan has a step, "steps": {step of
        ORDER: the hosts whose plan has it},
        "distribution": hosts whose plan has mss_clamp and whose os_family is not known (the only
        fix whose side effects name packages), "flannel": the k3s nodes whose plan moves flannel,
        servers before agents (as k3s's upgrade guide orders them)}."""
    planned = [host for host in hosts if host.get("plan") is not None]
    flannel = [host for host in planned if "flannel_iface" in host["plan"].get("steps", {})]
    return {
        "stopped": [host["name"] for host in hosts if host.get("plan") is None],
        "fixing": [host["name"] for host in planned if host["plan"].get("steps")],
        "steps": {step: [host["name"] for host in planned if step in host["plan"].get("steps", {})] for step in ORDER},
        "distribution": [host["name"] for host in planned
                         if "mss_clamp" in host["plan"].get("steps", {}) and not host.get("os_family")],
        "flannel": [host["name"] for host in flannel if host.get("k3s_service") != "k3s-agent"]
        + [host["name"] for host in flannel if host.get("k3s_service") == "k3s-agent"],
    }


# --- a plan in words ----------------------------------------------------------------------------


def plan_view(host_plan, check_mode=False):
    """One host's plan in words, as remediate prints it for every host before the first change."""
    fixes = ["%s with %s" % (", ".join(ids), kind) for kind, ids in host_plan["covers"].items()]
    return {
        ("would fix" if check_mode else "fixes"): fixes or ["nothing"],
        ("side effects it would have" if check_mode else "side effects"): host_plan["side_effects"] or ["none"],
        "needs a human": ["%s: %s" % (item["finding"], item["what"]) for item in host_plan["manual"]],
        "left out": host_plan["left"],
    }
