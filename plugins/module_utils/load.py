# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A load test's counters and its verdict, as plain functions on data (load_probe's logic).

The method (a field guide to "the tunnel is slow"): drive one reproducible flow, then several,
watch the counters while they run, and name the bottleneck in this order: the path MTU, CPU,
routing, then loss and queues. `snapshot` reads the counters' texts, `delta` turns two snapshots
into what happened during a run, `verdict` decides. Python 3.6+ standard library only.
"""

from ansible_collections.netpath.mtu.plugins.module_utils import parsers

# A core counts as saturated from 90 % busy (user, system, irq, softirq, steal: not idle or iowait).
CORE_BUSY_SHARE = 0.9
# A userspace tunnel's process counts as CPU-limited when its cgroup was throttled (cpu.max) for a
# quarter of the run or more: a quota, not a busy core, is then the ceiling. (Throttled time adds up
# over the CPUs the cgroup ran on, so the share can pass 1.)
THROTTLED_SHARE = 0.25
# Several flows that get less than 1.5 times one flow's rate do not gain from parallelism: the limit
# is shared (a core, a quota), not a single flow's window.
PARALLEL_GAIN = 1.5
# With a target rate (iperf3 -b), a flow that reaches 90 % of it was not limited by anything.
TARGET_SHARE = 0.9
# TCP segments sent again by one flow: from 2 % of those sent, TCP's window is cut by loss (a healthy
# path retransmits well under 1 %; the lab's healthy wireguard-go on two shared CPUs about 0.5 %).
RETRANSMIT_RATIO = 0.02
# A flow that received 1 Mbit/s in full-size segments proves the path carries them (a black hole
# passes none), whatever a probe whose echoes were lost said.
FLOW_PROOF_BPS = 1000000
# Any packet the reverse-path filter dropped during the test: its replies came back by another way.
RP_FILTER_DROPS = 1

# The userspace tunnels whose cgroup is read (a kernel tunnel's work shows as softirq on a core).
TUNNEL_PROCESSES = ("wireguard-go", "boringtun", "boringtun-cli", "tailscaled", "openvpn")
BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")

ADVICE = {
    "mtu": "Fix the path MTU first: size the tunnel from the measured path (netpath.mtu.wireguard_mtu with "
           "wireguard_mtu: auto) or clamp the MSS (netpath.mtu.mss_clamp), and let ICMP too-big messages through; "
           "measure again before anything else.",
    "cpu": "CPU is the ceiling: one core (or the tunnel's CPU quota) is saturated and more flows do not help. Spread "
           "receive processing (RSS/RPS, irqbalance), lift the tunnel process's CPU limit, use the kernel's "
           "WireGuard, or scale the gateway.",
    "routing": "Replies take another path: the reverse-path filter dropped packets during the test. Make the routes "
               "symmetric (ip route get and ip rule on both ends) or set rp_filter to loose (2) on the interfaces "
               "(netpath.mtu.remediate fixes rp_filter_strict).",
    "loss": "Packets are lost under load: check the underlay's loss and jitter, the qdisc (fq_codel, "
            "netpath.mtu.qdisc), interface drops and UDP buffer errors (raise net.core.rmem_max/wmem_max only "
            "when those rise).",
}
ORDER = ("mtu", "cpu", "routing", "loss")


def cpu_cgroup(text):
    """/proc/PID/cgroup -> (version, path) of the cgroup whose CPU limit applies to the process.

    cgroup v1 (or a hybrid host) has a line whose controllers include cpu: ('v1', its path); else
    the unified line '0::PATH' gives ('v2', PATH). None when neither is there.
    """
    unified = None
    for line in text.splitlines():
        number, _sep, rest = line.partition(":")
        controllers, _sep, path = rest.partition(":")
        if number == "0" and not controllers:
            unified = ("v2", path.strip() or "/")
        elif "cpu" in controllers.split(","):
            return ("v1", path.strip() or "/")
    return unified


def cgroup_cpu(group):
    """The texts of one cgroup's CPU files -> {usage_usec, throttled_usec, max ('QUOTA PERIOD' or 'max')}.

    v2: cpu.stat (usage_usec, throttled_usec) and cpu.max. v1: cpu.stat (throttled_time, in ns),
    cpuacct.usage (ns), cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us.
    """
    stat = parsers.snmp6(group.get("cpu_stat", ""))
    if group.get("version") == "v2":
        return {"usage_usec": stat.get("usage_usec") or 0, "throttled_usec": stat.get("throttled_usec") or 0,
                "max": (group.get("cpu_max") or "max").strip()}
    quota, period = (group.get("cfs_quota_us") or "-1").strip(), (group.get("cfs_period_us") or "").strip()
    usage = (group.get("cpuacct_usage") or "").strip()
    return {"usage_usec": int(usage) // 1000 if usage.isdigit() else None,
            "throttled_usec": (stat.get("throttled_time") or 0) // 1000,
            "max": "max" if quota.startswith("-") or not period else "%s %s" % (quota, period)}


def snapshot(texts, clock):
    """The counters' texts ({stat, softirqs, snmp, snmp6, netstat, links, cgroups}) -> numbers at `clock`.

    cgroups: {cgroup path: {"process": name, "version": "v1"|"v2", and the texts cgroup_cpu reads}} of
    the tunnel processes.
    """
    netstat = parsers.proc_table(texts.get("netstat", ""), "TcpExt")
    snmp = texts.get("snmp", "")
    six = parsers.snmp6(texts.get("snmp6", ""))
    udp = parsers.proc_table(snmp, "Udp")
    return {
        "clock": clock,
        "cpu": parsers.cpu_times(texts.get("stat", "")),
        "net_rx": parsers.softirqs(texts.get("softirqs", "")),
        "udp": dict((name, (udp.get(name) or 0) + (six.get("Udp6" + name) or 0))
                    for name in ("RcvbufErrors", "SndbufErrors")),
        "tcp": parsers.proc_table(snmp, "Tcp"),
        "rp_filter_drops": netstat.get("IPReversePathFilter") or 0,
        "links": parsers.link_stats(texts.get("links", "[]")),
        "cgroups": dict((path, dict(cgroup_cpu(group), process=group.get("process")))
                        for path, group in (texts.get("cgroups") or {}).items()),
    }


def _share(part, whole):
    return round(part / float(whole), 3) if whole else 0.0


def _cpu_delta(before, after):
    cores = []
    for index, (old, new) in enumerate(zip(before, after)):
        diff = dict((name, new[name] - old[name]) for name in parsers.CPU_FIELDS)
        total = sum(diff.values())
        cores.append({"cpu": index, "user": _share(diff["user"] + diff["nice"], total),
                      "system": _share(diff["system"], total), "softirq": _share(diff["softirq"], total),
                      "busy": _share(sum(diff[name] for name in BUSY_FIELDS), total)})
    return cores


def _cgroup_delta(before, after, elapsed_usec):
    result = []
    for path in sorted(set(before) & set(after)):
        old, new = before[path], after[path]
        quota = new["max"].split()
        allowed = (float(quota[0]) / float(quota[1]) * elapsed_usec
                   if len(quota) == 2 and quota[0] != "max" and float(quota[1]) else None)
        # None where the usage was not readable (v1 with cpuacct mounted apart from cpu, at another path)
        used = None if None in (new["usage_usec"], old["usage_usec"]) else new["usage_usec"] - old["usage_usec"]
        result.append({
            "process": new["process"], "cgroup": path, "cpu_max": new["max"],
            "throttled_share": _share(new["throttled_usec"] - old["throttled_usec"], elapsed_usec),
            "quota_used_share": _share(used, allowed) if allowed and used is not None else None,
        })
    return result


def delta(before, after):
    """Two snapshots -> what happened between them: CPU shares per core, counters as differences."""
    elapsed_usec = max(1, int((after["clock"] - before["clock"]) * 1e6))
    tcp_old, tcp_new = before["tcp"], after["tcp"]
    sent = (tcp_new.get("OutSegs") or 0) - (tcp_old.get("OutSegs") or 0)
    retrans = (tcp_new.get("RetransSegs") or 0) - (tcp_old.get("RetransSegs") or 0)
    links = {}
    for name, new in after["links"].items():
        old = before["links"].get(name) or {}
        moved = dict((key, value - (old.get(key) or 0)) for key, value in new.items() if value - (old.get(key) or 0))
        if moved:
            links[name] = moved
    return {
        "seconds": round(elapsed_usec / 1e6, 2),
        "cpu": _cpu_delta(before["cpu"], after["cpu"]),
        "net_rx": [new - old for old, new in zip(before["net_rx"], after["net_rx"])],
        "udp": dict((name, after["udp"][name] - before["udp"][name]) for name in after["udp"]),
        "tcp": {"segments_sent": sent, "retransmits": retrans, "retransmit_ratio": _share(retrans, sent)},
        "rp_filter_drops": after["rp_filter_drops"] - before["rp_filter_drops"],
        "links": links,
        "tunnel_cpu": _cgroup_delta(before["cgroups"], after["cgroups"], elapsed_usec),
    }


def _evidence(check, fired, measure, value, threshold, run=None):
    item = {"check": check, "fired": bool(fired), "measure": measure, "value": value, "threshold": threshold}
    if run:
        item["run"] = run
    return item


def _run_name(run):
    return "%s, %d flow%s" % (run["direction"], run["streams"], "" if run["streams"] == 1 else "s")


def _carried(measured, route_mtu):
    """The one-flow run that proves full-size packets pass: it received FLOW_PROOF_BPS with the route's
    MTU as its path MTU, and the kernel does not shrink segments by itself (tcp_mtu_probing 0), so
    its segments were full-size. None when no run proves it."""
    if measured.get("tcp_mtu_probing") != 0:
        return None
    for run in measured.get("runs") or []:
        if run["streams"] == 1 and (run.get("pmtu") or 0) >= route_mtu and run["bits_per_second"] >= FLOW_PROOF_BPS:
            return run
    return None


def _mtu_checks(measured):
    probe, route = measured.get("probe") or {}, measured.get("route") or {}
    if not isinstance(probe.get("pmtu"), int):
        yield _evidence("mtu", False, "path MTU (pmtu_probe)", None,
                        "not measured: %s" % (probe.get("error") or "no probe"))
        return
    carried = _carried(measured, route.get("mtu") or 0)
    refuted = "" if carried is None else (
        "; refuted: the one flow received %d bit/s in full-size segments of path MTU %s (tcp_mtu_probing 0), "
        "so the probe's echoes were lost, not too big" % (carried["bits_per_second"], carried["pmtu"]))
    below = "< %s, the MTU of the route's interface %s%s" % (route.get("mtu"), route.get("dev"), refuted)
    yield _evidence("mtu", probe["pmtu"] < (route.get("mtu") or 0) and carried is None, "path MTU (pmtu_probe)",
                    probe["pmtu"], below)
    for run in measured.get("runs") or []:
        if isinstance(run.get("pmtu"), int):
            yield _evidence("mtu", run["pmtu"] > probe["pmtu"] and carried is None, "the flow's path MTU (TCP_INFO)",
                            run["pmtu"], "> %d, the path MTU measured%s" % (probe["pmtu"], refuted), _run_name(run))


def _pairs(measured):
    """(one flow, several flows) of each direction."""
    runs = measured.get("runs") or []
    for direction in ("forward", "reverse"):
        single = [r for r in runs if r["direction"] == direction and r["streams"] == 1]
        multi = [r for r in runs if r["direction"] == direction and r["streams"] > 1]
        if single:
            yield single[0], (multi[0] if multi else None)


def _cpu_checks(measured):
    target = measured.get("bitrate") or 0
    for single, multi in _pairs(measured):
        counters = single.get("counters") or {}
        busiest = max([core["busy"] for core in counters.get("cpu") or []] or [0.0])
        throttled = max([group["throttled_share"] for group in counters.get("tunnel_cpu") or []] or [0.0])
        saturated = busiest >= CORE_BUSY_SHARE or throttled >= THROTTLED_SHARE
        gain = _share(multi["bits_per_second"], single["bits_per_second"]) if multi else None
        no_gain = gain is not None and single["bits_per_second"] > 0 and gain < PARALLEL_GAIN
        short = not target or single["bits_per_second"] < TARGET_SHARE * target
        name = _run_name(single)
        yield _evidence("cpu", saturated and no_gain and short, "busiest core's busy share", busiest,
                        ">= %s" % CORE_BUSY_SHARE, name)
        yield _evidence("cpu", saturated and no_gain and short, "tunnel process throttled share (cpu.max)",
                        throttled, ">= %s" % THROTTLED_SHARE, name)
        yield _evidence("cpu", saturated and no_gain and short, "several flows / one flow", gain,
                        "< %s (with a core or quota saturated)" % PARALLEL_GAIN, name)
        if target:
            yield _evidence("cpu", saturated and no_gain and short, "one flow's share of the target rate",
                            _share(single["bits_per_second"], target), "< %s" % TARGET_SHARE, name)


def _routing_checks(measured):
    for run in measured.get("runs") or []:
        drops = (run.get("counters") or {}).get("rp_filter_drops", 0)
        yield _evidence("routing", drops >= RP_FILTER_DROPS, "reverse-path filter drops (IPReversePathFilter)",
                        drops, ">= %d" % RP_FILTER_DROPS, _run_name(run))


def _loss_checks(measured):
    for run in measured.get("runs") or []:
        counters = run.get("counters") or {}
        # Loss decides on one flow only: several flows started together overflow a queue (a socket
        # buffer, a device queue) by themselves, which says nothing of the path. Their numbers are shown.
        single = run["streams"] == 1
        note = "" if single else " (several flows: shown, not deciding)"
        ratio = (counters.get("tcp") or {}).get("retransmit_ratio", 0.0)
        errors = sum((counters.get("udp") or {}).values())
        drops = sum(sum(moved.values()) for moved in (counters.get("links") or {}).values())
        yield _evidence("loss", single and ratio >= RETRANSMIT_RATIO, "TCP retransmitted / sent segments", ratio,
                        ">= %s%s" % (RETRANSMIT_RATIO, note), _run_name(run))
        yield _evidence("loss", single and errors > 0, "UDP buffer errors", errors, "> 0" + note, _run_name(run))
        yield _evidence("loss", single and drops > 0, "interface drops and errors", drops, "> 0" + note,
                        _run_name(run))


CHECKS = (_mtu_checks, _cpu_checks, _routing_checks, _loss_checks)


def verdict(measured):
    """{route, probe, runs, bitrate, tcp_mtu_probing} -> (verdict, evidence, advice).

    runs: [{direction, streams, bits_per_second, pmtu, counters (a delta)}]. The verdict is the first
    check that fired in the method's order (mtu, cpu, routing, loss), else none; evidence lists every
    number looked at with its threshold and whether it fired; advice has a line per check that fired,
    in that order.
    """
    evidence = [item for check in CHECKS for item in check(measured)]
    fired = [name for name in ORDER if any(item["fired"] for item in evidence if item["check"] == name)]
    return (fired[0] if fired else "none"), evidence, [ADVICE[name] for name in fired]


def throughput(runs):
    """{direction: {flows: bits_per_second}} of the runs."""
    result = {}
    for run in runs:
        result.setdefault(run["direction"], {})[str(run["streams"])] = run["bits_per_second"]
    return result


def totals(result):
    """A load_probe result -> the counters of all its runs added: {seconds, net_rx per CPU, udp errors}."""
    seconds, net_rx, udp = 0.0, [], {}
    for run in (result or {}).get("runs") or []:
        counters = run.get("counters") or {}
        seconds += counters.get("seconds") or 0
        for index, count in enumerate(counters.get("net_rx") or []):
            net_rx.extend([0] * (index + 1 - len(net_rx)))
            net_rx[index] += count
        for name, count in (counters.get("udp") or {}).items():
            udp[name] = udp.get(name, 0) + count
    return {"seconds": round(seconds, 1), "net_rx": net_rx, "udp": udp}
