#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: mtu_facts
short_description: Gather everything that decides a host's MTUs, in one call
version_added: 0.1.0
description:
  - Sets C(ansible_facts.netpath_mtu) with the interfaces and what each rides on (underlay, overhead,
    largest inner MTU that fits), each stack of encapsulations down to a physical link, flannel and
    Docker settings, the sysctls, offloads, queueing disciplines, TCPMSS clamps and ICMP filtering of
    both firewall backends, WireGuard peers (never a key), drop and error counters, conntrack,
    softirq load per CPU, and routes to given targets with the policy rules and each family's
    default route (its gateway and the address the host sends from on it).
  - Reads the tools' JSON output (C(ip -j), C(tc -j), C(nft -j), C(ethtool --json)), C(wg show all dump),
    C(iptables-save), C(ip xfrm state) and C(ip xfrm policy) (text, C(ip xfrm) has no JSON; keys are
    never kept), and files under C(/proc), C(/sys), C(/run/flannel), C(/etc/rancher/k3s), C(/etc/cni/net.d),
    C(/var/lib/rancher/k3s/agent/etc/cni/net.d) and C(/etc/docker).
  - TUN/TAP devices name the program holding them in C(owner), read from C(/proc/PID/fdinfo) -
    C(tailscaled), C(wireguard-go), C(openvpn), C(zerotier-one) or C(other). WireGuard's owners fix the
    overhead; for the others it is null (not known).
  - A part that cannot be read (a tool missing, a file unreadable, a kernel feature absent) is left
    out and named in C(unavailable) with the reason; it does not fail the task.
  - The V(managers) part (version 0.2.0) adds C(managed_by) to each interface - which of
    systemd-networkd, NetworkManager, netplan (also cloud-init's) or ifupdown configures it, in
    which file or connection, the MTU configured there, and whether DHCP may set the MTU - from
    their files, C(networkctl --json=short list) and C(nmcli -t).
  - The fact layout is described in the collection's C(docs/mtu_facts.md); the
    P(netpath.mtu.findings#filter) filter turns it into findings.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(ip) and C(tc) from iproute2 on the target (C(tc) is packaged as iproute-tc on RHEL and Fedora).
  - Optional, each for its own part (a part whose tool is missing shows in C(unavailable)) -
    C(ethtool) (offloads), C(wg) from wireguard-tools (WireGuard peers), C(iptables-save) /
    C(ip6tables-save) from iptables and C(nft) from nftables (clamps, ICMP filtering), C(docker)
    (Docker networks, only where Docker runs), C(networkctl) and C(nmcli) (managers, where they run).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
  - netpath.mtu.attributes
  - netpath.mtu.attributes.read_only
attributes:
  check_mode:
    details: Only reads.
  facts:
    support: full
options:
  gather_subset:
    description:
      - Parts to gather. V(all), or a list of part names; a name with C(!) in front leaves that part out
        of V(all).
      - As with C(ansible.builtin.setup), V(!all) gathers only the minimum, V(interfaces), and the
        parts named next to it; V([!all, !interfaces]) gathers nothing.
      - Parts are V(interfaces), V(chains), V(flannel), V(docker), V(sysctl), V(offloads), V(qdisc),
        V(mss_clamp), V(icmp_filtering), V(wireguard), V(counters), V(conntrack), V(softirq), V(routes),
        V(cni) (the Kubernetes CNI configs in C(/etc/cni/net.d) and k3s's directory, and the pods' veths; new in 0.2.0),
        V(managers) (which manager keeps each link's MTU; new in 0.2.0),
        V(ipsec) (the xfrm states and policies, and each outbound ESP policy's path and largest inner
        packet; needs root; new in 0.2.0).
        V(chains) needs V(interfaces) and V(wireguard), which it gathers too.
      - An empty list, V([]), gathers nothing and returns no C(ansible_facts), so that facts gathered
        before stay as they are; the module then only measures O(probe_targets) (new in 0.2.0; before,
        V([]) gathered everything). O(probe_wireguard_endpoints) needs the V(wireguard) part, so it
        does not go with V([]).
    type: list
    elements: str
    default: [all]
  route_targets:
    description:
      - Addresses whose route (device, source, gateway, MTU) the V(routes) part reports.
      - A target without a route (not an address, or unreachable) is null in C(routes.targets),
        and C(routes.no_route) says why.
    type: list
    elements: str
    default: []
  probe_targets:
    description:
      - Destinations whose path MTU to measure in the same run, as P(netpath.mtu.pmtu_probe#module)
        measures it with its defaults (DF probes from the route MTU down, exact to the byte, also
        through a black hole), each result in RV(probes) with its O(probe_targets[].kind), V(target)
        unless given.
      - The audit uses this to gather and probe a host in one module run, and, with O(gather_subset=[]),
        to measure all the paths it plans to the other hosts in one more; a destination that cannot
        be measured is a failed entry of RV(probes), not a failed task.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
    suboptions:
      dest:
        description: Address or name to probe.
        type: str
        required: true
      protocol:
        description: V(icmp) (echo), V(tcp) (SYNs to O(probe_targets[].port)) or V(udp).
        type: str
        choices: [icmp, tcp, udp]
        default: icmp
      port:
        description: The destination port, for V(tcp) and V(udp) only.
        type: int
      family:
        description:
          - The address family to probe in, as P(netpath.mtu.pmtu_probe#module)'s
            O(netpath.mtu.pmtu_probe#module:family); V(auto) takes what O(probe_targets[].dest) resolves to first.
        type: str
        choices: [auto, ipv4, ipv6]
        default: auto
        version_added: 0.2.0
      kind:
        description:
          - What the path leads to, kept as the C(kind) of its result in RV(probes) - V(target), or
            V(peer) and V(gateway) as P(netpath.mtu.probe_plans#filter) plans them.
        type: str
        choices: [target, peer, gateway]
        default: target
        version_added: 0.2.0
      peer:
        description: The inventory host the path leads to (C(kind=peer)), kept as the C(peer) of its result.
        type: str
        version_added: 0.2.0
  probe_wireguard_endpoints:
    description:
      - Also measure the path MTU to each WireGuard peer's endpoint that the V(wireguard) part found
        (the tunnels' underlay), over ICMP, each result in RV(probes) with C(kind=wireguard_endpoint).
    type: bool
    default: false
    version_added: 0.2.0
notes:
  - Run with C(become) for the firewall parts (iptables-save, nft) and C(wg); without root they show
    in C(unavailable).
"""

EXAMPLES = r"""
- name: Gather the MTU facts
  netpath.mtu.mtu_facts:

- name: Show each stack of encapsulation
  ansible.builtin.debug:
    msg: "{{ ansible_facts.netpath_mtu.chains }}"

- name: Only interfaces and routes to the peers
  netpath.mtu.mtu_facts:
    gather_subset: [interfaces, routes]
    route_targets: [203.0.113.7]

- name: Measure the paths to two peers in one run, gathering nothing (the facts stay as they are)
  netpath.mtu.mtu_facts:
    gather_subset: []
    probe_targets:
      - {dest: 10.0.0.20, kind: peer, peer: db-1, family: ipv4}
      - {dest: 10.0.0.1, kind: gateway}
  become: true
  register: peer_paths
"""

RETURN = r"""
probes:
  description:
    - One entry per destination of O(probe_targets) and, with O(probe_wireguard_endpoints), per
      WireGuard endpoint, in that order - the shape of P(netpath.mtu.probe_results#filter)'s output -
      C(dest), C(kind), C(peer) when O(probe_targets[].peer) is given,
      P(netpath.mtu.pmtu_probe#module)'s return values, C(failed) and, for a path that could not be
      measured, C(msg).
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  sample:
    - {dest: 10.2.0.2, kind: wireguard_endpoint, pmtu: 1400, route_mtu: 1500, blackhole: true, icmp_too_big: null,
       recommended_mss: 1360, address: 10.2.0.2, interface: eth0, family: ipv4, protocol: icmp, port: null,
       failed: false}
ansible_facts:
  description: The facts.
  returned: unless O(gather_subset) is V([])
  type: dict
  contains:
    netpath_mtu:
      description: Everything gathered; the layout is in the collection's C(docs/mtu_facts.md).
      type: dict
      sample:
        version: 1
        gathered: [interfaces, chains]
        unavailable: {docker: docker is not installed}
        interfaces:
          wg0: {mtu: 1420, kind: wireguard, underlay: eth0, underlay_mtu: 1500, overhead: 60, max_inner_mtu: 1440}
        chains:
          - - {interface: wg0, kind: wireguard, mtu: 1420, overhead: 60}
            - {interface: eth0, kind: physical, mtu: 1500, overhead: 0}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands
from ansible_collections.netpath.mtu.plugins.module_utils.gather import Gatherer, gather, select_parts
from ansible_collections.netpath.mtu.plugins.module_utils.pmtu_measure import measure_all
from ansible_collections.netpath.mtu.plugins.module_utils.topology import wireguard_endpoints


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather_subset=dict(type="list", elements="str", default=["all"]),
            route_targets=dict(type="list", elements="str", default=[]),
            probe_targets=dict(type="list", elements="dict", default=[], options=dict(
                dest=dict(type="str", required=True),
                protocol=dict(type="str", default="icmp", choices=["icmp", "tcp", "udp"]),
                port=dict(type="int"),
                family=dict(type="str", default="auto", choices=["auto", "ipv4", "ipv6"]),
                kind=dict(type="str", default="target", choices=["target", "peer", "gateway"]),
                peer=dict(type="str"),
            )),
            probe_wireguard_endpoints=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    # [] gathers nothing (select_parts would read it as everything, as setup's gather_subset does).
    gather_nothing = module.params["gather_subset"] == []
    if gather_nothing and module.params["probe_wireguard_endpoints"]:
        module.fail_json(msg="probe_wireguard_endpoints=true needs the wireguard part, which gather_subset=[] "
                             "does not gather: gather it (gather_subset: [wireguard]) or give the endpoints in "
                             "probe_targets")
    parts, error = select_parts(module.params["gather_subset"])
    if error:
        module.fail_json(msg=error)
    gatherer = Gatherer(module, run_argv=commands.run)
    facts = {} if gather_nothing else gather(gatherer, parts, module.params["route_targets"])
    asked = list(module.params["probe_targets"])
    if module.params["probe_wireguard_endpoints"]:
        asked += [{"dest": dest, "kind": "wireguard_endpoint"} for dest in wireguard_endpoints(facts.get("wireguard"))]
    probes = []
    if asked:
        ip = module.get_bin_path("ip", required=True)
        probes, warnings = measure_all(asked, lambda args: commands.run([ip] + args))
        for warning in warnings:
            module.warn(warning)
    if gather_nothing:
        module.exit_json(changed=False, probes=probes)
    module.exit_json(changed=False, probes=probes, ansible_facts={"netpath_mtu": facts})


if __name__ == "__main__":
    main()
