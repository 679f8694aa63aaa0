# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One path-MTU measurement, from a destination to its result: resolve it, read its route, probe
it (pmtu.py's search over probe_socket.py's transport) and say why when it cannot be measured.

netpath.mtu.pmtu_probe measures one destination with it; netpath.mtu.mtu_facts measures the audit's
targets and WireGuard endpoints with it in the same run as the facts (one module run per host).
Commands run through ``run_ip(args) -> (rc, stdout, stderr)``, the module's run_command on ``ip``.
"""

import os
import socket
import time

from ansible_collections.netpath.mtu.plugins.module_utils import limits, parsers, pmtu
from ansible_collections.netpath.mtu.plugins.module_utils.probe_socket import RawProbeTransport, SendRefused, make_codec

FAMILIES = {"auto": 0, "ipv4": 4, "ipv6": 6}
SOCKET_FAMILY = {socket.AF_INET: 4, socket.AF_INET6: 6}

# pmtu_probe's options and their defaults: a measurement asked with fewer takes these.
DEFAULTS = {"family": "auto", "min_size": None, "max_size": None, "timeout": 2.0, "attempts": 3,
            "locate": False, "max_hops": 30, "protocol": "icmp", "port": None}


class ProbeFailed(Exception):
    """The path could not be measured; str() says why, ``details`` holds return values
    (probes_sent) that say how far it got."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.details = details


def params_error(params):
    """Why the probe's parameters cannot be used, else None."""
    for name, low, high in (("timeout", 0.01, 60), ("attempts", 1, 10), ("max_hops", 1, 64)):
        if not low <= params[name] <= high:
            return "%s=%s is outside %s..%s" % (name, params[name], low, high)
    return port_error(params["protocol"], params["port"])


def port_error(protocol, port):
    """Why `port` does not go with `protocol`, else None."""
    if protocol == "icmp" and port is not None:
        return "port=%d is given but protocol is icmp, which has no ports; use protocol: tcp or udp" % port
    if protocol != "icmp" and port is None:
        return "protocol=%s needs a port: the destination port to probe, 1..65535" % protocol
    if port is not None and not 1 <= port <= 65535:
        return "port=%d is outside 1..65535" % port
    return None


def resolve(dest, family):
    """(family, address) of dest; ProbeFailed when it does not resolve in that family."""
    wanted = {0: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}[family]
    try:
        infos = socket.getaddrinfo(dest, None, wanted, socket.SOCK_RAW)
    except socket.gaierror as exc:
        literal_family = _literal_family(dest)
        if literal_family and family and literal_family != family:
            raise ProbeFailed("dest %r is an IPv%d address but family is ipv%d"
                              % (dest, literal_family, family)) from None
        raise ProbeFailed("cannot resolve dest %r%s: %s"
                          % (dest, " as IPv%d" % family if family else "", exc.strerror)) from None
    except ValueError as exc:
        # The IDNA codec refuses the name before any lookup: an empty label (a..b, .example), a
        # label over 63 characters, or a NUL byte.
        raise ProbeFailed("dest %r is not a valid host name or address (%s); a name is labels of "
                          "1..63 characters separated by single dots" % (dest, exc.__cause__ or exc)) from None
    addr_family, _type, _proto, _name, sockaddr = infos[0]
    return SOCKET_FAMILY[addr_family], sockaddr[0]


def _literal_family(dest):
    for family, af in ((4, socket.AF_INET), (6, socket.AF_INET6)):
        try:
            socket.inet_pton(af, dest)
            return family
        except (OSError, ValueError):
            continue
    return None


def route_facts(run_ip, address):
    """The route's interface and MTU, and a path MTU the kernel has cached for the address."""

    def ip_json(args, what):
        rc, out, err = run_ip(["-j"] + args)
        if rc != 0:
            raise ProbeFailed("%s: %s" % (what, err.strip()))
        return out

    try:
        route = parsers.route_get(ip_json(["route", "get", "fibmatch", address], "no route to %s" % address))
        learned = parsers.route_get(ip_json(["route", "get", address], "no route to %s" % address))
        if learned["local"]:
            route = dict(route, dev=learned["dev"])  # packets to an own address go over lo
        link = ip_json(["link", "show", "dev", route["dev"]], "cannot read interface %s" % route["dev"])
        route["route_mtu"] = route["mtu"] or parsers.link_mtu(link)
    except parsers.ParseError as exc:
        raise ProbeFailed(str(exc)) from None
    route["cached_mtu"] = learned["mtu"] if learned["mtu"] != route["mtu"] else None
    return route


def dead_destination_message(params, address, exc):
    """What a path whose probes got no answer at all means, and what to try next."""
    head = "%s (%s) does not answer: %s. This is not a black hole: " % (params["dest"], address, exc)
    if params["protocol"] == "tcp":
        return head + ("the host is down or unreachable, or a firewall drops TCP to port %d without a reset. "
                       "Probe a port the host serves." % params["port"])
    if params["protocol"] == "udp":
        return head + ("nothing answered and no port unreachable came back: the service on port %d is silent "
                       "or a firewall drops the datagrams. Probe with protocol: tcp and a port the host serves."
                       % params["port"])
    return head + ("the host is down, unreachable, or drops ICMP echo. If it serves TCP, probe with "
                   "protocol: tcp and a port it serves (port: 22, 443, ...).")


