"""Generated bad arguments for each module, run in a network namespace on this host's kernel.

Each bad argument (one at a time, the others good, then seeded random pairs) must fail the
module with a message that names the argument, and leave the namespace as it was: its links,
addresses, routes and policy rules, its iptables and nftables rules, and the files a module
could write. The values are built from a few rules per type (wrong type, out of range, the
edges just outside, names that are too long, empty, hostile to a shell or to ip(8)), not
listed one by one, so a new argument needs only its kind.
"""

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

# Files a module that misbehaved could write: the boot configurations of the firewalls and of
# Docker. The modules themselves write none.
WATCHED_FILES = ("/etc/nftables.conf", "/etc/nftables.d", "/etc/iptables", "/etc/sysconfig/nftables.conf",
                 "/etc/docker/daemon.json", "/etc/wireguard")

HOSTILE_NAMES = ["", "a" * 16, "eth0;reboot", "$(reboot)", "eth 0", "-h", "lo\n", "..", ".", "a/b", "wg:0",
                 "\u00e9th0", "eth0\x00"]
NOT_INTEGERS = ["abc", "1.5", "", "0x10", [1], {"a": 1}]
NOT_FLOATS = ["abc", "", [1.0]]


def ints_outside(low, high):
    return [low - 1, high + 1, -1, 2 ** 31, 10 ** 12] + NOT_INTEGERS


# module -> (good arguments, {argument: bad values}); the namespace has vt0 (MTU 1500,
# 10.79.0.1/24 and fd79::1/64) to a peer namespace, and lo.
CASES = {
    "link_mtu": ({"name": "vt0", "mtu": 1400}, {
        "name": HOSTILE_NAMES + ["nosuch0"],
        "mtu": [67, 0, -1, 65536, 2 ** 31, 10 ** 12, True] + NOT_INTEGERS,
    }),
    "mss_clamp": ({"backend": "iptables"}, {
        "state": ["", "gone", "PRESENT"],
        "backend": ["", "pf", "NFTABLES"],
        "family": ["", "ipv5", "IPv4"],
        "chain": ["", "INPUT", "forward", "FORWARD;reboot", "PREROUTING"],
        "mss": ints_outside(536, 65495),
        "out_interface": [n for n in HOSTILE_NAMES if n != ""],
    }),
    "pmtu_probe": ({"dest": "10.79.0.2"}, {
        "dest": ["", "a" * 64 + ".example", "a..b", ".example", "no-such-host.invalid", "fd79::2%bogus0"],
        "family": ["", "ipv5", "inet"],
        "min_size": ints_outside(68, 65535),
        "max_size": ints_outside(68, 65535),
        "timeout": [0, -1, 61, float("nan"), float("inf")] + NOT_FLOATS,
        "attempts": ints_outside(1, 10),
        "max_hops": ints_outside(1, 64),
        "locate": ["maybe", 2, [True]],
        "protocol": ["", "sctp", "TCP"],
        "port": [0, 70000, "http", 80],  # with the default protocol, icmp, any port is wrong
    }),
    "mtu_facts": ({"gather_subset": ["interfaces"]}, {
        "gather_subset": [["bogus"], ["!bogus"], ["interfaces", "all!"], "bogus", [""], [1]],
        "route_targets": [{"a": 1}],
    }),
}


def bad_calls():
    """(module, arguments, the bad argument names) for each bad value alone, then 40 seeded pairs."""
    calls = []
    for module, (good, bad) in CASES.items():
        for name, values in bad.items():
            calls += [(module, dict(good, **{name: value}), (name,)) for value in values]
        calls.append((module, dict(good, no_such_argument=1), ("no_such_argument",)))
    rng = random.Random(20)
    for _pair in range(40):
        module = rng.choice(sorted(CASES))
        good, bad = CASES[module]
        if len(bad) < 2:
            continue
        names = rng.sample(sorted(bad), 2)
        calls.append((module, dict(good, **{n: rng.choice(bad[n]) for n in names}), tuple(names)))
    return calls


def _files():
    state = {}
    for top in WATCHED_FILES:
        root = Path(top)
        for path in ([root] + sorted(root.rglob("*")) if root.is_dir() else [root]):
            if path.is_file():
                state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.exists():
                state[str(path)] = "directory"
    return state


def _without_counters(text):
    items = json.loads(text or "[]")
    for item in items if isinstance(items, list) else []:
        item.pop("stats64", None)
        item.pop("stats", None)
        for addr in item.get("addr_info", []):
            addr.pop("valid_life_time", None)
            addr.pop("preferred_life_time", None)
    return items


def snapshot(ns):
    """What a module could change in the namespace, and in the files it could write."""
    state = {}
    for key, argv in (("links", ["ip", "-d", "-j", "link", "show"]), ("addresses", ["ip", "-j", "addr", "show"]),
                      ("routes4", ["ip", "-4", "-j", "route", "show", "table", "all"]),
                      ("routes6", ["ip", "-6", "-j", "route", "show", "table", "all"]),
                      ("rules4", ["ip", "-4", "-j", "rule", "show"]), ("rules6", ["ip", "-6", "-j", "rule", "show"])):
        state[key] = _without_counters(ns.run(argv).stdout)
    for key, tool in (("iptables", "iptables-save"), ("ip6tables", "ip6tables-save"), ("nft", "nft")):
        if shutil.which(tool):
            argv = [tool, "-j", "list", "ruleset"] if tool == "nft" else [tool]
            lines = ns.run(argv, check=False).stdout.splitlines()
            state[key] = [line for line in lines if not line.startswith("#")]
    state["files"] = _files()
    return state


@pytest.fixture(scope="module")
def lab(netns_for_module):
    """Two namespaces for the whole module (made once: some 150 calls run in them)."""
    a, b = netns_for_module("bad-a"), netns_for_module("bad-b")
    a.veth_to(b, 1500, "10.79.0", "fd79::")
    # A clamp of the host's own, so that a module that deleted one would show.
    a.run(["iptables", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN",
           "-j", "TCPMSS", "--set-mss", "1300"])
    return a


@pytest.mark.parametrize(("module", "args", "bad"), bad_calls(),
                         ids=lambda value: json.dumps(value)[:60] if isinstance(value, dict) else str(value))
def test_a_bad_argument_fails_naming_it_and_changes_nothing(lab, module, args, bad):
    before = snapshot(lab)
    result = lab.module(module, args)
    after = snapshot(lab)
    assert result.get("failed") and result["rc_module"] == 1, result
    assert "Traceback" not in result.get("msg", "") + result.get("exception", "")
    assert any(name in result["msg"] for name in bad), result["msg"]
    assert after == before
