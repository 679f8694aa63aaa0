"""pmtu_probe over TCP and UDP on real namespaces: a destination that drops ICMP echo but serves
TCP, behind a router whose narrower link it does not report (too-big messages dropped): a jumbo
black hole with echo filtered, in both families, to an open and to a closed port. After the probes the
destination keeps no half-open connection (ss) and no live conntrack entry (/proc/net/nf_conntrack).

    prober --(9000)-- router --(8000, too-big dropped)-- dest
"""

import subprocess
import sys
import time

import pytest

OPEN_PORT, CLOSED_PORT = 8080, 8081
# Listens on OPEN_PORT on both families and never accepts: an open port whose SYN-ACKs the
# probes must reset, and whose accept queue would show any connection that completed.
LISTENER = f"""
import socket, time
sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
sock.bind(("::", {OPEN_PORT}))
sock.listen(4096)
time.sleep(120)
"""


def link(left, right, name, mtu, v4, v6):
    """A veth pair `name` between two namespaces at `mtu`: .1 / ::1 on the left, .2 / ::2 on the right."""
    subprocess.run(["ip", "link", "add", name, "netns", left.name, "type", "veth", "peer", "name", name,
                    "netns", right.name], check=True)
    for index, namespace in enumerate((left, right), start=1):
        namespace.run(["ip", "link", "set", name, "mtu", str(mtu), "up"])
        namespace.run(["ip", "addr", "add", f"{v4}.{index}/24", "dev", name])
        namespace.run(["ip", "addr", "add", f"{v6}{index}/64", "dev", name, "nodad"])


@pytest.fixture(scope="module")
def lab(netns_for_module):
    prober, router, dest = (netns_for_module(s) for s in ("tcp-p", "tcp-r", "tcp-d"))
    link(prober, router, "tp0", 9000, "10.81.1", "fd81:1::")
    link(router, dest, "tp1", 8000, "10.81.2", "fd81:2::")
    router.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"])
    for namespace, via4, via6 in ((prober, "10.81.1.2", "fd81:1::2"), (dest, "10.81.2.1", "fd81:2::1")):
        namespace.run(["ip", "route", "add", "default", "via", via4])
        namespace.run(["ip", "-6", "route", "add", "default", "via", via6])
    # The black hole: the router sends no "fragmentation needed" / "packet too big".
    router.run(["iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-j", "DROP"])
    router.run(["ip6tables", "-A", "OUTPUT", "-p", "icmpv6", "--icmpv6-type", "packet-too-big", "-j", "DROP"])
    # The destination drops echo to .2 / ::2 (as a cloud security group does), answers it on
    # .3 / ::3, and tracks connections.
    dest.run(["ip", "addr", "add", "10.81.2.3/24", "dev", "tp1"])
    dest.run(["ip", "addr", "add", "fd81:2::3/64", "dev", "tp1", "nodad"])
    dest.run(["iptables", "-A", "INPUT", "-d", "10.81.2.2", "-p", "icmp", "--icmp-type", "echo-request", "-j", "DROP"])
    dest.run(["ip6tables", "-A", "INPUT", "-d", "fd81:2::2", "-p", "icmpv6", "--icmpv6-type", "echo-request",
              "-j", "DROP"])
    for tool in ("iptables", "ip6tables"):
        dest.run([tool, "-A", "INPUT", "-m", "conntrack", "--ctstate", "INVALID", "-j", "ACCEPT"])
    listener = subprocess.Popen(["ip", "netns", "exec", dest.name, sys.executable, "-c", LISTENER])
    time.sleep(0.3)
    yield prober, dest
    listener.kill()
    listener.wait()


def half_open(dest):
    """Connections on the destination that are not closed: ss's, and conntrack's live entries."""
    sockets = dest.run(["ss", "-Htan", "state", "syn-recv", "state", "established"]).stdout.split("\n")
    tracked = dest.run(["cat", "/proc/net/nf_conntrack"]).stdout.splitlines()
    live = [line for line in tracked if " tcp " in line and ("SYN_RECV" in line or "ESTABLISHED" in line)]
    return [line for line in sockets if line.strip()] + live


@pytest.mark.parametrize("port", [OPEN_PORT, CLOSED_PORT], ids=["open", "closed"])
@pytest.mark.parametrize("dest_address", ["10.81.2.2", "fd81:2::2"], ids=["ipv4", "ipv6"])
def test_tcp_is_exact_through_a_black_hole_with_echo_filtered(lab, dest_address, port):
    prober, dest = lab
    result = prober.module("pmtu_probe", {"dest": dest_address, "protocol": "tcp", "port": port})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["converged"]) == (8000, True, True)
    assert (result["protocol"], result["port"], result["route_mtu"]) == ("tcp", port, 9000)
    assert result["recommended_mss"] == 8000 - (40 if ":" not in dest_address else 60)
    # A reset for each SYN-ACK of the open port; the closed port's resets need no answer.
    assert (result["resets_sent"] > 0) == (port == OPEN_PORT)
    time.sleep(0.2)
    assert half_open(dest) == []


