# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TCP MSS clamp rules for iptables and nftables: read, compare, plan and write, as plain functions.

Reading: `find_clamp_rules()` takes the text of `iptables-save`, `ip6tables-save` and
`nft -j list ruleset` and returns every TCPMSS clamp rule in them as a dict (see
`find_clamp_rules`). mtu_facts reports those; the mss_clamp module compares them with what the
user asked for.

Equivalence: an existing rule does the job of the requested one (so nothing is added) when it
sits in a chain hooked where the requested chain is (FORWARD, OUTPUT, POSTROUTING), covers the
family, matches every SYN and SYN-ACK (`--tcp-flags SYN,RST SYN`, `tcp flags syn / syn,rst`,
`tcp flags syn`, ...), has the same outgoing interface (or none, as requested), sets the same
MSS (or clamps to the path MTU, as requested), has no other condition, and no rule before it in
its chain can end a packet's way through that chain (ACCEPT, DROP, REJECT, RETURN, goto). Its
comment does not matter: a rule a human added is recognised as well as one of ours.

Nothing here runs a command: the module runs the argv lists and the nft script built here.
"""

import json
import re
import shlex

from ansible_collections.netpath.mtu.plugins.module_utils import limits, parsers
from ansible_collections.netpath.mtu.plugins.module_utils.limits import IPTABLES_NFT_TABLES

MARK = "netpath.mtu"
NFT_FAMILY = "inet"
NFT_TABLE = "netpath_mtu"
STATES = ("present", "absent")
BACKENDS = ("auto", "iptables", "nftables")
CHAINS = ("FORWARD", "OUTPUT", "POSTROUTING")
FAMILY_CHOICES = {"ipv4": ("ipv4",), "ipv6": ("ipv6",), "both": ("ipv4", "ipv6")}
# MSS = MTU - IP header - TCP header (40 on IPv4, 60 on IPv6). IPv4: 536 is the MSS every host
# must accept (RFC 879, RFC 1122: 576 - 40); below it a clamp is a mistake. IPv6: 1220 is what the
# 1280-byte minimum MTU carries (RFC 8200). The upper ends are what a 65535-byte packet carries,
# the largest size Linux gives a route (and pmtu_probe measures): 65535 - 40 and 65535 - 60.
IPV4_MIN_DATAGRAM = 576
MSS_LIMITS = {"ipv4": (IPV4_MIN_DATAGRAM - 40, limits.MAX_MTU - 40),
              "ipv6": (limits.IPV6_MIN_MTU - 60, limits.MAX_MTU - 60)}
FAMILY_NAMES = {"ipv4": "IPv4", "ipv6": "IPv6"}
MSS_WHY = {"ipv4": "%d-byte minimum datagram - 40, RFC 879" % IPV4_MIN_DATAGRAM,
           "ipv6": "%d-byte minimum MTU - 60, RFC 8200" % limits.IPV6_MIN_MTU}
SAVE_TOOLS = {"ipv4": ("iptables", "iptables-save"), "ipv6": ("ip6tables", "ip6tables-save")}
NFT_FAMILIES = ("ip", "ip6", "inet", "arp", "bridge", "netdev")
# Table and chain names nft's parser takes unquoted (it takes no quoted ones in nftables 1.0).
NFT_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z")
TERMINATING_TARGETS = ("ACCEPT", "DROP", "REJECT", "RETURN")
TERMINATING_VERDICTS = ("accept", "drop", "reject", "return", "goto", "queue")
TCP_FLAGS = ("fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr")


class ClampError(ValueError):
    """Input or state that the module cannot act on; the message names the value."""


# --- validation -------------------------------------------------------------------------------


def _ifname_fault(name):
    if not isinstance(name, str):
        return "not a string"
    if not name or len(name) > limits.IFNAME_MAX_LENGTH:
        return "%d characters, where Linux takes 1 to %d" % (len(name), limits.IFNAME_MAX_LENGTH)
    if name in (".", ".."):
        return "'.' and '..' are not interface names"
    if name.startswith("-"):
        return "a name that starts with '-' would be read as an option by iptables"
    bad = sorted(set(char for char in name if not re.match("[%s]" % limits.FIREWALL_IFNAME_CHARACTERS, char)))
    return ("%s not taken: an interface name here is made of A-Z a-z 0-9 . _ - (no '/', ':', whitespace, "
            "quotes, shell characters or wildcards)" % ", ".join(repr(char) for char in bad))


def validate(state, backend, family, chain, mss, out_interface):
    """None when the request is sound, else the message that names the bad value."""
    if state not in STATES:
        return "state=%r is not one of %s" % (state, ", ".join(STATES))
    if backend not in BACKENDS:
        return "backend=%r is not one of %s" % (backend, ", ".join(BACKENDS))
    if family not in FAMILY_CHOICES:
        return "family=%r is not one of %s" % (family, ", ".join(FAMILY_CHOICES))
    if chain not in CHAINS:
        return ("chain=%r is not a chain a TCPMSS clamp can go in: use one of %s"
                % (chain, ", ".join(CHAINS)))
    if out_interface is not None and not limits.valid_firewall_ifname(out_interface):
        return "out_interface=%r is not a valid interface name: %s" % (out_interface, _ifname_fault(out_interface))
    if mss is not None:
        if isinstance(mss, bool) or not isinstance(mss, int):
            return "mss=%r is not an integer" % (mss,)
        for fam in FAMILY_CHOICES[family]:
            low, high = MSS_LIMITS[fam]
            if not low <= mss <= high:
                return ("mss=%d is outside %d..%d, the MSS range for %s (%s)"
                        % (mss, low, high, FAMILY_NAMES[fam], MSS_WHY[fam]))
    return None


def spec(chain, family, mss=None, out_interface=None):
    """The requested clamp, as the planner takes it."""
    return {"chain": chain, "families": FAMILY_CHOICES[family], "family": family, "mss": mss,
            "out_interface": out_interface}


# --- backend choice ---------------------------------------------------------------------------


def _nft_items(text):
    try:
        return parsers.nft_items(text)
    except parsers.ParseError as exc:
        raise ClampError(str(exc)) from None


def nft_native_tables(nft_ruleset):
    """Tables of an `nft -j list ruleset` that iptables-nft did not make, as 'family name'.

    iptables-nft makes the tables filter, nat, mangle, raw and security (ip, ip6), filter (arp)
    and filter, nat, broute (bridge), whose base chains it names after their hooks in capitals
    (FORWARD on the forward hook). Any other table, or one of those names with a base chain
    named otherwise (`table ip filter { chain input { type filter hook input ...` from an
    nftables.conf), was written with nft.
    """
    tables = {}
    for item in _nft_items(nft_ruleset):
        if "table" in item:
            table = item["table"]
            tables.setdefault((table.get("family"), table.get("name")), [])
        elif "chain" in item:
            chain = item["chain"]
            tables.setdefault((chain.get("family"), chain.get("table")), []).append(chain)
    native = []
    for (family, name), chains in tables.items():
        made_by_iptables = name in IPTABLES_NFT_TABLES.get(family, ()) and all(
            chain.get("name") == str(chain["hook"]).upper() for chain in chains if chain.get("hook"))
        if not made_by_iptables:
            native.append("%s %s" % (family, name))
    return native


def choose_backend(has_iptables, has_nft, nft_ruleset, nftables_enabled):
    """(backend, reason) for backend=auto: the firewall tool this host already uses.

    nftables when nftables.service is enabled (the ruleset of /etc/nftables.conf is loaded at
    boot), or when the running ruleset has a table iptables-nft did not make (see
    nft_native_tables; our own inet netpath_mtu counts, so a clamp made with nftables stays
    there); else iptables, which on Debian 12 is iptables-nft writing the same kernel tables;
    else nftables when only nft is installed.
    """
    if has_nft:
        if nftables_enabled:
            return "nftables", "nftables.service is enabled"
        native = nft_native_tables(nft_ruleset)
        if native:
            return "nftables", "the nftables ruleset has tables not made by iptables-nft: %s" % ", ".join(native)
    if has_iptables:
        if has_nft:
            return "iptables", "nftables.service is not enabled and every nftables table is iptables-nft's"
        return "iptables", "nft is not installed"
    if has_nft:
        return "nftables", "iptables is not installed"
    raise ClampError("neither iptables nor nft is installed: install iptables or nftables")


# --- reading iptables-save --------------------------------------------------------------------


def _flags(text):
    text = text.lower()
    if text == "all":
        return frozenset(TCP_FLAGS[:6])
    if text == "none":
        return frozenset()
    return frozenset(part for part in text.split(",") if part)


def _catches_syn(mask, value, op="=="):
    """True when a TCP flags match takes every SYN and SYN-ACK and no other segment.

    `flags & mask == value` does when SYN is in the mask, ACK is not and the value is SYN alone;
    `flags syn` (op 'in': the SYN bit set) does too.
    """
    if op == "in":
        return value == frozenset(["syn"])
    return "syn" in mask and "ack" not in mask and value == frozenset(["syn"])


def _option_groups(tokens):
    """Split iptables-save tokens into [option, args...] groups ('!' stays with its option)."""
    groups, negate = [], False
    for token in tokens:
        if token == "!":
            negate = True
            continue
        if token.startswith("-") and not re.match(r"^-\d", token):
            groups.append([("! " if negate else "") + token])
            negate = False
        elif groups:
            if negate:
                groups[-1].append("!")
                negate = False
            groups[-1].append(token)
        else:
            groups.append([token])
    return groups


def _quote(token):
    return token if re.match(r"^[A-Za-z0-9_.,:/!+=@%-]+$", token) else '"%s"' % token.replace('"', '\\"')


def parse_iptables_line(line, table, family, shadowed=False):
    """A clamp rule dict for one `-A CHAIN ...` line of iptables-save, or None if it is not a clamp."""
    try:
        tokens = shlex.split(line)
    except ValueError:
        return None
    if len(tokens) < 2 or tokens[0] != "-A":
        return None
    chain = tokens[1]
    rule = {"backend": "iptables", "family": family, "table": table, "chain": chain,
            "hook": chain.lower() if chain in ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING") else None,
            "mss": None, "clamp_to_pmtu": False, "out_interface": None, "rule": line.strip(),
            "comment": None, "ours": False, "conditions": [], "shadowed": shadowed, "handle": None}
    target, syn, tcp, other_match = None, None, False, False
    for group in _option_groups(tokens[2:]):
        option, args = group[0], group[1:]
        text = " ".join([option] + [_quote(arg) for arg in args])
        if option in ("-m", "--match"):
            other_match = bool(args) and args[0] not in ("tcp", "comment")
            if other_match:
                rule["conditions"].append(text)
            continue
        if other_match and option.lstrip("! ").startswith("--") and option != "--jump":
            rule["conditions"][-1] += " " + text  # an option of that match
            continue
        other_match = False
        if option in ("-p", "--protocol") and args and args[0] in ("tcp", "6"):
            tcp = True
        elif option == "--tcp-flags" and len(args) == 2:
            syn = _catches_syn(_flags(args[0]), _flags(args[1]))
            if not syn:
                rule["conditions"].append("--tcp-flags %s (does not take every SYN and SYN-ACK)" % " ".join(args))
        elif option in ("-o", "--out-interface") and len(args) == 1:
            rule["out_interface"] = args[0]
        elif option == "--comment" and len(args) == 1:
            rule["comment"] = args[0]
        elif option in ("-j", "--jump") and args:
            target = args[0]
        elif option == "--set-mss" and args and target == "TCPMSS" and args[0].isdigit():
            rule["mss"] = int(args[0])
        elif option == "--clamp-mss-to-pmtu" and target == "TCPMSS":
            rule["clamp_to_pmtu"] = True
        elif target is not None and target != "TCPMSS":
            pass  # options of another target
        else:
            rule["conditions"].append(text)
    if target != "TCPMSS":
        return None
    if not tcp:
        rule["conditions"].append("not limited to -p tcp")
    if syn is None:
        rule["conditions"].append("no --tcp-flags SYN,RST SYN")
    if table == "nat":
        rule["conditions"].append("nat table (sees only a connection's first packet, not the SYN-ACK)")
    rule["ours"] = rule["comment"] == MARK
    return rule


def _terminates(line):
    tokens = line.split()
    for index, token in enumerate(tokens[:-1]):
        if token in ("-j", "--jump") and tokens[index + 1] in TERMINATING_TARGETS:
            return True
        if token in ("-g", "--goto"):
            return True
    return False


def parse_iptables_save(text, family="ipv4"):
    """Every TCPMSS rule in `iptables-save` (family ipv4) or `ip6tables-save` (ipv6) output."""
    rules, ended = [], set()
    for table, chain, line in parsers.iptables_save_rules(text):
        rule = parse_iptables_line(line, table, family, shadowed=(table, chain) in ended)
        if rule:
            rules.append(rule)
        if _terminates(line):
            ended.add((table, chain))
    return rules


# --- reading nft -j list ruleset --------------------------------------------------------------


def _nft_value(value):
    if isinstance(value, dict):
        if "prefix" in value:
            return "%s/%s" % (value["prefix"].get("addr"), value["prefix"].get("len"))
        if "range" in value:
            return "%s-%s" % tuple(_nft_value(v) for v in value["range"])
        if "set" in value:
            return "{ %s }" % ", ".join(_nft_value(v) for v in value["set"])
        return _nft_expr(value)
    if isinstance(value, list):
        return ",".join(_nft_value(v) for v in value)
    if isinstance(value, str) and not re.match(r"^[A-Za-z0-9_.:/-]+$", value):
        return '"%s"' % value
    return str(value)


def _nft_expr(expr):
    if isinstance(expr, dict) and len(expr) == 1:
        key, body = next(iter(expr.items()))
        if key == "meta" and isinstance(body, dict):
            name = body.get("key")
            return name if name in ("iifname", "oifname", "iif", "oif") else "meta %s" % name
        if key == "payload" and isinstance(body, dict):
            return "%s %s" % (body.get("protocol"), body.get("field"))
        if key == "rt" and isinstance(body, dict):
            return "rt %s" % body.get("key")
        if key == "tcp option" and isinstance(body, dict):
            return "tcp option %s %s" % (body.get("name"), body.get("field"))
    return json.dumps(expr, sort_keys=True)


def _set_of(value):
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return frozenset([str(value)])


def _render_match(match):
    left, right, op = match.get("left"), match.get("right"), match.get("op", "==")
    if isinstance(left, dict) and "&" in left and isinstance(left["&"], list) and len(left["&"]) == 2:
        inner, mask = left["&"]
        if op == "==":
            return "%s %s / %s" % (_nft_expr(inner), _nft_value(right), _nft_value(mask))
        return "%s & %s %s %s" % (_nft_expr(inner), _nft_value(mask), op, _nft_value(right))
    right_text = _nft_value(right)
    if isinstance(left, dict) and left.get("meta", {}).get("key") in ("iifname", "oifname"):
        right_text = '"%s"' % right
    if op == "in":
        return "%s %s" % (_nft_expr(left), right_text)
    flags = isinstance(left, dict) and left.get("payload", {}).get("field") == "flags"
    if op == "==" and not flags:
        return "%s %s" % (_nft_expr(left), right_text)
    return "%s %s %s" % (_nft_expr(left), op, right_text)


def render_nft(exprs, comment=None):
    """An nft rule's text, close to what `nft list ruleset` prints, from its JSON expressions."""
    parts = []
    for expr in exprs:
        if not isinstance(expr, dict) or len(expr) != 1:
            parts.append(json.dumps(expr, sort_keys=True))
            continue
        key, body = next(iter(expr.items()))
        if key == "match" and isinstance(body, dict):
            parts.append(_render_match(body))
        elif key == "counter":
            parts.append("counter packets %s bytes %s" % ((body or {}).get("packets", 0), (body or {}).get("bytes", 0)))
        elif key == "mangle" and isinstance(body, dict):
            parts.append("%s set %s" % (_nft_expr(body.get("key")), _nft_value(body.get("value"))))
        elif key in ("accept", "drop", "return", "continue", "reject", "queue"):
            parts.append(key)
        elif key in ("jump", "goto") and isinstance(body, dict):
            parts.append("%s %s" % (key, body.get("target")))
        else:
            parts.append(json.dumps(expr, sort_keys=True))
    if comment is not None:
        parts.append('comment "%s"' % comment)
    return " ".join(parts)


