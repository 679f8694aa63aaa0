# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which network manager owns an interface, the MTU it configures there, and whether DHCP may set it.

Plain functions on the text of the managers' files and the machine-readable output of their
tools: systemd-networkd (.network files with drop-ins, `networkctl --json=short list`),
NetworkManager (`nmcli -t`: nmcli has no JSON output, its terse mode is the one meant for
scripts), netplan (its YAML, read as far as netplan's network definitions need: the targets
have no YAML parser in the standard library) and ifupdown (/etc/network/interfaces and what it
sources, dhclient.conf). `owner()` decides from them; mtu_facts reports it as each interface's
`managed_by`, and link_mtu's `persist` writes the MTU there.
"""

import fnmatch
import json
import re

MANAGERS = ("networkd", "networkmanager", "netplan", "ifupdown")
NETWORKD_DIRS = ("/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network", "/lib/systemd/network")
NETPLAN_DIRS = ("/lib/netplan", "/etc/netplan", "/run/netplan")  # later directories override earlier ones
INTERFACES_FILE = "/etc/network/interfaces"
DHCLIENT_CONF = "/etc/dhcp/dhclient.conf"
CLOUD_INIT_NETPLAN = "50-cloud-init.yaml"
# netplan renders each definition into one of these, so the manager that runs it names netplan's file
NETPLAN_NETWORKD_PREFIX = "/run/systemd/network/10-netplan-"
NETPLAN_NM_PREFIX = "/run/NetworkManager/system-connections/netplan-"
# nmcli's setting that holds a connection's MTU, by connection type
NM_MTU_SETTING = {"802-3-ethernet": "802-3-ethernet.mtu", "vlan": "802-3-ethernet.mtu",
                  "bridge": "802-3-ethernet.mtu", "bond": "802-3-ethernet.mtu",
                  "wireguard": "wireguard.mtu", "ip-tunnel": "ip-tunnel.mtu", "infiniband": "infiniband.mtu",
                  "802-11-wireless": "802-11-wireless.mtu"}
TRUE = ("yes", "true", "1", "on")


def _bool(text):
    return str(text).strip().lower() in TRUE


def _int(text):
    try:
        return int(str(text).strip().strip('"').strip("'"))
    except ValueError:
        return None


# --- systemd-networkd ---------------------------------------------------------------------------


def parse_unit(text):
    """systemd's ini syntax -> {section: {key: [values in order]}} (repeated sections merge)."""
    sections, current = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is not None and "=" in line:
            key, _sep, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _last(sections, section, key):
    values = (sections.get(section) or {}).get(key) or []
    return values[-1] if values else None


def networkd_matches(sections, name):
    """Whether the [Match] of a .network file takes the interface `name`.

    Name= globs (space-separated, a leading ! negates the list); a file whose [Match] tests
    anything else (MAC address, driver, path) is taken as matching only when it also names the
    interface, since those properties are not known here.
    """
    match = sections.get("Match") or {}
    patterns = " ".join(match.get("Name") or []).split()
    if not patterns:
        return not match
    negate = patterns[0].startswith("!")
    hit = any(fnmatch.fnmatchcase(name, p.lstrip("!")) for p in patterns)
    return hit != negate


def networkd_settings(main_text, dropin_texts=()):
    """{mtu, dhcp, use_mtu} of a .network file and its drop-ins (in the order networkd reads them)."""
    sections = parse_unit(main_text)
    for text in dropin_texts:
        for section, keys in parse_unit(text).items():
            for key, values in keys.items():
                sections.setdefault(section, {}).setdefault(key, []).extend(values)
    dhcp = (_last(sections, "Network", "DHCP") or "no").lower()
    use_mtu = _last(sections, "DHCPv4", "UseMTU") or _last(sections, "DHCP", "UseMTU")
    mtu = _last(sections, "Link", "MTUBytes")
    return {"mtu": _int(mtu) if mtu else None,
            "dhcp": dhcp in TRUE + ("ipv4", "both"),
            # networkd leaves the DHCP server's MTU alone unless UseMTU=yes (systemd.network(5))
            "use_mtu": _bool(use_mtu) if use_mtu is not None else False}


