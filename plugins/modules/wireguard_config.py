#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: wireguard_config
short_description: Read a wg-quick config and set its MTU and PersistentKeepalive, keys kept on the host
version_added: 0.2.0
description:
  - Reads a wg-quick config (for example C(/etc/wireguard/wg0.conf)) on the host and returns its
    structure - the sections, the C([Interface]) MTU, each peer's PersistentKeepalive and
    endpoint - never a key. The private key never leaves the host.
  - With O(mtu) and/or O(keepalive), sets C(MTU) in the C([Interface]) section and
    C(PersistentKeepalive) in every C([Peer]) section. The last line of a setting gets the value
    (wg-quick takes the last) and earlier ones go; a section without the setting gets it after
    its last setting. Every other byte stays - comments, unknown keys, blank lines, line endings.
  - The file is written atomically and keeps its owner, group and mode (0600 for a file holding
    a private key); a symbolic link is followed and stays a link.
  - A file that is missing, is not a regular file, or does not parse as a wg-quick config (no or
    several C([Interface]) sections, a line that is neither a section, a setting in a section
    nor a comment, a section other than C([Interface]) and C([Peer])) fails with a message
    naming the file and what is wrong, and nothing is changed.
  - The live interface is not touched - set its MTU with M(netpath.mtu.link_mtu), or restart
    C(wg-quick@IF); the netpath.mtu.wireguard_mtu role does both and verifies the change.
  - With O(interface), reads that live interface in the same run (RV(live)) - its MTU, whether it
    is a WireGuard interface, its peers' endpoints and keepalives, and ids of the public keys (a
    digest, never a key) - so that a caller needs no other module to read it.
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and parses the file and works out the change; writes nothing.
  diff_mode:
    support: full
    details: The file before and after, with the value of every PrivateKey, PublicKey and
      PresharedKey, and anything shaped like a WireGuard key, shown as C(<hidden>).
  platform:
    platforms: posix
