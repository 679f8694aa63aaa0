# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shapes of the data the filters take in: facts, probe results, findings and the report.

One input boundary: every public filter checks what it is given against these schemas before
anything else runs, so bad input fails with the path of the bad field and what it should be
("facts.interfaces.eth0.kind: missing") instead of a KeyError or TypeError from deep inside.
The same schemas write docs/schema.md (`markdown()`; a unit test keeps the two equal).

A schema is a tree of small nodes (Int, Number, Str, Bool, Anything, List, Map, Dict, OneOf);
`check(value, schema, name)` walks a value against one and raises SchemaError. Dicts allow keys
they do not name (newer versions may add some); every key they name is typed.
"""

import math
import re
from collections.abc import Mapping

from ansible_collections.netpath.mtu.plugins.module_utils import gather, limits

# Largest value of the kernel's unsigned 32-bit MTU and 64-bit counters.
U32_MAX = 2 ** 32 - 1
U64_MAX = 2 ** 64 - 1
FACTS_VERSION = 1
# Most severe first, the order messages and docs list them in.
SEVERITIES = limits.SEVERITIES
FAMILIES = ("ipv4", "ipv6")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class SchemaError(ValueError):
    """A value does not fit its schema; str() is "<path>: <what is wrong>".

    `path` is a tuple (the name of the input, then each key or index), made into text only here:
    checking a whole report builds no strings.
    """

    def __init__(self, path, problem):
        self.path = format_path(path)
        self.problem = problem
        super().__init__("%s: %s" % (self.path, problem))


def describe(value):
    """A short repr of a bad value for a message, with its type unless the repr shows it ('x', True)."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, (str, bool)):
        return text
    return "%s (%s)" % (text, type(value).__name__)


def join_path(path, key):
    """A path with one more key or index (paths are tuples; format_path writes them)."""
    return path + (key,)


def format_path(path):
    if isinstance(path, str):
        return path
    text = str(path[0])
    for key in path[1:]:
        if isinstance(key, int) and not isinstance(key, bool):
            text += "[%d]" % key
        elif isinstance(key, str) and _PLAIN_KEY.match(key):
            text += "." + key
        else:
            text += "[%r]" % (key,)
    return text


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_list(value):
    return isinstance(value, (list, tuple))


# ---------------------------------------------------------------------------------------------
# Nodes


class Node:
    """A schema node; `doc` says what the value means, `nullable` whether null is allowed."""

    kind = "value"

    def __init__(self, doc="", nullable=False):
        self.doc = doc
        self.nullable = nullable

    def check(self, value, path, scope):
        if value is None:
            if not self.nullable:
                raise SchemaError(path, "null is not allowed; expected %s" % self.expected())
            return
        self.check_value(value, path, scope)

    def check_value(self, value, path, scope):
        raise NotImplementedError

    def takes(self, value):
        """Whether value is of this node's kind at all (OneOf picks the option by it)."""
        return True

    def type_text(self):
        return self.kind

    def expected(self):
        return self.type_text() + (" or null" if self.nullable else "")


class Anything(Node):
    kind = "any value"

    def __init__(self, doc=""):
        super().__init__(doc, nullable=True)

    def check_value(self, value, path, scope):
        return

    def expected(self):
        return self.kind


class _Instance(Node):
    """A value of one Python type, nothing more to check."""
    python_type = object

    def takes(self, value):
        return isinstance(value, self.python_type)

    def check_value(self, value, path, scope):
        if not self.takes(value):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))


class Bool(_Instance):
    kind = "true or false"
    python_type = bool


class Bytes(_Instance):
    kind = "bytes"
    python_type = bytes


class Int(Node):
    """An integer (never a boolean), within minimum..maximum, or one of `choices`."""

    def __init__(self, doc="", nullable=False, minimum=None, maximum=None, choices=None):
        super().__init__(doc, nullable)
        self.minimum, self.maximum, self.choices = minimum, maximum, choices

    def takes(self, value):
        return is_int(value)

    def type_text(self):
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.minimum is not None and self.maximum is not None:
            return "an integer %d..%d" % (self.minimum, self.maximum)
        if self.minimum is not None:
            return "an integer >= %d" % self.minimum
        return "an integer"

    def check_value(self, value, path, scope):
        if not is_int(value):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))
        if self.choices and value not in self.choices:
            raise SchemaError(path, "%d is not one of %s" % (value, ", ".join(str(c) for c in self.choices)))
        if self.minimum is not None and value < self.minimum:
            raise SchemaError(path, "%d is below %d (expected %s)" % (value, self.minimum, self.type_text()))
        if self.maximum is not None and value > self.maximum:
            raise SchemaError(path, "%d is above %d (expected %s)" % (value, self.maximum, self.type_text()))


class Number(Node):
    """A finite integer or float (never a boolean, NaN or infinity)."""

    def __init__(self, doc="", nullable=False, minimum=None):
        super().__init__(doc, nullable)
        self.minimum = minimum

    def type_text(self):
        return "a number" + (" >= %s" % self.minimum if self.minimum is not None else "")

    def check_value(self, value, path, scope):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))
        if self.minimum is not None and value < self.minimum:
            raise SchemaError(path, "%s is below %s" % (value, self.minimum))


