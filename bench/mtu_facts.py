#!/usr/bin/env python3
"""Benchmark: what netpath.mtu.mtu_facts costs a host, next to ansible.builtin.setup (network).

Measured on the host itself, without the controller and the connection in the way: Ansible runs
each module once with ANSIBLE_KEEP_REMOTE_FILES=1, which leaves its self-contained AnsiballZ
payload on the lab host; the host then runs the three payloads in turn, ROUNDS times (a no-op,
ansible.builtin.ping, for what any module costs; ansible.builtin.setup with
gather_subset=network; netpath.mtu.mtu_facts with every part). Taking them in turn makes a busy
machine slow all three alike; each cost is the median, net of the no-op's. Exits non-zero when
mtu_facts costs more than setup.

Usage (after scripts/bootstrap): python bench/mtu_facts.py [--rounds N] [--keep]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from labhosts import bring_up, take_down, write_inventory

from netpath_lab import docker

TOPOLOGIES = ["k3s_double_tunnel"]
HOST = "k3s-server"  # the richest host: VXLAN over WireGuard, a bridge, a pod, flannel
TASKS = [
    ("no-op (ansible.builtin.ping)", "ansible.builtin.ping", ""),
    ("ansible.builtin.setup, gather_subset=network", "ansible.builtin.setup", "gather_subset=!all,!min,network"),
    ("netpath.mtu.mtu_facts, all parts", "netpath.mtu.mtu_facts", ""),
]
# Runs on the lab host: each payload in turn, ROUNDS times; prints the median milliseconds of each.
TIMER = r"""
import json, statistics, subprocess, sys, time
payloads, rounds = json.loads(sys.argv[1]), int(sys.argv[2])
times = {p: [] for p in payloads}
for _ in range(rounds):
    for payload in payloads:
        started = time.monotonic()
        subprocess.run(["/usr/bin/python3", payload], capture_output=True, check=True)
        times[payload].append((time.monotonic() - started) * 1000)
print(json.dumps({p: statistics.median(t) for p, t in times.items()}))
"""


def keep_payload(inventory, module, args):
    """Run `module` once with its payload kept on the host; the payload's path there."""
    before = set(docker.exec_in(HOST, ["sh", "-c", "ls -d /root/.ansible/tmp/ansible-tmp-* 2>/dev/null || true"])
                 .stdout.split())
    env = dict(os.environ, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP="/root/.ansible/tmp")
    subprocess.run(["ansible", "-i", str(inventory), HOST, "-m", module] + (["-a", args] if args else []),
                   capture_output=True, text=True, env=env, check=True, timeout=120)
    after = set(docker.exec_in(HOST, ["sh", "-c", "ls -d /root/.ansible/tmp/ansible-tmp-*"]).stdout.split())
    (new,) = after - before
    name = module.rsplit(".", 1)[1]
    return f"{new}/AnsiballZ_{name}.py"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each payload (median taken)")
    parser.add_argument("--keep", action="store_true", help="leave the lab topology up")
    args = parser.parse_args()

    topologies = bring_up(TOPOLOGIES)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inventory = write_inventory(Path(tmp) / "inventory.json", [HOST])
            payloads = [keep_payload(inventory, module, module_args) for _name, module, module_args in TASKS]
        out = docker.exec_in(HOST, ["python3", "-", json.dumps(payloads), str(args.rounds)], input=TIMER,
                             timeout=900).stdout
        medians = json.loads(out)
    finally:
        if not args.keep:
            take_down(topologies)

    names = [name for name, _module, _args in TASKS]
    cost = dict(zip(names, (medians[p] for p in payloads), strict=True))
    noop = cost[names[0]]
    setup, facts = cost[names[1]] - noop, cost[names[2]] - noop
    print("| module, run on the host | ms per run (median) | net of the no-op |\n|---|---|---|")
    for name in names:
        print(f"| {name} | {cost[name]:.0f} | {cost[name] - noop:.0f} |")
    ratio = facts / setup if setup > 0 else float("inf")
    print(f"\n{HOST}, {args.rounds} runs each: mtu_facts costs {ratio:.2f} of setup(network), net of a module's own "
          f"start-up; {'PASS' if ratio <= 1 else 'FAIL'} (target: at most setup's, aim: half)")
    return 0 if ratio <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
