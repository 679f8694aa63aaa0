# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsers of the system tools' machine-readable output (iproute2's JSON), as plain functions.

Every module that reads a tool's output imports it from here, so each format is parsed once.
"""

import json
import re
import shlex

from ansible_collections.netpath.mtu.plugins.module_utils.limits import IPTABLES_NFT_TABLES


class ParseError(ValueError):
    pass


def _json(text, what):
    try:
        return json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise ParseError("%s: not JSON (%s)" % (what, exc)) from None


def route_get(text):
    """`ip -j route get [fibmatch] ADDR` -> {dev, src, gateway, mtu, local}.

    With fibmatch the answer is the routing table's entry, whose mtu is one set on the route (None
    when it has none: the device's applies). Without it, the answer includes what the kernel
    learned from too-big messages (a route exception), so its mtu may be a cached path MTU; IPv4
    marks such an answer with "cache", IPv6 does not, hence the two look-ups.
    """
    routes = _json(text, "ip route get")
    if not routes or not isinstance(routes, list) or "dev" not in routes[0]:
        raise ParseError("ip route get: no route in %r" % text[:200])
    route = routes[0]
    metrics = {}
    for entry in route.get("metrics") or []:
        if isinstance(entry, dict):
            metrics.update(entry)
    return {
        "dev": route["dev"],
        "src": route.get("prefsrc"),
        "gateway": route.get("gateway"),
        "mtu": metrics.get("mtu"),
        # An address of this host: fibmatch names the link that holds the address, the plain
        # look-up the device the packets take, the loopback.
        "local": route.get("type") == "local",
    }


def link_mtu(text):
    """`ip -j link show dev NAME` -> the link's MTU."""
    links = _json(text, "ip link show")
    if not links or "mtu" not in links[0]:
        raise ParseError("ip link show: no link in %r" % text[:200])
    return int(links[0]["mtu"])


# Kernel tunnel kinds whose ends `ip -d -j` shows as info_data local/remote (geneve: remote or remote6).
IP_TUNNEL_KINDS = ("geneve", "gre", "gretap", "ip6gre", "ip6gretap", "ipip", "sit", "ip6tnl")


def links(text):
    """`ip -d -j addr show` -> name -> {mtu, kind, state, master, parent, addresses, min_mtu, max_mtu, vxlan}.

    kind is the kernel's link kind (veth, bridge, vxlan, wireguard, tun, macvlan, ...), `loopback`,
    or `physical` for a device with no kind (a NIC). wireguard-go and Tailscale devices show as
    `tun` here; topology.annotate tells them apart.
    """
    result = {}
    for link in _json(text, "ip addr show"):
        info = link.get("linkinfo") or {}
        kind = info.get("info_kind") or ("loopback" if link.get("link_type") == "loopback" else "physical")
        data = info.get("info_data") or {}
        entry = {
            "mtu": link.get("mtu"),
            "kind": kind,
            "state": str(link.get("operstate", "unknown")).lower(),
            "master": link.get("master"),
            "parent": link.get("link") if kind in ("macvlan", "ipvlan", "vlan", "xfrm") else data.get("link"),
            "addresses": ["%s/%s" % (a["local"], a["prefixlen"]) for a in link.get("addr_info", [])
                          if a.get("family") in ("inet", "inet6") and a.get("scope") != "link"],
            "min_mtu": link.get("min_mtu"),
            "max_mtu": link.get("max_mtu"),
        }
        if kind == "tun":
            entry["tun_type"] = data.get("type")  # tun or tap
        if kind == "xfrm":
            # a route-based IPsec interface: the xfrm states and policies with this if_id carry its packets
            entry["if_id"] = _xfrm_if_id(["if_id", str(data.get("if_id"))])
        if kind in IP_TUNNEL_KINDS:
            # "any" is the kernel's word for no address
            entry["endpoints"] = dict((end, data.get(end) if data.get(end) not in (None, "any") else
                                       data.get(end + "6")) for end in ("local", "remote"))
        if kind == "vxlan":
            entry["vxlan"] = {"id": data.get("id"), "port": data.get("port"), "local": data.get("local") or
                              data.get("local6"), "remote": data.get("group") or data.get("group6")
                              or data.get("remote") or data.get("remote6")}
        result[link["ifname"]] = entry
    return result


