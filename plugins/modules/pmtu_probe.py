#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: pmtu_probe
short_description: Measure the exact path MTU to a destination, also through a black hole
version_added: 0.1.0
description:
  - Sends probes of many sizes at once with the Don't Fragment bit set, matches the answers to the
    sizes, and narrows the range between the largest size answered and the smallest size lost
    until it is one byte wide, usually in two rounds after a first small probe.
  - The probes are ICMP echo requests, or, where echo is filtered (cloud security groups, hardened
    hosts), TCP SYNs or UDP datagrams to a port, see O(protocol). Every protocol uses the same
    search, waits, confirmations, too-big handling and O(locate).
  - Works where ICMP "fragmentation needed" (ICMPv6 "packet too big") is filtered, a path-MTU
    black hole, where C(tracepath) reports the local MTU. A size counts as lost only when it was
    lost O(attempts) times (as RFC 8899 does) or a router said it was too big, and an answer is
    proof that a size fits, so a lossy path still gives the exact value.
  - Uses C(IP_PMTUDISC_PROBE) / C(IPV6_PMTUDISC_PROBE), so the kernel's cached path MTU does not
    cap the probes; a too-big message that arrives is still learned by the kernel, as in normal
    path MTU discovery.
  - Waiting times come from the round-trip time measured on the first probes, never more than
    O(timeout). An answer that comes after its round still proves its size fits and makes the later
    rounds wait longer, and before sizes count as lost without a too-big message the probe waits one
    round more for such answers, so a busy host is not taken for a black hole.
  - A destination that answers no probe at all fails the task with a message that says so, since
    that is not a black hole.
  - A destination on this host (the loopback, an own address) gives the route's MTU (65535 at most,
    the largest IP packet) like any other path; the socket buffers are sized to hold a whole round
    of the largest probes and their answers, so none is dropped on the way in and taken for lost.
  - Needs root (raw sockets) and uses only Python's standard library and C(ip) from iproute2.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(ip) from iproute2 on the target.
  - Root or C(CAP_NET_RAW), for raw sockets.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
  - netpath.mtu.attributes.read_only
attributes:
  check_mode:
    details: A probe changes nothing, so check mode does the same work and returns the same values.
options:
  dest:
    description: Address or host name to probe. A name is resolved on the target.
    type: str
    required: true
  family:
    description:
      - IP version to probe with. V(auto) takes the family of the address O(dest) resolves to
        first.
      - With V(ipv4) or V(ipv6), a literal address of the other family is an error.
    type: str
    choices: [auto, ipv4, ipv6]
    default: auto
  min_size:
    description:
      - Smallest IP packet size to probe, in bytes; the first probe, which checks that O(dest)
        answers at all, has this size.
      - Defaults to 68 for IPv4 and 1280 for IPv6, the smallest MTU each family allows.
      - Allowed range 68..65535 (IPv4), 1280..65535 (IPv6).
    type: int
  max_size:
    description:
      - Largest IP packet size to probe, in bytes. Defaults to the MTU of the route to O(dest)
        (the route's own MTU, or its interface's).
      - A size larger than the local interface's MTU cannot leave the host and counts as too big.
    type: int
  timeout:
    description:
      - Seconds to wait for the first answer. Later rounds wait four round-trip times (at least
        50 ms), never more than this.
    type: float
    default: 2.0
  attempts:
    description:
      - How many times a size must be lost before it counts as too big (RFC 8899 uses 3).
        Also the number of first probes.
    type: int
    default: 3
  locate:
    description:
      - Also find where the path narrows, by hop limit (TTL), as scamper does, that is which hop
        the first too-large packet last reached. Costs one more round.
      - Routers that do not answer with "time exceeded" show as hops without an address.
    type: bool
    default: false
  max_hops:
    description: Largest hop limit that O(locate) tries.
    type: int
    default: 30
  protocol:
    description:
      - What the probes are.
      - V(icmp), ICMP echo requests; the destination must answer echo.
      - V(tcp), TCP SYNs to O(port) that carry the probe's size as payload. A SYN-ACK (open port) or
        a reset (closed port) proves that the size arrived, so any port the destination's firewall
        lets through measures the path, open or closed. Each SYN-ACK is answered with a reset (this
        host's kernel also sends one), so no half-open connection stays on the destination.
      - V(udp), UDP datagrams to O(port). An ICMP port unreachable from the destination (a closed
        port), or a reply that echoes the probe, proves arrival. A service that answers nothing
        cannot be measured over UDP, and the task fails saying so.
      - Most hosts rate-limit port unreachables (Linux sends one a second after a burst of six,
        C(net.ipv4.icmp_ratelimit), and 1000 ICMP messages a second in all), and a missing answer
        looks like a lost probe, so over UDP a closed port of such a host gives too low a path MTU
        flagged as a black hole; the module then warns. V(tcp) has no such limit, so prefer it.
      - ICMP too-big and time-exceeded messages about TCP and UDP probes count as for echo.
    type: str
    choices: [icmp, tcp, udp]
    default: icmp
    version_added: 0.2.0
  port:
    description:
      - Destination port of V(tcp) and V(udp) probes, 1..65535. Required with them, not allowed
        with V(icmp).
    type: int
    version_added: 0.2.0
notes:
  - "What to set where, from the measured RV(pmtu) (the path MTU of the underlay between two
    tunnel endpoints): WireGuard interface MTU = pmtu - 60 (IPv4 outer) or pmtu - 80 (IPv6
    outer); VXLAN = pmtu - 50 (IPv4) or pmtu - 70 (IPv6); TCP MSS clamp = pmtu - 40 (IPv4) or
    pmtu - 60 (IPv6), which is RV(recommended_mss), measured across the path the TCP traffic
    takes."
  - Sizes are IP packet sizes, headers included. C(ping -s) takes the ICMP payload, 28 bytes
    less on IPv4 and 48 bytes less on IPv6.
