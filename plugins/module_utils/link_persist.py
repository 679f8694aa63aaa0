# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where link_mtu's `persist` writes an MTU, as plain functions: which backend, which file, what text.

Each backend's plan is data the module carries out: {"backend", "where", "file", "before",
"after" (the file's text, None for nmcli), "commands" (argument lists, run in order after the
file is written), "check" (a command that must succeed before anything is applied, else the old
file goes back), "notes"}. A plan whose before equals its after and that has no nmcli change
changes nothing (idempotence).
"""

import re

from ansible_collections.netpath.mtu.plugins.module_utils import link_managers

PERSIST = ("none", "auto", "networkd", "networkmanager", "netplan", "ifupdown")
PERSIST_DHCP = ("keep", "ignore")
NETWORKD_DIR = "/etc/systemd/network"
DROPIN = "90-netpath-mtu.conf"
NETPLAN_FILE = "/etc/netplan/90-netpath-mtu.yaml"
MARK = "# netpath.mtu link_mtu: written by persist, changed by it again"
NETPLAN_KIND = "ethernets"


class PersistError(ValueError):
    """The MTU cannot be persisted as asked; the message says what was found."""


def choose(persist, name, managed):
    """The backend for `persist` on `name`, given its managed_by; PersistError when there is none."""
    manager = (managed or {}).get("manager", "none")
    if persist == "auto":
        if manager == "none":
            raise PersistError(
                "persist=auto: nothing manages %s (no systemd-networkd .network file, NetworkManager connection, "
                "netplan definition or ifupdown stanza names it); set persist to the manager to write it in, "
                "or none" % name)
        if not managed.get("running"):
            raise PersistError("persist=auto: %s is configured by %s in %s, but %s is not running" % (
                name, manager, managed.get("file"), {"networkd": "systemd-networkd",
                                                     "networkmanager": "NetworkManager"}.get(
                    manager, managed.get("renderer") or manager)))
        return manager
    if persist == "networkmanager" and not (managed or {}).get("connection"):
        raise PersistError("persist=networkmanager: NetworkManager has no active connection on %s (%s)"
                           % (name, _found(managed)))
    return persist


def _found(managed):
    if not managed or managed.get("manager") == "none":
        return "nothing manages it"
    return "managed by %s%s" % (managed["manager"], " in %s" % managed["file"] if managed.get("file") else "")


# --- systemd-networkd ---------------------------------------------------------------------------


def networkd_dropin_path(network_file):
    """/etc/systemd/network/NAME.network.d/90-netpath-mtu.conf: /etc's drop-ins apply to a .network
    file of that name wherever it is (/run, /usr/lib), and the user's file is never edited."""
    return "%s/%s.d/%s" % (NETWORKD_DIR, network_file.rsplit("/", 1)[1], DROPIN)


def networkd_plan(name, mtu, network_file, other_matches, before, ignore_dhcp, running=True):
    if not network_file:
        raise PersistError("persist=networkd: no .network file of systemd-networkd matches %s" % name)
    if other_matches:
        raise PersistError("persist=networkd: %s matches %s as well, and a drop-in would set their MTU too; "
                           "give %s a .network file of its own" % (network_file, ", ".join(other_matches), name))
    text = "%s\n# the MTU of %s\n[Link]\nMTUBytes=%d\n" % (MARK, name, mtu)
    if ignore_dhcp:
        text += "\n# the DHCP server's MTU (option 26) is not taken on this link\n[DHCPv4]\nUseMTU=no\n"
    path = networkd_dropin_path(network_file)
    # reload makes networkd read the drop-in without touching the link (the MTU is already live)
    return {"backend": "networkd", "where": path, "file": path, "before": before, "after": text,
            "commands": [["networkctl", "reload"]] if running else [], "check": None,
            "notes": [] if running else ["systemd-networkd is not running: it reads the drop-in when it starts"]}


# --- netplan ------------------------------------------------------------------------------------


def netplan_text(entries):
    """Our netplan file for {name: {mtu, ignore_dhcp, kind}}, one definition per interface."""
    lines = [MARK, "network:", "  version: 2"]
    for kind in sorted(set(e["kind"] for e in entries.values())):
        lines.append("  %s:" % kind)
        for name in sorted(n for n, e in entries.items() if e["kind"] == kind):
            lines += ["    %s:" % name, "      mtu: %d" % entries[name]["mtu"]]
            if entries[name].get("ignore_dhcp"):
                lines += ["      dhcp4-overrides:", "        use-mtu: false"]
    return "\n".join(lines) + "\n"


def netplan_entries(text):
    """{name: {mtu, ignore_dhcp, kind}} of our own netplan file's text."""
    entries, kind = {}, None
    for line in (text or "").splitlines():
        match = re.match(r"^  ([a-z-]+):$", line)
        if match and match.group(1) in link_managers.NETPLAN_KINDS:
            kind = match.group(1)
    for name, entry in link_managers.netplan_definitions(text or "").items():
        entries[name] = {"mtu": entry["mtu"], "ignore_dhcp": entry["use_mtu"] is False, "kind": kind or NETPLAN_KIND}
    return entries