class Str(Node):
    """A string; with `choices` one of them; with `ref` a key of that dict of the same facts."""

    def __init__(self, doc="", nullable=False, choices=None, ref=None, nonempty=False, pattern=None, what=None):
        super().__init__(doc, nullable)
        self.choices, self.ref, self.nonempty = choices, ref, nonempty
        # pattern: a regular expression the whole string matches; what: the words for it in messages
        self.pattern, self.what = (re.compile(pattern), what or "a string matching %s" % pattern) if pattern \
            else (None, None)

    def takes(self, value):
        return isinstance(value, str)

    def type_text(self):
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.pattern:
            return self.what
        if self.ref:
            return "a name in %s" % self.ref
        return "a non-empty string" if self.nonempty else "a string"

    def check_value(self, value, path, scope):
        if not isinstance(value, str):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))
        if self.nonempty and not value:
            raise SchemaError(path, "must not be empty")
        if self.choices and value not in self.choices:
            raise SchemaError(path, "%r is not one of %s" % (value, ", ".join(self.choices)))
        if self.pattern and not self.pattern.fullmatch(value):
            raise SchemaError(path, "%s is not %s" % (describe(value), self.what))
        if self.ref:
            names = scope.names(self.ref)
            if names is not None and value not in names:
                raise SchemaError(path, "%r is not an interface of %s" % (value, format_path(scope.path_of(self.ref))))


class OneOf(Node):
    def __init__(self, options, doc="", nullable=False):
        super().__init__(doc, nullable)
        self.options = options

    def type_text(self):
        return " or ".join(option.type_text() for option in self.options)

    def check_value(self, value, path, scope):
        # The option of the value's own kind (mapping, list, ...) says what is wrong inside it.
        fitting = [option for option in self.options if option.takes(value)]
        if len(fitting) == 1:
            fitting[0].check(value, path, scope)
            return
        for option in fitting:
            try:
                option.check(value, path, scope)
                return
            except SchemaError:
                continue
        raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))


class List(Node):
    def __init__(self, items, doc="", nullable=False):
        super().__init__(doc, nullable)
        self.items = items

    def type_text(self):
        return "a list"

    def takes(self, value):
        return is_list(value)

    def check_value(self, value, path, scope):
        if not is_list(value):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))
        for index, item in enumerate(value):
            self.items.check(item, join_path(path, index), scope)


class Map(Node):
    """A dict of names (strings) to values of one schema."""

    def __init__(self, values, doc="", nullable=False, key="name"):
        super().__init__(doc, nullable)
        self.values, self.key = values, key

    def type_text(self):
        return "a mapping"

    def takes(self, value):
        return isinstance(value, Mapping)

    def check_value(self, value, path, scope):
        if not isinstance(value, Mapping):
            raise SchemaError(path, "expected %s (%s -> value), got %s" % (self.expected(), self.key, describe(value)))
        for key in value:
            if not isinstance(key, str):
                raise SchemaError(path, "key %s is not a string" % describe(key))
            self.values.check(value[key], join_path(path, key), scope)


class Dict(Node):
    """A dict with named fields.

    fields: name -> node; required: names that must be there; needs: name -> names that must be
    there and not null whenever that field is set (not null and not false); cases: (field,
    {value: Dict}) further fields for items whose `field` has that value; scope: the facts'
    root, against which Str(ref=...) resolve. Keys not named are allowed and not read: a dict
    of Ansible's hostvars templates what is read.
    """

    kind = "a mapping"

    def takes(self, value):
        return isinstance(value, Mapping)

    def __init__(self, fields, doc="", nullable=False, required=(), needs=None, cases=None, scope=False):
        super().__init__(doc, nullable)
        self.fields, self.required = fields, tuple(required)
        self.needs, self.cases, self.scope = needs or {}, cases, scope

    def check_value(self, value, path, scope):
        if not isinstance(value, Mapping):
            raise SchemaError(path, "expected %s, got %s" % (self.expected(), describe(value)))
        if self.scope:
            scope = Scope(value, path)
        for name in self.required:
            if name not in value:
                raise SchemaError(join_path(path, name), "missing")
        for name, node in self.fields.items():
            if name in value:
                node.check(value[name], join_path(path, name), scope)
        for name, needed in self.needs.items():
            if value.get(name) is None or value.get(name) is False:
                continue
            for other in needed:
                if value.get(other) is None:
                    raise SchemaError(join_path(path, other), "%s (required when %s is set)" % (
                        "missing" if other not in value else "null is not allowed", name))
        if self.cases:
            field, cases = self.cases
            case = cases.get(value.get(field)) if isinstance(value.get(field), str) else None
            if case is not None:
                case.check_value(value, path, scope)


class Scope:
    """The facts a Str(ref=...) resolves against: ref "interfaces" -> the names in facts.interfaces."""

    def __init__(self, root, path):
        self.root, self.path = root, path

    def names(self, ref):
        target = self.root.get(ref) if isinstance(self.root, Mapping) else None
        return set(target) if isinstance(target, Mapping) else None

    def path_of(self, ref):
        return join_path(self.path, ref)


NO_SCOPE = Scope(None, ("",))


