#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: link_mtu
short_description: Set a network interface's MTU live
version_added: 0.1.0
description:
  - Sets the MTU of one interface with C(ip link set dev NAME mtu MTU) when it differs, and reads
    it back.
  - The MTU is checked before anything runs, against 68..65535 and against the limits the
    device reports (C(min_mtu) and C(max_mtu) of C(ip -d -j link show), 9000 or 9216 on many
    NICs). A value outside them fails with a message naming the value and the limit, and changes
    nothing.
  - Some drivers check more when the MTU is set (a VXLAN device reports 65535 but takes at most
    its lower device's MTU minus 50); what the kernel refuses fails the task with the kernel's
    answer, and nothing is changed.
  - With O(persist=none) (the default) the change is live only, and whatever configures the
    interface sets its own MTU again at the next boot, DHCP lease or reload. O(persist) writes the
    MTU where the interface's manager keeps it (see O(persist)); the manager is found as
    M(netpath.mtu.mtu_facts) finds it (C(managed_by)).
  - An interface that does not exist fails with a message naming it.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(ip) from iproute2 on the target.
  - For O(persist), the manager's own tool - C(networkctl), C(nmcli) or C(netplan).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
attributes:
  check_mode:
    details: Reads the MTU and checks the new one against the device's limits, and works out
      what O(persist) would write; sets and writes nothing.
  diff_mode:
    support: full
    details: The interface and its MTU before and after, and the file (or nmcli setting)
      O(persist) writes.
options:
  name:
    description:
      - The interface, for example C(eth0), C(docker0), C(wg0).
      - A Linux interface name - 1 to 15 characters, not C(.) or C(..), no C(/), C(:) or
        whitespace.
    type: str
    required: true
    aliases: [dev]
  mtu:
    description:
      - The MTU to set, in bytes (the largest IP packet the link carries).
      - At least 68, and within the device's own C(min_mtu)..C(max_mtu) (C(ip -d -j link show)).
        A device that reports no C(max_mtu), such as C(lo), takes up to 65536 (the loopback's own
        MTU) or its current MTU if that is larger.
      - Below 1280 the kernel turns IPv6 off on the interface; the task warns when the
        interface has IPv6 addresses.
    type: int
    required: true
  persist:
    description:
      - Where the MTU is also written, so that it survives a reboot, a DHCP renewal and a reload
        of the interface's manager. Check mode and diff mode cover every backend.
      - V(none) - live only.
      - V(auto) - in the manager that configures the interface (C(managed_by) of
        M(netpath.mtu.mtu_facts)). Fails, changing nothing, when nothing manages it or its
        manager is not running, naming what it found.
      - V(networkd) - a drop-in C(/etc/systemd/network/NAME.network.d/90-netpath-mtu.conf)
        (C([Link] MTUBytes=)) for the C(.network) file that matches the interface, never an
        edit of that file; then C(networkctl reload), which does not bounce the link. Fails
        when that file matches other interfaces as well.
      - V(networkmanager) - the MTU setting of the active connection for its type (for example
        C(802-3-ethernet.mtu)) with C(nmcli connection modify), applied with
        C(nmcli device reapply), which does not take the device down.
      - V(netplan) - its own file C(/etc/netplan/90-netpath-mtu.yaml), which netplan merges
        over the others (cloud-init's C(50-cloud-init.yaml) included); C(netplan generate)
        checks and renders it (a failure puts the previous file back), then the renderer
        reloads (C(networkctl reload) or C(nmcli connection reload)).
      - V(ifupdown) - C(mtu) in the interface's C(iface NAME inet) stanza; for an
        C(inet dhcp) stanza (ifupdown's dhcp method takes no mtu) a
        C(supersede interface-mtu) block for the interface in C(/etc/dhcp/dhclient.conf).
    type: str
    choices: [none, auto, networkd, networkmanager, netplan, ifupdown]
    default: none
    version_added: 0.2.0
  persist_dhcp:
    description:
      - When the interface gets its address by DHCP and its manager takes the MTU the DHCP
        server offers (option 26), V(keep) leaves it so and warns that the next lease replaces
        the persisted MTU; V(ignore) tells the manager to ignore the DHCP MTU for this link
        only (networkd C(UseMTU=no), netplan C(dhcp4-overrides.use-mtu), dhclient
        C(supersede)). NetworkManager ignores it by itself once the connection sets an MTU,
        and systemd-networkd once C(MTUBytes=) is set, which its drop-in does.
    type: str
    choices: [keep, ignore]
    default: keep
    version_added: 0.2.0
  verify:
    description:
      - After the live MTU is changed, send DF probes of exactly the new MTU to O(verify.dest)
        (as M(netpath.mtu.pmtu_probe) with O(netpath.mtu.pmtu_probe#module:min_size) and
        O(netpath.mtu.pmtu_probe#module:max_size) at the MTU) before anything is persisted.
      - When no echo of that size comes back, the module searches for the largest packet that
        does get through (C(search) of RV(verify)). When the search reaches the new MTU, the MTU is
        verified (the exact probes were lost to something passing, their error is in RV(verify)).
        Otherwise the module puts the previous MTU back on the interface, persists
        nothing and fails saying what came back. All of it happens in the module's one run on the
        host, so the MTU is put back even when the new one broke the path the controller reaches
        the host by.
      - Nothing is probed in check mode, nor when the MTU is already the one asked for.
    type: dict
    version_added: 0.2.0
    suboptions:
      dest:
        description: The address or host name to probe, across the link (for a tunnel, the far end's address in it).
        type: str
        required: true
      attempts:
        description: DF probes of the new MTU to send, 1..10; one echo is enough.
        type: int
        default: 3
      timeout:
        description: Seconds to wait for each round of probes, 0.01..60.
        type: float
        default: 2.0
notes:
  - Needs root (C(become)) and C(ip) from iproute2.
  - A bridge whose MTU is set by hand keeps it; one left alone follows the smallest MTU of its
    ports. Lowering a bridge does not lower the ports, nor the interfaces of the containers or
    VMs behind them, which still send packets of their own MTU.
seealso:
  - module: netpath.mtu.mss_clamp
  - module: netpath.mtu.pmtu_probe
"""

EXAMPLES = r"""
- name: Make the WireGuard interface fit the measured underlay
  netpath.mtu.link_mtu:
    name: wg0
    mtu: "{{ underlay.pmtu - 60 }}"
  become: true

- name: Lower the Docker bridge to the cloud's 1450
  netpath.mtu.link_mtu:
    name: docker0
    mtu: 1450
  become: true
  register: bridge

- name: Lower eth0 to the cloud's 1450, in whatever manages it, DHCP's MTU ignored
  netpath.mtu.link_mtu:
    name: eth0
    mtu: 1450
    persist: auto
    persist_dhcp: ignore
  become: true

- name: Raise wg0 to 1420, and put 1380 back unless 10.8.0.1 answers DF pings of 1420 bytes across it
  netpath.mtu.link_mtu:
    name: wg0
    mtu: 1420
    verify:
      dest: 10.8.0.1
  become: true

- name: Say what changed
  ansible.builtin.debug:
    msg: "docker0: {{ bridge.previous_mtu }} -> {{ bridge.mtu }}"
"""

RETURN = r"""
mtu:
  description: The interface's MTU after the task (in check mode, what it would be).
  returned: success
  type: int
  sample: 1450
previous_mtu:
  description: The interface's MTU before the task.
  returned: success
  type: int
  sample: 1500
name:
  description: The interface.
  returned: success
  type: str
  sample: docker0
min_mtu:
  description: Smallest MTU the device takes, null when the device sets no limit of its own.
  returned: success
  type: int
  sample: 68
max_mtu:
  description: Largest MTU the device takes, null when the device sets no limit of its own.
  returned: success
  type: int
  sample: 65535
persisted:
  description: Where O(persist) wrote the MTU - C(backend), C(where) (file, or connection and
    setting), C(changed), C(dhcp_sets_mtu) and C(notes). Null with O(persist=none).
  returned: success
  type: dict
  sample: {backend: networkd, where: /etc/systemd/network/20-wired.network.d/90-netpath-mtu.conf,
           changed: true, dhcp_sets_mtu: false, notes: []}
verify:
  description:
    - What O(verify) measured - the DF probes of the new MTU (C(dest), C(size), C(pmtu),
      C(rtt_ms) and the rest of M(netpath.mtu.pmtu_probe)'s result). Null when nothing was probed.
    - When they did not come back also C(error), why, and C(search), the largest packet that did
      get through (C(pmtu), C(blackhole)), or C(search_error). When the search reached the new MTU
      the task succeeds; otherwise it fails and the interface has its previous MTU again (RV(mtu)
      is that MTU).
  returned: success and when the verification fails
  type: dict
  sample: {dest: 10.8.0.1, size: 1420, pmtu: 1420, rtt_ms: 0.4, blackhole: false}
kind:
  description: The device's kind (C(bridge), C(veth), C(vxlan), C(wireguard), ...), null for a physical one.
  returned: success
  type: str
  sample: bridge
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import (
    commands,
    limits,
    link_managers,
    link_mtu,
    link_persist,
    pmtu_measure,
)
from ansible_collections.netpath.mtu.plugins.module_utils.host_reader import HostReader


def read_link(module, ip, name):
    rc, out, err = commands.run([ip, "-d", "-j", "link", "show", "dev", name])
    if rc != 0:
        if "does not exist" in err:
            module.fail_json(msg="name=%r: interface %s does not exist on this host" % (name, name))
        module.fail_json(msg="name=%r: cannot read interface %s: %s" % (name, name, err.strip()))
    try:
        return link_mtu.parse_link(out, name)
    except link_mtu.LinkError as exc:
        module.fail_json(msg=str(exc))


def has_ipv6(module, ip, name):
    rc, out, _err = commands.run([ip, "-6", "-j", "addr", "show", "dev", name])
    if rc != 0:
        return False
    try:
        links = json.loads(out) if out.strip() else []
    except ValueError:
        return False
    return any(link.get("addr_info") for link in links if isinstance(link, dict))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True, aliases=["dev"]),
            mtu=dict(type="int", required=True),
            persist=dict(type="str", default="none", choices=list(link_persist.PERSIST)),
            persist_dhcp=dict(type="str", default="keep", choices=list(link_persist.PERSIST_DHCP)),
            verify=dict(type="dict", options=dict(
                dest=dict(type="str", required=True),
                attempts=dict(type="int", default=pmtu_measure.DEFAULTS["attempts"]),
                timeout=dict(type="float", default=pmtu_measure.DEFAULTS["timeout"]),
            )),
        ),
        supports_check_mode=True,
    )
    name, mtu = module.params["name"], module.params["mtu"]
    if not limits.valid_ifname(name):
        module.fail_json(msg="name=%r is not a valid interface name: %s" % (name, limits.IFNAME_RULE))
    error = link_mtu.check_mtu(mtu)
    if error:
        module.fail_json(msg=error)
    verify = module.params["verify"]
    if verify:
        error = pmtu_measure.params_error(dict(pmtu_measure.DEFAULTS, attempts=verify["attempts"],
                                               timeout=verify["timeout"]))
        if error:
            module.fail_json(msg="verify: %s" % error)
    ip = module.get_bin_path("ip", required=True)
    link = read_link(module, ip, name)
    error = link_mtu.check_mtu(mtu, link)
    if error:
        module.fail_json(msg=error)
    previous = link["mtu"]
    changed = previous != mtu
    plan = None
    if module.params["persist"] != "none":
        plan = persist_plan(module, ip, name, mtu)
    if changed and mtu < limits.IPV6_MIN_MTU and has_ipv6(module, ip, name):
        module.warn("%s has IPv6 addresses; at MTU %d (below %d) the kernel turns IPv6 off on it"
                    % (name, mtu, limits.IPV6_MIN_MTU))
    if changed and not module.check_mode:
        rc, _out, err = commands.run([ip, "link", "set", "dev", name, "mtu", str(mtu)])
        if rc != 0:
            module.fail_json(msg="the kernel refused MTU %d on %s%s (ip link set dev %s mtu %d: %s)"
                             % (mtu, name, " (%s)" % link["kind"] if link["kind"] else "", name, mtu, err.strip()))
        link = read_link(module, ip, name)
        if link["mtu"] != mtu:
            module.fail_json(msg="%s has MTU %d after ip link set dev %s mtu %d" % (name, link["mtu"], name, mtu))
    verified = verify_live(module, ip, link, previous) if changed and verify and not module.check_mode else None
    persisted = None
    if plan:
        persisted = carry_out(module, plan)
        changed = changed or persisted["changed"]
    result = dict(changed=changed, name=name, mtu=mtu, previous_mtu=previous, min_mtu=link["min_mtu"],
                  max_mtu=link["max_mtu"], kind=link["kind"], persisted=persisted, verify=verified)
    if module._diff:
        result["diff"] = [dict(before=dict(name=name, mtu=previous), after=dict(name=name, mtu=mtu))]
        if plan:
            result["diff"].append(dict(before_header=plan["where"], after_header=plan["where"],
                                       before=plan["before"] or "", after=plan["after"]))
    module.exit_json(**result)


def verify_live(module, ip, link, previous):
    """The `verify` return value once DF probes of the new MTU came back; else the previous MTU is put
    back and the module fails, saying what came back."""
    options, name, mtu = module.params["verify"], link["name"], link["mtu"]

    def probe(min_size, max_size):
        params = dict(dest=options["dest"], min_size=min_size, max_size=max_size, attempts=options["attempts"],
                      timeout=options["timeout"])
        try:
            return pmtu_measure.measure(params, lambda args: commands.run([ip] + args))[0], None
        except pmtu_measure.ProbeFailed as exc:
            return None, str(exc)

    def put_back():
        rc, _out, err = commands.run([ip, "link", "set", "dev", name, "mtu", str(previous)])
        if rc != 0:
            module.fail_json(msg="DF probes of %d bytes to %s did not come back, and MTU %d could not be put back on "
                             "%s: %s" % (mtu, options["dest"], previous, name, err.strip()), mtu=mtu)

    verified, failure = link_mtu.verify_new_mtu(options["dest"], mtu, probe, put_back)
    if failure:
        module.fail_json(msg="%s; %s has its previous MTU %d again, and nothing was persisted"
                         % (failure, name, previous), name=name, mtu=previous, previous_mtu=previous, verify=verified)
    return verified


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def persist_plan(module, ip, name, mtu):
    """What persist writes for this interface (link_persist's plan), the manager found as mtu_facts finds it."""
    persist, ignore = module.params["persist"], module.params["persist_dhcp"] == "ignore"
    rc, out, err = commands.run([ip, "-j", "link", "show"])
    names = [item["ifname"] for item in json.loads(out or "[]") if "ifname" in item] if rc == 0 else [name]
    managed = HostReader(module, run_argv=commands.run).managers(dict.fromkeys(names))["interfaces"]
    mine = managed.get(name) or {"manager": "none", "running": False}
    try:
        backend = link_persist.choose(persist, name, mine)
        if backend == "networkd":
            network_file = mine.get("file") if mine.get("manager") == "networkd" else mine.get("rendered")
            others = [n for n, m in managed.items() if n != name and network_file and
                      (m.get("file") == network_file or m.get("rendered") == network_file)]
            dropin = read_text(link_persist.networkd_dropin_path(network_file)) if network_file else None
            plan = link_persist.networkd_plan(name, mtu, network_file, others, dropin, ignore,
                                              running=bool(mine.get("running")))
        elif backend == "netplan":
            plan = link_persist.netplan_plan(name, mtu, mine, read_text(link_persist.NETPLAN_FILE), ignore)
        elif backend == "ifupdown":
            plan = link_persist.ifupdown_plan(name, mtu, mine, read_text(mine.get("file")) if mine.get("file") else "",
                                              read_text(link_managers.DHCLIENT_CONF) or "", ignore)
        else:
            plan = link_persist.nm_plan(name, mtu, mine)
    except link_persist.PersistError as exc:
        module.fail_json(msg=str(exc), managed_by=mine)
    plan["dhcp_warning"] = link_persist.dhcp_warning(name, mine, backend, ignore)
    # NetworkManager and networkd take no DHCP MTU once the MTU written here is set
    plan["dhcp_sets_mtu"] = bool(mine.get("dhcp_sets_mtu")) and not ignore and \
        backend not in ("networkmanager", "networkd")
    return plan


def carry_out(module, plan):
    """Write the plan's file and run its commands (not in check mode); the `persisted` return value."""
    changed = plan["before"] != plan["after"] if plan["file"] else bool(plan["commands"])
    if plan["dhcp_warning"]:
        module.warn(plan["dhcp_warning"])
    if changed and not module.check_mode:
        if plan["file"]:
            write_file(module, plan["file"], plan["after"])
            if plan["check"]:
                rc, out, err = run_tool(module, plan["check"])
                if rc != 0:
                    if plan["before"] is None:
                        os.remove(plan["file"])
                    else:
                        write_file(module, plan["file"], plan["before"])
                    module.fail_json(msg="%s refused %s, which was put back as it was: %s"
                                     % (" ".join(plan["check"]), plan["file"], (err or out).strip()))
        for argv in plan["commands"]:
            rc, out, err = run_tool(module, argv)
            if rc != 0:
                module.fail_json(msg="%s failed: %s" % (" ".join(argv), (err or out).strip()))
    return {"backend": plan["backend"], "where": plan["where"], "changed": changed,
            "dhcp_sets_mtu": plan["dhcp_sets_mtu"], "notes": plan["notes"]}


def run_tool(module, argv):
    path = module.get_bin_path(argv[0])
    if not path:
        module.fail_json(msg="%s is not installed, and persist needs it" % argv[0])
    return commands.run([path] + argv[1:])


def write_file(module, path, text):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    # netplan warns about files others can read; the others keep their usual 0644
    mode = 0o600 if path.startswith("/etc/netplan/") else 0o644
    temporary = "%s.netpath-mtu.tmp" % path
    with open(temporary, "w") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    module.atomic_move(temporary, path)


if __name__ == "__main__":
    main()
