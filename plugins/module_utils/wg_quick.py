# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wg-quick config format, read and rewritten as plain functions; no key ever comes out.

Read the way wg-quick reads it: a comment runs from '#' to the end of the line; the key is what
comes before the first '=', case-insensitive; a line starting with '[' opens a section. wg-quick
takes MTU from [Interface] (the last one wins) and hands everything else to `wg setconf`, which
knows only [Interface] and [Peer] and rejects key lines outside them.

`parse()` gives the structure (sections with line numbers, the MTU, each peer's keepalive and
endpoint) and never a value of PrivateKey, PublicKey or PresharedKey. `problems()` says what keeps
a text from being a wg-quick config. `render()` sets MTU and PersistentKeepalive and keeps every
other byte: comments, unknown keys, blank lines, the line endings. `redact()` hides the keys for a
diff, `secrets()` lists the values that must never be shown.

Used by the netpath.mtu.wireguard_config module and by the first-boot program (which gets this
file inlined by cloud_init.program_text(), so: Python 3.6+ standard library only).
"""

import hashlib
import re

KNOWN_SECTIONS = ("interface", "peer")
KEY_SETTINGS = ("privatekey", "publickey", "presharedkey")
SECRET_SETTINGS = ("privatekey", "presharedkey")
# A WireGuard key: 32 bytes in base64 (43 characters, the last of a restricted set, and '=').
KEY_SHAPE = re.compile(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")
HIDDEN = "<hidden>"
# 'MTU = 1420  # comment' -> group 1 'MTU = ', group 2 '1420', the rest kept
_VALUE = re.compile(r"^(\s*[^=]*=[ \t]*)([^#\s]*)")


class WgQuickError(ValueError):
    """A text that is not a wg-quick config; the message says why."""


def _split(line):
    """(key lower-cased, value) of a line, comments cut; key '' for a blank or comment line."""
    stripped = line.split("#", 1)[0]
    key, sep, value = stripped.partition("=")
    return key.strip().lower(), value.strip() if sep else None


def parse(text):
    """The structure of a wg-quick config's text, with no key in it.

    {'sections': [{'name': 'interface'|'peer'|other lower-cased, 'line': index of its header,
    'last': index of its last setting (the header's when none)}], 'mtu': the [Interface]'s last
    MTU value (a string) or None, 'mtu_lines': indexes of the [Interface]'s MTU lines, 'peers':
    [{'line', 'keepalive' (string or None), 'keepalive_lines', 'endpoint' (string or None)}] in
    file order, 'bad_lines': 1-based numbers of lines that are neither a section, a setting in a
    section nor a comment, 'unknown_sections': headers other than [Interface] and [Peer]}.
    Line indexes count from 0 over text.split('\\n').
    """
    if not isinstance(text, str):
        raise WgQuickError("a wg-quick config is text, not %s" % type(text).__name__)
    parsed = {"sections": [], "mtu": None, "mtu_lines": [], "peers": [], "bad_lines": [],
              "unknown_sections": []}
    section = None
    for index, line in enumerate(text.split("\n")):
        key, value = _split(line)
        if key.startswith("["):
            name = key[1:-1].strip() if key.endswith("]") else key
            section = {"name": name, "line": index, "last": index}
            parsed["sections"].append(section)
            if name == "peer":
                parsed["peers"].append({"line": index, "keepalive": None, "keepalive_lines": [], "endpoint": None})
            elif name not in KNOWN_SECTIONS:
                parsed["unknown_sections"].append(line.split("#", 1)[0].strip())
            continue
        if not key:
            continue
        if value is None or section is None:
            parsed["bad_lines"].append(index + 1)
            continue
        section["last"] = index
        if section["name"] == "interface" and key == "mtu":
            parsed["mtu_lines"].append(index)
            parsed["mtu"] = value
        elif section["name"] == "peer" and key == "persistentkeepalive":
            parsed["peers"][-1]["keepalive_lines"].append(index)
            parsed["peers"][-1]["keepalive"] = value
        elif section["name"] == "peer" and key == "endpoint":
            parsed["peers"][-1]["endpoint"] = value
    return parsed


def interfaces(parsed):
    """How many [Interface] sections the parsed config has."""
    return sum(1 for section in parsed["sections"] if section["name"] == "interface")


def problems(parsed):
    """What keeps a parsed text from being a wg-quick config, as sentences; [] when nothing."""
    found = []
    count = interfaces(parsed)
    if count == 0:
        found.append("it has no [Interface] section")
    elif count > 1:
        found.append("it has %d [Interface] sections, wg-quick takes one" % count)
    if parsed["bad_lines"]:
        bad = parsed["bad_lines"]
        found.append("line %s %s neither a [Section], a Key = value in a section, nor a comment"
                     % (", ".join(str(n) for n in bad), "is" if len(bad) == 1 else "are"))
    if parsed["unknown_sections"]:
        found.append("unknown section %s (wg-quick knows [Interface] and [Peer])"
                     % ", ".join(parsed["unknown_sections"]))
    return found


def check(text):
    """parse(text), or WgQuickError saying everything that is wrong with it."""
    parsed = parse(text)
    found = problems(parsed)
    if found:
        raise WgQuickError("does not parse as a wg-quick config: %s" % "; ".join(found))
    return parsed


def _number(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise WgQuickError("%s is %r; allowed: a whole number %d..%d" % (name, value, low, high))
    return value


def render(text, mtu=None, keepalive=None):
    """The config's text with MTU = mtu in [Interface] and PersistentKeepalive = keepalive in each
    [Peer] (None leaves either as it is). The [Interface]'s last MTU line gets the value (wg-quick
    takes the last), earlier ones go; a section without the setting gets it after its last
    setting. Every other byte stays, comments after a value included."""
    parsed = check(text)
    lines = text.split("\n")
    replace, drop, add = {}, set(), {}
    if mtu is not None:
        _number("mtu", mtu, 68, 65535)
        if parsed["mtu_lines"]:
            drop.update(parsed["mtu_lines"][:-1])
            replace[parsed["mtu_lines"][-1]] = str(mtu)
        else:
            section = [s for s in parsed["sections"] if s["name"] == "interface"][0]
            add.setdefault(section["last"], []).append("MTU = %d" % mtu)
    if keepalive is not None:
        _number("keepalive", keepalive, 0, 65535)
        peer_lasts = {s["line"]: s["last"] for s in parsed["sections"] if s["name"] == "peer"}
        for peer in parsed["peers"]:
            if peer["keepalive_lines"]:
                drop.update(peer["keepalive_lines"][:-1])
                replace[peer["keepalive_lines"][-1]] = str(keepalive)
            else:
                add.setdefault(peer_lasts[peer["line"]], []).append("PersistentKeepalive = %d" % keepalive)
    out = []
    for index, line in enumerate(lines):
        if index in drop:
            continue
        if index in replace:
            line = _VALUE.sub(lambda m, v=replace[index]: m.group(1) + v, line, count=1)
        out.append(line)
        # an added line ends the way the line before it does (CRLF files stay CRLF)
        out.extend(added + ("\r" if line.endswith("\r") else "") for added in add.get(index, []))
    return "\n".join(out)


def secrets(text):
    """The values of PrivateKey and PresharedKey in the text (to keep out of every output)."""
    found = []
    for line in text.split("\n") if isinstance(text, str) else []:
        key, value = _split(line)
        if key in SECRET_SETTINGS and value:
            found.append(value)
    return found


def redact(text):
    """The text with the value of each key setting, and anything shaped like a key, <hidden>."""
    out = []
    for line in text.split("\n"):
        key, value = _split(line)
        if key in KEY_SETTINGS and value:
            line = _VALUE.sub(lambda m: m.group(1) + HIDDEN, line, count=1)
        out.append(KEY_SHAPE.sub(HIDDEN, line))
    return "\n".join(out)


def keepalive_changes(wg_show_text, keepalive):
    """The live peers whose keepalive is not `keepalive` (seconds, 0 = off), from the output of
    `wg show IF persistent-keepalive` (a line 'PUBLIC_KEY<tab>SECONDS or off' per peer): a list of
    {'key': the peer's public key, which `wg set` needs, 'previous': its value as wg shows it}."""
    wanted = "off" if _number("keepalive", keepalive, 0, 65535) == 0 else str(keepalive)
    changes = []
    for line in (wg_show_text or "").splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] != wanted:
            changes.append({"key": fields[0], "previous": fields[1]})
    return changes


def key_id(public_key):
    """A short digest of a public key: the same key gives the same id on every host, and the id
    shows no key (a module that read a config masks every value shaped like one)."""
    return hashlib.sha256(public_key.encode("utf-8")).hexdigest()[:16]


def live_key_ids(dump_text, interface):
    """From `wg show all dump`, the ids (key_id) of `interface`'s own public key and of its peers'
    public keys, in the dump's order: {'public_key_id': id or None, 'peer_key_ids': [...]}.
    Interface lines have 5 tab-separated fields (name, private key, public key, port, fwmark),
    peer lines 9 (name, public key, ...); the private key is passed over."""
    own, peers = None, []
    for line in (dump_text or "").splitlines():
        fields = line.split("\t")
        if fields[0] != interface:
            continue
        if len(fields) == 5:
            own = key_id(fields[2])
        elif len(fields) == 9:
            peers.append(key_id(fields[1]))
    return {"public_key_id": own, "peer_key_ids": peers}


def endpoint_host(endpoint):
    """The host of a wg-quick Endpoint: '10.2.0.2:51820' -> 10.2.0.2, '[fd00::2]:51820' -> fd00::2."""
    value = (endpoint or "").strip()
    if value.startswith("["):
        return value[1:].split("]", 1)[0] or None
    if value.count(":") == 1:
        return value.rsplit(":", 1)[0] or None
    return value or None