def check(value, shape, name, error=None, prefix=None):
    """`value` when it fits `shape`; else SchemaError, its message the path of the bad field and what
    was expected. `name`: what the input is called (or a path tuple). With `error` (a filter's
    AnsibleFilterError), that is raised instead, its message after `prefix` (the filter's name)."""
    try:
        shape.check(value, name if isinstance(name, tuple) else (name,), NO_SCOPE)
    except SchemaError as exc:
        if error is None:
            raise
        raise error("%s: %s" % (prefix, exc) if prefix else str(exc)) from None
    return value


# ---------------------------------------------------------------------------------------------
# ansible_facts.netpath_mtu (module_utils/gather.py)


def _mtu(doc, nullable=False):
    return Int(doc, nullable=nullable, minimum=0, maximum=U32_MAX)


def _count(doc="a kernel counter", nullable=True):
    return Int(doc, nullable=nullable, minimum=0, maximum=U64_MAX)


INTERFACE = Dict({
    "mtu": _mtu("the interface's MTU, bytes"),
    "kind": Str("physical, veth, bridge, vxlan, wireguard, tun, loopback, macvlan, ... (the kernel's kind; "
                "WireGuard's userspace and Tailscale devices are wireguard)", nonempty=True),
    "state": Str("operstate, lower case", nullable=True),
    "master": Str("the bridge it is enslaved to", nullable=True),
    "parent": Str("VXLAN/macvlan lower device, when the kernel names one", nullable=True),
    "addresses": List(Str(), "addresses with prefix length, link-local ones left out"),
    "min_mtu": _mtu("smallest MTU the driver takes", nullable=True),
    "max_mtu": _mtu("largest MTU the driver takes", nullable=True),
    "implementation": Str("WireGuard only: kernel, userspace or tailscale", nullable=True),
    "tun_type": Str("TUN/TAP only: tun or tap", nullable=True),
    "owner": Str("TUN/TAP only: the program holding it (tailscaled, wireguard-go, openvpn, zerotier-one or "
                 "other); null when /proc could not tell", nullable=True),
    "owner_pid": Int("TUN/TAP only: that process's id", nullable=True, minimum=1, maximum=U32_MAX),
    "underlay": Str("tunnels and bridges: the interface outer packets leave by", nullable=True, ref="interfaces"),
    "managed_by": Dict({
        "manager": Str(choices=("networkd", "networkmanager", "netplan", "ifupdown", "none")),
        "file": Str("where it is configured", nullable=True), "mtu": _mtu("the MTU configured there", nullable=True),
        "dhcp": Bool("IPv4 from DHCP"), "dhcp_sets_mtu": Bool("DHCP may set the MTU"),
        "running": Bool("the manager runs"),
    }, "managers part: who configures it", nullable=True),
    "members": List(Str(ref="interfaces"), "bridges and bonds only: the links enslaved to it"),
    "members_mtu": _mtu("bridges and bonds only: the smallest MTU of their members", nullable=True),
    "if_id": Int("xfrm interfaces only: the if_id of their states and policies", nullable=True, minimum=0,
                 maximum=U32_MAX),
    "underlay_mtu": _mtu("the underlay's MTU", nullable=True),
    "outer_family": Int("IP version of the outer header", nullable=True, choices=(4, 6)),
    "overhead": Int("bytes the encapsulation adds (module_utils/encap.py)", nullable=True, minimum=0,
                    maximum=65535),
    "max_inner_mtu": Int("underlay_mtu - overhead for tunnels (below 68 when nothing fits); bridges and bonds: "
                         "the smallest member's MTU", nullable=True,
                         minimum=-65535, maximum=U32_MAX),
    "vxlan": Dict({"id": Int(nullable=True), "port": Int(nullable=True), "local": Str(nullable=True),
                   "remote": Str(nullable=True)}, "VXLAN only: its id, UDP port and addresses"),
}, "what the kernel says of one interface, and what it rides on", required=("mtu", "kind"),
    needs={"underlay": ("overhead",), "max_inner_mtu": ("underlay", "underlay_mtu", "overhead")})

CHAIN_LAYER = Dict({
    "interface": Str("the interface", ref="interfaces"),
    "kind": Str("its kind"),
    "mtu": _mtu("its MTU"),
    "overhead": Int("bytes it adds (0 also where a TUN's owner adds bytes not known)", minimum=0, maximum=65535),
    "owner": Str("TUN/TAP only: the program holding it", nullable=True),
}, "one layer of a chain", required=("interface", "kind", "mtu", "overhead"))

