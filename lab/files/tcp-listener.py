"""A TCP port that listens on both families and never accepts, for PORT then SECONDS from argv:
an open port whose SYN-ACKs pmtu_probe's TCP probes must reset, and whose accept queue would
show any connection that completed. Run inside a lab host or namespace (stdlib only) by
bench/pmtu_probe.py, tests/netns/test_pmtu_probe_tcp.py and the pmtu_probe Molecule scenario."""

import socket
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
sock.bind(("::", port))
sock.listen(4096)
time.sleep(seconds)