seealso:
  - name: RFC 8899, Packetization Layer Path MTU Discovery
    description: Why a size counts as lost only after several attempts.
    link: https://www.rfc-editor.org/rfc/rfc8899
  - name: RFC 4821, Packetization Layer Path MTU Discovery (black holes)
    description: Path MTU discovery without ICMP.
    link: https://www.rfc-editor.org/rfc/rfc4821
"""

EXAMPLES = r"""
- name: Measure the path MTU to the far end of a tunnel's underlay
  netpath.mtu.pmtu_probe:
    dest: 203.0.113.7
  register: underlay

- name: Fail when the path silently drops large packets
  ansible.builtin.assert:
    that: not underlay.blackhole
    fail_msg: >-
      Black hole to 203.0.113.7: packets above {{ underlay.pmtu }} bytes vanish without a
      too-big message. Set the tunnel MTU to {{ underlay.pmtu - 60 }} and clamp the MSS to
      {{ underlay.recommended_mss }}.

- name: Probe over IPv6, and find the hop where the path narrows
  netpath.mtu.pmtu_probe:
    dest: gateway.example.net
    family: ipv6
    locate: true
  register: v6

- name: Measure a path where the destination drops ICMP echo but serves HTTPS
  netpath.mtu.pmtu_probe:
    dest: 198.51.100.20
    protocol: tcp
    port: 443

- name: Show where the path narrows
  ansible.builtin.debug:
    msg: "The too-large packet last reached hop {{ v6.bottleneck.hop }} ({{ v6.bottleneck.address }})"
"""

RETURN = r"""
pmtu:
  description: Largest IP packet (headers included) that reaches O(dest) with DF set, exact to the byte.
  returned: success
  type: int
  sample: 1400
route_mtu:
  description: MTU of the route to O(dest) on this host (the route's own MTU, else its interface's).
  returned: success
  type: int
  sample: 1500
blackhole:
  description:
    - True when sizes above RV(pmtu) vanished without a too-big message that explains them (none
      came, or the MTU it reported is larger than RV(pmtu)). Such a path breaks normal path MTU
      discovery; TCP stalls on it once segments grow.
  returned: success
  type: bool
  sample: true
icmp_too_big:
  description: Smallest MTU a router reported in a too-big message during the probe, or null when none came.
  returned: success
  type: int
  sample: null
icmp_too_big_from:
  description: Address of the router that sent RV(icmp_too_big), or null.
  returned: success
  type: str
  sample: null
recommended_mss:
  description: TCP MSS that fits the path, RV(pmtu) - 40 on IPv4, RV(pmtu) - 60 on IPv6.
  returned: success
  type: int
  sample: 1360
probes_sent:
  description: Number of probe packets sent, the first small probes included.
  returned: success
  type: int
  sample: 95
rounds:
  description: Rounds of probes after the first small probes.
  returned: success
  type: int
  sample: 2
converged:
  description:
    - False only when loss kept the search from settling within its bound of rounds; RV(pmtu) is
      then a lower bound.
  returned: success
  type: bool
  sample: true
