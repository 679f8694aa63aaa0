#!/usr/bin/env python3
"""Benchmark: how the audit's wall time grows with the number of hosts (5, 10, 20 lab hosts).

Builds a star of N lab hosts around a hub router (each a real container with its own link and a
WireGuard tunnel to the hub), runs `ansible-playbook netpath.mtu.audit` on them with 10 forks
(facts, a probe to each WireGuard endpoint, findings, the report) over ssh as a fleet's controller
does (or `docker exec`: --connection), the spokes beyond the size paused, and prints the wall time
per size and per host. Exits non-zero if an audit fails or finds anything on these healthy hosts.

Usage (after scripts/bootstrap): python bench/audit.py [--sizes 5 10 20] [--repeat 3] [--connection ssh|docker]
    [--baseline CHECKOUT]
(--repeat: each size that many times, the median shown; --baseline: another checkout, say a worktree
of main, audited in turn on the same star; the lab's memory is that of its containers.)
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labhosts import CONNECTIONS, bring_up, connect, paused, run_playbook, take_down, wake_tunnels

from netpath_lab import model

HUB = "sc-hub"
HUB_TUNNEL_ADDRESS = "10.101.0.1"


def star(size, link_mtu=1500):
    """A lab description: `size` hosts, each on its own link (1500 unless told) to the hub and
    tunnelled to it."""
    hosts = {HUB: {"sysctl": {"net.ipv4.ip_forward": 1}, "wireguard": [{
        "name": "wg0", "addresses": ["10.101.0.1/24"], "listen_port": 51820, "mtu": 1420,
        "peers": [{"host": f"sc-{i:02d}", "endpoint": f"10.100.{i}.2:51820", "allowed_ips": [f"10.101.0.{i + 1}/32"],
                   "keepalive": 25} for i in range(1, size + 1)]}]}}
    links = []
    for i in range(1, size + 1):
        name = f"sc-{i:02d}"
        hosts[name] = {"routes": [{"to": "10.100.0.0/16", "via": f"10.100.{i}.1"}], "wireguard": [{
            "name": "wg0", "addresses": [f"10.101.0.{i + 1}/24"], "listen_port": 51820, "mtu": 1420,
            "peers": [{"host": HUB, "endpoint": f"10.100.{i}.1:51820", "allowed_ips": ["10.101.0.1/32"],
                       "keepalive": 25}]}]}
        links.append({"mtu": link_mtu, "ends": [{"host": HUB, "ifname": f"eth{i}", "addresses": [f"10.100.{i}.1/24"]},
                                            {"host": name, "ifname": "eth0", "addresses": [f"10.100.{i}.2/24"]}]})
    shipped = model.load()
    return model.parse({"image": {"suite": shipped.image_suite, "packages": list(shipped.image_packages)},
                        "topologies": {"bench_star": {"seed": "none", "hosts": hosts, "links": links}}})


def audit(hosts, report_dir, forks=10, checkout=None, inventory_vars=None):
    """Audit `hosts` (with another checkout's collection if given, reached as `inventory_vars` say):
    (the playbook's process, wall time in seconds, report or {}, the controller's CPU seconds or None)."""
    proc, wall, controller_cpu = run_playbook("audit", hosts, forks, {"netpath_report_dir": report_dir}, timeout=1800,
                              checkout=checkout, inventory_vars=inventory_vars)
    report_file = Path(report_dir) / "report.json"
    report = json.loads(report_file.read_text()) if proc.returncode == 0 and report_file.exists() else {}
    return proc, wall, report, controller_cpu


def bring_up_star(size, link_mtu=1500):
    """Bring up star(size, link_mtu): (its topology, its spokes, seconds it took, MiB in its containers)."""
    lab = star(size, link_mtu)
    topo = lab.topologies["bench_star"]
    started = time.monotonic()
    bring_up([topo], lab)
    seconds = time.monotonic() - started
    return topo, sorted(h for h in topo.hosts if h != HUB), seconds, lab_memory_mib(sorted(topo.hosts))


def lab_memory_mib(hosts):
    """The memory the lab's containers use, in MiB, from their cgroups (`docker stats` shows 0 B for a
    container whose systemd moved its processes into a cgroup below the container's, on cgroup v1)."""
    ids = subprocess.run(["docker", "inspect", "--format", "{{.Id}}", *hosts], capture_output=True, text=True,
                         check=True).stdout.split()
    total = 0
    for container in ids:
        for path in (f"/sys/fs/cgroup/memory/docker/{container}/memory.usage_in_bytes",
                     f"/sys/fs/cgroup/system.slice/docker-{container}.scope/memory.current",
                     f"/sys/fs/cgroup/docker/{container}/memory.current"):
            if Path(path).exists():
                total += int(Path(path).read_text())
                break
    return total / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--connection", choices=CONNECTIONS, default="ssh",
                        help="how Ansible reaches the hosts: ssh, as on a fleet (default), or docker exec")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout of this repository (a worktree of main, say), audited in turn with "
                             "this one on the same star: its time per host is shown beside this one's")
    args = parser.parse_args()
    rows, ok = [], True
    # One star as large as the largest size; each size audits its first hosts, the rest paused.
    keys = tempfile.TemporaryDirectory()
    topo, spokes, bring_up_seconds, memory = bring_up_star(max(args.sizes))
    try:
        reach = connect(spokes, args.connection, keys.name)
        for size in sorted(args.sizes):
            walls, cpus, baseline_walls = [], [], []
            with paused(spokes[size:]):
                wake_tunnels(spokes[:size], HUB_TUNNEL_ADDRESS)
                for _ in range(args.repeat):
                    if args.baseline:
                        with tempfile.TemporaryDirectory() as tmp:
                            baseline_walls.append(audit(spokes[:size], f"{tmp}/report", checkout=args.baseline,
                                                        inventory_vars=reach)[1])
                    with tempfile.TemporaryDirectory() as tmp:
                        proc, wall, report, cpu = audit(spokes[:size], f"{tmp}/report", inventory_vars=reach)
                    walls.append(wall)
                    cpus.append(cpu)
            wall = statistics.median(walls)
            cpu = statistics.median(cpus) / size if None not in cpus else None
            baseline = statistics.median(baseline_walls) / size if baseline_walls else None
            findings = sum(len(h.get("findings") or []) for h in report.get("hosts", {}).values())
            probes = sum(len(h.get("probes") or []) for h in report.get("hosts", {}).values())
            good = proc.returncode == 0 and len(report.get("hosts", {})) == size and findings == 0 and probes == size
            ok &= good
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-2000:])
            rows.append((size, wall, wall / size, cpu, baseline, probes, findings, good))
    finally:
        take_down([topo])
        keys.cleanup()
    print(f"lab bring-up: {len(spokes) + 1} hosts in {bring_up_seconds:.0f} s, {memory:.0f} MiB in its containers; "
          f"reached by {args.connection}\n")
    print(f"| hosts | audit wall time (s, median of {args.repeat}) | per host (s) | controller CPU per host (s) "
          "| baseline per host (s) | probes | findings | ok |")
    print("|---|---|---|---|---|---|---|---|")
    for size, wall, per_host, cpu, baseline, probes, findings, good in rows:
        mark = "yes" if good else "NO"
        before = f"{baseline:.2f}" if baseline is not None else "-"
        controller = f"{cpu:.2f}" if cpu is not None else "-"
        print(f"| {size} | {wall:.1f} | {per_host:.2f} | {controller} | {before} | {probes} | {findings} | {mark} |")
    print(f"\n{'PASS' if ok else 'FAIL'}: every audit completed, probed each host's tunnel endpoint and found nothing "
          "on these healthy hosts")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