DOCKER_NETWORK = Dict({
    "name": Str("the network's name", nonempty=True),
    "id": Str("its id", nullable=True),
    "driver": Str("bridge, overlay, host, ...", nullable=True),
    "scope": Str("local or swarm", nullable=True),
    "mtu": Int("its com.docker.network.driver.mtu option", nullable=True, minimum=0, maximum=65535),
    "internal": Bool(nullable=True), "attachable": Bool(nullable=True), "ingress": Bool(nullable=True),
    "ipv6": Bool(nullable=True), "config_only": Bool(nullable=True),
    "config_from": Str("the config-only network it was made from", nullable=True),
    "options": Map(Anything(), "the driver options", nullable=True, key="option"),
    "labels": Map(Anything(), "its labels", nullable=True, key="label"),
    "ipam": Dict({
        "driver": Str(nullable=True),
        "options": Map(Anything(), nullable=True, key="option"),
        "config": List(Dict({"subnet": Str(nullable=True), "gateway": Str(nullable=True),
                             "ip_range": Str(nullable=True),
                             "aux_addresses": Map(Str(), nullable=True)}), nullable=True),
    }, "address management", nullable=True),
    "containers": List(Str(), "containers attached on this host", nullable=True),
    "swarm_endpoints": List(Str(), "swarm's own endpoints on it", nullable=True),
    "bridge": Str("bridge networks: the Linux bridge", nullable=True),
    "link_mtu": _mtu("bridge networks: the bridge's MTU", nullable=True),
}, "one Docker network", required=("name",))

WIREGUARD_PEER = Dict({
    "endpoint": Str("host:port, [v6]:port, or null when not known", nullable=True),
    "allowed_ips": List(Str()),
    "latest_handshake": Int("Unix time, null when never", nullable=True),
    "handshake_age": Int("seconds since it", nullable=True),
    "persistent_keepalive": Int("seconds, null when off", nullable=True, minimum=0, maximum=65535),
    "rx_bytes": _count(), "tx_bytes": _count(),
}, "one peer", required=("endpoint",))

FIREWALL_RULE = {"backend": Str("iptables or nftables"), "family": Str(choices=FAMILIES), "table": Str(nullable=True),
                 "chain": Str(), "rule": Str("the rule (iptables-save) or its handle (nftables)")}

DOCKER = Dict({
    "present": Bool(), "daemon_json": Str("its path, when there is one", nullable=True),
    "daemon_mtu": Anything("daemon.json's mtu as written (dockerd wants a number)"),
    "daemon_json_error": Str("why daemon.json did not parse"),
    "uplink": Dict({"name": Str(nullable=True), "mtu": _mtu("", nullable=True)},
                   "the default route's interface", nullable=True),
    "bridges": Map(_mtu("its MTU"), "Docker's bridges -> MTU", key="bridge"),
    "networks": List(DOCKER_NETWORK, "with the daemon running: each network", nullable=True),
    "networks_unavailable": Str("why the networks were not read"),
}, "Docker's MTU settings")
DOCKER_NETWORKS = List(DOCKER_NETWORK, "Docker's networks", nullable=True)
INTERFACE_NAME = Str("an interface name", nullable=True)
SWARM_MANAGER = Bool("whether this host manages the swarm, null when not known", nullable=True)

SYSCTL_VALUE = OneOf([Int(), Str()], "an integer, or the text when it is not a number", nullable=True)