def netplan_plan(name, mtu, managed, before, ignore_dhcp):
    if not managed or managed.get("manager") != "netplan":
        raise PersistError("persist=netplan: no netplan file defines %s (%s)" % (name, _found(managed)))
    entries = netplan_entries(before)
    entries[name] = {"mtu": mtu, "ignore_dhcp": ignore_dhcp, "kind": managed.get("kind") or NETPLAN_KIND}
    renderer = managed.get("renderer") or "networkd"
    reload = ["networkctl", "reload"] if renderer == "networkd" else ["nmcli", "connection", "reload"]
    notes = []
    if managed.get("cloud_init"):
        notes.append("%s is cloud-init's; %s is merged over it and cloud-init does not rewrite it"
                     % (managed.get("file"), NETPLAN_FILE))
    # generate renders the merged files and fails on a bad one before the renderer is told
    return {"backend": "netplan", "where": NETPLAN_FILE, "file": NETPLAN_FILE, "before": before,
            "after": netplan_text(entries), "commands": [reload], "check": ["netplan", "generate"], "notes": notes}


# --- ifupdown -----------------------------------------------------------------------------------


def ifupdown_edit(text, name, mtu):
    """The interfaces file with `mtu MTU` in the IPv4 stanza of `name` (replaced or added)."""
    lines = text.splitlines()
    start = None
    for index, line in enumerate(lines):
        words = line.split()
        if len(words) >= 4 and words[0] == "iface" and words[1] == name and words[2] == "inet":
            start = index
            break
    if start is None:
        raise PersistError("persist=ifupdown: no `iface %s inet` stanza" % name)
    end, indent = start + 1, "    "
    while end < len(lines):
        words = lines[end].split()
        if words and (words[0] in ("iface", "auto", "mapping", "source", "source-directory")
                      or words[0].startswith("allow-")):
            break
        if words and not words[0].startswith("#"):
            indent = lines[end][:len(lines[end]) - len(lines[end].lstrip())] or indent
        end += 1
    for index in range(start + 1, end):
        if lines[index].split()[:1] == ["mtu"]:
            lines[index] = "%smtu %d" % (lines[index][:len(lines[index]) - len(lines[index].lstrip())], mtu)
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, "%smtu %d" % (indent, mtu))
    return "\n".join(lines) + "\n"


def dhclient_supersede(conf, name, mtu):
    """dhclient.conf with our `interface "NAME" { supersede interface-mtu MTU; }` block (replaced or added)."""
    block = 'interface "%s" { supersede interface-mtu %d; }  %s' % (name, mtu, MARK.lstrip("# "))
    pattern = re.compile(r'^interface "%s" \{ supersede interface-mtu \d+; \}  .*$' % re.escape(name), re.M)
    if pattern.search(conf or ""):
        return pattern.sub(block, conf)
    return (conf or "") + ("" if not conf or conf.endswith("\n") else "\n") + block + "\n"


def ifupdown_plan(name, mtu, managed, before, dhclient_before, ignore_dhcp):
    if not managed or managed.get("manager") != "ifupdown":
        raise PersistError("persist=ifupdown: no ifupdown stanza for %s (%s)" % (name, _found(managed)))
    if managed.get("dhcp"):
        # ifupdown's dhcp method has no mtu option: dhclient-script sets the MTU it is given, and
        # supersede gives it ours whatever the server offers
        return {"backend": "ifupdown", "where": link_managers.DHCLIENT_CONF, "file": link_managers.DHCLIENT_CONF,
                "before": dhclient_before, "after": dhclient_supersede(dhclient_before, name, mtu), "commands": [],
                "check": None, "notes": ["%s is configured by DHCP (%s): dhclient keeps MTU %d on every lease, "
                                         "whatever the server offers" % (name, managed.get("stanza"), mtu)]}
    return {"backend": "ifupdown", "where": "%s (%s)" % (managed["file"], managed.get("stanza")),
            "file": managed["file"], "before": before, "after": ifupdown_edit(before, name, mtu), "commands": [],
            "check": None, "notes": []}


# --- NetworkManager -----------------------------------------------------------------------------


def nm_plan(name, mtu, managed):
    setting = managed.get("mtu_setting")
    if not setting:
        raise PersistError("persist=networkmanager: the connection %r of %s is of type %s, whose MTU nmcli "
                           "cannot set" % (managed.get("connection"), name, managed.get("type")))
    changed = managed.get("mtu") != mtu
    # reapply applies the profile to the device without taking it down
    commands = [["nmcli", "connection", "modify", managed["connection"], setting, str(mtu)],
                ["nmcli", "device", "reapply", name]] if changed else []
    return {"backend": "networkmanager", "where": "connection %s (%s)" % (managed["connection"], setting),
            "file": None, "before": "%s: %s\n" % (setting, managed.get("mtu") or "auto"),
            "after": "%s: %d\n" % (setting, mtu), "commands": commands, "check": None,
            "notes": ["NetworkManager takes no DHCP MTU while the connection sets one"] if managed.get("dhcp") else []}


def dhcp_warning(name, managed, backend, ignore_dhcp):
    """What to tell the user when DHCP may set the MTU over the persisted one."""
    # NetworkManager and networkd ignore the DHCP MTU once the MTU we write is set (nmcli's
    # setting, networkd's MTUBytes= in the drop-in)
    if not (managed or {}).get("dhcp_sets_mtu") or backend in ("networkmanager", "networkd"):
        return None
    if ignore_dhcp or (backend == "ifupdown" and managed.get("dhcp")):
        return None
    return ("%s gets its address from DHCP and %s takes the MTU the DHCP server offers (option 26), which "
            "replaces this one at the next lease; persist_dhcp=ignore makes it ignore that MTU for %s"
            % (name, backend, name))