def _is_maxseg(key):
    option = key.get("tcp option") if isinstance(key, dict) else None
    return isinstance(option, dict) and option.get("name") == "maxseg" and option.get("field") == "size"


def parse_nft_rule(item, chain, shadowed=False):
    """A clamp rule dict for one {"rule": ...} of nft's JSON, or None if it sets no TCP MSS.

    Rules of iptables-nft (with "xt" expressions) are left to parse_iptables_save: their match
    and target details are not in nft's JSON.
    """
    exprs = item.get("expr") or []
    if any(isinstance(e, dict) and "xt" in e for e in exprs):
        return None
    table_family = item.get("family")
    family = {"ip": "ipv4", "ip6": "ipv6", "inet": "both"}.get(table_family)
    if family is None:
        return None
    rule = {"backend": "nftables", "family": family, "table": "%s %s" % (table_family, item.get("table")),
            "chain": item.get("chain"), "hook": (chain or {}).get("hook"), "mss": None, "clamp_to_pmtu": False,
            "out_interface": None, "rule": render_nft(exprs, item.get("comment")), "comment": item.get("comment"),
            "ours": False, "conditions": [], "shadowed": shadowed, "handle": item.get("handle")}
    clamp, syn = False, None
    for expr in exprs:
        key, body = (next(iter(expr.items())) if isinstance(expr, dict) and len(expr) == 1 else (None, None))
        if key == "mangle" and isinstance(body, dict) and _is_maxseg(body.get("key")):
            value = body.get("value")
            if isinstance(value, dict) and value.get("rt", {}).get("key") == "mtu":
                rule["clamp_to_pmtu"] = True
            elif isinstance(value, int) and not isinstance(value, bool):
                rule["mss"] = value
            else:
                rule["conditions"].append("MSS from %s" % _nft_value(value))
            clamp = True
            continue
        if key == "counter":
            continue
        if key == "match" and isinstance(body, dict):
            left, right, op = body.get("left"), body.get("right"), body.get("op", "==")
            left_dict = left if isinstance(left, dict) else {}
            meta = left_dict["meta"].get("key") if isinstance(left_dict.get("meta"), dict) else None
            payload = left_dict["payload"] if isinstance(left_dict.get("payload"), dict) else None
            if meta == "nfproto" and op == "==" and right in ("ipv4", "ipv6") and family == "both":
                rule["family"] = right
                continue
            if meta == "l4proto" and op == "==" and right in ("tcp", 6):
                continue
            if payload and op == "==" and right in ("tcp", 6) and (payload.get("protocol"), payload.get("field")) in (
                    ("ip", "protocol"), ("ip6", "nexthdr")):
                continue
            if meta in ("oifname", "oif") and op == "==" and isinstance(right, str):
                rule["out_interface"] = right
                continue
            flags = None
            if payload and (payload.get("protocol"), payload.get("field")) == ("tcp", "flags"):
                flags = (frozenset(TCP_FLAGS), _set_of(right), op)
            elif isinstance(left, dict) and isinstance(left.get("&"), list) and len(left["&"]) == 2:
                inner, mask = left["&"]
                if isinstance(inner, dict) and inner.get("payload", {}).get("protocol") == "tcp" and \
                        inner.get("payload", {}).get("field") == "flags":
                    flags = (_set_of(mask), _set_of(right), op)
            if flags and flags[2] in ("==", "in"):
                syn = _catches_syn(*flags)
                if syn:
                    continue
            rule["conditions"].append(_render_match(body) + (" (does not take every SYN and SYN-ACK)" if flags else ""))
            continue
        rule["conditions"].append(render_nft([expr]))
    if not clamp:
        return None
    if syn is None:
        rule["conditions"].append("no tcp flags syn / syn,rst")
    if chain and chain.get("type") == "nat":
        rule["conditions"].append("nat chain (sees only a connection's first packet, not the SYN-ACK)")
    rule["ours"] = rule["table"] == "%s %s" % (NFT_FAMILY, NFT_TABLE) or rule["comment"] == MARK
    return rule