FACTS = Dict({
    "version": Int("version of this shape", choices=(FACTS_VERSION,)),
    "gathered": List(Str(choices=gather.PARTS), "the parts gathered"),
    "unavailable": Map(Str(), "part -> why it could not be read", key="part"),
    "interfaces": Map(INTERFACE, "interface name -> what it is", key="interface"),
    "chains": List(List(CHAIN_LAYER), "each stack of encapsulations, top layer first, down to a link with no "
                                      "underlay"),
    "flannel": Dict({
        "present": Bool(), "iface": Str("flannel-iface of the k3s config", nullable=True),
        "config": Str("the k3s config file", nullable=True),
        "subnet_env": Map(Str(), "/run/flannel/subnet.env", key="variable"),
        "mtu": Int("FLANNEL_MTU", nullable=True, minimum=0, maximum=U32_MAX),
        "service": Str("k3s or k3s-agent", nullable=True),
    }, "k3s' flannel"),
    "docker": DOCKER,
    "sysctl": Dict({
        "read_only": List(Str(), "sysctls readable but not writable here"),
        "rp_filter": Map(Int(minimum=0, maximum=2), "all, default and each interface -> rp_filter",
                         key="interface"),
        "net.ipv4.ip_forward": SYSCTL_VALUE, "net.core.rmem_max": SYSCTL_VALUE, "net.core.wmem_max": SYSCTL_VALUE,
    }, "the sysctls that matter, by name (net.ipv4.ip_forward, net.core.rmem_max, ...)"),
    "offloads": Map(Map(Bool(), key="offload"), "interface -> offload -> on", key="interface"),
    "qdisc": Map(Dict({"kind": Str(), "drops": _count(), "overlimits": _count(), "backlog": _count(),
                       "requeues": _count(), "qlen": _count()}), "interface -> its root qdisc", key="interface"),
    "mss_clamp": List(Dict({"backend": Str(), "family": Str(nullable=True), "table": Str(nullable=True),
                            "chain": Str(nullable=True), "mss": Int(nullable=True, minimum=0, maximum=65535),
                            "clamp_to_pmtu": Bool(nullable=True), "out_interface": Str(nullable=True),
                            "rule": Str(nullable=True)}), "each TCPMSS clamp rule"),
    "icmp_filtering": Dict({"drops_too_big": Bool(),
                            "rules": List(Dict(FIREWALL_RULE, required=("chain", "rule")),
                                          "rules that drop too-big messages")}, "ICMP too-big filtering"),
    "wireguard": Map(Dict({"listen_port": Int(nullable=True, minimum=0, maximum=65535),
                           "peers": List(WIREGUARD_PEER)}, required=("peers",)), "WireGuard interface -> peers",
                     key="interface"),
    "cni": Dict({
        "present": Bool("whether /etc/cni/net.d or k3s's /var/lib/rancher/k3s/agent/etc/cni/net.d holds a config"),
        "dir": Str("the directory of the config in use"),
        "configs": List(Dict({"file": Str(nonempty=True), "dir": Str("the directory it is in"),
                              "name": Str(nullable=True),
                              "plugins": List(Str(), "each plugin's type"),
                              "mtu": Int("the plugin's mtu", nullable=True, minimum=0, maximum=U32_MAX),
                              "error": Str("why it could not be read")}, required=("file",)),
                        "each config file"),
        "active": Str("the config in use (the first by name)", nullable=True),
        "plugin": Str("calico, canal, cilium, flannel, weave or other", nullable=True),
        "mtu": Int("the pods' MTU", nullable=True, minimum=0, maximum=U32_MAX),
        "mtu_source": Str("config or pod veths", nullable=True),
        "pod_veths": Map(_mtu("its MTU"), "host end of each pod's veth -> MTU", key="interface"),
        "encapsulation": Dict({"device": Str(), "kind": Str(), "family": Int(nullable=True, choices=(4, 6)),
                               "overhead": Int(minimum=0, maximum=65535)}, "the CNI's tunnel", nullable=True),
        "uplink": Str("the interface the pods' packets leave by", nullable=True, ref="interfaces"),
        "uplink_mtu": _mtu("its MTU", nullable=True),
        "max_mtu": Int("uplink_mtu less the encapsulation", nullable=True, minimum=-65535, maximum=U32_MAX),
    }, "Kubernetes CNI configs and pod veths"),
    "ipsec": Dict({
        "states": List(Dict({
            "src": Str(), "dst": Str(), "family": Int(choices=(4, 6)), "proto": Str("esp, ah or comp", nullable=True),
            "spi": Str(nullable=True), "reqid": Int(minimum=0, maximum=U32_MAX), "mode": Str(nullable=True),
            "algorithms": Map(Dict({"name": Str(), "icv_bits": Int(nullable=True, minimum=0, maximum=65535)}),
                              "aead, enc, auth or comp -> the algorithm (keys are never kept)", key="use"),
            "encap": Dict({"type": Str(nullable=True), "sport": Int(nullable=True), "dport": Int(nullable=True)},
                          "NAT-T's UDP encapsulation", nullable=True),
            "if_id": Int("the xfrm interface's if_id", nullable=True, minimum=0, maximum=U32_MAX)}),
            "each xfrm state (ip xfrm state)"),
        "policies": List(Dict({
            "src": Str(nullable=True), "dst": Str(nullable=True), "dir": Str(nullable=True),
            "priority": Int(nullable=True), "if_id": Int(nullable=True, minimum=0, maximum=U32_MAX),
            "templates": List(Dict({"src": Str(nullable=True), "dst": Str(nullable=True), "proto": Str(nullable=True),
                                    "reqid": Int(nullable=True), "mode": Str(nullable=True)}))}),
            "each xfrm policy (ip xfrm policy)"),
        "paths": List(Dict({
            "policy": Dict({"src": Str(nullable=True), "dst": Str(nullable=True)}, "the outbound policy's selector"),
            "interface": Str("route-based IPsec: the xfrm interface of the policy's if_id", nullable=True,
                             ref="interfaces"),
            "states": List(Dict({"spi": Str(nullable=True), "src": Str(), "dst": Str(), "mode": Str(nullable=True),
                                 "nat_t": Bool(), "family": Int(choices=(4, 6))}), "the ESP states, innermost first"),
            "underlay": Str("the interface the ESP packets leave by", nullable=True, ref="interfaces"),
            "underlay_mtu": _mtu("the route's MTU, else the interface's", nullable=True),
            "max_inner_mtu": Int("the largest inner packet that fits one outer packet", nullable=True, minimum=0,
                                 maximum=U32_MAX),
            "overhead": Int("underlay_mtu less max_inner_mtu", nullable=True, minimum=0, maximum=65535),
            "chain": List(Str(ref="interfaces"), "the underlay and the interfaces beneath it")}),
            "each outbound ESP policy's path"),
    }, "IPsec (xfrm) states, policies and the paths of outbound ESP"),
    "counters": Dict({
        "interfaces": Map(Map(_count(), key="counter"), "interface -> rx/tx dropped and errors",
                          key="interface"),
        "udp": Map(_count(), "UDP counters of /proc/net/snmp (IPv4 and IPv6 added)", key="counter"),
    }, "kernel counters"),
    "conntrack": Dict({"count": _count("entries in use", nullable=False), "max": _count("nf_conntrack_max"),
                       "per_cpu": List(Map(_count(), key="counter"), "per CPU counters")}, "connection tracking"),
    "softirq": Dict({"net_rx": List(_count(nullable=False), "NET_RX softirqs per CPU"),
                     "share": List(Number(), "each CPU's share")}, "NET_RX softirqs"),
    "routes": Dict({
        "targets": Map(Dict({"dev": Str(), "src": Str(nullable=True), "gateway": Str(nullable=True),
                             "mtu": _mtu("", nullable=True)}, nullable=True), "address -> its route",
                       key="address"),
        "rules": List(Dict({"priority": Int(nullable=True), "table": OneOf([Str(), Int()], nullable=True),
                            "selector": Map(Anything(), key="selector")}), "policy routing rules"),
        "default": Map(Dict({"interface": Str(), "gateway": Str(nullable=True),
                             "address": Str("what the host sends from on it; null when link-local or unknown",
                                            nullable=True)}, nullable=True),
                       "ipv4/ipv6 -> the default route (null: none)", key="family"),
    }, "routes and rules"),
}, "ansible_facts.netpath_mtu: each part is there only when gathered", scope=True)


