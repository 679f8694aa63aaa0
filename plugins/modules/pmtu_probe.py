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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands
from ansible_collections.netpath.mtu.plugins.module_utils.pmtu_measure import DEFAULTS, FAMILIES, ProbeFailed, measure


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="str", required=True),
            family=dict(type="str", default=DEFAULTS["family"], choices=list(FAMILIES)),
            min_size=dict(type="int"),
            max_size=dict(type="int"),
            timeout=dict(type="float", default=DEFAULTS["timeout"]),
            attempts=dict(type="int", default=DEFAULTS["attempts"]),
            locate=dict(type="bool", default=DEFAULTS["locate"]),
            max_hops=dict(type="int", default=DEFAULTS["max_hops"]),
            protocol=dict(type="str", default=DEFAULTS["protocol"], choices=["icmp", "tcp", "udp"]),
            port=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    ip = module.get_bin_path("ip", required=True)
    params = {name: module.params[name] for name in module.argument_spec}
    try:
        result, warnings = measure(params, lambda args: commands.run([ip] + args))
    except ProbeFailed as exc:
        module.fail_json(msg=str(exc), **exc.details)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
