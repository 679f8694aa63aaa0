#!/usr/bin/python
# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: load_probe
short_description: Drive bulk TCP through a path and name its bottleneck (MTU, CPU, routing, loss)
version_added: 0.2.0
description:
  - Runs the JSON client of C(iperf3) to O(dest):O(port) (an C(iperf3 -s) must listen there), first with
    one flow, then with O(streams) flows, for O(duration) seconds each; with O(reverse) the same
    again with the far end sending (C(iperf3 -R)).
  - Reads the counters before and after each run and returns what happened during it - per-core CPU
    (user, system, softirq and busy shares, C(/proc/stat)), NET_RX softirqs per core
    (C(/proc/softirqs)), UDP receive and send buffer errors and TCP segments sent and retransmitted
    (C(/proc/net/snmp), C(/proc/net/snmp6)), reverse-path-filter drops (C(IPReversePathFilter) in
    C(/proc/net/netstat)), interface drops and errors (C(ip -s -j link)), and how long the cgroup
    of a userspace tunnel process (wireguard-go, boringtun, tailscaled, openvpn) was throttled by its
    CPU limit (C(cpu.max) on cgroup v2, C(cpu.cfs_quota_us) on v1).
  - The flow's MSS and path MTU come from iperf3's JSON, which carries the kernel's C(TCP_INFO) for
    the flow it sends; C(ss) has no JSON output, so its text is not parsed. The route the test took
    comes from C(ip -j route get), and a quick path-MTU probe (the method of M(netpath.mtu.pmtu_probe))
    measures what the path carries.
  - Decides a RV(verdict) in the method's order - C(mtu) (the path carries less than the
    route's MTU, or the flow's path MTU is above it, unless the one flow itself carried 1 Mbit/s in
    full-size segments), C(cpu) (a core at 90 % or the tunnel's quota
    throttled a quarter of the time, and several flows do not get 1.5 times one flow), C(routing)
    (the reverse-path filter dropped packets), C(loss) (during the one-flow run, 2 % of its TCP
    segments sent again, UDP buffer errors, interface drops) - else C(none). The evidence names
    every number looked at with its threshold.
  - With O(offload_experiment), repeats the one-flow run with GRO and GSO off on the route's
    interface and then on the WireGuard tunnel's underlay (C(ethtool -K)), putting each setting back
    even when a run fails.
  - Bounded - at most about twice O(duration) plus 10 seconds per direction (each run is killed
    at O(duration) plus 10 s), three more runs with O(offload_experiment).
author:
  - netpath.mtu developers (@netpath)
requirements:
  - C(iperf3) on the target and on O(dest) (Debian, Ubuntu, RHEL and Fedora - package C(iperf3)).
  - C(ip) from iproute2, C(timeout) from coreutils; C(ethtool) with O(offload_experiment); C(wg)
    (wireguard-tools) to find a WireGuard tunnel's underlay.
  - Root for the path-MTU probe (raw ICMP sockets) and the offload experiment.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - netpath.mtu.attributes
  - netpath.mtu.attributes.READ_ONLY
attributes:
  check_mode:
    details: Runs nothing; returns the commands it would run in RV(commands).
options:
  dest:
    description: The address or name of the far end, where an C(iperf3 -s) listens.
    type: str
    required: true
  port:
    description: The TCP port of the far end's iperf3 server.
    type: int
    default: 5201
  duration:
    description: Seconds of each run, 1 to 60.
    type: int
    default: 10
  streams:
    description: The parallel flows of the second run, compared with one flow (2 to 32).
    type: int
    default: 4
  reverse:
    description: Measure the far-to-near direction too (the far end sends, C(iperf3 -R)).
    type: bool
    default: false
  bitrate:
    description:
      - A target rate per flow in bits per second (C(iperf3 -b)); 0 for as fast as the path goes.
      - With a target, a flow that reaches 90 % of it is not CPU-limited, and the test does not fill
        a production link.
    type: int
    default: 0
  offload_experiment:
    description: Repeat the one-flow run with GRO and GSO off on the tunnel, then on its underlay.
    type: bool
    default: false
  probe:
    description: Measure the path MTU to O(dest) (a quick M(netpath.mtu.pmtu_probe)).
    type: bool
    default: true