# ---------------------------------------------------------------------------------------------
# pmtu_probe results (the probe_results filter's output, netpath_probes)


PROBE_FIELDS = {
    "dest": Anything("what was probed, as given to pmtu_probe"),
    "peer": Anything("mesh probes: the inventory host probed"),
    "kind": Str("what the path leads to: target, wireguard_endpoint, peer or gateway", nullable=True,
                choices=("target", "wireguard_endpoint", "peer", "gateway")),
    "pmtu": Int("largest packet that got through", nullable=True, minimum=0, maximum=U32_MAX),
    "route_mtu": Int("MTU of the route", nullable=True, minimum=0, maximum=U32_MAX),
    "blackhole": Bool("larger packets vanished without a too-big message", nullable=True),
    "icmp_too_big": Int("smallest MTU a too-big message reported", nullable=True, minimum=0, maximum=U32_MAX),
    "icmp_too_big_from": Str(nullable=True),
    "recommended_mss": Int(nullable=True, minimum=0, maximum=U32_MAX),
    "probes_sent": Int(nullable=True, minimum=0), "rounds": Int(nullable=True, minimum=0),
    "converged": Bool(nullable=True),
    "elapsed_ms": Number(nullable=True, minimum=0), "rtt_ms": Number(nullable=True, minimum=0),
    "wait_ms": Number(nullable=True, minimum=0),
    "address": Str("the address probed", nullable=True), "family": Str(nullable=True, choices=FAMILIES),
    "interface": Str("interface of the route", nullable=True),
    "cached_pmtu": Int(nullable=True, minimum=0, maximum=U32_MAX),
    "bottleneck": Dict({}, "with locate: where the path narrows", nullable=True),
    "hops": List(Dict({}), "with locate: each hop", nullable=True),
    "protocol": Str("what measured the path (absent: icmp)", nullable=True, choices=("icmp", "tcp", "udp")),
    "port": Int("destination port of tcp and udp probes", nullable=True, minimum=1, maximum=65535),
    "failed": Anything("the probe failed"),
    "msg": Anything("why it failed"),
}
PROBE = Dict(PROBE_FIELDS, "one pmtu_probe result", needs={"blackhole": ("pmtu",)})
PROBES = List(PROBE, "pmtu_probe results (netpath.mtu.probe_results)")
PROBES_OR_NONE = List(PROBE, PROBES.doc, nullable=True)
HOST = Str("the inventory host", nullable=True)

# A registered loop of pmtu_probe: Ansible's own keys are read loosely, the module's are typed.
REGISTERED_RESULT = Dict(dict(PROBE_FIELDS, **{
    "invocation": Dict({"module_args": Dict({}, nullable=True)}, nullable=True),
}), "one registered pmtu_probe result", needs={"blackhole": ("pmtu",)})
REGISTERED = OneOf([Dict({"results": List(REGISTERED_RESULT, nullable=True)}), List(REGISTERED_RESULT)],
                   "a registered pmtu_probe task, with or without a loop", nullable=True)


# ---------------------------------------------------------------------------------------------
# Findings (module_utils/findings.py) and the report (report.json)

# Ids whose findings always concern one interface.
INTERFACE_FINDINGS = ("mtu_exceeds_underlay", "flannel_over_tunnel", "double_encapsulation",
                      "docker_mtu_exceeds_uplink", "missing_mss_clamp", "mss_clamp_exceeds_path", "rp_filter_strict",
                      "fifo_qdisc", "wireguard_stale_handshake", "wireguard_no_keepalive")


def _finding_case(evidence=None):
    fields = {"interface": Str("the interface it concerns", nonempty=True)}
    if evidence:
        fields["evidence"] = Dict(evidence)
    return Dict(fields, required=("interface",))


FINDING_CASES = dict((fid, _finding_case()) for fid in INTERFACE_FINDINGS)
FINDING_CASES.update({
    "pmtu_blackhole": Dict({"evidence": Dict({"tunnel": Str("the WireGuard tunnel on that path", nullable=True),
                                              "pmtu": Int(nullable=True)})}),
    "icmp_too_big_blocked": Dict({"evidence": Dict({"families": List(Str(choices=FAMILIES)),
                                                    "chains": List(Str()), "rules": List(Str())})}),
    "udp_buffer_errors": Dict({"evidence": Dict({"read_only": List(Str())})}),
    "docker_mtu_exceeds_uplink": _finding_case({"uplink_mtu": _mtu("", nullable=True)}),
    "wireguard_no_keepalive": _finding_case({"mtu": Int(nullable=True)}),
    "mss_clamp_exceeds_path": _finding_case({"path_mss": Int(nullable=True, minimum=0),
                                             "traffic": List(Str(choices=("forwarded", "local"))),
                                             "family": Str(choices=FAMILIES)}),
})

