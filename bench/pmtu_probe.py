#!/usr/bin/env python3
"""Benchmark: netpath.mtu.pmtu_probe against a DF-ping bisection and tracepath, on the lab's paths.

The paths include a jumbo black hole (a 9000 link, then an 8000 hop that sends no too-big
message), IPv4 and IPv6. A second table probes the black-hole paths over TCP, to an open and to a
closed port (on the jumbo path to an address that drops ICMP echo): exact, and at most twice the
time ICMP takes on the same path. Beside it, nmap's path-mtu script (`nmap -Pn -n --script
path-mtu`, TCP to the open port and UDP to a closed one) on the same paths, as an anchor: it tries
only the RFC 1191 plateaus, so it gives a range unless the path MTU is one of them; it is reported,
not judged.

For each path it reports the answer, whether it is right, the time and the probes each method
took, and exits non-zero unless pmtu_probe is exact on every path and takes at most a fifth of
the bisection's time (the target is a tenth). The bisection is what operators do by hand:
`ping -M do -c 1 -W 1 -s SIZE`, one size at a time, halving the range. tracepath runs with a
10 s limit (through a black hole it never finishes). Every tool runs inside the lab host, and
the kernel's cached path MTUs are flushed before each run, so none profits from another.

Usage (after scripts/bootstrap): python bench/pmtu_probe.py [--repeat N] [--keep]
The lab topologies it needs (wg_blackhole, probe_paths) are brought up and, unless --keep,
taken down again.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

from labhosts import REPO, bring_up, take_down, write_inventory

from netpath_lab import docker

TOPOLOGIES = ["wg_blackhole", "probe_paths"]
# host, destination, family, true path MTU, is it a black hole, what the path is
PATHS = [
    ("wg-site-a", "10.2.0.2", 4, 1400, True, "WireGuard underlay, black hole, IPv4"),
    ("wg-site-a", "fd00:2::2", 6, 1400, True, "WireGuard underlay, black hole, IPv6"),
    ("wg-site-a", "10.20.0.2", 4, 1328, True, "inside the tunnel, black hole"),
    ("pp-client", "10.61.0.2", 4, 1380, False, "honest router, IPv4"),
    ("pp-client", "fd00:61::2", 6, 1380, False, "honest router, IPv6"),
    ("pp-client", "10.62.0.2", 4, 1360, True, "black hole with 10% loss"),
    ("pp-client", "10.64.0.2", 4, 8000, True, "jumbo (9000, then 8000), black hole, IPv4"),
    ("pp-client", "fd00:64::2", 6, 8000, True, "jumbo (9000, then 8000), black hole, IPv6"),
]
TRACEPATH_LIMIT = 10
# TCP on the same paths as ICMP, to a port that listens (a listener started for the run) and to
# one that does not (the reset answers); each must be exact and take at most twice ICMP's time.
# host, TCP destination, family, the ICMP row's destination on the same path, the listener's host:
# on the jumbo path the TCP destination is pp-jumbo's address that drops ICMP echo.
TCP_PATHS = [("wg-site-a", "10.2.0.2", 4, "10.2.0.2", "wg-site-b"),
             ("wg-site-a", "fd00:2::2", 6, "fd00:2::2", "wg-site-b"),
             ("pp-client", "10.64.0.3", 4, "10.64.0.2", "pp-jumbo"),
             ("pp-client", "fd00:64::3", 6, "fd00:64::2", "pp-jumbo")]
OPEN_PORT, CLOSED_PORT, UDP_PORT = 8079, 8078, 9999
# Listens on OPEN_PORT and never accepts (shared with tests/netns/test_pmtu_probe_tcp.py).
LISTENER = (REPO / "lab" / "files" / "tcp-listener.py").read_text()

BISECT = r"""
import json, subprocess, sys, time
dest, family, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
header = 28 if family == 4 else 48
probes = 0
def fits(size):
    global probes
    probes += 1
    argv = ["ping", "-%d" % family, "-c", "1", "-W", "1", "-M", "do", "-s", str(size - header), dest]
    return subprocess.run(argv, capture_output=True).returncode == 0
start = time.monotonic()
if fits(high):
    low = high
while low < high:
    mid = (low + high + 1) // 2
    if fits(mid):
        low = mid
    else:
        high = mid - 1