def _nft_terminates(item):
    return any(isinstance(e, dict) and any(k in TERMINATING_VERDICTS for k in e) for e in item.get("expr") or [])


def parse_nft_ruleset(text):
    """Every rule that sets the TCP MSS in `nft -j list ruleset` output (iptables-nft's excepted)."""
    chains, rules, ended = {}, [], set()
    for item in _nft_items(text):
        if "chain" in item:
            chain = item["chain"]
            chains[(chain.get("family"), chain.get("table"), chain.get("name"))] = chain
        elif "rule" in item:
            body = item["rule"]
            key = (body.get("family"), body.get("table"), body.get("chain"))
            rule = parse_nft_rule(body, chains.get(key), shadowed=key in ended)
            if rule:
                rules.append(rule)
            if _nft_terminates(body):
                ended.add(key)
    return rules


# The chains nft_script makes: named after their hook, "type filter hook X priority mangle;
# policy accept;", which nft -j lists as below (mangle is -150).
NFT_MANGLE_PRIORITY = -150


def nft_table_contents(text, family=NFT_FAMILY, name=NFT_TABLE):
    """What one nft table holds, or None when it does not exist.

    {"chains": {chain: {"handles": [rule handles], "as_made": whether it is a chain as
    nft_script makes it}}, "others": how many other objects (sets, maps, ...) it holds}. A chain
    someone added to the table, or changed, is not as_made: the module never deletes it.
    """
    exists, chains, others = False, {}, 0
    for item in _nft_items(text):
        kind = next(iter(item), None) if isinstance(item, dict) else None
        body = item.get(kind) if kind else None
        if not isinstance(body, dict) or kind == "metainfo":
            continue
        if kind == "table":
            exists = exists or (body.get("family"), body.get("name")) == (family, name)
            continue
        if (body.get("family"), body.get("table")) != (family, name):
            continue
        if kind == "chain":
            made = (body.get("name") in [c.lower() for c in CHAINS] and body.get("hook") == body.get("name")
                    and body.get("type") == "filter" and body.get("prio") == NFT_MANGLE_PRIORITY
                    and body.get("policy") == "accept")
            chains.setdefault(body.get("name"), {"handles": []})["as_made"] = made
        elif kind == "rule":
            chains.setdefault(body.get("chain"), {"handles": [], "as_made": False})["handles"].append(
                body.get("handle"))
        else:
            others += 1
    return {"chains": chains, "others": others} if exists else None


