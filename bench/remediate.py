#!/usr/bin/env python3
"""Benchmark: the audit, a remediate that fixes every host and one with nothing to do, per host.

Builds the star of bench/audit.py with 1400-byte links, so that every host's WireGuard tunnel
(1420) is too big for its underlay (mtu_exceeds_underlay), and reaches the hosts over ssh as a
fleet's controller does (or `docker exec`: --connection). For each size (the first N spokes of
one star, the others paused) and each round: puts every host's tunnel back at 1420 (live and in wg0.conf), runs
`ansible-playbook netpath.mtu.audit` (it must find exactly that on each host), then
`netpath.mtu.remediate` (the audit, the plan, wireguard_mtu on each host, the audit after: every
host must be fixed), then remediate again (nothing to do: nothing may change). Prints the medians
per host of each against the targets of issue 19, and a baseline checkout's beside them when
given (run in turn with this one, round by round, on the same hosts). Exits non-zero unless every
audit found the fault on every host, every host was fixed and every second run changed nothing.

Usage (after scripts/bootstrap, on an otherwise idle machine; about 15 minutes for 20 and 50
hosts and 3 rounds, twice that with a baseline):
    python bench/remediate.py [--sizes 20 50] [--repeat 3] [--forks 10] [--connection ssh|docker]
                              [--baseline CHECKOUT]
"""

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

from audit import HUB_TUNNEL_ADDRESS, audit, bring_up_star
from labhosts import CONNECTIONS, connect, on_each, paused, run_playbook, take_down, wake_tunnels

EXPECTED_FINDINGS = ["mtu_exceeds_underlay"]
EXPECTED_FIX = ["mtu_exceeds_underlay@wg0"]
TUNNEL_MTU = 1420
# Issue 19's targets, seconds per host on the 2-core development machine.
TARGETS = {"audit": 0.4, "fixing": 2.0, "nothing to do": 0.5}


def remediate(hosts, forks, report_dir, checkout=None, inventory_vars=None):
    """Remediate `hosts`: (the playbook's process, wall seconds, remediation.json, changed on the hosts,
    the controller's CPU seconds or None)."""
    proc, wall, controller_cpu = run_playbook("remediate", hosts, forks, {"netpath_remediate_report_dir": report_dir,
                                                           "wireguard_mtu_verify_peer": HUB_TUNNEL_ADDRESS},
                              timeout=3600, checkout=checkout, inventory_vars=inventory_vars)
    summary_file = Path(report_dir) / "remediation.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {"hosts": {}}
    changed = sum(int(n) for n in re.findall(r"^sc-\d+ +: ok=\d+ +changed=(\d+)", proc.stdout, re.M))
    return proc, wall, summary, changed, controller_cpu


def break_tunnels(hosts):
    """Put each host's wg0 back at 1420, live and in its wg-quick config (as the star was made)."""
    config_line = f"s/^MTU *=.*/MTU = {TUNNEL_MTU}/"
    for start in range(0, len(hosts), 20):
        batch = hosts[start:start + 20]
        on_each(batch, ["ip", "link", "set", "wg0", "mtu", str(TUNNEL_MTU)], f"set wg0's MTU back to {TUNNEL_MTU}")
        on_each(batch, ["sed", "-i", config_line, "/etc/wireguard/wg0.conf"],
                f"put MTU = {TUNNEL_MTU} back in wg0.conf")


def one_round(hosts, forks, checkout, inventory_vars):
    """Audit, remediate, remediate again: ({run: wall seconds}, {run: the controller's CPU seconds or
    None}, ok, what went wrong)."""
    break_tunnels(hosts)
    with tempfile.TemporaryDirectory() as tmp:
        audited, audit_wall, report, audit_cpu = audit(hosts, f"{tmp}/audit", forks, checkout, inventory_vars)
        found = sum([f["id"] for f in h.get("findings") or []] == EXPECTED_FINDINGS
                    for h in report.get("hosts", {}).values())
        fixing, fixing_wall, summary, _, fixing_cpu = remediate(hosts, forks, f"{tmp}/fixing", checkout, inventory_vars)
        fixed = sum(h.get("fixed") == EXPECTED_FIX for h in summary["hosts"].values())
        again, again_wall, _, changed, again_cpu = remediate(hosts, forks, f"{tmp}/again", checkout, inventory_vars)
    problems = [f"{what}: rc {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr[-1000:]}"
                for what, proc in (("audit", audited), ("remediate", fixing), ("remediate again", again))
                if proc.returncode != 0]
    if found != len(hosts) or fixed != len(hosts) or changed:
        problems.append(f"found on {found}, fixed {fixed} of {len(hosts)} hosts; the second run changed {changed}")
    walls = {"audit": audit_wall, "fixing": fixing_wall, "nothing to do": again_wall}
    cpus = {"audit": audit_cpu, "fixing": fixing_cpu, "nothing to do": again_cpu}
    return walls, cpus, not problems, problems