print(json.dumps({"pmtu": low, "probes": probes, "ms": (time.monotonic() - start) * 1000}))
"""


def flush_cache(host):
    docker.exec_in(host, ["ip", "route", "flush", "cache"], check=False)
    docker.exec_in(host, ["ip", "-6", "route", "flush", "cache"], check=False)


def run_probes(inventory, host, calls):
    """pmtu_probe with each of `calls` (its arguments) on `host`, the kernel's cached path MTU
    flushed before each, in one playbook (one Ansible start per host, not per probe): the results."""
    tasks = []
    for call in calls:
        # raw: one `docker exec`, no module to copy over; the string is ours, a constant.
        tasks.append({"name": "flush", "ansible.builtin.raw": f"ip -{call['family'][-1]} route flush cache",
                      "changed_when": False})
        tasks.append({"name": "probe", "netpath.mtu.pmtu_probe": call, "ignore_errors": True})
    playbook = inventory.parent / f"bench-pmtu-probe-{host}.json"
    playbook.write_text(json.dumps([{"hosts": host, "gather_facts": False, "tasks": tasks}]))
    # Pipelining: each task is one `docker exec` instead of four (its time is the module's own).
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_PIPELINING="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    proc = subprocess.run(["ansible-playbook", "-i", str(inventory), str(playbook)],
                          capture_output=True, text=True, env=env, timeout=120 + 30 * len(calls))
    tasks_run = json.loads(proc.stdout)["plays"][0]["tasks"]
    return [task["hosts"][host] for task in tasks_run if task["task"]["name"] == "probe"]


def probe_each(inventory, wanted):
    """wanted: {key: (host, pmtu_probe's arguments)}; the hosts probe one after the other, each
    in one playbook. Returns {key: result}."""
    results = {}
    for host in sorted({host for host, _call in wanted.values()}):
        keys = [key for key, (on, _call) in wanted.items() if on == host]
        results.update(zip(keys, run_probes(inventory, host, [wanted[key][1] for key in keys]), strict=True))
    return results


def run_bisection(host, dest, family, high):
    low = 68 if family == 4 else 1280
    proc = docker.exec_in(host, ["python3", "-", dest, str(family), str(low), str(high)], input=BISECT,
                          timeout=300)
    return json.loads(proc.stdout)


def run_tracepath(host, dest, family, limit=TRACEPATH_LIMIT):
    argv = ["timeout", str(limit), "stdbuf", "-oL", "tracepath", "-n", f"-{family}", dest]
    started = time.monotonic()
    proc = docker.exec_in(host, argv, check=False, timeout=limit + 20)
    elapsed = (time.monotonic() - started) * 1000
    found = re.findall(r"pmtu (\d+)", proc.stdout)
    finished = "Resume:" in proc.stdout
    return {"pmtu": int(found[-1]) if found else None, "ms": elapsed, "finished": finished}


def measure_tcp(inventory, rows, repeat):
    """For each of TCP_PATHS: (what, dest, truth, icmp ms, [(port kind, answer, right, ms)], nmap, ok)."""
    # The listeners end by themselves, or with their lab host when the topology is taken down.
    for listener_host in sorted({path[4] for path in TCP_PATHS}):
        docker.run(["docker", "exec", "-d", listener_host, "python3", "-c", LISTENER, str(OPEN_PORT), "900"])
    time.sleep(0.5)
    ports = (("open", OPEN_PORT), ("closed", CLOSED_PORT))
    wanted = {(dest, port, run): (host, {"dest": dest, "family": f"ipv{family}", "protocol": "tcp", "port": port})
              for host, dest, family, _icmp, _listener in TCP_PATHS for _kind, port in ports for run in range(repeat)}
    results = probe_each(inventory, wanted)
    tcp_rows = []
    for host, dest, family, icmp_dest, _listener in TCP_PATHS:
        what, _dest, truth, icmp_runs, icmp_ms = next(row[:5] for row in rows if row[1] == icmp_dest)
        cells, ok = [], True
        for kind, port in ports:
            runs = [results[dest, port, run] for run in range(repeat)]
            ms = statistics.median(r["elapsed_ms"] for r in runs)
            right = all(r.get("pmtu") == truth and r.get("blackhole") == icmp_runs[0]["blackhole"] for r in runs)
            ok &= right and ms <= 2 * icmp_ms
            cells.append((kind, runs[0].get("pmtu"), right, ms))
        nmap = {}
        for protocol, port in (("tcp", OPEN_PORT), ("udp", UDP_PORT)):
            flush_cache(host)
            nmap[protocol] = run_nmap(host, dest, protocol, port) if family == 4 else None
        tcp_rows.append((what, dest, truth, icmp_ms, cells, nmap, ok))
    return tcp_rows


def run_nmap(host, dest, protocol, port):
    """nmap's path-mtu script (IPv4 only; the RFC 1191 plateaus only, so a range unless the path
    MTU is one of them): {"answer": what it printed, "ms": its time}."""
    argv = ["nmap", "-Pn", "-n", "--script", "path-mtu", "-p", str(port)] + (["-sU"] if protocol == "udp" else [])
    argv.append(dest)
    started = time.monotonic()
    proc = docker.exec_in(host, ["timeout", "120"] + argv, check=False, timeout=150)
    elapsed = (time.monotonic() - started) * 1000
    found = re.search(r"path-mtu: (.+)", proc.stdout)
    return {"answer": found.group(1).strip() if found else "no result", "ms": elapsed}


def print_tcp(tcp_rows):
    print("\n| path (TCP where echo would be filtered) | true PMTU | ICMP ms | TCP open port | ms | "
          "TCP closed port | ms | TCP / ICMP | nmap path-mtu, TCP | ms | nmap path-mtu, UDP | ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for what, dest, truth, icmp_ms, cells, nmap, _ok in tcp_rows:
        shown = " | ".join(f"{pmtu} {'right' if right else 'WRONG'} | {ms:.0f}" for _kind, pmtu, right, ms in cells)
        ratio = max(ms for *_rest, ms in cells) / icmp_ms
        anchors = " | ".join(f"{nmap[p]['answer']} | {nmap[p]['ms']:.0f}" if nmap[p] else "not run (IPv4 only) | -"
                             for p in ("tcp", "udp"))
        print(f"| {what} ({dest}) | {truth} | {icmp_ms:.0f} | {shown} | {ratio:.2f}x | {anchors} |")


class Phases:
    """Seconds each phase of the run took, to stderr (where the time of the CI step goes)."""

    def __init__(self):
        self.last = time.monotonic()

    def __call__(self, name):
        now = time.monotonic()
        print(f"{name}: {now - self.last:.1f} s", file=sys.stderr, flush=True)
        self.last = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of pmtu_probe per path (median taken)")
    parser.add_argument("--tracepath-limit", type=int, default=TRACEPATH_LIMIT,
                        help="seconds tracepath may take (through a black hole it never finishes)")
    parser.add_argument("--tcp-repeat", type=int, default=1, help="runs of each TCP probe (median taken)")
    parser.add_argument("--keep", action="store_true", help="leave the lab topologies up")
    args = parser.parse_args()

    phase = Phases()
    topologies = bring_up(TOPOLOGIES)
    phase("bring-up")
    inventory = REPO / ".cache" / "bench-inventory.json"
    inventory.parent.mkdir(exist_ok=True)
    write_inventory(inventory, sorted({path[0] for path in PATHS + TCP_PATHS}))
    rows, tcp_rows, ok = [], [], True
    try:
        results = probe_each(inventory, {(dest, run): (host, {"dest": dest, "family": f"ipv{family}"})
                                         for host, dest, family, *_rest in PATHS for run in range(args.repeat)})
        phase("pmtu_probe, ICMP")
        for host, dest, family, truth, blackhole, what in PATHS:
            runs = [results[dest, run] for run in range(args.repeat)]
            module_ms = statistics.median(r["elapsed_ms"] for r in runs)
            module_right = all(r.get("pmtu") == truth and r.get("blackhole") == blackhole for r in runs)
            flush_cache(host)
            bisect = run_bisection(host, dest, family, runs[0]["route_mtu"])
            flush_cache(host)
            trace = run_tracepath(host, dest, family, args.tracepath_limit)
            speedup = bisect["ms"] / module_ms
            ok &= module_right and speedup >= 5
            rows.append((what, dest, truth, runs, module_ms, module_right, bisect, trace, speedup))
        phase("bisection and tracepath")
        tcp_rows = measure_tcp(inventory, rows, args.tcp_repeat)
        phase("TCP and nmap")
        ok &= all(row[-1] for row in tcp_rows)
    finally:
        if not args.keep:
            take_down(topologies)
            phase("take-down")

    print("| path | true PMTU | pmtu_probe | ms | probes | DF-ping bisection | ms | probes | tracepath | ms | "
          "bisection / pmtu_probe |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for what, dest, truth, runs, module_ms, module_right, bisect, trace, speedup in rows:
        def mark(value, right):
            return f"{value} {'right' if right else 'WRONG'}"

        trace_answer = mark(trace["pmtu"], trace["pmtu"] == truth) if trace["pmtu"] else "none"
        if not trace["finished"]:
            trace_answer += f" (no result in {args.tracepath_limit} s)"
        print(f"| {what} ({dest}) | {truth} | {mark(runs[0]['pmtu'], module_right)} | {module_ms:.0f} | "
              f"{runs[0]['probes_sent']} | {mark(bisect['pmtu'], bisect['pmtu'] == truth)} | {bisect['ms']:.0f} | "
              f"{bisect['probes']} | {trace_answer} | {trace['ms']:.0f} | {speedup:.0f}x |")
    print_tcp(tcp_rows)
    speedups = [row[-1] for row in rows]
    exact = sum(row[5] for row in rows)
    print(f"\npmtu_probe exact on {exact} of {len(rows)} paths; bisection takes {min(speedups):.0f}x to "
          f"{max(speedups):.0f}x as long (median {statistics.median(speedups):.0f}x); "
          f"{'PASS' if ok else 'FAIL'} (target: exact everywhere, at least 5x faster)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