def find_clamp_rules(iptables_save="", ip6tables_save="", nft_ruleset=""):
    """Every TCP MSS clamp rule on a host, both backends, as a list of dicts.

    Arguments are the outputs of `iptables-save`, `ip6tables-save` and `nft -j list ruleset`
    (any may be empty or None). iptables-nft rules show in both iptables-save and nft's JSON;
    they are reported once, from iptables-save.

    Each dict:
      backend        'iptables' or 'nftables'
      family         'ipv4', 'ipv6', or 'both' (an nftables inet rule not limited by meta nfproto)
      table          iptables table ('mangle'), or nftables 'FAMILY NAME' ('inet netpath_mtu')
      chain          chain name (FORWARD; forward)
      hook           netfilter hook the chain is attached to (forward, output, postrouting, ...),
                     None for a chain that is only jumped to
      mss            the MSS it sets (int), None when it clamps to the path MTU
      clamp_to_pmtu  True for --clamp-mss-to-pmtu / `tcp option maxseg size set rt mtu`
      out_interface  the outgoing interface it is limited to (-o / oifname), or None
      rule           its text (iptables-save's `-A ...` line; nft's rule as nft prints it)
      comment        its comment, or None
      ours           made by netpath.mtu (comment 'netpath.mtu', or in table inet netpath_mtu)
      conditions     anything else that narrows it (other matches, flags that miss SYN-ACKs, a
                     nat table): a rule with conditions clamps only part of the traffic
      shadowed       a rule before it in the same chain can end the packet's way through the
                     chain (ACCEPT, DROP, REJECT, RETURN, goto), so it may not see every SYN
      handle         nft rule handle (None for iptables)
    """
    rules = parse_iptables_save(iptables_save or "", "ipv4")
    rules += parse_iptables_save(ip6tables_save or "", "ipv6")
    rules += parse_nft_ruleset(nft_ruleset or "")
    return rules


