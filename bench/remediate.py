#!/usr/bin/env python3
"""Benchmark: audit and remediate on a fleet of 5, 10, 20 lab hosts, against forks.

Builds the star of bench/audit.py with 1400-byte links, so that every host's WireGuard tunnel
(1420) is too big for its underlay (mtu_exceeds_underlay). Runs `ansible-playbook
netpath.mtu.audit` on the hosts alone (it must find exactly that on each), then
`netpath.mtu.remediate` (the audit, the plan, wireguard_mtu on each: a probe of the
endpoint, the config and the live MTU, a DF probe across the tunnel, the audit after), then runs
it again (nothing to do), and prints wall time and time per host of each for each size and forks.
Exits non-zero unless the audit found the fault on every host, every host was fixed and the second
run changed nothing.

Usage (after scripts/bootstrap, on an otherwise idle machine; about 16 minutes):
    python bench/remediate.py [--sizes 5 10 20] [--forks 10] [--forks-at-largest 5 20]
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from audit import HUB, audit, star
from labhosts import bring_up, run_playbook, take_down

HUB_TUNNEL_ADDRESS = "10.101.0.1"


EXPECTED_FIX = ["mtu_exceeds_underlay@wg0"]


def remediate(hosts, forks, report_dir):
    """Remediate `hosts`: (the playbook's process, wall seconds, remediation.json, changed on the hosts)."""
    proc, wall = run_playbook("remediate", hosts, forks, {"netpath_remediate_report_dir": report_dir,
                                                           "wireguard_mtu_verify_peer": HUB_TUNNEL_ADDRESS})
    summary_file = Path(report_dir) / "remediation.json"
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {"hosts": {}}
    changed = sum(int(n) for n in re.findall(r"^sc-\d+ +: ok=\d+ +changed=(\d+)", proc.stdout, re.M))
    return proc, wall, summary, changed


def measure(size, forks_list):
    lab = star(size, link_mtu=1400)
    topo = lab.topologies["bench_star"]
    spokes = sorted(h for h in topo.hosts if h != HUB)
    bring_up([topo], lab)
    rows, ok = [], True
    try:
        for forks in forks_list:
            with tempfile.TemporaryDirectory() as tmp:
                audited, audit_wall, report = audit(spokes, f"{tmp}/audit", forks)
                found = sum([f["id"] for f in h.get("findings") or []] == ["mtu_exceeds_underlay"]
                            for h in report.get("hosts", {}).values())
                first, wall, summary, _ = remediate(spokes, forks, f"{tmp}/first")
                fixed = sum(h.get("fixed") == EXPECTED_FIX for h in summary["hosts"].values())
                for host, outcome in sorted(summary["hosts"].items()):
                    if outcome.get("fixed") != EXPECTED_FIX:
                        print(f"{size} hosts, {forks} forks: {host} {json.dumps(outcome)}")
                again, wall_again, _, changed = remediate(spokes, forks, f"{tmp}/again")
                good = (audited.returncode == 0 and first.returncode == 0 and again.returncode == 0
                        and found == size and fixed == size and changed == 0)
                for proc in (audited, first, again):
                    if proc.returncode != 0:
                        print(proc.stdout[-3000:], proc.stderr[-2000:])
                rows.append((size, forks, audit_wall, found, wall, wall / size, fixed, wall_again, changed, good))
                ok &= good
                if forks != forks_list[-1]:
                    take_down([topo])  # the next forks value starts from the broken fleet again
                    bring_up([topo], lab)
    finally:
        take_down([topo])
    return rows, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--forks-at-largest", type=int, nargs="*", default=[5, 20])
    args = parser.parse_args()
    rows, ok = [], True
    for size in args.sizes:
        forks_list = [args.forks] + (args.forks_at_largest if size == max(args.sizes) else [])
        size_rows, size_ok = measure(size, forks_list)
        rows += size_rows
        ok &= size_ok
    print("| hosts | forks | audit (s) | per host (s) | found | remediate (s) | per host (s) | fixed "
          "| second run (s) | changed on 2nd run | ok |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size, forks, audit_wall, found, wall, per_host, fixed, wall_again, changed, good in rows:
        print(f"| {size} | {forks} | {audit_wall:.1f} | {audit_wall / size:.2f} | {found} | {wall:.1f} | "
              f"{per_host:.2f} | {fixed} | {wall_again:.1f} | {changed} | {'yes' if good else 'NO'} |")
    print(f"\n{'PASS' if ok else 'FAIL'}: every audit found each host's tunnel too big, every host's tunnel was "
          "sized to its underlay, verified across the tunnel and audited clean, and a second run changed nothing")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
