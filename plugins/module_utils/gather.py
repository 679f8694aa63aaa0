# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How mtu_facts reads a host: which commands and files feed which part of the facts.

Each method returns one part from the tools' output (parsed in parsers.py, interpreted in
topology.py) or raises Unavailable with the reason. Commands run as argument lists, through
`run_argv` (commands.run in mtu_facts; the module's run_command when none is given, as tests
replay captures through it); `read` and `exists` are methods so tests can replay captures.
"""

import contextlib
import os
import socket

from ansible_collections.netpath.mtu.plugins.module_utils import (
    cni,
    docker_mtu,
    limits,
    parsers,
    topology,
)
from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp as clamps
from ansible_collections.netpath.mtu.plugins.module_utils.host_reader import HostReader, Unavailable

PARTS = ("interfaces", "chains", "flannel", "docker", "sysctl", "offloads", "qdisc", "mss_clamp", "icmp_filtering",
         "wireguard", "counters", "conntrack", "softirq", "routes", "cni", "managers", "ipsec")
SYSCTLS = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv4.tcp_mtu_probing", "net.core.default_qdisc",
           "net.core.rmem_max", "net.core.wmem_max", "net.ipv4.ip_no_pmtu_disc")
K3S_CONFIG = "/etc/rancher/k3s/config.yaml"
FLANNEL_ENV = "/run/flannel/subnet.env"
TUN_DEVICE = "/dev/net/tun"
DOCKER_BRIDGE_NAME = "com.docker.network.bridge.name"


class Gatherer(HostReader):

    def default_dev(self):
        """The device of the default route (IPv4, else IPv6), or None."""
        for family in ("-4", "-6"):
            try:
                dev = parsers.default_route_dev(self.run("ip", [family, "-j", "route", "show", "default"]))
            except (Unavailable, parsers.ParseError):
                continue
            if dev:
                return dev
        return None

    def dockerd_processes(self):
        """The processes that are dockerd: [{pid, comm, cmdline (argv), cgroup (text)}], from /proc.

        Every process's name and command line are read (dockerd may run from any path, under any
        name its manager gives it); the cgroup only of dockerd's. A process that ends meanwhile is
        left out.
        """
        found = []
        for pid in sorted((name for name in os.listdir("/proc") if name.isdigit()), key=int):
            try:
                with open("/proc/%s/comm" % pid) as handle:
                    comm = handle.read().strip()
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    cmdline = [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
                process = {"pid": int(pid), "comm": comm, "cmdline": cmdline}
                if docker_mtu.is_dockerd(process):
                    with open("/proc/%s/cgroup" % pid) as handle:
                        process["cgroup"] = handle.read()
                    found.append(process)
            except OSError:
                continue
        return found

    def tun_processes(self):
        """The processes holding /dev/net/tun: [{pid, comm, exe, interfaces}], from /proc.

        interfaces: the devices their descriptors are attached to (the `iff:` line the tun driver
        writes in /proc/PID/fdinfo/FD). fdinfo names a device, not its namespace: only processes in
        this network namespace count (a container's "tun0" is another device). Processes of other
        users cannot be read without root and are left out, as is one that ends meanwhile.
        """
        found = []
        own_netns = os.readlink("/proc/self/ns/net")
        for pid in sorted((name for name in os.listdir("/proc") if name.isdigit()), key=int):
            try:
                if os.readlink("/proc/%s/ns/net" % pid) != own_netns:
                    continue
                fds = [fd for fd in os.listdir("/proc/%s/fd" % pid)
                       if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == TUN_DEVICE]
                if not fds:
                    continue
                interfaces = []
                for fd in fds:
                    with open("/proc/%s/fdinfo/%s" % (pid, fd)) as handle:
                        interfaces += parsers.tun_fdinfo(handle.read())
                with open("/proc/%s/comm" % pid) as handle:
                    comm = handle.read().strip()
                try:
                    exe = os.readlink("/proc/%s/exe" % pid)
                except OSError:
                    exe = None
                found.append({"pid": int(pid), "comm": comm, "exe": exe, "interfaces": sorted(set(interfaces))})
            except OSError:
                continue
        return found

    def writable(self, path):
        """Whether the file has its owner's write bit: /proc/sys shows settings that this network
        namespace cannot change (net.core.rmem_max inside a container) as read-only."""
        try:
            return bool(os.stat(path).st_mode & 0o200)
        except OSError:
            return False

    def route(self, address):
        return self.route_or_reason(address)[0]

    def route_or_reason(self, address):
        """(the route to `address`, None) or (None, why there is none)."""
        if not is_address(address):
            return None, "%r is not an IPv4 or IPv6 address (ip route get takes no names)" % (address,)
        try:
            return parsers.route_get(self.run("ip", ["-j", "route", "get", address])), None
        except (Unavailable, parsers.ParseError) as exc:
            return None, str(exc)

    def interfaces(self):
        links = parsers.links(self.run("ip", ["-d", "-j", "addr", "show"]))
        try:
            wireguard = self.wireguard()
        except Unavailable:
            wireguard = {}
        xfrm_states = None
        if any(link["kind"] == "xfrm" for link in links.values()):
            # not root: their ESP is not known, nor their max_inner_mtu
            with contextlib.suppress(Unavailable):
                xfrm_states = parsers.xfrm_states(self.run("ip", ["xfrm", "state"]))
        addresses = topology.wireguard_endpoints(wireguard) + topology.vxlan_addresses(links) + \
            topology.ipsec_destinations(xfrm_states or [])
        routes = dict((a, self.route(a)) for a in addresses)
        default = None
        for family in ("-4", "-6"):
            default = default or parsers.default_route_dev(self.run("ip", [family, "-j", "route", "show", "default"]))
        owners = None
        if any(link["kind"] == "tun" for link in links.values()):
            owners = topology.tun_owners(self.tun_processes())
        return topology.annotate(links, wireguard, routes, default, owners, xfrm_states)

    def wireguard(self):
        return parsers.wireguard_dump(self.run("wg", ["show", "all", "dump"]), self.clock())

    def flannel(self):
        env, config, iface = {}, None, None
        if self.exists(FLANNEL_ENV):
            env = parsers.env_file(self.read(FLANNEL_ENV))
        if self.exists(K3S_CONFIG):
            config = K3S_CONFIG
            iface = parsers.k3s_config_value(self.read(K3S_CONFIG), "flannel-iface")
        services = [s for s in ("k3s", "k3s-agent") if any(self.exists(d + s + ".service") for d in
                                                           ("/etc/systemd/system/", "/lib/systemd/system/"))]
        mtu = env.get("FLANNEL_MTU")
        return {"present": bool(env or config), "iface": iface, "config": config, "subnet_env": env,
                "mtu": int(mtu) if mtu and mtu.isdigit() else None, "service": services[0] if services else None}

    def docker(self, links):
        """Docker's MTU settings, bridges and networks, and the uplink they leave by.

        The networks come from the docker CLI, which is only asked when the daemon's socket is
        there: without a daemon every call would cost a timeout on every audit.
        """
        uplink = None
        for family in ("-4", "-6"):
            try:
                uplink = uplink or parsers.default_route_dev(self.run("ip", [family, "-j", "route", "show", "default"]))
            except (Unavailable, parsers.ParseError):
                continue
        result = {"present": False, "daemon_json": None, "daemon_mtu": None, "networks": None,
                  "uplink": {"name": uplink, "mtu": links[uplink]["mtu"]} if uplink in links else None}
        daemon = docker_mtu.docker_daemon(self.dockerd_processes(), self.exists)
        result["daemon"] = daemon
        daemon_json = daemon["config_file"]
        if self.exists(daemon_json):
            result["daemon_json"] = daemon_json
            try:
                result["daemon_mtu"] = parsers.docker_daemon_json(self.read(daemon_json)).get("mtu")
            except parsers.ParseError as exc:
                result["daemon_json_error"] = str(exc)
        if not daemon["sockets"]:
            result["networks_unavailable"] = "the Docker daemon is not running here (no %s)" % " or ".join(
                docker_mtu.DOCKER_SOCKETS)
        else:
            try:
                ids = self.run("docker", ["network", "ls", "--quiet"]).split()
                networks = parsers.docker_networks(self.run("docker", ["network", "inspect"] + ids)) if ids else []
                for net in networks:
                    if net["driver"] == "bridge":
                        # Docker names a user-defined bridge br- and the first 12 characters of its id.
                        net["bridge"] = net["options"].get(DOCKER_BRIDGE_NAME) or "br-" + net["id"][:12]
                        net["link_mtu"] = (links.get(net["bridge"]) or {}).get("mtu")
                result["networks"] = networks
            except (Unavailable, parsers.ParseError) as exc:
                result["networks_unavailable"] = str(exc)
        named = set(net["bridge"] for net in result["networks"] or [] if net.get("bridge"))
        result["bridges"] = dict((name, link["mtu"]) for name, link in links.items() if link["kind"] == "bridge" and (
            name in ("docker0", "docker_gwbridge") or name.startswith("br-") or name in named))
        result["present"] = bool(result["bridges"] or result["daemon_json"] or result["networks"])
        return result

    def cni(self, links):
        """The CNI configs in /etc/cni/net.d and k3s's directory, the pods' veths and the uplink
        beneath (module_utils/cni.py)."""
        configs = []
        for directory in cni.CNI_DIRS:
            if not self.exists(directory):
                continue
            for name in self.list_dir(directory):
                if name.endswith(cni.CONFIG_SUFFIXES):
                    try:
                        config = parsers.cni_config(name, self.read(directory + "/" + name))
                    except Unavailable as exc:
                        config = {"file": name, "error": str(exc)}
                    config["dir"] = directory
                    configs.append(config)
        return cni.summarize(configs, links, self.default_dev())

    def ipsec(self, links):
        """The kernel's IPsec (xfrm) states and policies and the path of each outbound ESP policy.

        Read as text (parsers.xfrm_states: `ip xfrm` has no JSON); reading them needs root.
        """
        states = parsers.xfrm_states(self.run("ip", ["xfrm", "state"]))
        policies = parsers.xfrm_policies(self.run("ip", ["xfrm", "policy"]))
        routes = dict((a, self.route(a)) for a in topology.ipsec_destinations(states))
        return topology.ipsec(states, policies, routes, links)

    def sysctl(self, links):
        result = {}
        for name in SYSCTLS:
            try:
                value = self.read("/proc/sys/" + name.replace(".", "/")).strip()
            except Unavailable:
                continue
            result[name] = int(value) if value.lstrip("-").isdigit() else value
            if not self.writable("/proc/sys/" + name.replace(".", "/")):
                result.setdefault("read_only", []).append(name)
        rp = {}
        for name in ["all", "default"] + sorted(links):
            try:
                rp[name] = int(self.read("/proc/sys/net/ipv4/conf/%s/rp_filter" % name))
            except (Unavailable, ValueError):
                continue
        result["rp_filter"] = rp
        return result

    def offloads(self, links):
        result = {}
        for name, link in sorted(links.items()):
            if link["kind"] in ("physical", "vxlan", "wireguard") and limits.valid_ifname(name):
                try:
                    result[name] = parsers.ethtool_features(self.run("ethtool", ["--json", "-k", name]))
                except (Unavailable, parsers.ParseError):
                    continue
        return result

    def firewall_outputs(self):
        outputs = {}
        for key, tool, args in (("ipv4", "iptables-save", []), ("ipv6", "ip6tables-save", []),
                                ("nft", "nft", ["-j", "list", "ruleset"])):
            try:
                outputs[key] = self.run(tool, args)
            except Unavailable:
                continue
        if not outputs:
            raise Unavailable("neither iptables-save nor nft could be read (not root, or not installed)")
        return outputs

    def icmp_filtering(self):
        outputs = self.firewall_outputs()
        rules = []
        for family in ("ipv4", "ipv6"):
            if family in outputs:
                rules += parsers.iptables_too_big_drops(outputs[family], family)
        if "nft" in outputs:
            rules += parsers.nft_too_big_drops(outputs["nft"])
        return {"drops_too_big": bool(rules), "rules": rules}

    def mss_clamp(self):
        outputs = self.firewall_outputs()
        return clamps.find_clamp_rules(outputs.get("ipv4", ""), outputs.get("ipv6", ""), outputs.get("nft", ""))

    def counters(self, links):
        interfaces = {}
        for name in sorted(links):
            stats = {}
            for counter in ("rx_dropped", "tx_dropped", "rx_errors", "tx_errors"):
                try:
                    stats[counter] = int(self.read("/sys/class/net/%s/statistics/%s" % (name, counter)))
                except (Unavailable, ValueError):
                    continue
            interfaces[name] = stats
        udp = parsers.proc_table(self.read("/proc/net/snmp"), "Udp")
        if self.exists("/proc/net/snmp6"):
            six = parsers.snmp6(self.read("/proc/net/snmp6"))
            for name in ("RcvbufErrors", "SndbufErrors", "InErrors"):
                udp[name] = (udp.get(name) or 0) + (six.get("Udp6" + name) or 0)
        kept = ("RcvbufErrors", "SndbufErrors", "InErrors", "InDatagrams")
        return {"interfaces": interfaces, "udp": dict((k, udp.get(k)) for k in kept)}

    def conntrack(self):
        if not self.exists("/proc/sys/net/netfilter/nf_conntrack_count"):
            raise Unavailable("connection tracking is not loaded (no /proc/sys/net/netfilter/nf_conntrack_count)")
        result = {"count": int(self.read("/proc/sys/net/netfilter/nf_conntrack_count")),
                  "max": int(self.read("/proc/sys/net/netfilter/nf_conntrack_max"))}
        result["per_cpu"] = parsers.conntrack_stat(self.read("/proc/net/stat/nf_conntrack")) \
            if self.exists("/proc/net/stat/nf_conntrack") else []
        return result

    def softirq(self):
        counts = parsers.softirqs(self.read("/proc/softirqs"))
        total = float(sum(counts)) or 1.0
        return {"net_rx": counts, "share": [round(c / total, 3) for c in counts]}

    def routes(self, targets, links=None):
        rules = []
        for family in ("-4", "-6"):
            try:
                rules += parsers.rules(self.run("ip", [family, "-j", "rule", "show"]))
            except Unavailable:
                continue
        found = dict((t, self.route_or_reason(t)) for t in targets)
        return {"targets": dict((t, route) for t, (route, _why) in found.items()),
                "no_route": dict((t, why) for t, (route, why) in found.items() if route is None),
                "rules": rules,
                "default": self.default_routes(links or {})}

    def default_routes(self, links):
        """{ipv4, ipv6}: each family's default route {interface, gateway, address}, or None. address is
        what this host sends from on it (the route's source, else its interface's address of that
        family, the one on the gateway's subnet first): the address the audit's other hosts probe it at."""
        found = {}
        for family, name in (("-4", "ipv4"), ("-6", "ipv6")):
            try:
                route = parsers.default_route(self.run("ip", [family, "-j", "route", "show", "default"]))
            except (Unavailable, parsers.ParseError):
                route = None
            if route and not route["address"]:
                route["address"] = topology.source_address(
                    (links.get(route["interface"]) or {}).get("addresses") or [], 4 if name == "ipv4" else 6,
                    route["gateway"])
            found[name] = route
        return found


def is_address(text):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text)
            return True
        except (OSError, ValueError, TypeError):
            continue
    return False


# What gather_subset [!all] gathers, as ansible's setup gathers only its "min" facts: the
# interfaces, which one `ip` call reads and on which the other parts build.
MINIMUM = ("interfaces",)


def select_parts(subset):
    """(the parts `subset` names, in PARTS order, None) or (None, the error naming the bad item).

    As ansible's gather_subset: "all" is every part; "!name" leaves a part out; "!all" leaves
    out everything but MINIMUM and the parts named; only exclusions start from every part.
    """
    wanted, excluded = set(), set()
    for item in subset:
        name = item[1:] if item.startswith("!") else item
        if name not in PARTS + ("all",):
            return None, "gather_subset: unknown part %r; known: all, %s" % (item, ", ".join(PARTS))
        (excluded if item.startswith("!") else wanted).add(name)
    if "all" in wanted or not (wanted or "all" in excluded):
        base = set(PARTS)
    else:
        base = wanted | (set(MINIMUM) if "all" in excluded else set())
    return [p for p in PARTS if p in base and p not in excluded], None


# Parts that need the interfaces (read once for all of them).
NEEDS_LINKS = ("interfaces", "chains", "docker", "sysctl", "offloads", "counters", "cni", "managers", "ipsec")


def gather(gatherer, parts, route_targets):
    """The netpath_mtu facts of `parts`; what cannot be read goes to `unavailable` with the reason."""
    facts = {"version": 1, "gathered": [], "unavailable": {}}
    links = {}
    # routes reads them too (the default routes' addresses), but can do without them.
    if set(parts) & set(NEEDS_LINKS + ("routes",)):
        try:
            links = gatherer.interfaces()
        except (Unavailable, ValueError) as exc:
            for part in NEEDS_LINKS:
                facts["unavailable"][part] = "interfaces: %s" % exc
    calls = {
        "interfaces": lambda: links,
        "chains": lambda: topology.chains(links),
        "flannel": gatherer.flannel,
        "docker": lambda: gatherer.docker(links),
        "sysctl": lambda: gatherer.sysctl(links),
        "offloads": lambda: gatherer.offloads(links),
        "qdisc": lambda: parsers.qdiscs(gatherer.run("tc", ["-s", "-j", "qdisc", "show"])),
        "mss_clamp": gatherer.mss_clamp,
        "icmp_filtering": gatherer.icmp_filtering,
        "wireguard": gatherer.wireguard,
        "counters": lambda: gatherer.counters(links),
        "conntrack": gatherer.conntrack,
        "softirq": gatherer.softirq,
        "routes": lambda: gatherer.routes(route_targets, links),
        "cni": lambda: gatherer.cni(links),
        "managers": lambda: gatherer.managers(links),
        "ipsec": lambda: gatherer.ipsec(links),
    }
    for part in parts:
        if part in facts["unavailable"]:
            continue
        try:
            facts[part] = calls[part]()
            facts["gathered"].append(part)
        except (Unavailable, ValueError) as exc:
            facts["unavailable"][part] = str(exc)
    # each interface says who configures it (DESIGN: interfaces.NAME.managed_by)
    for name, managed in (facts.get("managers") or {}).get("interfaces", {}).items():
        if name in (facts.get("interfaces") or {}):
            facts["interfaces"][name]["managed_by"] = managed
    return facts
