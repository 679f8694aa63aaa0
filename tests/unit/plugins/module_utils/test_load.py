"""load_probe's logic: the counters' texts, their deltas, and the verdict on recorded lab runs.

fixtures/load/*.json are load_probe results recorded on the lab by the audit scenario's load plays
(extensions/molecule/audit/load_before.yml, load_after.yml), one per verdict, with the verdict the
scenario expects of them: it is decided again here from the recorded numbers alone.
"""

import json
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import load, parsers

FIXTURES = Path(__file__).parent / "fixtures" / "load"

STAT = """cpu  100 0 50 800 0 0 50 0 0 0
cpu0 50 0 25 400 0 0 25 0 0 0
cpu1 50 0 25 400 0 0 25 0 0 0
intr 1 2 3
"""
SOFTIRQS = """                    CPU0       CPU1
          HI:          0          0
      NET_RX:       1000         20
"""
SNMP = """Tcp: RtoAlgorithm RtoMin ActiveOpens InSegs OutSegs RetransSegs InErrs
Tcp: 1 200 10 1000 2000 10 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 10 0 0 10 1 2 0 0 0
"""
NETSTAT = """TcpExt: SyncookiesSent IPReversePathFilter
TcpExt: 0 5
"""
LINKS = json.dumps([{"ifname": "eth0",
                     "stats64": {"rx": {"dropped": 1, "errors": 0}, "tx": {"dropped": 0, "errors": 0}}}])


def texts(stat=STAT, softirqs=SOFTIRQS, snmp=SNMP, netstat=NETSTAT, links=LINKS, cgroups=None):
    return {"stat": stat, "softirqs": softirqs, "snmp": snmp, "snmp6": "Udp6RcvbufErrors 3\n", "netstat": netstat,
            "links": links, "cgroups": cgroups or {}}


def test_parsers_of_the_counters():
    assert parsers.cpu_times(STAT)[1] == {"user": 50, "nice": 0, "system": 25, "idle": 400, "iowait": 0, "irq": 0,
                                          "softirq": 25, "steal": 0}
    assert parsers.link_stats(LINKS) == {"eth0": {"rx_dropped": 1, "rx_errors": 0, "tx_dropped": 0, "tx_errors": 0}}
    assert parsers.iperf3("{}")["bits_per_second"] == 0
    with pytest.raises(parsers.ParseError):
        parsers.iperf3("iperf3: error - unable to connect to server")
    assert load.cpu_cgroup("0::/system.slice/wg-quick@wg0.service\n") == ("v2", "/system.slice/wg-quick@wg0.service")
    # a hybrid host: the cpu controller is on v1, where the limit is
    assert load.cpu_cgroup("2:cpu,cpuacct:/docker/ab/lim\n1:name=systemd:/x\n0::/x\n") == ("v1", "/docker/ab/lim")
    assert load.cpu_cgroup("1:name=systemd:/x\n") is None
    assert load.cgroup_cpu({"version": "v1", "cpu_stat": "nr_periods 30\nthrottled_time 2500000000\n",
                            "cfs_quota_us": "5000\n", "cfs_period_us": "100000\n", "cpuacct_usage": "7000000\n"}) == {
        "usage_usec": 7000, "throttled_usec": 2500000, "max": "5000 100000"}
    # no limit; cpuacct not readable at the cpu cgroup's path: the usage is unknown, not zero
    assert load.cgroup_cpu({"version": "v1", "cfs_quota_us": "-1\n", "cfs_period_us": "100000\n"}) == {
        "usage_usec": None, "throttled_usec": 0, "max": "max"}


def test_delta_of_two_snapshots():
    before = load.snapshot(texts(cgroups={"/wg": {"process": "wireguard-go", "version": "v2",
                                                  "cpu_max": "10000 100000\n",
                                                  "cpu_stat": "usage_usec 0\nthrottled_usec 0\n"}}), 10.0)
    after = load.snapshot(texts(
        stat=STAT.replace("cpu0 50 0 25 400 0 0 25", "cpu0 60 0 35 400 0 0 105"),
        softirqs=SOFTIRQS.replace("1000", "5000"),
        snmp=SNMP.replace("1000 2000 10", "1500 3000 60").replace("10 0 0 10 1 2", "10 0 0 10 1 9"),
        netstat=NETSTAT.replace("0 5", "0 8"),
        links=LINKS.replace('"dropped": 1', '"dropped": 4'),
        cgroups={"/wg": {"process": "wireguard-go", "version": "v2", "cpu_max": "10000 100000\n",
                         "cpu_stat": "usage_usec 200000\nthrottled_usec 1500000\n"}}), 12.0)
    moved = load.delta(before, after)
    assert moved["seconds"] == 2.0
    assert moved["cpu"][0] == {"cpu": 0, "user": 0.1, "system": 0.1, "softirq": 0.8, "busy": 1.0}
    assert moved["cpu"][1]["busy"] == 0.0
    assert moved["net_rx"] == [4000, 0]
    assert moved["udp"] == {"RcvbufErrors": 0, "SndbufErrors": 7}
    assert moved["tcp"] == {"segments_sent": 1000, "retransmits": 50, "retransmit_ratio": 0.05}
    assert moved["rp_filter_drops"] == 3
    assert moved["links"] == {"eth0": {"rx_dropped": 3}}
    assert moved["tunnel_cpu"] == [{"process": "wireguard-go", "cgroup": "/wg", "cpu_max": "10000 100000",
                                    "throttled_share": 0.75, "quota_used_share": 1.0}]