def networkd_file_for(files, name):
    """The .network file networkd applies to `name`: the first matching one by file name.

    `files` maps each path in NETWORKD_DIRS to its text; a name in /etc hides the same name in
    /run and /usr/lib (systemd.network(5)).
    """
    by_name = {}
    for directory in NETWORKD_DIRS:
        for path in sorted(p for p in files if p.startswith(directory + "/") and p.endswith(".network")):
            by_name.setdefault(path.rsplit("/", 1)[1], path)
    for base in sorted(by_name):
        if networkd_matches(parse_unit(files[by_name[base]]), name):
            return by_name[base]
    return None


def networkctl_links(text):
    """`networkctl --json=short list` -> {name: {network_file, setup_state}}."""
    data = json.loads(text) if text.strip() else {}
    links = {}
    for item in data.get("Interfaces") or []:
        if isinstance(item, dict) and item.get("Name"):
            # systemd 252 (Debian 12) calls the setup state AdministrativeState, later ones SetupState
            links[item["Name"]] = {"network_file": item.get("NetworkFile"),
                                   "setup_state": item.get("SetupState") or item.get("AdministrativeState")}
    return links


# --- NetworkManager -----------------------------------------------------------------------------


def nmcli_fields(text):
    """`nmcli -t -f A,B ... show` (terse, one FIELD:value per line) -> {FIELD: value}.

    In terse mode nmcli escapes ':' and '\\' in values with a backslash.
    """
    fields = {}
    for line in text.splitlines():
        match = re.match(r"^([^:]+):(.*)$", line)
        if match:
            fields.setdefault(match.group(1), re.sub(r"\\(.)", r"\1", match.group(2)))
    return fields


def nmcli_filenames(text):
    """`nmcli -t -f NAME,FILENAME connection show` -> {connection name: its file}.

    Terse mode separates the columns with ':' and escapes a ':' or '\\' inside a value with '\\'.
    """
    files = {}
    for line in text.splitlines():
        values = [re.sub(r"\\(.)", r"\1", value) for value in re.split(r"(?<!\\):", line)]
        if len(values) == 2 and values[0]:
            files[values[0]] = values[1] or None
    return files


def nm_connection(device_fields, connection_fields):
    """{connection, file, type, mtu, mtu_setting, dhcp, dhcp_sets_mtu} of a device's active connection."""
    ctype = connection_fields.get("connection.type")
    setting = NM_MTU_SETTING.get(ctype)
    raw = connection_fields.get(setting) if setting else None
    mtu = _int(raw) if raw not in (None, "", "auto") else None
    dhcp = connection_fields.get("ipv4.method") == "auto"
    return {"connection": device_fields.get("GENERAL.CONNECTION") or None,
            "file": connection_fields.get("connection.filename") or None, "type": ctype, "mtu": mtu or None,
            "mtu_setting": setting, "dhcp": dhcp,
            # NetworkManager takes the DHCP server's MTU only while the profile's MTU is auto (0)
            "dhcp_sets_mtu": dhcp and not mtu}


# --- netplan ------------------------------------------------------------------------------------

NETPLAN_KINDS = ("ethernets", "bonds", "bridges", "vlans", "tunnels", "wifis", "vrfs", "dummy-devices",
                 "virtual-ethernets", "modems")


def netplan_definitions(text):
    """{interface: {mtu, dhcp4, use_mtu, renderer}} from one netplan file.

    Reads the block structure netplan's documented layout uses (network: -> KIND: -> NAME: ->
    keys, with dhcp4-overrides: use-mtu); flow style ({mtu: 1400}) inside a definition is read
    too. Anything else in the file is skipped.
    """
    found, path, renderer = {}, [], None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        key, _sep, value = line.strip().partition(":")
        key, value = key.strip().strip('"\''), value.strip()
        while path and path[-1][0] >= indent:
            path.pop()
        names = [p[1] for p in path]
        if names == ["network"] and key == "renderer":
            renderer = value
        if len(names) == 2 and names[0] == "network" and names[1] in NETPLAN_KINDS:
            _netplan_flow(found.setdefault(key, {"mtu": None, "dhcp4": False, "use_mtu": None, "kind": names[1]}),
                          [], value)
        elif len(names) >= 3 and names[0] == "network" and names[1] in NETPLAN_KINDS:
            _netplan_flow(found[names[2]], names[3:] + [key], value)
        path.append((indent, key))
    for entry in found.values():
        entry["renderer"] = renderer
    return found