def tun_fdinfo(text):
    """/proc/PID/fdinfo/FD of a /dev/net/tun descriptor -> the device it is attached to ([] or [name]).

    The tun driver adds a line "iff:<TAB>NAME" once the descriptor is bound (TUNSETIFF).
    """
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("iff:") and line.split(":", 1)[1].strip()]


def cni_config(name, text):
    """A CNI config file (.conflist, or .conf/.json with one plugin) -> {file, name, plugins, mtu}.

    plugins: each plugin's type, in order; mtu: the first plugin's "mtu" that is a whole number
    above 0 (Calico and Canal write one; flannel, Cilium and Weave do not). A file that is not such JSON
    -> {file, error}.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {"file": name, "error": "not JSON: %s" % exc}
    if not isinstance(data, dict):
        return {"file": name, "error": "not a JSON object"}
    plugins = data.get("plugins") if isinstance(data.get("plugins"), list) else [data]
    plugins = [p for p in plugins if isinstance(p, dict)]
    mtu = None
    for plugin in plugins:
        value = plugin.get("mtu")
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            mtu = value  # Calico and Canal write 0 to mean "detect it": no MTU is set here
            break
    return {"file": name, "name": data.get("name"), "plugins": [str(p.get("type")) for p in plugins], "mtu": mtu}


def default_route_dev(text):
    """`ip -j route show default` -> the device of the first default route, or None."""
    routes = _json(text, "ip route show default")
    for route in routes:
        if route.get("dev"):
            return route["dev"]
        for hop in route.get("nexthops") or []:
            if hop.get("dev"):
                return hop["dev"]
    return None


def default_route(text):
    """`ip -j -4|-6 route show default` -> {interface, gateway, address} of the first default route,
    or None. address is the route's own source (prefsrc), None when it sets none."""
    for route in _json(text, "ip route show default"):
        hops = [route] + [hop for hop in route.get("nexthops") or [] if isinstance(hop, dict)]
        for hop in hops:
            if hop.get("dev"):
                return {"interface": hop["dev"], "gateway": hop.get("gateway") or route.get("gateway"),
                        "address": route.get("prefsrc")}
    return None


def rules(text):
    """`ip -j rule show` -> [{priority, table, selector}] (selector: what else the rule matches)."""
    result = []
    for rule in _json(text, "ip rule show"):
        selector = dict((k, v) for k, v in rule.items() if k not in ("priority", "table", "src", "flags"))
        if rule.get("src") and rule.get("src") != "all":
            selector["from"] = rule["src"] if "srclen" not in rule else "%s/%s" % (rule["src"], rule["srclen"])
        selector.pop("srclen", None)
        result.append({"priority": rule.get("priority"), "table": rule.get("table"), "selector": selector})
    return result


def qdiscs(text):
    """`tc -s -j qdisc show` -> device -> its root qdisc {kind, drops, overlimits, backlog, requeues, qlen}."""
    result = {}
    for qdisc in _json(text, "tc qdisc show"):
        if qdisc.get("root") and qdisc.get("dev"):
            result[qdisc["dev"]] = dict((k, qdisc.get(k, 0)) for k in
                                        ("kind", "drops", "overlimits", "backlog", "requeues", "qlen"))
    return result


def wireguard_dump(text, now):
    """`wg show all dump` -> interface -> {listen_port, peers: [...]}, never a key.

    Interface lines have 5 tab-separated fields (name, private key, public key, port, fwmark),
    peer lines 9 (name, public key, preshared key, endpoint, allowed ips, latest handshake,
    rx, tx, keepalive). `now` (epoch seconds) gives each handshake's age.
    """
    result = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 5:
            result.setdefault(fields[0], {"peers": []})["listen_port"] = _int(fields[3])
        elif len(fields) == 9:
            handshake = _int(fields[5]) or 0
            result.setdefault(fields[0], {"listen_port": None, "peers": []})["peers"].append({
                "endpoint": None if fields[3] == "(none)" else fields[3],
                "allowed_ips": [] if fields[4] == "(none)" else fields[4].split(","),
                "latest_handshake": handshake,
                "handshake_age": int(now - handshake) if handshake else None,
                "persistent_keepalive": None if fields[8] == "off" else _int(fields[8]),
                "rx_bytes": _int(fields[6]),
                "tx_bytes": _int(fields[7]),
            })
        elif line.strip():
            raise ParseError("wg show all dump: unexpected line with %d fields" % len(fields))
    return result