def counters(busy=0.3, throttled=0.0, ratio=0.0, rp=0, udp=0, drops=None):
    return {"seconds": 3.0, "cpu": [{"cpu": 0, "busy": busy}, {"cpu": 1, "busy": 0.2}], "net_rx": [100, 100],
            "udp": {"RcvbufErrors": udp, "SndbufErrors": 0},
            "tcp": {"segments_sent": 1000, "retransmits": int(ratio * 1000), "retransmit_ratio": ratio},
            "rp_filter_drops": rp, "links": drops or {},
            "tunnel_cpu": [{"process": "wireguard-go", "throttled_share": throttled}]}


def measured(single, multi, one=50e6, many=200e6, pmtu=1420, flow_pmtu=1420, bitrate=50000000, probing=0):
    return {"route": {"dev": "wg0", "mtu": 1420}, "probe": {"pmtu": pmtu}, "bitrate": bitrate,
            "tcp_mtu_probing": probing,
            "runs": [{"direction": "forward", "streams": 1, "bits_per_second": one, "pmtu": flow_pmtu,
                      "counters": single},
                     {"direction": "forward", "streams": 4, "bits_per_second": many, "pmtu": flow_pmtu,
                      "counters": multi}]}


@pytest.mark.parametrize(("case", "expected", "fired"), [
    (measured(counters(), counters()), "none", []),
    (measured(counters(), counters(), one=1e5, many=2e5, pmtu=1340), "mtu", ["mtu"]),
    (measured(counters(), counters(), flow_pmtu=1500, probing=None), "mtu", ["mtu"]),
    # a probe whose echoes a CPU-starved tunnel lost (recorded: 457) against a flow that carried 3 Mbit/s
    # in full-size segments: the flow wins, and the CPU is named
    (measured(counters(throttled=1.2), counters(throttled=1.2), one=3e6, many=2.2e6, pmtu=457, bitrate=0), "cpu",
     ["cpu"]),
    # ... unless TCP may have shrunk its segments by itself (tcp_mtu_probing 1)
    (measured(counters(throttled=1.2), counters(throttled=1.2), one=3e6, many=2.2e6, pmtu=457, bitrate=0,
              probing=1), "mtu", ["mtu", "cpu"]),
    # a quota throttled, four flows no faster than one, the target not reached
    (measured(counters(throttled=0.6, ratio=0.02), counters(throttled=0.7), one=20e6, many=22e6), "cpu",
     ["cpu", "loss"]),
    # the same quota, but four flows get four times as much: not the CPU
    (measured(counters(throttled=0.6), counters(throttled=0.6), one=20e6, many=80e6), "none", []),
    # a busy core but the target reached: the flow was not limited
    (measured(counters(busy=0.99), counters(busy=0.99), one=50e6, many=52e6), "none", []),
    (measured(counters(rp=4), counters()), "routing", ["routing"]),
    (measured(counters(ratio=0.05), counters(ratio=0.04)), "loss", ["loss"]),
    # four flows started together retransmit and overflow a socket buffer by themselves (recorded on
    # the lab's healthy wireguard-go pair); one clean flow says the path is fine
    (measured(counters(ratio=0.0), counters(ratio=0.096, udp=139)), "none", []),
    (measured(counters(udp=3), counters()), "loss", ["loss"]),
    (measured(counters(drops={"eth0": {"rx_dropped": 2}}), counters()), "loss", ["loss"]),
])
def test_verdicts_in_the_methods_order(case, expected, fired):
    verdict, evidence, advice = load.verdict(case)
    assert verdict == expected
    assert advice == [load.ADVICE[name] for name in fired]
    assert sorted({item["check"] for item in evidence if item["fired"]}) == sorted(fired)
    assert all({"check", "measure", "value", "threshold", "fired"} <= set(item) for item in evidence)


def test_an_unanswered_probe_is_said_not_guessed():
    case = measured(counters(rp=2), counters())
    case["probe"] = {"error": "10.20.0.2 does not answer ICMP echo"}
    verdict, evidence, _advice = load.verdict(case)
    assert verdict == "routing"
    assert evidence[0] == {"check": "mtu", "fired": False, "measure": "path MTU (pmtu_probe)", "value": None,
                           "threshold": "not measured: 10.20.0.2 does not answer ICMP echo"}


def test_throughput_and_totals():
    runs = measured(counters(udp=2), counters(udp=1))["runs"]
    assert load.throughput(runs) == {"forward": {"1": 50e6, "4": 200e6}}
    assert load.totals({"runs": runs}) == {"seconds": 6.0, "net_rx": [200, 200],
                                           "udp": {"RcvbufErrors": 3, "SndbufErrors": 0}}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_lab_runs_keep_their_verdict(path):
    recorded = json.loads(path.read_text())
    verdict, _evidence, _advice = load.verdict(recorded)
    assert verdict == recorded["verdict"] == path.stem.split("_")[0]
