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
  - The change is live only. Make it persistent where the host configures the interface
    (systemd-networkd, ifupdown, NetworkManager, the Docker daemon, the WireGuard config).
  - An interface that does not exist fails with a message naming it.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(ip) from iproute2 on the target.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
attributes:
  check_mode:
    details: Reads the MTU and checks the new one against the device's limits; sets nothing.
  diff_mode:
    support: full
    details: The interface and its MTU before and after.
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
kind:
  description: The device's kind (C(bridge), C(veth), C(vxlan), C(wireguard), ...), null for a physical one.
  returned: success
  type: str
  sample: bridge
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import limits, link_mtu


def read_link(module, ip, name):
    rc, out, err = module.run_command([ip, "-d", "-j", "link", "show", "dev", name])
    if rc != 0:
        if "does not exist" in err:
            module.fail_json(msg="name=%r: interface %s does not exist on this host" % (name, name))
        module.fail_json(msg="name=%r: cannot read interface %s: %s" % (name, name, err.strip()))
    try:
        return link_mtu.parse_link(out, name)
    except link_mtu.LinkError as exc:
        module.fail_json(msg=str(exc))


def has_ipv6(module, ip, name):
    rc, out, _err = module.run_command([ip, "-6", "-j", "addr", "show", "dev", name])
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
        ),
        supports_check_mode=True,
    )
    name, mtu = module.params["name"], module.params["mtu"]
    if not limits.valid_ifname(name):
        module.fail_json(msg="name=%r is not a valid interface name: %s" % (name, limits.IFNAME_RULE))
    error = link_mtu.check_mtu(mtu)
    if error:
        module.fail_json(msg=error)
    ip = module.get_bin_path("ip", required=True)
    link = read_link(module, ip, name)
    error = link_mtu.check_mtu(mtu, link)
    if error:
        module.fail_json(msg=error)
    previous = link["mtu"]
    changed = previous != mtu
    if changed and mtu < limits.IPV6_MIN_MTU and has_ipv6(module, ip, name):
        module.warn("%s has IPv6 addresses; at MTU %d (below %d) the kernel turns IPv6 off on it"
                    % (name, mtu, limits.IPV6_MIN_MTU))
    if changed and not module.check_mode:
        rc, _out, err = module.run_command([ip, "link", "set", "dev", name, "mtu", str(mtu)])
        if rc != 0:
            module.fail_json(msg="the kernel refused MTU %d on %s%s (ip link set dev %s mtu %d: %s)"
                             % (mtu, name, " (%s)" % link["kind"] if link["kind"] else "", name, mtu, err.strip()))
        link = read_link(module, ip, name)
        if link["mtu"] != mtu:
            module.fail_json(msg="%s has MTU %d after ip link set dev %s mtu %d" % (name, link["mtu"], name, mtu))
    result = dict(changed=changed, name=name, mtu=mtu, previous_mtu=previous, min_mtu=link["min_mtu"],
                  max_mtu=link["max_mtu"], kind=link["kind"])
    if module._diff:
        result["diff"] = dict(before=dict(name=name, mtu=previous), after=dict(name=name, mtu=mtu))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