FINDING = Dict({
    "id": Str("a finding id (docs/mtu_facts.md)", nonempty=True),
    "severity": Str(choices=SEVERITIES),
    "host": Str("the inventory host", nullable=True),
    "interface": Str("the interface it concerns, null when host-wide", nullable=True),
    "evidence": Map(Anything(), "the values that raised it", key="value"),
    "explanation": Str("one paragraph"),
    "fix": Dict({"actions": List(Dict({"role": Str("the role that applies it", nullable=True),
                                       "module": Str("the module that applies it", nullable=True),
                                       "vars": Map(Anything(), "its variables", nullable=True, key="variable")},
                                      "a role or a module, with its variables"), "what applies the fix"),
                 "manual": Str("what a human must do", nullable=True),
                 "command": Str("the command that applies it on this host: the remediate run limited to the "
                                "host and the finding id, or a module call; --check --diff, drop --check to "
                                "apply; null when only a human can", nullable=True),
                 "runbook": Str("the URL of its runbook (docs/runbook-*.md)", nullable=True)},
                "the fix (remediation.fix_for)", nullable=True),
}, "one finding", required=("id", "severity"), cases=("id", FINDING_CASES))
FINDINGS = List(FINDING, "a host's findings (netpath.mtu.findings)")

PATHS = Dict({
    "measured": List(Str(), "the paths measured (kind and address, e.g. gateway 10.0.0.1)"),
    "unanswered": List(Str(), "the paths probed without an answer"),
    "note": Str("why no path was measured; null when one was", nullable=True),
}, "the paths measured from the host", required=("measured", "unanswered", "note"))

HOST_ENTRY = Dict({
    "findings": FINDINGS,
    "facts": FACTS,
    "probes": PROBES,
    "paths": PATHS,
}, "one audited host: {} facts and no findings when its audit failed", required=("findings", "facts", "probes"))

SEVERITY_COUNTS = Map(Int(minimum=0), "severity -> number of findings", key="severity")

LOAD_ENTRY = Dict({
    "from": Str("the near host, which ran netpath.mtu.load_probe"),
    "to": Str("the far host, which ran the iperf3 server"),
    "dest": Str("the address tested"),
    "verdict": Str("mtu, cpu, routing, loss or none; null when the test failed", nullable=True),
    "error": Str("why the test failed", nullable=True),
    "runs": List(Dict({}, "a run: direction, streams, bits_per_second, counters, ..."), "the runs"),
}, "one pair's load test (netpath.mtu.diagnose)", required=("from", "to", "dest"))

REPORT = Dict({
    "hosts": Map(HOST_ENTRY, "inventory host -> its findings, facts and probes", key="host"),
    "summary": Dict({
        "generated": Str("when, UTC, YYYY-MM-DDTHH:MM:SSZ"),
        "hosts_audited": Int("hosts whose audit completed", minimum=0),
        "hosts_with_errors": List(Str(), "hosts whose audit did not complete"),
        "errors": Map(Str(), "host -> why its audit did not complete", key="host"),
        "findings": Int("number of findings", minimum=0),
        "by_severity": SEVERITY_COUNTS,
        "by_id": Map(Int(minimum=0), "finding id -> number", key="id"),
        "by_host": Map(SEVERITY_COUNTS, "host -> severity -> number", key="host"),
        "probes": Dict({"total": Int(minimum=0), "failed": Int(minimum=0), "blackholes": Int(minimum=0),
                        "measured": Int("probes that measured a path MTU", minimum=0)},
                       "probe counts", required=("total", "failed", "blackholes")),
        "hosts_without_measured_path": List(Str(), "audited hosts from which no path was measured"),
        "paths_note": Str("no path was measured (from which hosts) and how to give targets; null when every "
                          "audited host measured a path", nullable=True),
    }, "counts over all hosts", required=("generated", "hosts_audited", "hosts_with_errors", "errors",
                                          "by_severity", "by_host")),
    "load": List(LOAD_ENTRY, "the load tests of netpath.mtu.diagnose, when it ran"),
}, "report.json (netpath.mtu.report)", required=("hosts", "summary"))

# ---------------------------------------------------------------------------------------------
# Arguments of the filters that take text (k3s_config_set, cloud_init_user_data)

K3S_CONFIG_KEY = Str("a top-level setting of k3s' config", pattern=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
                     what="a k3s setting name (letters, digits, _ . -)")
K3S_CONFIG_VALUE = OneOf([Str(nonempty=True), Int()], "the setting's value: text or a number")
CLOUD_INIT_OPTION = OneOf([Str(), Int(), Bool()], "an option of cloud_init_user_data: text, a number or a boolean",
                          nullable=True)