options:
  path:
    description:
      - The wg-quick config, an absolute path.
    type: path
    required: true
  mtu:
    description:
      - The MTU to set in the C([Interface]) section, 68..65535 (WireGuard carries IPv6 only from
        1280). Omit to leave it as it is.
    type: int
  keepalive:
    description:
      - The PersistentKeepalive to set in every C([Peer]) section, in seconds 0..65535 (0 = off).
        Omit to leave it as it is.
    type: int
  interface:
    description:
      - A live interface to read as well (RV(live)), for example C(wg0). Read only, in check mode too.
    type: str
    version_added: 0.2.0
  backup:
    description:
      - Keep a copy of the file as it was, next to it (returned as RV(backup_file), with the
        file's mode), before changing it. The copy holds the private key; remove it when done.
    type: bool
    default: false
requirements:
  - C(ip) from iproute2 and C(wg) from wireguard-tools, for O(interface) only.
notes:
  - Needs to read (and, to change it, write) the file - usually root (C(become)).
seealso:
  - module: netpath.mtu.link_mtu
  - module: netpath.mtu.mtu_facts
"""

EXAMPLES = r"""
- name: Read wg0's config (its MTU, peers and keepalives; no key)
  netpath.mtu.wireguard_config:
    path: /etc/wireguard/wg0.conf
  register: wg0
  become: true

- name: Set MTU 1340 and a keepalive of 25 s, keeping a backup
  netpath.mtu.wireguard_config:
    path: /etc/wireguard/wg0.conf
    mtu: 1340
    keepalive: 25
    backup: true
  register: wg0_write
  become: true
"""

RETURN = r"""
config:
  description: The config (O(path)).
  returned: always
  type: str
  sample: /etc/wireguard/wg0.conf
mtu:
  description: The C([Interface]) MTU after the task (in check mode, what it would be), as written
    in the file (a string; null when none is set).
  returned: success
  type: str
  sample: "1340"
previous_mtu:
  description: The C([Interface]) MTU before the task, as written in the file, null when none was set.
  returned: success
  type: str
  sample: "1420"
peers:
  description: Each C([Peer]) section in file order, after the task - its endpoint and PersistentKeepalive
    as written (null when not set) and the line it starts on (1-based). Never a key.
  returned: success
  type: list
  elements: dict
  sample: [{"line": 8, "endpoint": "10.2.0.2:51820", "keepalive": "25"}]
previous_keepalives:
  description: Each peer's PersistentKeepalive before the task, in file order (null when not set).
  returned: success
  type: list
  elements: str
  sample: ["15", null]
backup_file:
  description: The copy of the file as it was, when O(backup) is true and the file changed (not in check mode).
  returned: changed and backup is true
  type: str
  sample: /etc/wireguard/wg0.conf.12345.2026-12-05@09:00:00~
owner:
  description: The file's owner.
  returned: success
  type: str
  sample: root
group:
  description: The file's group.
  returned: success
  type: str
  sample: root
mode:
  description: The file's permissions, in octal.
  returned: success
  type: str
  sample: "0600"
check_mode:
  description: Whether the task ran in check mode (also when C(check_mode) was set on a task, block or
    import rather than with C(--check)).
  returned: success
  type: bool
  sample: false
  version_added: 0.2.0
live:
  description:
    - The live interface O(interface), read before any change.
    - C(exists) and C(mtu) from C(ip -j link show); C(wireguard) is true when C(wg show all dump) lists
      the interface, C(unavailable) says why WireGuard could not be read (no C(wg), or not root), null
      when it could.
    - C(peers) as M(netpath.mtu.mtu_facts) gives them (endpoint, allowed_ips, persistent_keepalive, ...).
    - C(public_key_id) and C(peer_key_ids) are short digests of the interface's and its peers' public
      keys (equal keys, equal ids on every host), to tell whether a peer is an interface of another
      host, without a key in the output.
  returned: success, when O(interface) is given
  type: dict
  sample: {"name": "wg0", "exists": true, "mtu": 1420, "wireguard": true, "unavailable": null,
           "peers": [{"endpoint": "10.2.0.2:51820", "persistent_keepalive": 25}],
           "public_key_id": "3f2a9c0b1d4e5f60", "peer_key_ids": ["9b1c2d3e4f506172"]}
  version_added: 0.2.0
problem:
  description: What is wrong with the file, without its path (for a caller that names it its own way).
  returned: failure, when the file is missing or not a wg-quick config
  type: str
  sample: "does not parse as a wg-quick config: it has no [Interface] section"
"""

import grp
import json
import os
import pwd
import stat
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands, limits, parsers, wg_quick


def owner_group(st):
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return owner, group


def read(module, path):
    """(text, stat) of the config, or a failure naming the path and the problem."""
    def fail(problem):
        module.fail_json(msg="%s %s. Nothing was changed." % (path, problem), config=path, problem=problem)

    if not os.path.isabs(path):
        fail("is not an absolute path")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        fail("does not exist")
    except OSError as exc:
        fail("cannot be read (%s)" % exc.strerror)
    if not stat.S_ISREG(st.st_mode):
        fail("is not a regular file")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        fail("is not text (UTF-8)")
    except OSError as exc:
        fail("cannot be read (%s)" % exc.strerror)
    # Nothing the module returns holds a key; this masks one that would slip through anyway.
    module.no_log_values.update(wg_quick.secrets(text))
    found = wg_quick.problems(wg_quick.parse(text))
    if found:
        fail("does not parse as a wg-quick config: %s" % "; ".join(found))
    return text, st


def write(module, path, text):
    """Replace the file (through a symlink to its target) atomically, keeping owner, group and mode."""
    target = os.path.realpath(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(target), dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        module.atomic_move(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_live(module, name):
    """The live interface `name`: RV(live) (see RETURN)."""
    live = {"name": name, "exists": False, "mtu": None, "wireguard": False, "unavailable": None,
            "peers": [], "public_key_id": None, "peer_key_ids": []}
    rc, out, err = commands.run([module.get_bin_path("ip", required=True), "-j", "link", "show", "dev", name])
    if rc != 0 and "does not exist" in err:
        return live
    if rc != 0:
        module.fail_json(msg="interface=%s: cannot read it: %s" % (name, err.strip()))
    try:
        live.update(exists=True, mtu=parsers.link_mtu(out))
    except parsers.ParseError as exc:
        module.fail_json(msg="interface=%s: %s" % (name, exc))
    wg = module.get_bin_path("wg")
    if wg is None:
        live["unavailable"] = "wg (wireguard-tools) is not installed"
        return live
    rc, out, err = commands.run([wg, "show", "all", "dump"])
    # The dump holds each interface's private key: masked in anything returned, and never kept.
    module.no_log_values.update(wg_quick.KEY_SHAPE.findall(out))
    if rc != 0:
        live["unavailable"] = "wg show all dump: %s" % (err.strip() or "exit code %d" % rc)
        return live
    try:
        dumped = parsers.wireguard_dump(out, time.time())
    except parsers.ParseError as exc:
        live["unavailable"] = str(exc)
        return live
    if name in dumped:
        live.update(wireguard=True, peers=dumped[name]["peers"], **wg_quick.live_key_ids(out, name))
    return live


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            mtu=dict(type="int"),
            keepalive=dict(type="int"),
            interface=dict(type="str"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    path, mtu, keepalive = module.params["path"], module.params["mtu"], module.params["keepalive"]
    interface = module.params["interface"]
    if interface is not None and not limits.valid_ifname(interface):
        problem = "interface %s is not a valid interface name: %s" % (json.dumps(interface), limits.IFNAME_RULE)
        module.fail_json(msg="%s. Nothing was changed." % problem, config=path, problem=problem)
    text, st = read(module, path)
    try:
        new = wg_quick.render(text, mtu=mtu, keepalive=keepalive)
    except wg_quick.WgQuickError as exc:
        module.fail_json(msg="%s. Nothing was changed." % exc, config=path, problem=str(exc))
    before, after = wg_quick.parse(text), wg_quick.parse(new)
    owner, group = owner_group(st)
    result = dict(
        changed=new != text, config=path, mtu=after["mtu"], previous_mtu=before["mtu"],
        peers=[{"line": p["line"] + 1, "endpoint": p["endpoint"], "keepalive": p["keepalive"]} for p in after["peers"]],
        previous_keepalives=[p["keepalive"] for p in before["peers"]],
        owner=owner, group=group, mode="%04o" % stat.S_IMODE(st.st_mode), check_mode=module.check_mode,
    )
    if interface is not None:
        result["live"] = read_live(module, interface)
    if result["changed"] and module._diff:
        result["diff"] = {"before": wg_quick.redact(text), "after": wg_quick.redact(new),
                          "before_header": path, "after_header": path}
    if result["changed"] and not module.check_mode:
        if module.params["backup"]:
            result["backup_file"] = module.backup_local(os.path.realpath(path))
        write(module, path, new)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