# --- comparing and planning -------------------------------------------------------------------


def _covers(rule_family, family):
    return rule_family in (family, "both")


def same_clamp(rule, request):
    """The rule clamps what the request asks for, in the same place (ignoring family and shadowing)."""
    if rule["hook"] != request["chain"].lower() or rule["conditions"]:
        return False
    if rule["out_interface"] != request["out_interface"]:
        return False
    if request["mss"] is None:
        return rule["clamp_to_pmtu"]
    return not rule["clamp_to_pmtu"] and rule["mss"] == request["mss"]


def serves(rule, request, family, backend):
    """The existing rule does the requested rule's job for one family (see the module docstring)."""
    return (rule["backend"] == backend and _covers(rule["family"], family) and not rule["shadowed"]
            and same_clamp(rule, request))


def build_rule(backend, request, family):
    """The rule dict of the rule we write, as reading it back would give it (handle unknown)."""
    chain, mss, out = request["chain"], request["mss"], request["out_interface"]
    if backend == "iptables":
        line = "-A %s" % chain
        if out:
            line += " -o %s" % out
        line += ' -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "%s" -j TCPMSS ' % MARK
        line += "--clamp-mss-to-pmtu" if mss is None else "--set-mss %d" % mss
        return parse_iptables_line(line, "mangle", family)
    exprs = nft_exprs(request, family)
    item = {"family": NFT_FAMILY, "table": NFT_TABLE, "chain": chain.lower(), "handle": None, "expr": exprs,
            "comment": MARK}
    return parse_nft_rule(item, {"hook": chain.lower(), "type": "filter"})


