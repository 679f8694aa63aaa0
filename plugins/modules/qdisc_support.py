#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: qdisc_support
short_description: Report whether the kernel has a queueing discipline, and the interfaces' root qdiscs
version_added: 0.1.0
description:
  - Tells whether the running kernel can use the qdisc O(kind) (C(fq_codel), C(cake) or C(fq)),
    how (loaded, built in or loadable as a module), and why not when it cannot, with the evidence.
  - "It reads C(/sys/module/sch_KIND), C(/lib/modules/RELEASE/modules.builtin) and C(modules.dep),
    the kernel's config (C(/proc/config.gz) or C(/boot/config-RELEASE)) and whether the kernel
    loads modules at all (C(/proc/modules)); then, with O(probe), it proves the answer with tc:
    C(unshare --net tc qdisc replace dev lo root KIND) sets the qdisc on the loopback device of a
    network namespace of its own, which vanishes with it, so nothing on the host changes."
  - It also reads the root qdisc of each of O(interfaces) (C(tc -j qdisc show dev NAME)) and
    C(net.core.default_qdisc), and names the systemd units the role C(netpath.mtu.qdisc) uses.
  - It changes nothing. With O(fail_when_missing), a kernel without the qdisc fails the task with
    a message naming the missing module, the interfaces and the evidence.
  - An interface that does not exist, or a name that is not an interface name, fails the task.
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(tc) from iproute2 on the target (packaged as iproute-tc on RHEL and Fedora).
  - C(unshare) from util-linux for the probe (O(probe=true)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
  - netpath.mtu.attributes.read_only
attributes:
  check_mode:
    details: >-
      The same reads. The tc probe runs too, except when it would load a module (the files say
      the qdisc is loadable and it is not loaded yet): then the files' answer stands.
options:
  kind:
    description:
      - The qdisc, named as tc names it.
    type: str
    choices: [fq_codel, cake, fq]
    default: fq_codel
  interfaces:
    description:
      - Interfaces whose root qdisc to report; each must exist.
      - Linux interface names - 1 to 15 characters of letters, digits, C(_), C(.), C(+), C(@) and
        C(-), not C(.) or C(..).
    type: list
    elements: str
    default: []
  probe:
    description:
      - Prove the answer with tc in a throwaway network namespace (needs root and C(unshare) from
        util-linux). Without it, the files alone decide.
    type: bool
    default: true
  fail_when_missing:
    description:
      - "Fail when the kernel lacks the qdisc, with a message like: the kernel 6.18.44 lacks the
        sch_fq_codel module (not built in, not loadable): cannot set fq_codel on eth0; nothing was
        changed (the evidence)."
    type: bool
    default: false
notes:
  - Needs C(tc) from iproute2; the probe needs root (C(become)).
  - C(net.core.default_qdisc) is not namespaced - it exists only in the host's first network
    namespace, so a container sees none (RV(default_qdisc) is null).
seealso:
  - module: netpath.mtu.mtu_facts
"""

EXAMPLES = r"""
- name: Check that the kernel has fq_codel before anything changes
  netpath.mtu.qdisc_support:
    kind: fq_codel
    interfaces: [eth0]
    fail_when_missing: true
  become: true
  register: support

- name: Say how
  ansible.builtin.debug:
    msg: "fq_codel is {{ support.how }}; eth0's root qdisc is {{ support.interfaces.eth0.root }}"

- name: Ask about cake without failing
  netpath.mtu.qdisc_support:
    kind: cake
  become: true
  register: cake

- name: Show why cake is missing
  ansible.builtin.debug:
    msg: "{{ cake.evidence }}"
  when: not cake.available
"""

RETURN = r"""
available:
  description: Whether the kernel can use the qdisc.
  returned: success
  type: bool
  sample: false
how:
  description: What the files say - C(loaded), C(built in), C(loadable), or null when they show no trace of it.
  returned: success
  type: str
  sample: built in
missing:
  description: Why it cannot, as in the failure message (C(not built in, not loadable)); null when available.
  returned: success
  type: str
  sample: not built in, not loadable
evidence:
  description: What was read and tried, one sentence each.
  returned: success
  type: list
  elements: str
  sample:
    - modules.builtin lists kernel/net/sched/sch_fq_codel.ko
    - tc qdisc replace dev lo root fq_codel in a new network namespace succeeded
kind:
  description: The qdisc asked about.
  returned: success
  type: str
  sample: fq_codel
module:
  description: Its kernel module.
  returned: success
  type: str
  sample: sch_fq_codel
kernel:
  description: The running kernel's release (C(uname -r)).
  returned: success
  type: str
  sample: 6.1.0-41-amd64
default_qdisc:
  description: C(net.core.default_qdisc), null where it cannot be seen (a network namespace other than the first).
  returned: success
  type: str
  sample: pfifo_fast
interfaces:
  description:
    - Each interface asked about - the kind (C(root)) and handle of its root qdisc, and the systemd
      units the role uses for it.
  returned: success
  type: dict
  sample:
    eth0:
      root: pfifo_fast
      handle: "0:"
      unit: netpath-qdisc@eth0.service
      device_unit: sys-subsystem-net-devices-eth0.device
tc:
  description: The path of tc on the host.
  returned: success
  type: str
  sample: /usr/sbin/tc
"""

import gzip
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands, limits, qdisc


def read(path, opener=open):
    try:
        with opener(path, "rt") as handle:
            return handle.read()
    except (OSError, EOFError):
        return None


def kernel_config(release):
    text = read("/proc/config.gz", gzip.open)
    if text is not None:
        return text, "/proc/config.gz"
    path = "/boot/config-%s" % release
    return read(path), path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kind=dict(type="str", default="fq_codel", choices=list(qdisc.KINDS)),
            interfaces=dict(type="list", elements="str", default=[]),
            probe=dict(type="bool", default=True),
            fail_when_missing=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    kind, interfaces = module.params["kind"], module.params["interfaces"]
    for name in interfaces:
        if not limits.valid_ifname(name):
            module.fail_json(msg="interfaces: %r is not a valid interface name: %s" % (name, limits.IFNAME_RULE))
    absent = [name for name in interfaces if not os.path.exists("/sys/class/net/%s" % name)]
    if absent:
        module.fail_json(msg="interface %s does not exist on this host" % ", ".join(absent))
    tc = module.get_bin_path("tc", required=True)
    release = os.uname()[2]
    modules_dir = "/lib/modules/%s" % release
    config_text, config_source = kernel_config(release)
    facts = dict(
        sys_module=os.path.isdir("/sys/module/%s" % qdisc.module_name(kind)),
        builtin_text=read(modules_dir + "/modules.builtin"),
        dep_text=read(modules_dir + "/modules.dep"),
        config_text=config_text, config_source=config_source,
        modules_supported=os.path.exists("/proc/modules"),
    )
    assessment = qdisc.assess(kind, release, **facts)
    note = None
    if module.params["probe"] and qdisc.probe_wanted(assessment, module.check_mode):
        unshare = module.get_bin_path("unshare")
        if unshare is None:
            note = "could not try tc in a new network namespace: no unshare on this host"
        else:
            rc, _out, err = commands.run(qdisc.probe_argv(unshare, tc, kind))
            if rc != 0 and err.lstrip().startswith("unshare:"):
                note = "could not try tc in a new network namespace: %s" % " ".join(err.split())
            else:
                assessment = qdisc.assess(kind, release, probe=dict(rc=rc, stderr=err), **facts)
    if note:
        assessment["evidence"].append(note)
        module.warn(note + "; the kernel's files alone decide")

    found = {}
    for name in interfaces:
        rc, out, err = commands.run([tc, "-j", "qdisc", "show", "dev", name])
        if rc != 0:
            module.fail_json(msg="cannot read the qdiscs of %s: %s" % (name, err.strip()))
        try:
            root = qdisc.root_qdisc(out, name) or {}
        except qdisc.QdiscError as exc:
            module.fail_json(msg=str(exc))
        found[name] = dict(root=root.get("kind"), handle=root.get("handle"), unit=qdisc.unit_name(name),
                           device_unit=qdisc.device_unit(name))
    default = read("/proc/sys/net/core/default_qdisc")

    result = dict(changed=False, kind=kind, module=qdisc.module_name(kind), kernel=release, tc=tc,
                  default_qdisc=default.strip() if default is not None else None, interfaces=found,
                  **assessment)
    if module.params["fail_when_missing"] and not assessment["available"]:
        module.fail_json(msg=qdisc.failure_message(kind, release, interfaces, assessment), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