elapsed_ms:
  description: Time the probe took, in milliseconds.
  returned: success
  type: float
  sample: 104.2
rtt_ms:
  description: Smallest round-trip time of the first probes, in milliseconds.
  returned: success
  type: float
  sample: 0.213
wait_ms:
  description: How long each round waited for answers, derived from the round-trip time.
  returned: success
  type: float
  sample: 50.0
address:
  description: The address probed (O(dest) resolved).
  returned: success
  type: str
  sample: 10.2.0.2
family:
  description: IP version probed.
  returned: success
  type: str
  sample: ipv4
interface:
  description: Interface of the route to O(dest).
  returned: success
  type: str
  sample: eth0
protocol:
  description: What measured the path, O(protocol).
  returned: success
  type: str
  sample: tcp
  version_added: 0.2.0
port:
  description: Destination port of TCP and UDP probes, null for ICMP.
  returned: success
  type: int
  sample: 443
  version_added: 0.2.0
resets_sent:
  description: Resets this module sent for the SYN-ACKs its TCP probes caused (0 for ICMP and UDP).
  returned: success
  type: int
  sample: 92
  version_added: 0.2.0
cached_pmtu:
  description: Path MTU the kernel had cached for O(dest) before the probe (learned from a too-big message), or null.
  returned: success
  type: int
  sample: null
bottleneck:
  description:
    - With O(locate), where the path narrows. RV(bottleneck.hop) is the last hop (counted in
      TTL) that a packet of RV(pmtu) + 1 bytes reached, 0 when it did not even reach the first
      hop; the link from RV(bottleneck.address) to RV(bottleneck.next_address) is too narrow.
  returned: when O(locate) is true and RV(pmtu) < RV(route_mtu)
  type: dict
  contains:
    hop:
      description: Hop number of the last device the too-large packet reached.
      type: int
    address:
      description: Its address (null for hop 0, this host, or a silent router).
      type: str
    next_hop:
      description: The hop after it.
      type: int
    next_address:
      description: Address of the next hop, as small probes saw it.
      type: str
  sample: {hop: 1, address: 10.1.0.1, next_hop: 2, next_address: 10.2.0.2}
hops:
  description: With O(locate), each hop up to O(dest) as the probes saw it.
  returned: when O(locate) is true and RV(pmtu) < RV(route_mtu)
  type: list
  elements: dict
  sample: [{hop: 1, address: 10.1.0.1, large_arrived: true, destination: false}]
"""

import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import limits, parsers, pmtu
from ansible_collections.netpath.mtu.plugins.module_utils.probe_socket import RawProbeTransport, SendRefused, make_codec

FAMILIES = {"auto": 0, "ipv4": 4, "ipv6": 6}
SOCKET_FAMILY = {socket.AF_INET: 4, socket.AF_INET6: 6}


def resolve(module, dest, family):
    wanted = {0: socket.AF_UNSPEC, 4: socket.AF_INET, 6: socket.AF_INET6}[family]
    try:
        infos = socket.getaddrinfo(dest, None, wanted, socket.SOCK_RAW)
    except socket.gaierror as exc:
        literal_family = _literal_family(dest)
        if literal_family and family and literal_family != family:
            module.fail_json(msg="dest %r is an IPv%d address but family is ipv%d" % (dest, literal_family, family))
        module.fail_json(msg="cannot resolve dest %r%s: %s" % (
            dest, " as IPv%d" % family if family else "", exc.strerror))
    except ValueError as exc:
        # The IDNA codec refuses the name before any lookup: an empty label (a..b, .example), a
        # label over 63 characters, or a NUL byte.
        module.fail_json(msg="dest %r is not a valid host name or address (%s); a name is labels of "
                         "1..63 characters separated by single dots" % (dest, exc.__cause__ or exc))
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


def route_facts(module, address):
    """The route's interface and MTU, and a path MTU the kernel has cached for the address."""
    ip = module.get_bin_path("ip", required=True)

    def ip_json(args, what):
        rc, out, err = module.run_command([ip, "-j"] + args)
        if rc != 0:
            module.fail_json(msg="%s: %s" % (what, err.strip()))
        return out

    try:
        route = parsers.route_get(ip_json(["route", "get", "fibmatch", address], "no route to %s" % address))
        learned = parsers.route_get(ip_json(["route", "get", address], "no route to %s" % address))
        if learned["local"]:
            route = dict(route, dev=learned["dev"])  # packets to an own address go over lo
        link = ip_json(["link", "show", "dev", route["dev"]], "cannot read interface %s" % route["dev"])
        route["route_mtu"] = route["mtu"] or parsers.link_mtu(link)
    except parsers.ParseError as exc:
        module.fail_json(msg=str(exc))
    route["cached_mtu"] = learned["mtu"] if learned["mtu"] != route["mtu"] else None
    return route