def nft_exprs(request, family):
    """nft JSON expressions of our rule (what `nft -j list ruleset` shows for the text we write)."""
    exprs = []
    if family != "both":
        exprs.append({"match": {"op": "==", "left": {"meta": {"key": "nfproto"}}, "right": family}})
    if request["out_interface"]:
        exprs.append({"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": request["out_interface"]}})
    exprs.append({"match": {"op": "==", "left": {"&": [{"payload": {"protocol": "tcp", "field": "flags"}},
                                                       ["syn", "rst"]]}, "right": "syn"}})
    value = {"rt": {"key": "mtu"}} if request["mss"] is None else request["mss"]
    exprs.append({"mangle": {"key": {"tcp option": {"name": "maxseg", "field": "size"}}, "value": value}})
    return exprs


def plan(request, rules, backend, state):
    """What to delete and add so that the clamp is as requested: {'delete': [rules], 'add': [rules]}.

    present: nothing when, for every requested family, a rule already serves (ours or anyone's);
    else our rule is added for the families left. Our own rules (comment netpath.mtu) in the same
    chain, family and interface with another MSS are deleted: the task says what the MSS is.
    absent: every rule that does what the request describes (ours or anyone's, shadowed or not)
    is deleted; an nftables rule for both families loses only the requested one (it is replaced
    by ours for the other family).
    """
    families = request["families"]
    mine = [r for r in rules if r["backend"] == backend]
    delete, add = [], []
    if state == "present":
        missing = [f for f in families if not any(serves(r, request, f, backend) for r in mine)]
        if missing:
            if backend == "nftables" and len(missing) == 2:
                add.append(build_rule(backend, request, "both"))
            else:
                add.extend(build_rule(backend, request, f) for f in missing)
        for rule in mine:
            stale = (rule["ours"] and rule["hook"] == request["chain"].lower() and not rule["conditions"]
                     and rule["out_interface"] == request["out_interface"]
                     and (rule["family"] in families or (rule["family"] == "both" and len(families) == 2))
                     and not same_clamp(rule, request))
            if stale:
                delete.append(rule)
    else:
        for rule in mine:
            if not same_clamp(rule, request) or not any(_covers(rule["family"], f) for f in families):
                continue
            delete.append(rule)
            if rule["family"] == "both" and len(families) == 1:
                other = "ipv6" if families[0] == "ipv4" else "ipv4"
                add.append(build_rule(backend, request, other))
    return {"delete": delete, "add": add}


