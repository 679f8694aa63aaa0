"""Run inside the qemu guest (python3, stdlib): the kernel's own answer to "how large an inner packet
does this ESP policy carry", for test_link_types_guest.py.

argv[1]: JSON [[case, family, source, destination, size, learn], ...]. For each case, a UDP
datagram with DF set (IP_PMTUDISC_DO) of `size` bytes of IP packet, then one of size + 1, from
`source` to the discard port of `destination`, which an outbound xfrm policy covers. Printed, as JSON, per case
and size: what sendto did ("sent", or "emsgsize" when the kernel refuses it as larger than the
policy's path carries), the fragments this host made meanwhile (IPv6 transport mode lets ESP
fragment instead of refusing), and the datagrams that reached the far end's UDP (its NoPorts
counter, read in the namespace oxfar: nothing listens there). With `learn` (an xfrm interface,
which the kernel keeps at 1500 and which answers a larger packet with a too-big to the sender),
first one packet of size + 1 and the MTU the route to the destination then carries.
"""

import errno
import json
import socket
import subprocess
import sys
import time

IP_MTU_DISCOVER, IPV6_MTU_DISCOVER, PMTUDISC_DO = 10, 23, 2


def counters(netns=None):
    """Every counter of /proc/net/snmp (as "Ip:FragCreates") and /proc/net/snmp6, here or in `netns`."""
    if netns:
        argv = ["ip", "netns", "exec", netns, "cat", "/proc/net/snmp", "/proc/net/snmp6"]
        text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    else:
        with open("/proc/net/snmp") as snmp, open("/proc/net/snmp6") as snmp6:
            text = snmp.read() + snmp6.read()
    lines, found = text.splitlines(), {}
    for head, values in zip(lines, lines[1:], strict=False):
        names, numbers = head.split(), values.split()
        if names[0] == numbers[0] and names[0] in ("Ip:", "Udp:") and not numbers[1].isalpha():
            found.update((names[0] + k, int(v)) for k, v in zip(names[1:], numbers[1:], strict=True))
    found.update((line.split()[0], int(line.split()[1])) for line in lines if line.startswith(("Ip6", "Udp6")))
    return found


def send(family, source, destination, size):
    six = family == 6
    sock = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6 if six else socket.IPPROTO_IP, IPV6_MTU_DISCOVER if six else IP_MTU_DISCOVER,
                    PMTUDISC_DO)
    sock.bind((source, 0))
    try:
        sock.sendto(bytes(size - (48 if six else 28)), (destination, 9))
        return "sent"
    except OSError as exc:
        return "emsgsize" if exc.errno == errno.EMSGSIZE else str(exc)
    finally:
        sock.close()


def route_mtu(destination):
    """The MTU the kernel's route to `destination` carries (a too-big it learned), or None."""
    route = json.loads(subprocess.run(["ip", "-j", "route", "get", destination], capture_output=True, text=True,
                                      check=True).stdout)[0]
    return next((m["mtu"] for m in route.get("metrics") or [] if "mtu" in m), None)


def main():
    result = {}
    for case, family, source, destination, size, learn in json.loads(sys.argv[1]):
        fragments, arrived = ("Ip6FragCreates", "Udp6NoPorts") if family == 6 else ("Ip:FragCreates", "Udp:NoPorts")
        result[case] = []
        if learn:
            result[case].append({"size": size + 1, "send": send(family, source, destination, size + 1),
                                 "route_mtu": route_mtu(destination)})
        for length in (size, size + 1):
            near, far = counters(), counters("oxfar")
            how = send(family, source, destination, length)
            time.sleep(0.1)  # the far end's softirq counts what the veth handed it
            near_after, far_after = counters(), counters("oxfar")
            result[case].append({"size": length, "send": how, "fragments": near_after[fragments] - near[fragments],
                                 "arrived": far_after[arrived] - far[arrived]})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