def port_error(protocol, port):
    """Why `port` does not go with `protocol`, else None."""
    if protocol == "icmp" and port is not None:
        return "port=%d is given but protocol is icmp, which has no ports; use protocol: tcp or udp" % port
    if protocol != "icmp" and port is None:
        return "protocol=%s needs a port: the destination port to probe, 1..65535" % protocol
    if port is not None and not 1 <= port <= 65535:
        return "port=%d is outside 1..65535" % port
    return None


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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="str", required=True),
            family=dict(type="str", default="auto", choices=list(FAMILIES)),
            min_size=dict(type="int"),
            max_size=dict(type="int"),
            timeout=dict(type="float", default=2.0),
            attempts=dict(type="int", default=3),
            locate=dict(type="bool", default=False),
            max_hops=dict(type="int", default=30),
            protocol=dict(type="str", default="icmp", choices=["icmp", "tcp", "udp"]),
            port=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for name, low, high in (("timeout", 0.01, 60), ("attempts", 1, 10), ("max_hops", 1, 64)):
        if not low <= params[name] <= high:
            module.fail_json(msg="%s=%s is outside %s..%s" % (name, params[name], low, high))
    error = port_error(params["protocol"], params["port"])
    if error:
        module.fail_json(msg=error)
    family, address = resolve(module, params["dest"], FAMILIES[params["family"]])
    error = pmtu.validate_sizes(family, params["min_size"], params["max_size"])
    if error:
        module.fail_json(msg=error)
    if os.geteuid() != 0:
        module.fail_json(msg="pmtu_probe needs root for raw sockets (running as uid %d); use become: true"
                         % os.geteuid())
    route = route_facts(module, address)
    min_size = params["min_size"] or limits.MTU_LIMITS[family][0]
    max_size = params["max_size"] or min(route["route_mtu"], limits.MTU_LIMITS[family][1])
    error = pmtu.validate_sizes(family, min_size, max_size)
    if error:
        module.fail_json(msg="%s (max_size defaults to the route MTU, %d)" % (error, route["route_mtu"]))

    try:
        codec, keep = make_codec(family, address, params["protocol"], params["port"] or 0)
        transport = RawProbeTransport(family, address, codec, max_size,
                                      max(pmtu.ROUND_PROBES, params["attempts"], 2 * params["max_hops"]), keep=keep)
    except PermissionError as exc:
        module.fail_json(msg="cannot open a raw socket: %s; pmtu_probe needs root or CAP_NET_RAW" % exc)
    try:
        result = pmtu.probe_path(transport, family, min_size, max_size, params["attempts"], params["timeout"],
                                 time.monotonic, codec.what)
        if params["locate"] and result["pmtu"] < max_size:
            started = time.monotonic()
            result.update(pmtu.locate(transport, family, min_size, result["pmtu"] + 1, params["max_hops"],
                                      result["wait_ms"] / 1000.0))
            result["elapsed_ms"] = round(result["elapsed_ms"] + (time.monotonic() - started) * 1000, 1)
    except SendRefused as exc:
        module.fail_json(msg="%s: a firewall rule in this host's OUTPUT chain drops the probes; allow %s "
                         "to %s to measure the path" % (exc, codec.what, address), probes_sent=transport.sent)
    except pmtu.DeadDestination as exc:
        module.fail_json(msg=dead_destination_message(params, address, exc), probes_sent=transport.sent)
    finally:
        transport.close()
    if params["protocol"] == "udp" and result["blackhole"]:
        module.warn("Over UDP a black hole may be the destination's rate limit on port unreachables (Linux: one "
                    "a second after six): confirm pmtu=%d with protocol: tcp and a port the host serves."
                    % result["pmtu"])
    result.update(changed=False, probes_sent=transport.sent, route_mtu=route["route_mtu"], address=address,
                  protocol=params["protocol"], port=params["port"], resets_sent=transport.answered,
                  family="ipv%d" % family, interface=route["dev"], cached_pmtu=route["cached_mtu"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