notes:
  - The server is not started here - M(netpath.mtu.load_probe) is the client; the playbook
    C(netpath.mtu.diagnose) starts a bounded server on the far host and stops it.
  - CPU shares are of the whole host (a container sees the host's C(/proc/stat)).
seealso:
  - module: netpath.mtu.pmtu_probe
  - module: netpath.mtu.mtu_facts
"""

EXAMPLES = r"""
- name: Measure the tunnel to site B for 10 s, one flow then four, both directions
  netpath.mtu.load_probe:
    dest: 10.20.0.2
    duration: 10
    reverse: true
  become: true
  register: load

- name: Say what limits it
  ansible.builtin.debug:
    msg: "{{ load.verdict }}: {{ load.advice | first | default('nothing found') }}"
"""

RETURN = r"""
commands:
  description: The iperf3 commands run (or, in check mode, that would run).
  returned: always
  type: list
  elements: list
address:
  description: The address of O(dest).
  returned: always
  type: str
route:
  description: The route to O(dest) (C(ip -j route get)) - C(dev), C(src), C(gateway), C(mtu) (the route's, or its
    interface's).
  returned: success
  type: dict
bitrate:
  description: The target rate per flow the verdict was judged against (O(bitrate); 0 for none).
  returned: success
  type: int
tcp_mtu_probing:
  description:
    - The kernel's C(net.ipv4.tcp_mtu_probing). With 0 (the default) TCP never shrinks its segments
      by itself, so a flow that received 1 Mbit/s at the route's MTU proves full-size packets pass, and a
      lower path MTU from the probe (whose echoes were lost, e.g. through a CPU-starved tunnel) is not
      taken for a black hole.
  returned: success
  type: int
probe:
  description: The quick path-MTU probe - C(pmtu), C(elapsed_ms), or C(error) when the far end did not answer.
  returned: success
  type: dict
runs:
  description:
    - One entry per run - C(direction) (forward or reverse), C(streams), C(bits_per_second) (received),
      C(sent_bits_per_second), C(retransmits) (iperf3's), C(mss), C(pmtu) (TCP_INFO), C(error), and
      C(counters), what happened during it - C(seconds), C(cpu) (per core - C(user), C(system),
      C(softirq), C(busy) shares), C(net_rx) (per core), C(udp) (C(RcvbufErrors), C(SndbufErrors)),
      C(tcp) (C(segments_sent), C(retransmits), C(retransmit_ratio)), C(rp_filter_drops), C(links)
      (interface counters that moved), C(tunnel_cpu) (C(process), C(cgroup), C(cpu_max),
      C(throttled_share), C(quota_used_share)).
  returned: success
  type: list
  elements: dict
throughput:
  description: Bits per second received, per direction and number of flows.
  sample: {"forward": {"1": 910000000, "4": 940000000}}
  returned: success
  type: dict
offload:
  description: With O(offload_experiment) - per interface C(interface), C(bits_per_second) with GRO/GSO off,
    C(baseline) (one flow with them on), C(gro) and C(gso) (as found, and as put back), C(error).
  returned: success
  type: list
  elements: dict
verdict:
  description: The bottleneck - C(mtu), C(cpu), C(routing), C(loss) or C(none).
  returned: success
  type: str
evidence:
  description: Every number looked at - C(check), C(measure), C(value), C(threshold), C(fired), C(run).
  returned: success
  type: list
  elements: dict
advice:
  description: What to do, one line per check that fired, in the method's order (MTU, CPU, routing, loss).
  returned: success
  type: list
  elements: str
"""

import glob
import os
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netpath.mtu.plugins.module_utils import commands, limits, load, parsers, pmtu
from ansible_collections.netpath.mtu.plugins.module_utils.probe_socket import RawProbeTransport, SendRefused, make_codec

MAX_DURATION = 60
RUN_GRACE = 10
PAUSE_BETWEEN_RUNS = 0.5
COUNTER_FILES = {"stat": "/proc/stat", "softirqs": "/proc/softirqs", "snmp": "/proc/net/snmp",
                 "snmp6": "/proc/net/snmp6", "netstat": "/proc/net/netstat"}


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def cgroup_dir(version, path, controller):
    """Where a cgroup's files are: the unified tree (v2 alone, or /unified on a hybrid host), or a v1 controller's."""
    if version == "v2":
        root = "/sys/fs/cgroup" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "/sys/fs/cgroup/unified"
    else:
        mounts = [d for d in glob.glob("/sys/fs/cgroup/*") if controller in os.path.basename(d).split(",")]
        root = sorted(mounts, key=len)[0] if mounts else "/sys/fs/cgroup/" + controller
    return root + path.rstrip("/")


def tunnel_cgroups():
    """The CPU files of the cgroups of the userspace tunnel processes running now."""
    result = {}
    for comm_path in glob.glob("/proc/[0-9]*/comm"):
        process = read(comm_path).strip()
        if process not in load.TUNNEL_PROCESSES:
            continue
        found = load.cpu_cgroup(read(os.path.join(os.path.dirname(comm_path), "cgroup")))
        if found is None:
            continue
        version, path = found
        cpu = cgroup_dir(version, path, "cpu")
        group = {"process": process, "version": version, "cpu_stat": read(cpu + "/cpu.stat")}
        if version == "v2":
            group["cpu_max"] = read(cpu + "/cpu.max")
        else:
            group.update(cfs_quota_us=read(cpu + "/cpu.cfs_quota_us"), cfs_period_us=read(cpu + "/cpu.cfs_period_us"),
                         cpuacct_usage=read(cgroup_dir(version, path, "cpuacct") + "/cpuacct.usage"))
        result["%s:%s" % (version, path)] = group
    return result


class Probe:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.ip = module.get_bin_path("ip", required=True)

    def command(self, argv, what):
        rc, out, err = commands.run(argv)
        if rc != 0:
            self.module.fail_json(msg="%s: %s" % (what, (err or out).strip()))
        return out

    def snapshot(self):
        texts = dict((name, read(path)) for name, path in COUNTER_FILES.items())
        texts["links"] = self.command([self.ip, "-s", "-j", "link", "show"], "ip -s link show")
        texts["cgroups"] = tunnel_cgroups()
        return load.snapshot(texts, time.monotonic())

    def route(self, address):
        try:
            out = self.command([self.ip, "-j", "route", "get", address], "no route to %s" % address)
            route = parsers.route_get(out)
            if not limits.valid_ifname(route["dev"]):
                self.module.fail_json(msg="the route to %s names an unusable interface %r" % (address, route["dev"]))
            link = self.command([self.ip, "-j", "link", "show", "dev", route["dev"]], "cannot read %s" % route["dev"])
            route["mtu"] = route["mtu"] or parsers.link_mtu(link)
        except parsers.ParseError as exc:
            self.module.fail_json(msg=str(exc))
        return route

    def probe(self, family, address, route_mtu):
        low = limits.MTU_LIMITS[family][0]
        try:
            codec, keep = make_codec(family, address, "icmp", 0)
            transport = RawProbeTransport(family, address, codec, route_mtu, pmtu.ROUND_PROBES, keep=keep)
        except PermissionError as exc:
            return {"error": "cannot open a raw ICMP socket (%s): run as root" % exc}
        try:
            result = pmtu.probe_path(transport, family, low, route_mtu, 3, 1.0, time.monotonic, codec.what)
            return {"pmtu": result["pmtu"], "elapsed_ms": result.get("elapsed_ms")}
        except (SendRefused, pmtu.DeadDestination) as exc:
            return {"error": "%s does not answer ICMP echo: %s" % (address, exc)}
        finally:
            transport.close()


def iperf3_argv(params, timeout, iperf3, address, streams, reverse):
    argv = [timeout, "-k", "2", str(params["duration"] + RUN_GRACE), iperf3, "-c", address, "-p", str(params["port"]),
            "-t", str(params["duration"]), "-J", "-P", str(streams), "--connect-timeout", "3000"]
    if reverse:
        argv.append("-R")
    if params["bitrate"]:
        argv += ["-b", str(params["bitrate"])]
    return argv


def run_iperf3(probe, argv):
    before = probe.snapshot()
    rc, out, err = commands.run(argv)
    after = probe.snapshot()
    try:
        result = parsers.iperf3(out)
    except parsers.ParseError:
        result = parsers.iperf3("{}")
        result["error"] = (err or out).strip()[-300:] or "iperf3 exited with %d" % rc
    if rc == 124:
        result["error"] = "iperf3 did not finish within %s s and was stopped" % argv[3]
    result["counters"] = load.delta(before, after)
    return result


def underlay_of(probe, dev):
    """The interface under a WireGuard tunnel: the route to its first peer's endpoint (None if not WireGuard)."""
    wg = probe.module.get_bin_path("wg")
    if not wg:
        return None
    rc, out, _err = commands.run([wg, "show", dev, "endpoints"])
    for line in out.splitlines() if rc == 0 else []:
        endpoint = line.split("\t")[-1]
        if endpoint and endpoint != "(none)":
            host = endpoint.rsplit(":", 1)[0].strip("[]")
            return probe.route(host)["dev"]
    return None


def offload_experiment(probe, argv_single, baseline, dev):
    ethtool = probe.module.get_bin_path("ethtool", required=True)
    results = []
    for name in [dev] + [u for u in [underlay_of(probe, dev)] if u and u != dev]:
        entry = {"interface": name, "baseline": baseline}
        rc, out, err = commands.run([ethtool, "--json", "-k", name])
        features = parsers.ethtool_features(out) if rc == 0 else {}
        original = dict((key, features[key]) for key in ("gro", "gso") if key in features)
        entry.update(original)
        if not original:
            entry["error"] = "ethtool -k %s: %s" % (name, (err or "no gro/gso feature").strip())
            results.append(entry)
            continue
        try:
            rc, _out, err = commands.run([ethtool, "-K", name, "gro", "off", "gso", "off"])
            if rc != 0:
                entry["error"] = "ethtool -K %s gro off gso off: %s" % (name, err.strip())
            else:
                run = run_iperf3(probe, argv_single)
                entry["bits_per_second"], entry["run_error"] = run["bits_per_second"], run["error"]
        finally:
            restore = [ethtool, "-K", name]
            for key, state in sorted(original.items()):
                restore += [key, "on" if state else "off"]
            rc, _out, err = commands.run(restore)
            if rc != 0:
                probe.module.fail_json(msg="could not put back %s on %s: %s" % (original, name, err.strip()),
                                       offload=results + [entry])
        results.append(entry)
    return results


def resolve(module, dest):
    try:
        family, _t, _p, _n, sockaddr = socket.getaddrinfo(dest, None, 0, socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        module.fail_json(msg="cannot resolve dest %r: %s" % (dest, exc))
    return (6 if family == socket.AF_INET6 else 4), sockaddr[0]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="str", required=True),
            port=dict(type="int", default=5201),
            duration=dict(type="int", default=10),
            streams=dict(type="int", default=4),
            reverse=dict(type="bool", default=False),
            bitrate=dict(type="int", default=0),
            offload_experiment=dict(type="bool", default=False),
            probe=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for name, low, high in (("port", 1, 65535), ("duration", 1, MAX_DURATION), ("streams", 2, 32),
                            ("bitrate", 0, 10 ** 12)):
        if not low <= params[name] <= high:
            module.fail_json(msg="%s=%s is outside %s..%s" % (name, params[name], low, high))
    family, address = resolve(module, params["dest"])
    iperf3 = module.get_bin_path("iperf3") or "iperf3"
    timeout = module.get_bin_path("timeout") or "timeout"
    directions = [("forward", False)] + ([("reverse", True)] if params["reverse"] else [])
    plan = [(direction, streams, iperf3_argv(params, timeout, iperf3, address, streams, reverse))
            for direction, reverse in directions for streams in (1, params["streams"])]
    planned = [argv for _d, _s, argv in plan]
    if module.check_mode:
        module.exit_json(changed=False, address=address, commands=planned,
                         msg="check mode: would run %d iperf3 test(s) of %d s to %s:%d%s" % (
                             len(plan), params["duration"], address, params["port"],
                             " and the offload experiment" if params["offload_experiment"] else ""))
    if iperf3 == "iperf3":
        module.fail_json(msg="iperf3 is not installed on this host: install the package iperf3 (Debian, Ubuntu, "
                         "RHEL, Fedora); load_probe runs its JSON client", commands=planned)
    probe = Probe(module)
    route = probe.route(address)
    probe_result = (probe.probe(family, address, min(route["mtu"], limits.MTU_LIMITS[family][1]))
                    if params["probe"] else {"error": "not asked (probe: false)"})
    runs = []
    for direction, streams, argv in plan:
        if runs:
            time.sleep(PAUSE_BETWEEN_RUNS)
        run = run_iperf3(probe, argv)
        run.update(direction=direction, streams=streams)
        runs.append(run)
    offload = []
    if params["offload_experiment"]:
        offload = offload_experiment(probe, plan[0][2], runs[0]["bits_per_second"], route["dev"])
    probing = read("/proc/sys/net/ipv4/tcp_mtu_probing").strip()
    measured = {"route": route, "probe": probe_result, "runs": runs, "bitrate": params["bitrate"],
                "tcp_mtu_probing": int(probing) if probing.isdigit() else None}
    verdict, evidence, advice = load.verdict(measured)
    module.exit_json(changed=False, address=address, commands=planned, route=route, probe=probe_result,
                     bitrate=params["bitrate"], tcp_mtu_probing=measured["tcp_mtu_probing"], runs=runs,
                     throughput=load.throughput(runs), offload=offload, verdict=verdict, evidence=evidence,
                     advice=advice)


if __name__ == "__main__":
    main()