OFFLOADS = {"tcp-segmentation-offload": "tso", "generic-segmentation-offload": "gso",
            "generic-receive-offload": "gro", "large-receive-offload": "lro",
            "rx-checksumming": "rx_checksum", "tx-checksumming": "tx_checksum",
            "rx-udp-gro-forwarding": "udp_gro_forwarding"}


def ethtool_features(text):
    """`ethtool --json -k DEV` -> {tso, gso, gro, lro, rx_checksum, tx_checksum, ...} (active, bool)."""
    data = _json(text, "ethtool -k")
    entry = data[0] if isinstance(data, list) and data else {}
    return dict((short, bool(entry[name].get("active"))) for name, short in OFFLOADS.items()
                if isinstance(entry.get(name), dict))


def proc_table(text, prefix):
    """Lines `Prefix: names...` / `Prefix: values...` of /proc/net/snmp -> {name: int}."""
    rows = [line.split()[1:] for line in text.splitlines() if line.startswith(prefix + ":")]
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], (_int(v) for v in rows[1])))


def snmp6(text):
    """/proc/net/snmp6, or a cgroup's cpu.stat ("Name value" lines) -> {name: int}."""
    result = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            result[parts[0]] = _int(parts[1])
    return result


def softirqs(text, name="NET_RX"):
    """/proc/softirqs -> the per-CPU counts of one softirq."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == name + ":":
            return [_int(v) for v in parts[1:]]
    return []


CONNTRACK_COUNTERS = ("drop", "insert_failed", "early_drop", "invalid", "search_restart")


def conntrack_stat(text):
    """/proc/net/stat/nf_conntrack (hexadecimal, a line per CPU) -> [{cpu, drop, insert_failed, ...}]."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    names = lines[0]
    return [dict([("cpu", cpu)] + [(k, int(v, 16)) for k, v in zip(names, row) if k in CONNTRACK_COUNTERS])
            for cpu, row in enumerate(lines[1:])]


def docker_daemon_json(text):
    """/etc/docker/daemon.json -> its settings (a dict); an empty file is {}, as dockerd takes it.

    ParseError says what is wrong: a syntax error with its line and column, a key given twice in
    one object (dockerd would take one of them silently, and a rewrite would lose the other), or
    a top level that is not an object.
    """
    if not text.strip():
        return {}

    def no_repeats(pairs):
        settings = {}
        for key, value in pairs:
            if key in settings:
                raise ParseError("the key %s appears twice in one object" % json.dumps(key))
            settings[key] = value
        return settings

    try:
        settings = json.loads(text, object_pairs_hook=no_repeats)
    except ParseError:
        raise
    except ValueError as exc:
        raise ParseError("not JSON: %s" % exc) from None
    if not isinstance(settings, dict):
        raise ParseError("not a JSON object ({...}) but a JSON %s" % type(settings).__name__)
    return settings


# Endpoints Docker makes for itself on a network (swarm's routing mesh and load balancers), as
# the keys of `docker network inspect`'s Containers: they are not containers.
_DOCKER_OWN_ENDPOINT = re.compile(r"^(ingress-sbox|lb-.+)$")


def docker_networks(text):
    """`docker network inspect ID...` -> [{name, id, driver, scope, mtu, options, labels, ...}].

    mtu is the network's com.docker.network.driver.mtu option as a number, None when it has none.
    containers names the containers attached on this host; swarm_endpoints the endpoints Docker
    keeps for itself (ingress-sbox, lb-NETWORK).
    """
    result = []
    for net in _json(text, "docker network inspect"):
        options = dict(net.get("Options") or {})
        ipam = net.get("IPAM") or {}
        endpoints = net.get("Containers") or {}
        result.append({
            "name": net.get("Name"),
            "id": net.get("Id"),
            "driver": net.get("Driver"),
            "scope": net.get("Scope"),
            "mtu": _int(options.get("com.docker.network.driver.mtu")),
            "internal": bool(net.get("Internal")),
            "attachable": bool(net.get("Attachable")),
            "ingress": bool(net.get("Ingress")),
            "ipv6": bool(net.get("EnableIPv6")),
            "config_only": bool(net.get("ConfigOnly")),
            "config_from": (net.get("ConfigFrom") or {}).get("Network") or None,
            "options": options,
            "labels": dict(net.get("Labels") or {}),
            "ipam": {
                "driver": ipam.get("Driver") or "default",
                "options": dict(ipam.get("Options") or {}),
                "config": [{"subnet": c.get("Subnet"), "gateway": c.get("Gateway"), "ip_range": c.get("IPRange"),
                            "aux_addresses": dict(c.get("AuxiliaryAddresses") or {})}
                           for c in ipam.get("Config") or []],
            },
            "containers": sorted(ep.get("Name") or key for key, ep in endpoints.items()
                                 if not _DOCKER_OWN_ENDPOINT.match(key)),
            "swarm_endpoints": sorted(key for key in endpoints if _DOCKER_OWN_ENDPOINT.match(key)),
        })
    return result


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ICMP types whose loss breaks path MTU discovery, as iptables-save writes them (or as users do).
_TOO_BIG_V4 = ("3/4", "fragmentation-needed", "3", "destination-unreachable")
_TOO_BIG_V6 = ("2", "packet-too-big")