def per_host(walls, cpus, size):
    """A round's runs in words: wall seconds per host, and the controller's CPU seconds per host."""
    return ", ".join(f"{run} {wall / size:.2f} s/host"
                     + (f" ({cpus[run] / size:.2f} s of controller CPU)" if cpus[run] is not None else "")
                     for run, wall in walls.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--connection", choices=CONNECTIONS, default="ssh",
                        help="how Ansible reaches the hosts: ssh, as on a fleet (default), or docker exec")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout of this repository (a worktree of main, say), run in turn with this "
                             "one on the same hosts: its times per host are shown beside this one's")
    args = parser.parse_args()
    variants = [("this", None)] + ([("baseline", args.baseline)] if args.baseline else [])
    keys = tempfile.TemporaryDirectory()
    topo, spokes, bring_up_seconds, memory = bring_up_star(max(args.sizes), link_mtu=1400)
    medians, ok = {}, True
    try:
        reach = connect(spokes, args.connection, keys.name)
        for size in sorted(args.sizes):
            walls = {name: {run: [] for run in TARGETS} for name, _ in variants}
            cpus = {run: [] for run in TARGETS}
            with paused(spokes[size:]):
                wake_tunnels(spokes[:size], HUB_TUNNEL_ADDRESS)
                for round_number in range(args.repeat):
                    # alternate which goes first, so that neither always meets a warmer machine
                    for name, checkout in variants if round_number % 2 == 0 else variants[::-1]:
                        round_walls, round_cpus, good, problems = one_round(spokes[:size], args.forks, checkout,
                                                                            reach)
                        for run, wall in round_walls.items():
                            walls[name][run].append(wall)
                            if name == "this":
                                cpus[run].append(round_cpus[run])
                        print(f"{size} hosts, round {round_number + 1}, {name}: "
                              + per_host(round_walls, round_cpus, size), flush=True)
                        for problem in problems:
                            print(problem)
                        ok &= good
            medians[size] = {name: {run: statistics.median(w) / size for run, w in runs.items()}
                             for name, runs in walls.items()}
            medians[size]["controller CPU"] = {run: statistics.median(c) / size if None not in c else None
                                               for run, c in cpus.items()}
    finally:
        take_down([topo])
        keys.cleanup()
    print(f"\nlab bring-up: {len(spokes) + 1} hosts in {bring_up_seconds:.0f} s, {memory:.0f} MiB in its containers; "
          f"reached by {args.connection}, {args.forks} forks, medians of {args.repeat}\n")
    print("| hosts | run | per host (s) | controller CPU per host (s) | baseline per host (s) | target (s) | within |")
    print("|---|---|---|---|---|---|---|")
    for size, by_name in medians.items():
        for run, target in TARGETS.items():
            mine, cpu = by_name["this"][run], by_name["controller CPU"][run]
            before = f"{by_name['baseline'][run]:.2f}" if "baseline" in by_name else "-"
            controller = f"{cpu:.2f}" if cpu is not None else "-"
            print(f"| {size} | {run} | {mine:.3f} | {controller} | {before} | {target} "
                  f"| {'yes' if mine <= target else 'NO'} |")
    if len(medians) > 1:
        smallest, largest = min(medians), max(medians)
        print(f"\nper host at {largest} hosts / at {smallest}: " + ", ".join(
            f"{run} {medians[largest]['this'][run] / medians[smallest]['this'][run]:.2f}" for run in TARGETS))
    print(f"\n{'PASS' if ok else 'FAIL'}: every audit found each host's tunnel too big, every host's tunnel was "
          "sized to its underlay, verified across the tunnel and audited clean, and a second run changed nothing")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
