# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: cloud_init_user_data
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: cloud-init user_data that applies netpath.mtu's fixes at a node's first boot
description:
  - Returns cloud-init user_data (text) for auto-scaled nodes that applies the given fixes at the
    instance's first boot - a C(#cloud-config), or a MIME multi-part that joins a user_data the
    node has already (O(merge_with)) with ours.
  - Our cloud-config writes a Python 3 program (standard library only) and its plan (JSON) with
    C(write_files), and runs the program once from C(runcmd) as an argv list (no shell). The
    program applies each fix idempotently and non-interactively and logs each command, its exit
    status and each fix's outcome (changed, ok, skipped, failed) to O(log) on the node. It exits
    1 when a fix failed, so that C(cloud-init status) reports an error.
  - The clamp rule is the one M(netpath.mtu.mss_clamp) writes (the same code builds it); the
    WireGuard overhead comes from the collection's one overhead table.
  - The same input gives the same bytes - no time stamps; the MIME boundary is a hash of the
    parts.
  - A user_data to join must be a C(#cloud-config) that is a YAML mapping, a C(#!) script or a
    MIME multi-part whose parts cloud-init handles (a part named C(netpath-mtu.cfg), from an
    earlier render, is replaced). Its parts come first and ours last, with a C(Merge-Type) of
    V(list(append\)+dict(no_replace,recurse_list\)+str(\)) that appends our C(runcmd) and
    C(write_files) to the user's.
  - Bad input raises an error whose message names the option (with O(variable_prefix)) or the
    file (O(merge_with_name)) and the problem.
options:
  _input:
    description:
      - The fixes, in the order they are applied - V(mss_clamp) (a TCPMSS clamp, kept across
        reboots), V(wireguard_mtu) (C(MTU = N) in the wg-quick config and on the live link),
        V(docker_mtu) (C("mtu") in Docker's C(daemon.json), other keys kept).
    type: list
    elements: str
    required: true
  merge_with:
    description: The text of a user_data to join.
    type: str
  merge_with_b64:
    description:
      - The same as base64 (what M(ansible.builtin.slurp) returns), so that gzip or other binary
        data is told apart and refused with a clear message. Not with O(merge_with).
    type: str
  merge_with_name:
    description:
      - The file's name, for messages and as the part's file name (cloud-init writes a script
        part under it).
    type: str
  variable_prefix:
    description: Put before option names in messages (the role passes V(cloud_init_)).
    type: str
    default: ""
  format:
    description:
      - V(auto) - V(mime) when joining, else V(cloud-config). V(cloud-config) cannot join.
    type: str
    choices: [auto, cloud-config, mime]
    default: auto
  mss_clamp_mss:
    description: V(pmtu) (the kernel's clamp to the route's path MTU) or a number of bytes.
    type: raw
    default: pmtu
  mss_clamp_backend:
    description: How the node makes the clamp.
    type: str
    choices: [iptables, nftables]
    default: iptables
  mss_clamp_family:
    description: IP version the clamp applies to.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  mss_clamp_chain:
    description: V(FORWARD), V(OUTPUT) or V(POSTROUTING).
    type: str
    default: FORWARD
  mss_clamp_out_interface:
    description: Clamp only what leaves by this interface.
    type: str
  mss_clamp_persist:
    description:
      - Keep the clamp across reboots (iptables - C(iptables-persistent) installed when missing
        and C(netfilter-persistent save), or C(iptables-services) on the RHEL family; nftables -
        our table in O(mss_clamp_nftables_file), included from the configuration
        C(nftables.service) loads, and the service enabled).
    type: bool
    default: true
  mss_clamp_nftables_file:
    description: nftables - the file our table is saved to on the node.
    type: str
    default: /etc/nftables.d/netpath-mtu.nft
  mss_clamp_nftables_conf:
    description: nftables - the configuration C(nftables.service) loads; null - the distribution's.
    type: str
  wireguard_interface:
    description: The WireGuard interface.
    type: str
    default: wg0
  wireguard_config:
    description: The wg-quick config; null - C(/etc/wireguard/INTERFACE.conf).
    type: str
  wireguard_mtu:
    description:
      - V(auto) - the MTU of the route to the first peer's endpoint minus WireGuard's overhead
        (60 over IPv4, 80 over IPv6 or for a name), at first boot; or a number 1280..65535.
    type: raw
    default: auto
  docker_mtu:
    description: V(auto) - the default route's interface MTU at first boot; or a number 1280..65535.
    type: raw
    default: auto
  docker_daemon_json:
    description: Docker's daemon configuration on the node.
    type: str
    default: /etc/docker/daemon.json
  docker_restart:
    description: Restart a running Docker when the mtu changed (else the log says to).
    type: bool
    default: false
  log:
    description: The log of the first-boot program on the node.
    type: str
    default: /var/log/netpath-mtu-cloud-init.log
  python:
    description: The Python 3 that runs the first-boot program on the node.
    type: str
    default: python3
  program_encoding:
    description: V(gzip) (C(gz+b64) in C(write_files), about 9 KB) or V(text) (about 22 KB, readable).
    type: str
    choices: [gzip, text]
    default: gzip
"""

EXAMPLES = r"""
- name: >-
    A launch template's user_data - the clamp of the container-requests-time-out case, joined with the
    node's own script
  ansible.builtin.copy:
    dest: /srv/launch/user-data
    content: >-
      {{ ['mss_clamp', 'docker_mtu'] | netpath.mtu.cloud_init_user_data(
           merge_with=lookup('ansible.builtin.file', 'asg-node.sh'), merge_with_name='asg-node.sh',
           docker_mtu=1450) }}
    mode: "0600"

- name: "A #cloud-config alone, nftables"
  ansible.builtin.set_fact:
    user_data: "{{ ['mss_clamp'] | netpath.mtu.cloud_init_user_data(mss_clamp_backend='nftables') }}"
"""

RETURN = r"""
_value:
  description: The user_data, a C(#cloud-config) document or a MIME multi-part.
  type: str
"""

import base64
import binascii

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init, schema


def cloud_init_user_data(fixes, merge_with=None, merge_with_b64=None, merge_with_name=None, variable_prefix="",
                         **options):
    schema.check(merge_with, schema.USER_DATA, "merge_with", AnsibleFilterError, "cloud_init_user_data")
    for name, value in (("merge_with_b64", merge_with_b64), ("merge_with_name", merge_with_name),
                        ("variable_prefix", variable_prefix)):
        schema.check(value, schema.TEXT, name, AnsibleFilterError, "cloud_init_user_data")
    for name in sorted(set(options) & set(cloud_init.OPTIONS)):
        # the role's variable name: cloud_init_mss_clamp_family
        schema.check(options[name], schema.CLOUD_INIT_OPTION, str(variable_prefix or "") + name, AnsibleFilterError,
                     "cloud_init_user_data")
    if merge_with is not None and merge_with_b64 is not None:
        raise AnsibleFilterError("cloud_init_user_data: give merge_with or merge_with_b64, not both")
    data = merge_with
    if merge_with_b64 is not None:
        try:
            data = base64.b64decode(str(merge_with_b64), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AnsibleFilterError("cloud_init_user_data: merge_with_b64 is not base64 (%s)" % exc) from None
    try:
        return cloud_init.render(fixes, options, data, merge_with_name, str(variable_prefix or ""))
    except cloud_init.CloudInitError as exc:
        raise AnsibleFilterError("cloud_init_user_data: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"cloud_init_user_data": cloud_init_user_data}