def apply_plan(rules, changes):
    """The rules as they will be after the changes (what check mode reports)."""
    gone = [id(rule) for rule in changes["delete"]]
    return [rule for rule in rules if id(rule) not in gone] + list(changes["add"])


# --- writing ----------------------------------------------------------------------------------


def iptables_commands(changes):
    """[(family, args)] to run as [tool, '-w'] + args, deletions first."""
    commands = []
    for rule in changes["delete"]:
        tokens = shlex.split(rule["rule"])
        commands.append((rule["family"], ["-t", rule["table"], "-D"] + tokens[1:]))
    for rule in changes["add"]:
        tokens = shlex.split(rule["rule"])
        commands.append((rule["family"], ["-t", rule["table"], "-A"] + tokens[1:]))
    return commands


def nft_statement(request, family):
    """The `add rule` line of our rule (interface names are validated: nothing needs escaping)."""
    parts = ["add rule %s %s %s" % (NFT_FAMILY, NFT_TABLE, request["chain"].lower())]
    if family != "both":
        parts.append("meta nfproto %s" % family)
    if request["out_interface"]:
        parts.append('oifname "%s"' % request["out_interface"])
    parts.append("tcp flags syn / syn,rst tcp option maxseg size set")
    parts.append("rt mtu" if request["mss"] is None else "%d" % request["mss"])
    parts.append('comment "%s"' % MARK)
    return " ".join(parts)