def _netplan_flow(entry, keys, value):
    """One key's value, or each key of a flow mapping ({mtu: 1400, dhcp4-overrides: {use-mtu: false}})."""
    if not value.startswith("{"):
        if keys:
            _netplan_key(entry, keys, value)
        return
    for nested, inner, plain in re.findall(r"([\w-]+)\s*:\s*(?:(\{[^}]*\})|([^,}]+))", value[1:]):
        _netplan_flow(entry, keys + [nested], inner or plain.strip())


def _netplan_key(entry, keys, value):
    value = value.strip().strip('"\'')
    if keys == ["mtu"]:
        entry["mtu"] = _int(value)
    elif keys == ["dhcp4"]:
        entry["dhcp4"] = _bool(value)
    elif keys == ["dhcp4-overrides", "use-mtu"]:
        entry["use_mtu"] = _bool(value)
    elif keys == ["renderer"]:
        entry["renderer"] = value


def netplan_for(files, name):
    """{file, mtu, dhcp, dhcp_sets_mtu, renderer, cloud_init} for `name` over netplan's files, or None.

    Files merge in the order of their names (a later file's keys win); the file named is the last
    one that defines the interface.
    """
    result = None
    for path in sorted(files, key=lambda p: p.rsplit("/", 1)[1]):
        definitions = netplan_definitions(files[path])
        if name not in definitions:
            continue
        entry = definitions[name]
        if result is None:
            result = {"file": path, "mtu": None, "dhcp": False, "use_mtu": None, "renderer": None,
                      "kind": entry["kind"]}
        result["file"] = path
        for key in ("mtu", "use_mtu", "renderer"):
            if entry[key] is not None:
                result[key] = entry[key]
        result["dhcp"] = result["dhcp"] or entry["dhcp4"]
    if result is None:
        return None
    renderer = result.pop("renderer") or "networkd"
    use_mtu = result.pop("use_mtu")
    # netplan's use-mtu defaults to true for both renderers
    result.update(renderer=renderer, dhcp_sets_mtu=result["dhcp"] and use_mtu is not False,
                  cloud_init=result["file"].endswith("/" + CLOUD_INIT_NETPLAN))
    return result


# --- ifupdown -----------------------------------------------------------------------------------


def ifupdown_stanzas(text):
    """[{iface, family, method, options: {name: value}, sources: [globs]}] of an interfaces(5) file.

    `source` / `source-directory` lines come back as their own entries {"source": GLOB}.
    """
    stanzas = []
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "iface" and len(words) >= 4:
            current = {"iface": words[1], "family": words[2], "method": words[3], "options": {},
                       "line": line}
            stanzas.append(current)
        elif words[0] in ("source", "source-directory") and len(words) >= 2:
            stanzas.append({"source": words[1], "directory": words[0] == "source-directory"})
            current = None
        elif words[0] in ("auto", "allow-hotplug", "mapping", "no-auto-down", "no-scripts") or \
                words[0].startswith("allow-"):
            current = None
        elif current is not None:
            current["options"][words[0]] = " ".join(words[1:])
    return stanzas


def ifupdown_for(files, name, dhclient_conf=""):
    """{file, stanza, mtu, dhcp, dhcp_sets_mtu} of the ifupdown stanza for `name` (IPv4 first), or None.

    `files` maps /etc/network/interfaces and every file it sources to their text.
    """
    found = []
    for path in files:
        for stanza in ifupdown_stanzas(files[path]):
            if stanza.get("iface") == name:
                found.append((stanza["family"] != "inet", path, stanza))
    if not found:
        return None
    _v6, path, stanza = sorted(found, key=lambda item: item[0])[0]
    dhcp = stanza["method"] == "dhcp"
    mtu = _int(stanza["options"].get("mtu", "")) if "mtu" in stanza["options"] else None
    return {"file": path, "stanza": stanza["line"], "mtu": mtu, "dhcp": dhcp,
            "dhcp_sets_mtu": dhcp and dhclient_sets_mtu(dhclient_conf, name)}