USER_DATA = OneOf([Str(), Bytes()], "a user_data to join ours with: its text", nullable=True)
TEXT = Str(nullable=True)

GENERATED = Str("when the report was made, UTC (YYYY-MM-DDTHH:MM:SSZ); null: now", nullable=True)

# What the report filter reads of one host's hostvars (only these keys are read).
HOSTVARS_OF_HOST = Dict({
    "netpath_audit_error": Anything("why its audit did not complete"),
    "netpath_findings": List(FINDING, nullable=True),
    "ansible_facts": Dict({"netpath_mtu": Dict(FACTS.fields, nullable=True, scope=True)}, nullable=True),
    "netpath_probes": List(PROBE, nullable=True),
    "netpath_probe_note": Str("why the audit planned no probe of its own (netpath.mtu.probe_plan); empty or null: "
                              "it planned some", nullable=True),
})


# ---------------------------------------------------------------------------------------------
# docs/schema.md


def _doc_path(path, key):
    return format_path((path, key))


def _meaning(node):
    if id(node) in DOCUMENTED_APART:
        return "%s; see %s" % (node.doc, DOCUMENTED_APART[id(node)]) if node.doc else "see %s" % (
            DOCUMENTED_APART[id(node)])
    return node.doc


def _rows(node, path, rows, top=True):
    """(path, type, required, meaning) of every field under node; a shape documented apart is not opened."""
    if not top and id(node) in DOCUMENTED_APART:
        return
    if isinstance(node, Dict):
        for name, child in node.fields.items():
            child_path = _doc_path(path, name)
            rows.append((child_path, child.expected(), "yes" if name in node.required else "", _meaning(child)))
            _rows(child, child_path, rows, False)
        for name, needed in node.needs.items():
            rows.append((_doc_path(path, name), "", "", "when set (not null, not false), %s must be set too"
                         % ", ".join(needed)))
        if node.cases:
            field, cases = node.cases
            by_row = {}
            for value, case in sorted(cases.items()):
                case_rows = []
                _rows(case, path, case_rows, False)
                for row in case_rows:
                    by_row.setdefault(row, []).append(value)
            for (row_path, kind, required, meaning), values in by_row.items():
                when = "when %s is %s" % (field, ", ".join("`%s`" % v for v in values))
                rows.append((row_path, kind, required, "%s: %s" % (when, meaning) if meaning else when))
    elif isinstance(node, List):
        rows.append((path + "[]", node.items.expected(), "", _meaning(node.items)))
        _rows(node.items, path + "[]", rows, False)
    elif isinstance(node, Map):
        child_path = "%s.<%s>" % (path, node.key)
        rows.append((child_path, node.values.expected(), "", _meaning(node.values)))
        _rows(node.values, child_path, rows, False)


# Shapes that appear inside others, documented once in their own section.
DOCUMENTED_APART = {id(FACTS): "[ansible_facts.netpath_mtu](#ansible_factsnetpath_mtu)",
                    id(PROBES): "[Probe results](#probe-results)", id(FINDINGS): "[Findings](#findings)"}


def table(node, name):
    rows = []
    _rows(node, name, rows)
    lines = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for row in rows:
        lines.append("| `%s` | %s | %s | %s |" % tuple(cell.replace("|", "\\|") for cell in row))
    return "\n".join(lines)


def markdown():
    """docs/schema.md: the shapes above as tables (tests/unit checks the file is this)."""
    return "\n".join([
        "# The shapes of the facts, probes, findings and report",
        "",
        "<!-- Generated from plugins/module_utils/schema.py (markdown()); do not edit: change the schema and",
        "run NETPATH_WRITE_DOCS=1 pytest tests/unit/plugins/module_utils/test_schema.py, which also checks",
        "that this file is what the schema says. -->",
        "",
        "Every filter of netpath.mtu checks what it is given against these shapes first. A value that does",
        "not fit fails the filter with the path of the field and what was expected, for example",
        "`facts.interfaces.eth0.kind: missing` or",
        "`findings[3].severity: 'fatal' is not one of error, warning, info`.",
        "Keys not listed are allowed and ignored; a part of the facts is there only when it was gathered.",
        "`<name>` stands for each key of a mapping, `[]` for each item of a list.",
        "",
        "## ansible_facts.netpath_mtu",
        "",
        "Set by `netpath.mtu.mtu_facts` ([mtu_facts.md](mtu_facts.md)); read by `findings`,",
        "`wireguard_endpoints` and the report filters.",
        "",
        table(FACTS, "facts"),
        "",
        "## Probe results",
        "",
        "`netpath.mtu.probe_results` makes them from registered `pmtu_probe` results",
        "([pmtu_probe.md](pmtu_probe.md)); `findings` takes them as `probes`.",
        "",
        table(PROBES, "probes"),
        "",
        "## Findings",
        "",
        "`netpath.mtu.findings` makes them; `remediation_plan` and the report take them.",
        "",
        table(FINDINGS, "findings"),
        "",
        "## report.json",
        "",
        "`netpath.mtu.report` makes it ([audit.md](audit.md)); `report_markdown`, `report_html`,",
        "`report_metrics` and `report_gate` take it.",
        "",
        table(REPORT, "report"),
        "",
    ])
