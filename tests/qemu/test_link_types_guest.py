"""The overhead table (module_utils/encap.py) against a real kernel: Debian 12's, in the qemu guest
(guest.py), which has the link types this machine's kernel lacks.

Each device is made over a dummy link of an odd MTU (1493) without an MTU of its own, so the
kernel gives it the MTU it computes from its lower device: the oracle. mtu_facts, run by Ansible
on the guest, must find the same figure as max_inner_mtu, the right underlay, and chains two
layers deep (VXLAN bound to a GRE tunnel, Geneve routed over it). Kernel WireGuard, whose MTU
the kernel does not derive, is checked by its fragment counter (see WIREGUARD_SETUP). Runs first on the one boot the
qdisc tests share (conftest.py) and removes every device it made. Fallback devices (gre0, tunl0,
...) are switched off before the modules load, as they would show in the qdisc tests' listings.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import guest as qemu_guest  # noqa: E402

UNDERLAY_MTU = 1493
SETUP = """
set -e
sysctl -qw net.core.fb_tunnels_only_for_init_net=2
modprobe -a geneve vxlan ip_gre ipip sit ip6_tunnel ip6_gre 8021q
modprobe dummy numdummies=0
ip link add ou0 mtu 1493 type dummy
ip addr add 192.0.2.1/24 dev ou0
ip addr add 2001:db8:1::1/64 dev ou0 nodad
ip link set ou0 up
ip link add og4 type geneve id 10 remote 192.0.2.2
ip link add og6 type geneve id 11 remote 2001:db8:1::2
ip link add ov4 type vxlan id 12 remote 192.0.2.2 dev ou0 dstport 4789
ip link add ov6 type vxlan id 13 remote 2001:db8:1::2 dev ou0 dstport 4789
ip link add ogre type gre local 192.0.2.1 remote 192.0.2.3 dev ou0
ip link add ogtap type gretap local 192.0.2.1 remote 192.0.2.4 dev ou0
ip link add oipip type ipip local 192.0.2.1 remote 192.0.2.5 dev ou0
ip link add osit type sit local 192.0.2.1 remote 192.0.2.6 dev ou0
ip link add o6tnl type ip6tnl local 2001:db8:1::1 remote 2001:db8:1::3 dev ou0
ip link add o6gre type ip6gre local 2001:db8:1::1 remote 2001:db8:1::4 dev ou0
ip link add link ou0 name ovlan type vlan id 5
ip addr add 10.99.0.1/24 dev ogre
ip link set ogre up
ip link add ov2 type vxlan id 14 remote 10.99.0.2 dev ogre dstport 4789
ip link add og2 type geneve id 15 remote 10.99.0.3
"""
DEVICES = ("og2", "ov2", "og4", "og6", "ov4", "ov6", "ogre", "ogtap", "oipip", "osit", "o6tnl", "o6gre", "ovlan",
           "ou0")
# device -> (the underlay mtu_facts must find, the overhead's kind and outer family in encap.py)
TUNNELS = {
    "og4": ("ou0", "geneve", 4), "og6": ("ou0", "geneve", 6), "ov4": ("ou0", "vxlan", 4), "ov6": ("ou0", "vxlan", 6),
    "ogre": ("ou0", "gre", 4), "ogtap": ("ou0", "gretap", 4), "oipip": ("ou0", "ipip", 4), "osit": ("ou0", "sit", 4),
    "o6tnl": ("ou0", "ip6tnl", 6), "o6gre": ("ou0", "ip6gre", 6), "ov2": ("ogre", "vxlan", 4),
    "og2": ("ogre", "geneve", 4),
}


# Kernel WireGuard to a far end in a namespace of the guest, over a veth of the odd MTU, with an
# IPv4 endpoint (owg4) and an IPv6 one (owg6). WireGuard sends its UDP without DF, so the oracle is
# the kernel's fragment counter: a full-size packet at max_inner_mtu leaves whole, one byte more
# (padding included) makes the kernel fragment the outer packet.
WIREGUARD_SETUP = """
set -e
modprobe wireguard
ip netns add owfar
ip link add ow0 mtu 1493 type veth peer name ow1 netns owfar
ip addr add 198.51.100.1/24 dev ow0
ip addr add 2001:db8:2::1/64 dev ow0 nodad
ip link set ow0 up
ip -n owfar addr add 198.51.100.2/24 dev ow1
ip -n owfar addr add 2001:db8:2::2/64 dev ow1 nodad
ip -n owfar link set ow1 up
ip -n owfar link set lo up
umask 077
for side in near far; do wg genkey > /run/ow-$side.key; wg pubkey < /run/ow-$side.key > /run/ow-$side.pub; done
for n in 4 6; do
  if [ $n = 4 ]; then near=198.51.100.1; far=198.51.100.2; else near=[2001:db8:2::1]; far=[2001:db8:2::2]; fi
  port=5182$n
  ip link add owg$n type wireguard
  wg set owg$n private-key /run/ow-near.key listen-port $port \
     peer "$(cat /run/ow-far.pub)" endpoint $far:$port allowed-ips 10.9$n.0.2/32
  ip addr add 10.9$n.0.1/24 dev owg$n
  ip link set owg$n up
  ip -n owfar link add owg$n type wireguard
  ip netns exec owfar wg set owg$n private-key /run/ow-far.key listen-port $port \
     peer "$(cat /run/ow-near.pub)" endpoint $near:$port allowed-ips 10.9$n.0.1/32
  ip -n owfar addr add 10.9$n.0.2/24 dev owg$n
  ip -n owfar link set owg$n up
