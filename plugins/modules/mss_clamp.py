#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: mss_clamp
short_description: Clamp the TCP MSS of forwarded or sent connections with iptables or nftables
version_added: 0.1.0
description:
  - Makes a TCPMSS clamp rule present or absent, so that TCP connections crossing a link with a
    smaller MTU agree on segments that fit, also where ICMP "fragmentation needed" / "packet too
    big" never reaches the sender (a path-MTU black hole).
  - The rule changes the MSS option of every SYN and SYN-ACK (TCP flags SYN set, RST clear) that
    passes O(chain), to O(mss) or, when O(mss) is omitted, to the path MTU of the route minus
    the headers (the smaller of the routes towards the destination and back to the source).
    It only ever lowers an MSS.
  - B(iptables) backend (C(iptables) for IPv4, C(ip6tables) for IPv6) - the rule goes at the end
    of O(chain) in the C(mangle) table, marked with the comment C(netpath.mtu), as
    C(-p tcp -m tcp --tcp-flags SYN,RST SYN [-o IF] -m comment --comment netpath.mtu -j TCPMSS
    --clamp-mss-to-pmtu | --set-mss N).
  - B(nftables) backend - the rule goes in a table of its own, C(inet netpath_mtu), in a base
    chain named after O(chain) (C(forward), C(output), C(postrouting)) hooked there at priority
    C(mangle) with policy accept, as
    C([meta nfproto ipv4|ipv6] [oifname "IF"] tcp flags syn / syn,rst tcp option maxseg size set
    rt mtu | N comment "netpath.mtu"). Changes are one C(nft -f -) transaction; the table and its
    chains go when their last rule does.
  - The rules present are read from C(iptables-save) / C(ip6tables-save) and
    C(nft -j list ruleset) (JSON). An existing rule that does the same job is recognised, also
    one a human added without the comment (for example
    C(iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS
    --clamp-mss-to-pmtu)), so no twin is added. It does the same job when it is hooked where
    O(chain) is, covers the family, takes every SYN and SYN-ACK, has the same outgoing
    interface (or none, as requested), sets the same MSS (or clamps to the path MTU, as
    requested), has no other condition, and no rule before it in its chain can end a packet's
    way through the chain (ACCEPT, DROP, REJECT, RETURN, goto). Such a rule may be in any table
    but C(nat).
  - Input is checked before anything runs; bad input fails with a message naming the value and
    changes nothing.
  - ansible.builtin.iptables cannot write this rule (it has no TCPMSS options), and no module
    writes nftables rules.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - For the iptables backend, C(iptables), C(ip6tables), C(iptables-save) and C(ip6tables-save)
    (package iptables) on the target.
  - For the nftables backend, C(nft) (package nftables) on the target.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
attributes:
  check_mode:
    details: Reads the rules, reports what would change and the rules that would be there, writes nothing.
  diff_mode:
    support: full
    details: The clamp rules of the backend in O(chain) for the family, before and after, one per line.