def dhclient_sets_mtu(conf, name):
    """Whether dhclient (with this dhclient.conf) sets the interface MTU the DHCP server offers.

    Debian's dhclient-script applies new_interface_mtu when the server sends option 26, which it
    does only when asked (`request` ... interface-mtu); `supersede interface-mtu` (for all or for
    this interface) replaces the server's value.
    """
    text = re.sub(r"#[^\n]*", "", conf or "")
    requested = bool(re.search(r"\brequest\b[^;]*\binterface-mtu\b", text))
    blocks = dict(re.findall(r'interface\s+"([^"]+)"\s*\{([^}]*)\}', text))
    outside = re.sub(r'interface\s+"[^"]+"\s*\{[^}]*\}', "", text)
    superseded = "supersede interface-mtu" in re.sub(r"\s+", " ", outside + blocks.get(name, ""))
    return requested and not superseded


# --- who owns the interface ---------------------------------------------------------------------


def owner(name, seen):
    """managed_by for one interface from what was read (`seen`), as mtu_facts reports it.

    seen: networkd_running, networkctl (networkctl_links or None), networkd_files (path -> text),
    nm_running, nm (nm_connection of the device's connection, or None), netplan_files,
    ifupdown_files, dhclient_conf. A manager that runs and says it configures the link wins; then
    what the files say (netplan, ifupdown, networkd's own files).
    """
    nm, netplan = seen.get("nm"), netplan_for(seen.get("netplan_files") or {}, name)
    networkd_file = None
    if seen.get("networkctl") is not None:
        link = seen["networkctl"].get(name) or {}
        networkd_file = link.get("network_file") if link.get("setup_state") not in (None, "unmanaged") else None
    if nm and nm.get("connection"):
        via_netplan = bool(nm.get("file") and nm["file"].startswith(NETPLAN_NM_PREFIX))
        return _managed("netplan" if via_netplan and netplan else "networkmanager", nm.get("file"), nm["mtu"],
                        nm["dhcp"], nm["dhcp_sets_mtu"], seen.get("nm_running"), connection=nm["connection"],
                        mtu_setting=nm["mtu_setting"], netplan=netplan if via_netplan else None)
    if networkd_file and networkd_file.startswith(NETPLAN_NETWORKD_PREFIX) and netplan:
        return _managed("netplan", netplan["file"], netplan["mtu"], netplan["dhcp"], netplan["dhcp_sets_mtu"],
                        True, renderer="networkd", cloud_init=netplan["cloud_init"], rendered=networkd_file,
                        kind=netplan["kind"])
    if networkd_file:
        return _networkd(seen, networkd_file, True)
    if netplan:
        running = seen.get("nm_running") if netplan["renderer"] == "NetworkManager" else seen.get("networkd_running")
        return _managed("netplan", netplan["file"], netplan["mtu"], netplan["dhcp"], netplan["dhcp_sets_mtu"],
                        bool(running), renderer=netplan["renderer"], cloud_init=netplan["cloud_init"],
                        kind=netplan["kind"])
    ifupdown = ifupdown_for(seen.get("ifupdown_files") or {}, name, seen.get("dhclient_conf") or "")
    if ifupdown:
        return _managed("ifupdown", ifupdown["file"], ifupdown["mtu"], ifupdown["dhcp"], ifupdown["dhcp_sets_mtu"],
                        True, stanza=ifupdown["stanza"])
    files = seen.get("networkd_files") or {}
    path = networkd_file_for(files, name)
    if path:
        return _networkd(seen, path, bool(seen.get("networkd_running")))
    return _managed("none", None, None, False, False, False)


def _networkd(seen, path, running):
    files = seen.get("networkd_files") or {}
    dropins = sorted((p for p in files if p.startswith(path + ".d/") and p.endswith(".conf")),
                     key=lambda p: p.rsplit("/", 1)[1])
    settings = networkd_settings(files.get(path, ""), [files[p] for p in dropins])
    # networkd ignores UseMTU= where MTUBytes= is set (systemd.network(5))
    return _managed("networkd", path, settings["mtu"], settings["dhcp"],
                    settings["dhcp"] and settings["use_mtu"] and settings["mtu"] is None, running, dropins=dropins)


def _managed(manager, path, mtu, dhcp, dhcp_sets_mtu, running, **extra):
    result = {"manager": manager, "file": path, "mtu": mtu, "dhcp": bool(dhcp), "dhcp_sets_mtu": bool(dhcp_sets_mtu),
              "running": bool(running)}
    result.update(extra)
    return result