done
"""
WIREGUARD_TEARDOWN = "ip link del owg4; ip link del owg6; ip link del ow0; ip netns del owfar; rm -f /run/ow-*; true"


def mtu_facts(vm):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(qemu_guest.collections_path()), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    argv = [qemu_guest.tool("ansible"), "-i", str(vm.inventory), "qdisc-guest", "-m", "netpath.mtu.mtu_facts",
            "-a", "gather_subset=interfaces,chains"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(re.sub(r"^[^{]*=> ", "", proc.stdout, count=1))["ansible_facts"]["netpath_mtu"]


@pytest.fixture(scope="module")
def links(guest):
    """(the kernel's MTU of each device, mtu_facts' facts), with the devices removed afterwards."""
    try:
        for script in (SETUP, WIREGUARD_SETUP):
            made = guest.ssh(script, timeout=120)
            assert made.returncode == 0, made.stderr
        kernel = dict((link["ifname"], link["mtu"]) for link in json.loads(guest.ssh("ip -j link show").stdout))
        yield kernel, mtu_facts(guest)
    finally:
        guest.ssh(WIREGUARD_TEARDOWN, timeout=60)
        guest.ssh("; ".join(f"ip link del {name} 2>/dev/null" for name in DEVICES) + "; true", timeout=60)


@pytest.mark.parametrize("name", sorted(TUNNELS))
def test_max_inner_mtu_is_what_the_kernel_gives_the_device(links, name):
    kernel, facts = links
    link = facts["interfaces"][name]
    underlay, kind, family = TUNNELS[name]
    assert (link["kind"], link["underlay"], link["outer_family"]) == (kind, underlay, family)
    assert link["max_inner_mtu"] == kernel[name], (name, link, kernel[name])


def test_the_oracle_is_an_odd_underlay_and_the_table_is_not_all_one_figure(links):
    kernel, _facts = links
    assert kernel["ou0"] == UNDERLAY_MTU
    assert len(set(kernel[name] for name in TUNNELS)) >= 6  # a wrong row cannot hide behind another's


def test_a_vlan_carries_its_parents_mtu(links):
    kernel, facts = links
    vlan = facts["interfaces"]["ovlan"]
    assert (vlan["kind"], vlan["underlay"], vlan["underlay_mtu"]) == ("vlan", "ou0", UNDERLAY_MTU)
    assert kernel["ovlan"] == UNDERLAY_MTU


@pytest.mark.parametrize("top", ["ov2", "og2"])
def test_chains_two_layers_deep(links, top):
    kernel, facts = links
    (chain,) = [c for c in facts["chains"] if c[0]["interface"] == top]
    assert [layer["interface"] for layer in chain] == [top, "ogre", "ou0"]
    assert kernel[top] == UNDERLAY_MTU - 24 - 50


# On the guest, for one WireGuard device: the fragment counter, then for max_inner_mtu and for one
# byte more, the device set to that MTU and one DF packet of exactly that size sent through it
# (after a small one that has WireGuard make its handshake), and the counter again. One ssh call:
# each costs a second or two under emulation.
FRAGMENT_ORACLE = """
set -e
send() {{ python3 -c "{send}" {far} $1; }}
count() {{ nstat -asz {counter} | awk '$1 == "{counter}" {{print $2}}'; }}
ip link set {name} mtu {mtu}; send 100; sleep 1
a=$(count); send {mtu}; sleep 0.5; b=$(count)
ip link set {name} mtu {more}; send {more}; sleep 0.5; c=$(count)
echo "$a $b $c"
"""
# A UDP datagram with DF set (IP_MTU_DISCOVER = IP_PMTUDISC_DO) of argv[2] bytes of IP packet to
# the discard port of argv[1]: the guest has python3 but no ping, and no answer is needed, as the
# fragment counter that tells is this host's.
SEND_DF = ("import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
           "s.setsockopt(socket.IPPROTO_IP, 10, 2); s.sendto(bytes(int(sys.argv[2]) - 28), (sys.argv[1], 9))")


@pytest.mark.parametrize(("name", "family", "overhead"), [("owg4", 4, 60), ("owg6", 6, 80)])
def test_kernel_wireguards_max_inner_mtu_is_the_largest_that_leaves_unfragmented(guest, links, name, family,
                                                                                 overhead):
    _kernel, facts = links
    link = facts["interfaces"][name]
    assert (link["kind"], link["implementation"], link["underlay"], link["outer_family"]) == (
        "wireguard", "kernel", "ow0", family)
    assert link["max_inner_mtu"] == UNDERLAY_MTU - overhead
    script = FRAGMENT_ORACLE.format(send=SEND_DF, far="10.94.0.2" if family == 4 else "10.96.0.2", name=name,
                                    counter="IpFragCreates" if family == 4 else "Ip6FragCreates",
                                    mtu=link["max_inner_mtu"], more=link["max_inner_mtu"] + 1)
    measured = guest.ssh(script, timeout=60)
    assert measured.returncode == 0, measured.stderr
    before, at_max, one_more = (int(n) for n in measured.stdout.split())
    assert at_max == before, "a full-size packet at max_inner_mtu was fragmented"
    assert one_more > at_max, "one byte more should not fit the underlay"
