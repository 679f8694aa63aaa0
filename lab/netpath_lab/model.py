"""Load and validate the lab's declarative description (lab/topologies.yml).

Every error names the field that is wrong, as a dotted path, and what is allowed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_DESCRIPTION = Path(__file__).resolve().parent.parent / "topologies.yml"

# Linux IFNAMSIZ is 16 including the NUL; '/' and whitespace are never valid.
IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
HOSTNAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
SERVICES = ("http", "flannel_standin")
CHECK_KINDS = ("ping", "http_get", "http_post", "pod_mtu")
OUTCOMES = ("works", "completes", "stalls", "fails")


class LabError(Exception):
    """A bad description, or a bring-up that could not complete."""


@dataclass(frozen=True)
class LinkEnd:
    host: str
    ifname: str
    addresses: tuple[str, ...] = ()
    bridge: str | None = None


@dataclass(frozen=True)
class Link:
    mtu: int
    ends: tuple[LinkEnd, LinkEnd]


@dataclass(frozen=True)
class Check:
    name: str
    kind: str
    source: str
    as_built: object
    to: str | None = None
    url: str | None = None
    size: int | None = None
    pod: str | None = None
    fixed: object = None  # what it shows once netpath.mtu.remediate has run (None: as built)

    @property
    def expected_fixed(self) -> object:
        return self.as_built if self.fixed is None else self.fixed


@dataclass
class Host:
    name: str
    topology: str
    audit: bool = True
    bridges: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    sysctl: dict = field(default_factory=dict)
    firewall: list[dict] = field(default_factory=list)
    wireguard: list[dict] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    files: dict = field(default_factory=dict)
    flannel: dict | None = None

    def spec_digest(self, links: list[Link]) -> str:
        """A digest of everything the lab configures on this host, to tell a stale host."""
        mine = [link for link in links if any(end.host == self.name for end in link.ends)]
        blob = json.dumps([self.__dict__, [repr(link) for link in mine]], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Topology:
    name: str
    seed: str
    description: str
    hosts: dict[str, Host]
    links: list[Link]
    checks: list[Check]


@dataclass
class Lab:
    image_suite: str
    image_packages: tuple[str, ...]
    topologies: dict[str, Topology]

    def select(self, names: list[str]) -> list[Topology]:
        """The named topologies (all when names is empty), refusing unknown names."""
        if not names:
            return list(self.topologies.values())
        unknown = [n for n in names if n not in self.topologies]
        if unknown:
            raise LabError(
                f"unknown topology {', '.join(map(repr, unknown))}; known: {', '.join(sorted(self.topologies))}"
            )
        return [self.topologies[n] for n in names]

    def host(self, name: str) -> Host:
        for topo in self.topologies.values():
            if name in topo.hosts:
                return topo.hosts[name]
        raise LabError(f"unknown host {name!r}")


def _require(mapping, key, where, kind=None):
    if not isinstance(mapping, dict) or key not in mapping:
        raise LabError(f"{where}.{key}: missing (required)")
    value = mapping[key]
    if kind is not None and not isinstance(value, kind):
        raise LabError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _optional(mapping, key, where, kind, default):
    value = mapping.get(key, default)
    if not isinstance(value, kind):
        raise LabError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _kind_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({dict: "a mapping", list: "a list", str: "a string", int: "an integer",
                        bool: "true or false"}.get(k, k.__name__) for k in kinds)


def _check_keys(mapping, allowed, where):
    if not isinstance(mapping, dict):
        raise LabError(f"{where}: expected a mapping, got {mapping!r}")
    extra = sorted(set(mapping) - set(allowed))
    if extra:
        raise LabError(f"{where}.{extra[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")


def _check_mtu(value, where, low=68):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 65535:
        raise LabError(f"{where}: MTU {value!r} is not an integer in {low}..65535")
    return value


def _check_ifname(value, where):
    if not isinstance(value, str) or not IFNAME_RE.match(value):
        raise LabError(f"{where}: interface name {value!r} is not 1-15 characters of [A-Za-z0-9_.-]")
    return value


def _check_interfaces(values, where):
    if not isinstance(values, list):
        raise LabError(f"{where}: expected a list of addresses with prefix length, got {values!r}")
    for i, value in enumerate(values):
        try:
            ipaddress.ip_interface(value)
        except ValueError:
            raise LabError(f"{where}[{i}]: {value!r} is not an address with prefix length") from None
        if "/" not in str(value):
            raise LabError(f"{where}[{i}]: {value!r} needs a prefix length, e.g. 10.0.0.1/24")
    return tuple(values)


def _parse_host(name, raw, topo, where) -> Host:
    _check_keys(raw, {"audit", "bridges", "routes", "sysctl", "firewall", "wireguard", "services",
                      "files", "flannel"}, where)
    host = Host(name=name, topology=topo)
    host.audit = _optional(raw, "audit", where, bool, True)
    host.bridges = _optional(raw, "bridges", where, list, [])
    for i, bridge in enumerate(host.bridges):
        w = f"{where}.bridges[{i}]"
        _check_keys(bridge, {"name", "mtu", "addresses"}, w)
        _check_ifname(_require(bridge, "name", w), f"{w}.name")
        _check_mtu(_require(bridge, "mtu", w), f"{w}.mtu")
        _check_interfaces(bridge.get("addresses", []), f"{w}.addresses")
    host.routes = _optional(raw, "routes", where, list, [])
    for i, route in enumerate(host.routes):
        w = f"{where}.routes[{i}]"
        _check_keys(route, {"to", "via", "src"}, w)
        to = _require(route, "to", w, str)
        if to != "default":
            try:
                ipaddress.ip_network(to)
            except ValueError:
                raise LabError(f"{w}.to: {to!r} is not 'default' or a network") from None
        for key in ("via", "src"):
            if key == "src" and key not in route:
                continue
            try:
                ipaddress.ip_address(_require(route, key, w, str))
            except ValueError:
                raise LabError(f"{w}.{key}: {route[key]!r} is not an address") from None
    host.sysctl = _optional(raw, "sysctl", where, dict, {})
    for key in host.sysctl:
        if not re.match(r"^[a-z0-9_.]+$", str(key)):
            raise LabError(f"{where}.sysctl: key {key!r} is not a sysctl name")
    host.firewall = _optional(raw, "firewall", where, list, [])
    for i, rule in enumerate(host.firewall):
        w = f"{where}.firewall[{i}]"
        _check_keys(rule, {"family", "table", "chain", "rule", "why"}, w)
        if _require(rule, "family", w) not in ("ipv4", "ipv6"):
            raise LabError(f"{w}.family: {rule['family']!r}; allowed: ipv4, ipv6")
        if _require(rule, "table", w) not in ("filter", "nat", "mangle", "raw"):
            raise LabError(f"{w}.table: {rule['table']!r}; allowed: filter, nat, mangle, raw")
        _require(rule, "chain", w, str)
        _require(rule, "rule", w, str)
        _require(rule, "why", w, str)
    host.wireguard = _optional(raw, "wireguard", where, list, [])
    for i, wg in enumerate(host.wireguard):
        w = f"{where}.wireguard[{i}]"
        _check_keys(wg, {"name", "addresses", "listen_port", "mtu", "peers"}, w)
        _check_ifname(_require(wg, "name", w), f"{w}.name")
        _check_interfaces(_require(wg, "addresses", w), f"{w}.addresses")
        _check_mtu(_require(wg, "mtu", w), f"{w}.mtu")
        port = _require(wg, "listen_port", w)
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise LabError(f"{w}.listen_port: {port!r} is not a port number 1..65535")
        for j, peer in enumerate(_require(wg, "peers", w, list)):
            pw = f"{w}.peers[{j}]"
            _check_keys(peer, {"host", "endpoint", "allowed_ips", "keepalive"}, pw)
            _require(peer, "host", pw, str)
            _require(peer, "endpoint", pw, str)
            _require(peer, "allowed_ips", pw, list)
    host.services = _optional(raw, "services", where, list, [])
    for i, service in enumerate(host.services):
        if service not in SERVICES:
            raise LabError(f"{where}.services[{i}]: {service!r}; allowed: {', '.join(SERVICES)}")
    host.files = _optional(raw, "files", where, dict, {})
    for path in host.files:
        if not str(path).startswith("/"):
            raise LabError(f"{where}.files: {path!r} is not an absolute path")
    if "flannel" in raw:
        host.flannel = _optional(raw, "flannel", where, dict, {})
        _check_keys(host.flannel, {"service", "subnet", "vtep_mac", "pods", "recorded_pods", "peers"},
                    f"{where}.flannel")
        if host.flannel.get("service") not in ("k3s", "k3s-agent"):
            raise LabError(f"{where}.flannel.service: {host.flannel.get('service')!r}; allowed: k3s, k3s-agent")
        if "flannel_standin" not in host.services:
            raise LabError(f"{where}.flannel: needs 'flannel_standin' in {where}.services")
    return host


def _parse_link(raw, hosts, where) -> Link:
    _check_keys(raw, {"mtu", "ends"}, where)
    mtu = _check_mtu(_require(raw, "mtu", where), f"{where}.mtu")
    ends_raw = _require(raw, "ends", where, list)
    if len(ends_raw) != 2:
        raise LabError(f"{where}.ends: a link has exactly 2 ends, got {len(ends_raw)}")
    ends = []
    for i, end in enumerate(ends_raw):
        w = f"{where}.ends[{i}]"
        _check_keys(end, {"host", "ifname", "addresses", "bridge"}, w)
        host = _require(end, "host", w, str)
        if host not in hosts:
            raise LabError(f"{w}.host: {host!r} is not a host of this topology ({', '.join(hosts)})")
        bridge = end.get("bridge")
        if bridge is not None and bridge not in [b["name"] for b in hosts[host].bridges]:
            raise LabError(f"{w}.bridge: {bridge!r} is not a bridge declared on {host}")
        ends.append(LinkEnd(host=host, ifname=_check_ifname(_require(end, "ifname", w), f"{w}.ifname"),
                            addresses=_check_interfaces(end.get("addresses", []), f"{w}.addresses"),
                            bridge=bridge))
    if ends[0].host == ends[1].host:
        raise LabError(f"{where}.ends: both ends are on {ends[0].host}")
    return Link(mtu=mtu, ends=(ends[0], ends[1]))


def _parse_check(raw, hosts, where) -> Check:
    _check_keys(raw, {"name", "kind", "from", "to", "url", "size", "pod", "as_built", "fixed"}, where)
    kind = _require(raw, "kind", where)
    if kind not in CHECK_KINDS:
        raise LabError(f"{where}.kind: {kind!r}; allowed: {', '.join(CHECK_KINDS)}")
    source = _require(raw, "from", where, str)
    if source not in hosts:
        raise LabError(f"{where}.from: {source!r} is not a host of this topology")
    as_built = _require(raw, "as_built", where)
    fixed = raw.get("fixed")
    for name, value in (("as_built", as_built), ("fixed", fixed)):
        if value is None and name == "fixed":
            continue
        if kind == "pod_mtu":
            _check_mtu(value, f"{where}.{name}")
        elif value not in OUTCOMES:
            raise LabError(f"{where}.{name}: {value!r}; allowed: {', '.join(OUTCOMES)}")
    if kind == "pod_mtu":
        _require(raw, "pod", where, str)
    if kind in ("http_get", "http_post"):
        _require(raw, "url", where, str)
        _require(raw, "size", where, int)
    if kind == "ping":
        _require(raw, "to", where, str)
    return Check(name=_require(raw, "name", where, str), kind=kind, source=source, as_built=as_built,
                 to=raw.get("to"), url=raw.get("url"), size=raw.get("size"), pod=raw.get("pod"), fixed=fixed)


def parse(data) -> Lab:
    """Validate a loaded description and return the Lab it describes."""
    _check_keys(data, {"image", "topologies"}, "description")
    image = _require(data, "image", "description", dict)
    packages = _require(image, "packages", "image", list)
    if not packages or not all(isinstance(p, str) and re.match(r"^[a-z0-9][a-z0-9+.-]+$", p) for p in packages):
        raise LabError(f"image.packages: expected a list of Debian package names, got {packages!r}")
    topologies = {}
    seen_hosts: dict[str, str] = {}
    for tname, traw in _require(data, "topologies", "description", dict).items():
        where = f"topologies.{tname}"
        if not re.match(r"^[a-z0-9_]+$", str(tname)):
            raise LabError(f"{where}: topology name must be lowercase letters, digits and '_'")
        _check_keys(traw, {"seed", "description", "hosts", "links", "checks"}, where)
        hosts = {}
        for hname, hraw in _require(traw, "hosts", where, dict).items():
            if not HOSTNAME_RE.match(str(hname)):
                raise LabError(f"{where}.hosts.{hname}: a host name is lowercase letters, digits and '-'")
            if hname in seen_hosts:
                raise LabError(f"{where}.hosts.{hname}: already a host of topology {seen_hosts[hname]}")
            seen_hosts[hname] = tname
            hosts[hname] = _parse_host(hname, hraw or {}, tname, f"{where}.hosts.{hname}")
        links = [_parse_link(raw_link, hosts, f"{where}.links[{i}]")
                 for i, raw_link in enumerate(_optional(traw, "links", where, list, []))]
        for hname, host in hosts.items():
            for i, wg in enumerate(host.wireguard):
                for j, peer in enumerate(wg["peers"]):
                    if peer["host"] not in hosts:
                        raise LabError(f"{where}.hosts.{hname}.wireguard[{i}].peers[{j}].host: "
                                       f"{peer['host']!r} is not a host of this topology")
        checks = [_parse_check(c, hosts, f"{where}.checks[{i}]")
                  for i, c in enumerate(_optional(traw, "checks", where, list, []))]
        topologies[tname] = Topology(name=tname, seed=str(traw.get("seed", "")),
                                     description=str(traw.get("description", "")).strip(),
                                     hosts=hosts, links=links, checks=checks)
    return Lab(image_suite=str(image.get("suite", "bookworm")), image_packages=tuple(packages),
               topologies=topologies)


def load(path: Path | str = DEFAULT_DESCRIPTION) -> Lab:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise LabError(f"cannot read the lab description {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabError(f"{path}: not valid YAML: {exc}") from None
    return parse(data)
