#!/usr/bin/env python3
"""Benchmark: what netpath.mtu.mtu_facts costs a host, next to ansible.builtin.setup (network).

On lab hosts, one playbook runs each of three tasks ROUNDS times in a loop: ansible.builtin.ping
(a no-op module: Ansible's own cost per call), ansible.builtin.setup with gather_subset=network,
and netpath.mtu.mtu_facts with every part. Task times come from the json callback; each cost is
reported per call, net of the no-op's. Exits non-zero when mtu_facts costs more than setup.

Usage (after scripts/bootstrap): python bench/mtu_facts.py [--rounds N] [--keep]
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lab"))

from netpath_lab import build, docker, model  # noqa: E402

TOPOLOGIES = ["k3s_double_tunnel", "healthy"]
TASKS = [
    ("no-op (ansible.builtin.ping)", "ansible.builtin.ping", {}),
    ("ansible.builtin.setup, gather_subset=network", "ansible.builtin.setup",
     {"gather_subset": ["!all", "!min", "network"]}),
    ("netpath.mtu.mtu_facts, all parts", "netpath.mtu.mtu_facts", {}),
]


def playbook(hosts, rounds):
    tasks = [{"name": name, module: args, "loop": list(range(rounds))} for name, module, args in TASKS]
    return [{"name": "Cost per call", "hosts": ",".join(hosts), "gather_facts": False, "tasks": tasks}]


def seconds(span):
    parse = datetime.datetime.fromisoformat
    return (parse(span["end"].rstrip("Z")) - parse(span["start"].rstrip("Z"))).total_seconds()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="calls of each module per host")
    parser.add_argument("--keep", action="store_true", help="leave the lab topologies up")
    args = parser.parse_args()

    lab = model.load()
    topologies = lab.select(TOPOLOGIES)
    hosts = [h for t in topologies for h in t.hosts]
    build.up(topologies, docker.ensure_image(lab.image_suite, lab.image_packages), log=lambda message: None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            inventory = Path(tmp) / "inventory.json"
            inventory.write_text(json.dumps({"all": {"hosts": {h: {} for h in hosts}, "vars": {
                "ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}}}))
            play = Path(tmp) / "bench.yml"
            play.write_text(json.dumps(playbook(hosts, args.rounds)))
            env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
            proc = subprocess.run(["ansible-playbook", "-i", str(inventory), "--forks", "1", str(play)],
                                  capture_output=True, text=True, env=env, timeout=1800)
            if proc.returncode != 0:
                print(proc.stdout[-3000:], proc.stderr[-3000:])
                return 2
            result = json.loads(proc.stdout)
    finally:
        if not args.keep:
            build.down(topologies)

    # forks=1: the hosts run one after another, so a task's time over hosts x rounds is one call's cost.
    per_call = {}
    for task in result["plays"][0]["tasks"]:
        per_call[task["task"]["name"]] = seconds(task["task"]["duration"]) / (len(hosts) * args.rounds) * 1000
    names = [name for name, _module, _args in TASKS]
    noop = per_call[names[0]]
    setup, facts = per_call[names[1]] - noop, per_call[names[2]] - noop
    print("| task | ms per call | net of the no-op |\n|---|---|---|")
    for name in names:
        print(f"| {name} | {per_call[name]:.0f} | {per_call[name] - noop:.0f} |")
    ratio = facts / setup if setup > 0 else float("inf")
    print(f"\n{len(hosts)} lab hosts x {args.rounds} calls each; mtu_facts costs {ratio:.2f} of setup(network) "
          f"net of Ansible's own cost; {'PASS' if ratio <= 1 else 'FAIL'} (target: at most setup's, aim: half)")
    return 0 if ratio <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