def iptables_too_big_drops(text, family):
    """`iptables-save` / `ip6tables-save` -> the rules that drop too-big messages.

    A rule counts when it drops or rejects ICMP (IPv6: ICMPv6) of every type, of every
    destination-unreachable type, or of fragmentation-needed (IPv6: packet-too-big), unless an
    earlier rule of its chain accepts those messages whatever their source, destination or
    interface (as the mss_clamp role's mss_clamp_allow_icmp_too_big inserts).
    """
    protocols = ("icmp", "1") if family == "ipv4" else ("ipv6-icmp", "icmpv6", "58")
    types = _TOO_BIG_V4 if family == "ipv4" else _TOO_BIG_V6
    type_flag = "--icmp-type" if family == "ipv4" else "--icmpv6-type"
    found, accepted = [], set()
    for table, _chain, line in iptables_save_rules(text):
        words = line.split()
        if table == "nat" or _option(words, "-p") not in protocols:
            continue
        icmp_type = _option(words, type_flag)
        if icmp_type is not None and icmp_type not in types:
            continue
        if _option(words, "-j") == "ACCEPT" and _unconditional(line):
            accepted.add((table, words[1]))
        elif _option(words, "-j") in ("DROP", "REJECT") and (table, words[1]) not in accepted:
            found.append({"backend": "iptables", "family": family, "table": table, "chain": words[1],
                          "rule": line.strip()})
    return found


def _unconditional(line):
    """An iptables-save rule that matches nothing but its ICMP type (a comment aside)."""
    try:
        words = shlex.split(line)
    except ValueError:
        return False
    allowed = {"-A", "-p", "-m", "--icmp-type", "--icmpv6-type", "--comment", "-j"}
    flags = [w for w in words if w.startswith("-")]
    modules = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "-m"]
    return set(flags) <= allowed and set(modules) <= {"icmp", "icmp6", "comment"}


def iptables_save_rules(text):
    """`iptables-save` / `ip6tables-save` output -> (table, chain, line) of each rule, in order."""
    table = None
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith("-A ") and table and len(line.split()) > 1:
            yield table, line.split()[1], line


def nft_items(text, what="nft -j list ruleset"):
    """`nft -j list ruleset` output -> its items (one key each: table, chain, rule, ...); [] for none."""
    if not text or not text.strip():
        return []
    data = _json(text, what)
    if not isinstance(data, dict) or not isinstance(data.get("nftables"), list):
        raise ParseError("%s: no 'nftables' list in the JSON" % what)
    return [item for item in data["nftables"] if isinstance(item, dict)]


def nft_too_big_drops(text):
    """`nft -j list ruleset` -> native nftables rules that drop too-big messages (same test as above).

    Rules in the tables iptables-nft manages (ip/ip6 filter, mangle, ...) are left to
    iptables_too_big_drops, which reads them in iptables' own terms.
    """
    found = []
    for item in nft_items(text):
        rule = item.get("rule")
        family = rule.get("family") if rule else None
        if not rule or (family in ("ip", "ip6") and rule.get("table") in IPTABLES_NFT_TABLES[family]):
            continue
        exprs = rule.get("expr") or []
        verdict = any(isinstance(e, dict) and ("drop" in e or "reject" in e) for e in exprs)
        if not verdict:
            continue
        for family, protocol, types in (("ipv4", "icmp", ("destination-unreachable", 3)),
                                        ("ipv6", "icmpv6", ("packet-too-big", 2))):
            matched = _nft_icmp_match(exprs, protocol)
            if matched is True or (matched and matched & set(types)):
                found.append({"backend": "nftables", "family": family, "table": rule.get("table"),
                              "chain": rule.get("chain"), "rule": "handle %s" % rule.get("handle")})
    return found