def nft_script(changes, request, our_table):
    """One `nft -f -` transaction: deletions by handle, our table and chain, our rules.

    our_table: nft_table_contents of inet netpath_mtu now (None: no such table). A chain the
    deletions empty goes when it is as nft_script made it, and the table goes when that leaves
    nothing in it; a chain or set someone added to the table, empty or not, stays, and the table
    with it.
    """
    ours = "%s %s" % (NFT_FAMILY, NFT_TABLE)
    lines = []
    for rule in changes["delete"]:
        family, table = rule["table"].split(" ", 1)
        # The names come from the host's ruleset; only plain ones go into a script.
        if family not in NFT_FAMILIES or not NFT_NAME_RE.match(table) or not NFT_NAME_RE.match(rule["chain"] or "") \
                or isinstance(rule["handle"], bool) or not isinstance(rule["handle"], int):
            raise ClampError("cannot delete the rule in nftables table %r chain %r (handle %r) with an nft script: "
                             "the name is not a plain nft identifier" % (rule["table"], rule["chain"], rule["handle"]))
        lines.append("delete rule %s %s %s handle %d" % (family, table, rule["chain"], rule["handle"]))
    hook = request["chain"].lower()
    if changes["add"]:
        lines.append("table %s %s {" % (NFT_FAMILY, NFT_TABLE))
        lines.append("\tchain %s {" % hook)
        lines.append("\t\ttype filter hook %s priority mangle; policy accept;" % hook)
        lines.append("\t}")
        lines.append("}")
        lines.extend(nft_statement(request, rule["family"]) for rule in changes["add"])
    if our_table is not None:
        deleted = set(r["handle"] for r in changes["delete"] if r["table"] == ours)
        emptied = sorted(chain for chain, held in our_table["chains"].items()
                         if held["as_made"] and held["handles"] and not set(held["handles"]) - deleted
                         and NFT_NAME_RE.match(chain or "") and not (changes["add"] and chain == hook))
        if emptied and not changes["add"] and not our_table["others"] and set(emptied) == set(our_table["chains"]):
            lines.append("delete table %s %s" % (NFT_FAMILY, NFT_TABLE))
        else:
            lines.extend("delete chain %s %s %s" % (NFT_FAMILY, NFT_TABLE, chain) for chain in emptied)
    return "\n".join(lines) + "\n"


# --- our rule, for a program that runs elsewhere ---------------------------------------------
# A clamp made from nothing by something other than the module (the first-boot program of the
# cloud_init role): the same argv and nft text the module writes, from the same functions.


def iptables_rule_argv(request, family, action="-A"):
    """argv of `iptables -w -t mangle -A|-C|-D ...` (ip6tables for ipv6) for our rule of one family.

    -A appends it, as the module does; -C checks that it is there (exit 0) and -D deletes it.
    """
    if action not in ("-A", "-C", "-D"):
        raise ClampError("action=%r is not one of -A, -C, -D" % (action,))
    rule = build_rule("iptables", request, family)
    args = iptables_commands({"delete": [], "add": [rule]})[0][1]
    return [SAVE_TOOLS[family][0], "-w"] + args[:2] + [action] + args[3:]


def nft_rule_text(request, family):
    """Our rule as `nft list table inet netpath_mtu` prints it (nft_statement without `add rule ...`)."""
    prefix = "add rule %s %s %s " % (NFT_FAMILY, NFT_TABLE, request["chain"].lower())
    return nft_statement(request, family)[len(prefix):]


def nft_table_file(request, family):
    """An nft file with our table and the clamp for `family` (ipv4, ipv6 or both: one inet rule).

    It first makes and deletes the table, then defines it: `nft -f` loads it whether the table
    exists or not, and loading it again leaves one rule, not two (as the mss_clamp role saves it).
    """
    rule = build_rule("nftables", request, family)
    lines = ["table %s %s" % (NFT_FAMILY, NFT_TABLE), "delete table %s %s" % (NFT_FAMILY, NFT_TABLE)]
    return "\n".join(lines) + "\n" + nft_script({"delete": [], "add": [rule]}, request, None)


# --- showing ----------------------------------------------------------------------------------


def describe(rule):
    """One line per rule, as a command that would make it (for diff mode and messages)."""
    if rule["backend"] == "iptables":
        tool = SAVE_TOOLS[rule["family"]][0]
        return "%s -t %s %s" % (tool, rule["table"], rule["rule"])
    return "nft add rule %s %s %s" % (rule["table"], rule["chain"], rule["rule"])


def diff_text(rules, request, backend):
    """The clamp rules of the backend in the requested chain and families, one per line."""
    lines = [describe(rule) for rule in rules if rule["backend"] == backend
             and rule["hook"] == request["chain"].lower()
             and any(_covers(rule["family"], f) for f in request["families"])]
    return "".join(line + "\n" for line in lines)