@pytest.mark.parametrize("dest_address", ["10.81.2.3", "fd81:2::3"], ids=["ipv4", "ipv6"])
def test_icmp_is_exact_on_the_same_jumbo_black_hole_where_echo_is_answered(lab, dest_address):
    prober, _dest = lab
    result = prober.module("pmtu_probe", {"dest": dest_address})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["protocol"], result["port"]) == (8000, True, "icmp", None)


@pytest.mark.parametrize("dest_address", ["10.81.2.2", "fd81:2::2"], ids=["ipv4", "ipv6"])
def test_icmp_to_the_same_destination_fails_and_suggests_tcp(lab, dest_address):
    prober, _dest = lab
    result = prober.module("pmtu_probe", {"dest": dest_address, "timeout": 0.3})
    assert result["rc_module"] == 1
    assert "This is not a black hole" in result["msg"]
    assert "protocol: tcp" in result["msg"]


@pytest.mark.parametrize("dest_address", ["10.81.2.2", "fd81:2::2"], ids=["ipv4", "ipv6"])
def test_locate_over_tcp_finds_the_router_before_the_narrow_link(lab, dest_address):
    prober, _dest = lab
    result = prober.module("pmtu_probe", {"dest": dest_address, "protocol": "tcp", "port": CLOSED_PORT,
                                          "locate": True})
    assert result["rc_module"] == 0, result.get("msg")
    router = "10.81.1.2" if ":" not in dest_address else "fd81:1::2"
    assert (result["bottleneck"]["hop"], result["bottleneck"]["address"]) == (1, router)


@pytest.mark.parametrize("dest_address", ["10.81.2.2", "fd81:2::2"], ids=["ipv4", "ipv6"])
def test_udp_to_a_closed_port_is_exact(lab, dest_address):
    prober, dest = lab
    # Linux sends port unreachables at one a second after a burst of six (icmp_ratelimit), and
    # at most 1000 ICMP messages a second in all (icmp_msgs_per_sec); with the limits, answers
    # go missing and the result is low (6936 here): the module warns so. Lifted, it is exact.
    dest.run(["sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
              "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=10000"])
    result = prober.module("pmtu_probe", {"dest": dest_address, "protocol": "udp", "port": 9999})
    assert result["rc_module"] == 0, result.get("msg")
    assert (result["pmtu"], result["blackhole"], result["protocol"]) == (8000, True, "udp")


@pytest.mark.parametrize(("args", "named"), [
    ({"protocol": "tcp", "port": 0}, "port=0 is outside 1..65535"),
    ({"protocol": "tcp", "port": 70000}, "port=70000 is outside 1..65535"),
    ({"protocol": "tcp", "port": "http"}, "port"),
    ({"protocol": "sctp", "port": 80}, "sctp"),
    ({"port": 80}, "port=80 is given but protocol is icmp"),
    ({"protocol": "tcp"}, "protocol=tcp needs a port"),
    ({"protocol": "udp"}, "protocol=udp needs a port"),
])
def test_bad_protocol_and_port_are_named_and_refused(lab, args, named):
    prober, _dest = lab
    result = prober.module("pmtu_probe", dict({"dest": "10.81.2.2"}, **args))
    assert result["rc_module"] == 1 and named in result["msg"], result["msg"]
    assert "probes_sent" not in result


@pytest.mark.parametrize("family", [4, 6])
def test_tcp_takes_at_most_twice_the_time_of_icmp_on_the_same_path(lab, family):
    prober, _dest = lab
    suffix = "10.81.2." if family == 4 else "fd81:2::"
    runs = {"icmp": {"dest": suffix + "3"},
            "tcp open": {"dest": suffix + "2", "protocol": "tcp", "port": OPEN_PORT},
            "tcp closed": {"dest": suffix + "2", "protocol": "tcp", "port": CLOSED_PORT}}
    medians = {}
    for name, args in runs.items():
        results = [prober.module("pmtu_probe", args) for _run in range(3)]
        assert all(r["rc_module"] == 0 and r["pmtu"] == 8000 for r in results), results
        medians[name] = sorted(r["elapsed_ms"] for r in results)[1]
    print(f"IPv{family} elapsed_ms medians of 3: {medians}")
    assert max(medians["tcp open"], medians["tcp closed"]) <= 2 * medians["icmp"], medians


def test_the_half_open_check_sees_syn_acks_left_unanswered(lab):
    # Last in the file: it leaves half-open connections on the destination. With the prober's
    # resets dropped (its own and its kernel's), the destination keeps SYN_RECV entries, so the
    # check after each TCP probe above can fail.
    prober, dest = lab
    for tool in ("iptables", "ip6tables"):
        prober.run([tool, "-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "RST", "RST", "-j", "DROP"])
    result = prober.module("pmtu_probe", {"dest": "10.81.2.2", "protocol": "tcp", "port": OPEN_PORT,
                                          "max_size": 1500})
    assert result["rc_module"] == 0, result.get("msg")
    assert half_open(dest) != []