def _nft_icmp_match(exprs, protocol):
    """True if the rule matches all of `protocol`, the set of types it matches, or None."""
    protocol_match, types = False, None
    for expr in exprs:
        match = expr.get("match") if isinstance(expr, dict) else None
        if not match:
            continue
        left, right = match.get("left") or {}, match.get("right")
        payload = left.get("payload") if isinstance(left, dict) else None
        meta = left.get("meta") if isinstance(left, dict) else None
        if payload and payload.get("protocol") == protocol and payload.get("field") == "type":
            values = right.get("set") if isinstance(right, dict) else right
            types = set(values if isinstance(values, list) else [values])
        elif meta and meta.get("key") == "l4proto" and right in (protocol, "ipv6-icmp", 1, 58):
            protocol_match = right in ((protocol, 1) if protocol == "icmp" else ("icmpv6", "ipv6-icmp", 58))
    if types is not None:
        return types
    return True if protocol_match else None


def _option(words, flag):
    """The value after `flag` in an iptables rule, None when absent or negated."""
    for index, word in enumerate(words[:-1]):
        if word == flag and (index == 0 or words[index - 1] != "!"):
            return words[index + 1]
    return None


def env_file(text):
    """KEY=VALUE lines, as in flannel's /run/flannel/subnet.env."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def k3s_config_value(text, key):
    """A top-level scalar of k3s's config.yaml read without a YAML library (targets may lack one).

    k3s documents its config as flat `key: value` lines; a value in quotes or followed by a
    comment is read as YAML would. None when the key is absent or empty.
    """
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name == key:
            value = value.split(" #", 1)[0].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return value or None
    return None


# The fields of a `cpu` line of /proc/stat, in the kernel's order (jiffies since boot).
CPU_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def cpu_times(text):
    """/proc/stat -> [{user, nice, system, idle, iowait, irq, softirq, steal}] per CPU (cpu0, cpu1, ...)."""
    result = []
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].startswith("cpu") and parts[0][3:].isdigit():
            values = [_int(v) or 0 for v in parts[1:1 + len(CPU_FIELDS)]]
            result.append(dict(zip(CPU_FIELDS, values + [0] * (len(CPU_FIELDS) - len(values)))))
    return result


LINK_COUNTERS = ("dropped", "errors")


def link_stats(text):
    """`ip -s -j link show` -> name -> {rx_dropped, rx_errors, tx_dropped, tx_errors}."""
    result = {}
    for link in _json(text, "ip -s link show"):
        stats = link.get("stats64") or link.get("stats") or {}
        result[link.get("ifname")] = dict(("%s_%s" % (way, name), _int((stats.get(way) or {}).get(name)) or 0)
                                          for way in ("rx", "tx") for name in LINK_COUNTERS)
    return result


def iperf3(text):
    """`iperf3 -c ... -J` -> {bits_per_second (received), sent_bits_per_second, retransmits, mss, pmtu, error}.

    The receiver's rate is the one that counts (what arrived); mss is the socket's MSS when the test
    connected and pmtu the largest path MTU the kernel's TCP_INFO gave iperf3 during the test (the
    sending side only: None when the far end sent, with -R).
    """
    data = _json(text, "iperf3 -J")
    if not isinstance(data, dict):
        raise ParseError("iperf3 -J: not an object")
    end = data.get("end") or {}
    sent, received = end.get("sum_sent") or {}, end.get("sum_received") or {}
    pmtus = [stream.get("pmtu") for interval in data.get("intervals") or []
             for stream in interval.get("streams") or [] if isinstance(stream.get("pmtu"), int)]
    return {
        "bits_per_second": int(received.get("bits_per_second") or 0),
        "sent_bits_per_second": int(sent.get("bits_per_second") or 0),
        "retransmits": sent.get("retransmits"),
        "seconds": round(float(received.get("seconds") or sent.get("seconds") or 0), 2),
        "mss": (data.get("start") or {}).get("tcp_mss_default"),
        "pmtu": max(pmtus) if pmtus else None,
        "error": data.get("error"),
    }


# `ip xfrm` prints text only (iproute2 6.1 has no JSON for xfrm: `ip -j xfrm state` prints the same
# text), in a layout unchanged since iproute2 2.6: a line per state or policy, then indented lines.
XFRM_ALGORITHMS = ("aead", "enc", "auth", "auth-trunc", "comp")


def _xfrm_blocks(text):
    block = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[:1].isspace() and block:
            yield block
            block = []
        block.append(line.split())
    if block:
        yield block


def _xfrm_if_id(words):
    try:
        return int(words[1], 0)  # ip prints it in hex
    except (IndexError, ValueError):
        return None


def _pairs(words, keys):
    return dict((words[i], words[i + 1]) for i in range(len(words) - 1) if words[i] in keys)


def xfrm_states(text):
    """`ip xfrm state` -> [{src, dst, family, proto, spi, reqid, mode, algorithms, encap, if_id}].

    algorithms: {aead|enc|auth|comp: {name, icv_bits}} (icv_bits from aead and auth-trunc lines, else
    None); encap: {type, sport, dport} for NAT-T, else None. Keys are never kept (each algorithm
    line's key is skipped): these facts go into reports.
    """
    states = []
    for block in _xfrm_blocks(text):
        head = _pairs(block[0], ("src", "dst"))
        if "src" not in head or "dst" not in head:
            raise ParseError("ip xfrm state: a state starts %r" % " ".join(block[0])[:200])
        state = {"src": head["src"], "dst": head["dst"], "family": 6 if ":" in head["dst"] else 4, "proto": None,
                 "spi": None, "reqid": 0, "mode": None, "algorithms": {}, "encap": None, "if_id": None}
        for words in block[1:]:
            if words[0] == "proto":
                fields = _pairs(words, ("proto", "spi", "reqid", "mode"))
                state.update(proto=fields.get("proto"), spi=fields.get("spi"), mode=fields.get("mode"),
                             reqid=_int(fields.get("reqid")) or 0)
            elif words[0] in XFRM_ALGORITHMS and len(words) >= 2:
                kind = "auth" if words[0] == "auth-trunc" else words[0]
                bits = _int(words[3]) if words[0] in ("aead", "auth-trunc") and len(words) > 3 else None
                if bits is not None or kind not in state["algorithms"]:
                    state["algorithms"][kind] = {"name": words[1], "icv_bits": bits}
            elif words[0] == "encap":
                fields = _pairs(words, ("type", "sport", "dport"))
                state["encap"] = {"type": fields.get("type"), "sport": _int(fields.get("sport")),
                                  "dport": _int(fields.get("dport"))}
            elif words[0] == "if_id":
                state["if_id"] = _xfrm_if_id(words)
        states.append(state)
    return states


def xfrm_policies(text):
    """`ip xfrm policy` -> [{src, dst, dir, priority, if_id, templates: [{src, dst, proto, reqid, mode}]}].

    dir is in, out or fwd (a socket's policy: socket-in, socket-out); a template's src and dst are
    None where the policy leaves them to the state (transport mode: 0.0.0.0 or ::).
    """
    policies = []
    for block in _xfrm_blocks(text):
        head = _pairs(block[0], ("src", "dst"))
        policy = {"src": head.get("src"), "dst": head.get("dst"), "dir": None, "priority": None, "if_id": None,
                  "templates": []}
        for words in block[1:]:
            if words[0] in ("dir", "socket") and len(words) > 1:
                policy["dir"] = words[1] if words[0] == "dir" else "socket-" + words[1]
                policy["priority"] = _int(_pairs(words, ("priority",)).get("priority"))
            elif words[0] == "tmpl":
                ends = _pairs(words, ("src", "dst"))
                policy["templates"].append(dict(
                    (end, None if ends.get(end) in (None, "0.0.0.0", "::") else ends[end]) for end in ("src", "dst")))
            elif words[0] == "proto" and policy["templates"]:
                fields = _pairs(words, ("proto", "reqid", "mode"))
                policy["templates"][-1].update(proto=fields.get("proto"), reqid=_int(fields.get("reqid")) or 0,
                                               mode=fields.get("mode"))
            elif words[0] == "if_id":
                policy["if_id"] = _xfrm_if_id(words)
        policies.append(policy)
    return policies
