# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the mss_clamp role finds in the rules saved for the next boot, as plain functions on text.

`iptables_clamp_lines()` picks, from `iptables-save` output or a saved rules file, the lines the
role looks after (the TCPMSS rules of the mangle table, the rules of the filter table that carry
the role's comment), so that the running rules and the saved ones can be compared.
`nft_conf_tables()` lists the tables an nftables configuration defines, and `nft_rules_by_conf()`
splits the role's accept rules into those an include in that configuration can insert at boot
(their table is made there, before the include) and those it cannot.
"""

import re

_NFT_TABLE = re.compile(r"^\s*(?:add\s+)?table\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?([\w.-]+)\s*(?:\{|$)")


class SavedStateError(ValueError):
    """Input that is not what the function reads; the message names it."""


def _text(value, what):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SavedStateError("%s must be text, got %s" % (what, type(value).__name__))
    return value


def iptables_table(text, table):
    """The rule lines ('-A ...') of one table ('*mangle' ... 'COMMIT') of iptables-save text."""
    lines, inside = [], False
    for line in _text(text, "the iptables-save text").splitlines():
        stripped = line.strip()
        if stripped == "*" + table:
            inside = True
        elif stripped == "COMMIT":
            inside = False
        elif inside and stripped.startswith("-A "):
            lines.append(stripped)
    return lines


def _has_comment(line, comment):
    tokens = line.split()
    for index, token in enumerate(tokens[:-1]):
        if token == "--comment" and tokens[index + 1].strip('"') == comment:
            return True
    return False


def iptables_clamp_lines(text, comment):
    """The lines of iptables-save text that the mss_clamp role looks after, in file order: the
    mangle table's TCPMSS rules, then the filter table's rules with `--comment COMMENT`."""
    if not isinstance(comment, str) or not comment:
        raise SavedStateError("the comment must be a non-empty string, got %r" % (comment,))
    mangle = [line for line in iptables_table(text, "mangle") if "TCPMSS" in line.split()]
    ours = [line for line in iptables_table(text, "filter") if _has_comment(line, comment)]
    return mangle + ours


def nft_conf_tables(text):
    """'family name' of each table an nftables configuration defines (`table inet filter {`,
    `add table ip6 filter`; a table without a family is `ip`), in order, once each."""
    tables = []
    for line in _text(text, "the nftables configuration").splitlines():
        match = _NFT_TABLE.match(line.split("#", 1)[0])
        if match:
            name = "%s %s" % (match.group(1) or "ip", match.group(2))
            if name not in tables:
                tables.append(name)
    return tables


def nft_rules_by_conf(rules, conf_text):
    """{'persisted': the rules ('family table chain statement') whose table the configuration
    defines, 'not_persisted': the others}, each in the order given."""
    if not isinstance(rules, list) or not all(isinstance(rule, str) for rule in rules):
        raise SavedStateError("the rules must be a list of 'family table chain statement' strings, got %r" % (rules,))
    tables = nft_conf_tables(conf_text)
    split = {"persisted": [], "not_persisted": []}
    for rule in rules:
        words = rule.split()
        key = "persisted" if " ".join(words[:2]) in tables else "not_persisted"
        split[key].append(rule)
    return split