def measure(params, run_ip):
    """Measure the path to params["dest"] (pmtu_probe's options, DEFAULTS for those left out):
    (result, warnings). ProbeFailed when it cannot be measured."""
    params = dict(DEFAULTS, **params)
    error = params_error(params)
    if error:
        raise ProbeFailed(error)
    family, address = resolve(params["dest"], FAMILIES[params["family"]])
    error = pmtu.validate_sizes(family, params["min_size"], params["max_size"])
    if error:
        raise ProbeFailed(error)
    if os.geteuid() != 0:
        raise ProbeFailed("pmtu_probe needs root for raw sockets (running as uid %d); use become: true" % os.geteuid())
    route = route_facts(run_ip, address)
    min_size = params["min_size"] or limits.MTU_LIMITS[family][0]
    max_size = params["max_size"] or min(route["route_mtu"], limits.MTU_LIMITS[family][1])
    error = pmtu.validate_sizes(family, min_size, max_size)
    if error:
        raise ProbeFailed("%s (max_size defaults to the route MTU, %d)" % (error, route["route_mtu"]))

    try:
        codec, keep = make_codec(family, address, params["protocol"], params["port"] or 0)
        transport = RawProbeTransport(family, address, codec, max_size,
                                      max(pmtu.ROUND_PROBES, params["attempts"], 2 * params["max_hops"]), keep=keep)
    except PermissionError as exc:
        raise ProbeFailed("cannot open a raw socket: %s; pmtu_probe needs root or CAP_NET_RAW" % exc) from None
    try:
        result = pmtu.probe_path(transport, family, min_size, max_size, params["attempts"], params["timeout"],
                                 time.monotonic, codec.what)
        if params["locate"] and result["pmtu"] < max_size:
            started = time.monotonic()
            result.update(pmtu.locate(transport, family, min_size, result["pmtu"] + 1, params["max_hops"],
                                      result["wait_ms"] / 1000.0))
            result["elapsed_ms"] = round(result["elapsed_ms"] + (time.monotonic() - started) * 1000, 1)
    except SendRefused as exc:
        raise ProbeFailed("%s: a firewall rule in this host's OUTPUT chain drops the probes; allow %s to %s to "
                          "measure the path" % (exc, codec.what, address), probes_sent=transport.sent) from None
    except pmtu.DeadDestination as exc:
        raise ProbeFailed(dead_destination_message(params, address, exc), probes_sent=transport.sent) from None
    finally:
        transport.close()
    warnings = []
    if params["protocol"] == "udp" and result["blackhole"]:
        warnings.append("Over UDP a black hole may be the destination's rate limit on port unreachables (Linux: one "
                        "a second after six): confirm pmtu=%d with protocol: tcp and a port the host serves."
                        % result["pmtu"])
    result.update(probes_sent=transport.sent, route_mtu=route["route_mtu"], address=address,
                  protocol=params["protocol"], port=params["port"], resets_sent=transport.answered,
                  family="ipv%d" % family, interface=route["dev"], cached_pmtu=route["cached_mtu"])
    return result, warnings


# What a pmtu_probe result holds (its RETURN) that a probe result keeps; Ansible's own keys are not.
PROBE_KEYS = (
    "pmtu", "route_mtu", "blackhole", "icmp_too_big", "icmp_too_big_from", "recommended_mss",
    "probes_sent", "rounds", "converged", "elapsed_ms", "rtt_ms", "wait_ms", "address", "family",
    "interface", "cached_pmtu", "bottleneck", "hops", "protocol", "port",
)


def measure_all(asked, run_ip):
    """Measure each of ``asked`` ({dest, kind, protocol, port, family, peer}, one after the other):
    (probe results in the report's shape, warnings); ``peer`` is kept in the result, as the
    probe_results filter keeps it from a loop over the audit's probe plan. A path that cannot be
    measured is a failed result, with why."""
    probes, warnings = [], []
    for target in asked:
        params = {key: target[key] for key in ("dest", "protocol", "port", "family") if target.get(key) is not None}
        probe = {"dest": target["dest"], "kind": target["kind"]}
        if target.get("peer"):
            probe["peer"] = target["peer"]
        try:
            result, said = measure(params, run_ip)
        except ProbeFailed as exc:
            probe.update((key, value) for key, value in exc.details.items() if key in PROBE_KEYS)
            probe.update(protocol=params.get("protocol", DEFAULTS["protocol"]), port=params.get("port"),
                         failed=True, msg=str(exc))
        else:
            probe.update((key, value) for key, value in result.items() if key in PROBE_KEYS)
            probe["failed"] = False
            warnings += ["%s: %s" % (target["dest"], warning) for warning in said]
        probes.append(probe)
    return probes, warnings