options:
  state:
    description:
      - V(present) makes sure a rule as described exists; our own rules (comment C(netpath.mtu))
        in the same chain, family and interface that set another MSS are replaced.
      - V(absent) deletes every rule that does what the options describe, ours or a human's,
        in the backend chosen. Other clamp rules (another chain, interface or MSS) stay.
    type: str
    choices: [present, absent]
    default: present
  backend:
    description:
      - Which firewall to write.
      - V(auto) takes the one the host already uses. V(nftables) when C(nftables.service) is
        enabled, or when the running ruleset (C(nft -j list ruleset)) has a table that
        iptables-nft did not make; iptables-nft makes C(filter), C(nat), C(mangle), C(raw) and
        C(security) (families C(ip) and C(ip6)) with base chains named in capitals after their
        hooks (C(FORWARD)). Our own C(inet netpath_mtu) counts, so a clamp made with nftables
        stays there. Otherwise V(iptables), which on Debian 12 and other current distributions
        is iptables-nft writing the same kernel tables; V(nftables) when only C(nft) is
        installed.
      - RV(backend) says which was used and RV(backend_reason) why.
    type: str
    choices: [auto, iptables, nftables]
    default: auto
  family:
    description:
      - IP version the clamp applies to. V(both) writes one rule per family with iptables, and
        one rule for both in the C(inet) table with nftables.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  chain:
    description:
      - Where the clamp applies. V(FORWARD) for traffic the host routes (containers, VMs, a
        router, a tunnel gateway), V(OUTPUT) for connections the host itself opens,
        V(POSTROUTING) for both. Any other value fails.
    type: str
    default: FORWARD
  mss:
    description:
      - MSS to set, in bytes. Omit it to clamp to the path MTU (C(--clamp-mss-to-pmtu),
        C(tcp option maxseg size set rt mtu)), which follows each route's MTU.
      - Set a number where the narrow link is beyond this host, so that the route here does not
        know it. Use RV(netpath.mtu.pmtu_probe#module:recommended_mss), the path MTU minus 40
        (IPv4) or 60 (IPv6).
      - Allowed 536..65495 for IPv4 (576-byte minimum datagram - 40, RFC 879; 65535 - 40) and
        1220..65475 for IPv6 (1280-byte minimum MTU - 60, RFC 8200; 65535 - 60); with
        O(family=both) both ranges apply.
    type: int
  out_interface:
    description:
      - Clamp only packets leaving by this interface (C(-o), C(oifname)). Omit it to clamp on
        every interface.
      - The MSS in a SYN or SYN-ACK limits what the host that receives it sends. A clamp on the
        interface towards a sender is what limits that sender's segments. For uploads from
        containers behind a bridge, name the bridge (C(docker0)), where the servers' SYN-ACKs
        leave; a clamp on the uplink only shrinks the containers' SYNs, so the servers send
        smaller segments while the containers' own stay too large.
      - 1 to 15 of the characters C(A-Z a-z 0-9 . _ -), not C(.) or C(..). Wildcards are not
        taken.
    type: str
notes:
  - Needs root (C(become)), and C(iptables) / C(ip6tables) with C(iptables-save) /
    C(ip6tables-save), or C(nft), on the target.
  - The rule lives in the running ruleset. To keep it across reboots, save the ruleset the way
    the host does (C(netfilter-persistent save), C(/etc/nftables.conf)); the
    C(netpath.mtu.mss_clamp) role does that (C(mss_clamp_persist)).
  - A rule with the same clamp that a human put after an ACCEPT in C(filter) C(FORWARD) (as
    Docker's rules are) is reported in RV(rules) with RV(rules[].shadowed=true) and does not
    count; ours goes in C(mangle), which nothing ends early.
seealso:
  - module: netpath.mtu.pmtu_probe
  - module: netpath.mtu.link_mtu
  - name: iptables-extensions(8), TCPMSS target
    description: The kernel's clamp, and why it takes the smaller of both routes' MTU.
    link: https://ipset.netfilter.org/iptables-extensions.man.html
  - name: nft(8), extension header expressions
    description: C(tcp option maxseg size set rt mtu).
    link: https://www.netfilter.org/projects/nftables/manpage.html
"""

EXAMPLES = r"""
- name: Clamp the MSS of forwarded TCP to the path MTU (containers behind a 1450 cloud uplink)
  netpath.mtu.mss_clamp:
    chain: FORWARD
  become: true

- name: Clamp what leaves by eth0 to 1360 bytes, IPv4 and IPv6, with nftables
  netpath.mtu.mss_clamp:
    chain: FORWARD
    out_interface: eth0
    mss: 1360
    family: both
    backend: nftables
  become: true
  register: clamp

- name: Show the rules in place
  ansible.builtin.debug:
    msg: "{{ clamp.rules | map(attribute='rule') | list }}"

- name: Clamp to what a probe measured across the tunnel
  netpath.mtu.mss_clamp:
    chain: FORWARD
    out_interface: wg0
    mss: "{{ underlay.recommended_mss }}"
  become: true

- name: Remove the clamp again
  netpath.mtu.mss_clamp:
    state: absent
    chain: FORWARD
  become: true
"""

RETURN = r"""
backend:
  description: The backend used, V(iptables) or V(nftables).
  returned: always
  type: str
  sample: iptables
backend_reason:
  description: Why O(backend=auto) chose it (the option's value when one was given).
  returned: always
  type: str
  sample: nftables.service is not enabled and every nftables table is iptables-nft's
rules:
  description:
    - Every TCP MSS clamp rule of RV(backend) for the family after the task, in all chains, ours
      and others. In check mode, the rules as they would be.
  returned: always
  type: list
  elements: dict
  contains:
    backend:
      description: V(iptables) or V(nftables).
      type: str
    family:
      description: V(ipv4), V(ipv6), or V(both) (an nftables C(inet) rule for both families).
      type: str
    table:
      description: The iptables table (C(mangle)), or the nftables table as C(FAMILY NAME) (C(inet netpath_mtu)).
      type: str
    chain:
      description: The chain (C(FORWARD), C(forward)).
      type: str
    hook:
      description:
        - The hook of the chain (C(forward), C(output), C(postrouting)), null for a chain that is
          only jumped to.
      type: str
    mss:
      description: The MSS the rule sets, null when it clamps to the path MTU.
      type: int
    clamp_to_pmtu:
      description: True when the rule clamps to the path MTU.
      type: bool
    out_interface:
      description: The outgoing interface the rule is limited to, or null.
      type: str
    rule:
      description: The rule as C(iptables-save) prints it (C(-A ...)), or as C(nft list ruleset) prints it.
      type: str
    comment:
      description: The rule's comment, or null.
      type: str
    ours:
      description: True for a rule netpath.mtu made (comment C(netpath.mtu), or in C(inet netpath_mtu)).
      type: bool
    conditions:
      description: Anything else that narrows the rule (other matches, TCP flags that miss SYN-ACKs, a nat table).
      type: list
      elements: str
    shadowed:
      description: True when a rule before it in its chain can end a packet's way through the chain.
      type: bool
    handle:
      description: The nftables rule handle, null for iptables and for a rule check mode would add.
      type: int
  sample:
    - backend: iptables
      family: ipv4
      table: mangle
      chain: FORWARD
      hook: forward
      mss: null
      clamp_to_pmtu: true
      out_interface: null
      rule: >-
        -A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "netpath.mtu"
        -j TCPMSS --clamp-mss-to-pmtu
      comment: netpath.mtu
      ours: true
      conditions: []
      shadowed: false
      handle: null
added:
  description: The rules the task added (would add, in check mode), as in RV(rules).
  returned: always
  type: list
  elements: dict
  sample: []
removed:
  description: The rules the task deleted (would delete, in check mode), as in RV(rules).
  returned: always
  type: list
  elements: dict
  sample: []
commands:
  description:
    - What the task ran (would run, in check mode) to change the rules; the nft script's lines
      with the nftables backend.
  returned: always
  type: list
  elements: str
  sample:
    - >-
      /usr/sbin/iptables -w -t mangle -A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment
      --comment netpath.mtu -j TCPMSS --clamp-mss-to-pmtu
"""

import shlex

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands, mss_clamp


class Host(object):
    """The firewall tools of the target, read and written through commands.run (argv lists)."""

    def __init__(self, module):
        self.module = module

    def bin(self, name, required=False):
        return self.module.get_bin_path(name, required=required)

    def run(self, argv, what, data=None):
        rc, out, err = commands.run(argv, data=data)
        if rc != 0:
            self.module.fail_json(msg="%s failed (rc %d): %s" % (what, rc, (err or out).strip()),
                                  cmd=" ".join(shlex.quote(a) for a in argv))
        return out

    def nft_ruleset(self):
        nft = self.bin("nft")
        if not nft:
            return None
        return self.run([nft, "-j", "list", "ruleset"], "nft -j list ruleset")

    def nftables_enabled(self):
        systemctl = self.bin("systemctl")
        if not systemctl:
            return False
        rc, out, _err = commands.run([systemctl, "is-enabled", "nftables.service"])
        return rc == 0 and out.strip() == "enabled"

    def save_tool(self, family):
        tool, save = mss_clamp.SAVE_TOOLS[family]
        paths = (self.bin(tool), self.bin(save))
        if not all(paths):
            self.module.fail_json(msg="the iptables backend needs %s and %s for %s, which are not installed"
                                  % (tool, save, mss_clamp.FAMILY_NAMES[family]))
        return paths

    def read(self, backend, families):
        """(clamp rules of the backend, nft table chains of ours or None)."""
        if backend == "iptables":
            texts = dict((family, self.run([self.save_tool(family)[1]], mss_clamp.SAVE_TOOLS[family][1]))
                         for family in families)
            return mss_clamp.find_clamp_rules(texts.get("ipv4", ""), texts.get("ipv6", "")), None
        text = self.nft_ruleset()
        return mss_clamp.find_clamp_rules(nft_ruleset=text), mss_clamp.nft_table_contents(text)


def choose(module, host, wanted):
    if wanted != "auto":
        tool = "nft" if wanted == "nftables" else "iptables"
        if not host.bin(tool):
            module.fail_json(msg="backend=%s needs %s, which is not installed" % (wanted, tool))
        return wanted, "backend=%s was asked for" % wanted
    has_nft = bool(host.bin("nft"))
    ruleset = host.nft_ruleset() if has_nft else ""
    try:
        return mss_clamp.choose_backend(bool(host.bin("iptables")), has_nft, ruleset,
                                        has_nft and host.nftables_enabled())
    except mss_clamp.ClampError as exc:
        module.fail_json(msg=str(exc))


def read(module, host, backend, request):
    try:
        return host.read(backend, request["families"])
    except mss_clamp.ClampError as exc:
        module.fail_json(msg=str(exc))


def write(module, host, backend, changes, request, our_table):
    """Run the changes; returns the commands as text."""
    if backend == "iptables":
        lines = []
        for family, args in mss_clamp.iptables_commands(changes):
            argv = [host.save_tool(family)[0], "-w"] + args
            lines.append(" ".join(shlex.quote(a) for a in argv))
            if not module.check_mode:
                host.run(argv, lines[-1])
        return lines
    try:
        script = mss_clamp.nft_script(changes, request, our_table)
    except mss_clamp.ClampError as exc:
        module.fail_json(msg=str(exc))
    if not module.check_mode:
        host.run([host.bin("nft", required=True), "-f", "-"], "nft -f - (%s)" % "; ".join(script.splitlines()),
                 data=script)
    return script.splitlines()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=list(mss_clamp.STATES)),
            backend=dict(type="str", default="auto", choices=list(mss_clamp.BACKENDS)),
            family=dict(type="str", default="ipv4", choices=list(mss_clamp.FAMILY_CHOICES)),
            chain=dict(type="str", default="FORWARD"),
            mss=dict(type="int"),
            out_interface=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    error = mss_clamp.validate(p["state"], p["backend"], p["family"], p["chain"], p["mss"], p["out_interface"])
    if error:
        module.fail_json(msg=error)
    request = mss_clamp.spec(p["chain"], p["family"], p["mss"], p["out_interface"])
    host = Host(module)
    backend, reason = choose(module, host, p["backend"])
    rules, our_table = read(module, host, backend, request)
    changes = mss_clamp.plan(request, rules, backend, p["state"])
    changed = bool(changes["delete"] or changes["add"])
    ran = write(module, host, backend, changes, request, our_table) if changed else []
    after = mss_clamp.apply_plan(rules, changes)
    if changed and not module.check_mode:
        after, _chains = read(module, host, backend, request)
        left = mss_clamp.plan(request, after, backend, p["state"])
        if left["add"] or (p["state"] == "absent" and left["delete"]):
            module.fail_json(msg="the rules are not as asked after the change: %s"
                             % "; ".join(mss_clamp.describe(r) for r in left["add"] + left["delete"]),
                             commands=ran)
    in_scope = [r for r in after if any(r["family"] in (f, "both") for f in request["families"])]
    result = dict(changed=changed, backend=backend, backend_reason=reason, rules=in_scope,
                  added=changes["add"], removed=changes["delete"], commands=ran)
    if module._diff:
        result["diff"] = dict(before=mss_clamp.diff_text(rules, request, backend),
                              after=mss_clamp.diff_text(after, request, backend))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
