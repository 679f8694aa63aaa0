"""The overhead table (module_utils/encap.py) against a real kernel: Debian 12's, in the qemu guest
(guest.py), which has the link types this machine's kernel lacks.

Each device is made over a dummy link of an odd MTU (1493) without an MTU of its own, so the
kernel gives it the MTU it computes from its lower device: the oracle. mtu_facts, run by Ansible
on the guest, must find the same figure as max_inner_mtu, the right underlay, and chains two
layers deep (VXLAN bound to a GRE tunnel, Geneve routed over it). Kernel WireGuard, whose MTU
the kernel does not derive, is checked by its fragment counter (see WIREGUARD_SETUP). IPsec (ESP
in tunnel, transport and NAT-T, IPv4 and IPv6, and an xfrm interface) by the largest DF packet
the kernel sends (XFRM_SETUP, esp_oracle.py); a bridge and bonds against their members
(MEMBERS_SETUP). Runs first on the one boot the
qdisc tests share (conftest.py) and removes every device it made. Fallback devices (gre0, tunl0,
...) are switched off before the modules load, as they would show in the qdisc tests' listings.
"""

import json
import os
import re
import shlex
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
# A bridge and two bonds over dummies: the kernel gives the bridge its narrowest port's MTU, and a
# bond's members the bond's MTU on enslaving (obond's dummies at 1493 go to 1437); obm3, lowered
# after it was enslaved, is left below its bond obond2, which the kernel allows.
MEMBERS_SETUP = """
modprobe bonding max_bonds=0
ip link add obr type bridge
ip link add obp1 mtu 1437 type dummy
ip link add obp2 mtu 1493 type dummy
ip link set obp1 master obr
ip link set obp2 master obr
ip link add obond mtu 1437 type bond mode active-backup
ip link add obm1 mtu 1493 type dummy
ip link add obm2 mtu 1493 type dummy
ip link set obm1 master obond
ip link set obm2 master obond
ip link add obond2 mtu 1493 type bond mode active-backup
ip link add obm3 mtu 1493 type dummy
ip link set obm3 master obond2
ip link set obm3 mtu 1431
"""
DEVICES = ("og2", "ov2", "og4", "og6", "ov4", "ov6", "ogre", "ogtap", "oipip", "osit", "o6tnl", "o6gre", "ovlan",
           "ou0", "obond", "obond2", "obr", "obp1", "obp2", "obm1", "obm2", "obm3")
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

# Policy-based IPsec from the guest to the namespace oxfar over a veth of 1437, one outbound policy
# per case: tunnel, transport and NAT-T (ESP in UDP 4500), IPv4 and IPv6, with ciphers of block 4
# (AES-GCM), 8 (3DES) and 16 (AES-CBC) and ICVs of 12 and 16, so that padding and every table row
# count. The far end holds the same states (a state is found by its destination and SPI) and
# decrypts; tunnel mode needs an inbound policy there. Transport policies cover UDP to port 9 only,
# so that neighbour discovery stays in the clear. (`proto 17`: the guest has no /etc/protocols.)
# And route-based IPsec: the xfrm interface oxi (if_id 0x2a) with its own state and policy; the
# far end has no xfrm interface to take what it decrypts, so only the near end's answer counts.
ESP_UNDERLAY_MTU = 1437
XFRM_SETUP = """
set -e
modprobe -a esp4 esp6 xfrm_user xfrm_interface
ip netns add oxfar
ip link add ox0 mtu 1437 type veth peer name ox1 netns oxfar
ip addr add 203.0.113.1/24 dev ox0
ip addr add 2001:db8:9::1/64 dev ox0 nodad
for a in 10.71.1.1/32 10.71.3.1/32; do ip addr add $a dev ox0; done
for a in fd71:1::1/128 fd71:3::1/128; do ip addr add $a dev ox0 nodad; done
ip link set ox0 up
ip -n oxfar addr add 203.0.113.2/24 dev ox1
ip -n oxfar addr add 2001:db8:9::2/64 dev ox1 nodad
for a in 10.72.1.1/32 10.72.3.1/32; do ip -n oxfar addr add $a dev ox1; done
for a in fd72:1::1/128 fd72:3::1/128; do ip -n oxfar addr add $a dev ox1 nodad; done
ip -n oxfar link set ox1 up
ip route add 10.72.1.0/24 dev ox0 src 10.71.1.1
ip route add 10.72.3.0/24 dev ox0 src 10.71.3.1
ip -6 route add fd72:1::/64 dev ox0 src fd71:1::1
ip -6 route add fd72:3::/64 dev ox0 src fd71:3::1
K16=0x000102030405060708090a0b0c0d0e0f
K20=0x000102030405060708090a0b0c0d0e0f10111213
K24=0x000102030405060708090a0b0c0d0e0f1011121314151617
K32=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
for ns in "" "-n oxfar"; do
  ip $ns xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x7101 reqid 71 mode tunnel \\
     aead 'rfc4106(gcm(aes))' $K20 128
  ip $ns xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x7102 reqid 72 mode transport \\
     enc 'cbc(aes)' $K16 auth 'hmac(sha256)' $K32
  ip $ns xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x7103 reqid 73 mode tunnel \\
     enc 'cbc(aes)' $K16 auth-trunc 'hmac(sha256)' $K32 128 encap espinudp 4500 4500 0.0.0.0
  ip $ns xfrm state add src 2001:db8:9::1 dst 2001:db8:9::2 proto esp spi 0x7104 reqid 74 mode tunnel \\
     aead 'rfc4106(gcm(aes))' $K20 96
  ip $ns xfrm state add src 2001:db8:9::1 dst 2001:db8:9::2 proto esp spi 0x7105 reqid 75 mode transport \\
     enc 'cbc(des3_ede)' $K24 auth 'hmac(sha1)' $K20
  ip $ns xfrm state add src 2001:db8:9::1 dst 2001:db8:9::2 proto esp spi 0x7106 reqid 76 mode tunnel \\
     aead 'rfc4106(gcm(aes))' $K20 128 encap espinudp 4500 4500 ::
done
ip xfrm policy add src 10.71.1.0/24 dst 10.72.1.0/24 dir out \\
   tmpl src 203.0.113.1 dst 203.0.113.2 proto esp reqid 71 mode tunnel
ip xfrm policy add src 203.0.113.1/32 dst 203.0.113.2/32 proto 17 dport 9 dir out \\
   tmpl proto esp reqid 72 mode transport
ip xfrm policy add src 10.71.3.0/24 dst 10.72.3.0/24 dir out \\
   tmpl src 203.0.113.1 dst 203.0.113.2 proto esp reqid 73 mode tunnel
ip xfrm policy add src fd71:1::/64 dst fd72:1::/64 dir out \\
   tmpl src 2001:db8:9::1 dst 2001:db8:9::2 proto esp reqid 74 mode tunnel
ip xfrm policy add src 2001:db8:9::1/128 dst 2001:db8:9::2/128 proto 17 dport 9 dir out \\
   tmpl proto esp reqid 75 mode transport
ip xfrm policy add src fd71:3::/64 dst fd72:3::/64 dir out \\
   tmpl src 2001:db8:9::1 dst 2001:db8:9::2 proto esp reqid 76 mode tunnel
ip link add oxi type xfrm dev ox0 if_id 0x2a
ip addr add 10.73.0.1/24 dev oxi
ip link set oxi up
ip xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0x7107 reqid 77 mode tunnel \\
   aead 'rfc4106(gcm(aes))' $K20 128 if_id 0x2a
ip xfrm policy add src 10.73.0.0/24 dst 10.73.0.0/24 dir out \\
   tmpl src 203.0.113.1 dst 203.0.113.2 proto esp reqid 77 mode tunnel if_id 0x2a
ip -n oxfar xfrm policy add src 10.71.1.0/24 dst 10.72.1.0/24 dir in \\
   tmpl src 203.0.113.1 dst 203.0.113.2 proto esp reqid 71 mode tunnel
ip -n oxfar xfrm policy add src fd71:1::/64 dst fd72:1::/64 dir in \\
   tmpl src 2001:db8:9::1 dst 2001:db8:9::2 proto esp reqid 74 mode tunnel
"""
XFRM_TEARDOWN = ("ip xfrm policy flush; ip xfrm state flush; ip link del oxi; ip link del ox0; ip netns del oxfar; "
                 "rm -f /run/ox-*; true")
# case -> (the policy's destination, family, mode, NAT-T, the address sent from, the one sent to)
ESP_CASES = {
    "tunnel4": ("10.72.1.0/24", 4, "tunnel", False, "10.71.1.1", "10.72.1.1"),
    "transport4": ("203.0.113.2/32", 4, "transport", False, "203.0.113.1", "203.0.113.2"),
    "nat_t4": ("10.72.3.0/24", 4, "tunnel", True, "10.71.3.1", "10.72.3.1"),
    "tunnel6": ("fd72:1::/64", 6, "tunnel", False, "fd71:1::1", "fd72:1::1"),
    "transport6": ("2001:db8:9::2/128", 6, "transport", False, "2001:db8:9::1", "2001:db8:9::2"),
    "nat_t6": ("fd72:3::/64", 6, "tunnel", True, "fd71:3::1", "fd72:3::1"),
}


def mtu_facts(vm):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(qemu_guest.collections_path()), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    argv = [qemu_guest.tool("ansible"), "-i", str(vm.inventory), "qdisc-guest", "-m", "netpath.mtu.mtu_facts",
            "-a", "gather_subset=interfaces,chains,ipsec"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(re.sub(r"^[^{]*=> ", "", proc.stdout, count=1))["ansible_facts"]["netpath_mtu"]


@pytest.fixture(scope="module")
def links(guest):
    """(the kernel's MTU of each device, mtu_facts' facts), with the devices removed afterwards."""
    try:
        for script in (SETUP + MEMBERS_SETUP, WIREGUARD_SETUP + XFRM_SETUP):
            made = guest.ssh(script, timeout=120)
            assert made.returncode == 0, made.stderr
        kernel = dict((link["ifname"], link["mtu"]) for link in json.loads(guest.ssh("ip -j link show").stdout))
        yield kernel, mtu_facts(guest)
    finally:
        guest.ssh(WIREGUARD_TEARDOWN + "; " + XFRM_TEARDOWN, timeout=60)
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


def esp_path(facts, case):
    destination = ESP_CASES[case][0]
    (path,) = [p for p in facts["ipsec"]["paths"] if p["policy"]["dst"] == destination]
    return path


@pytest.fixture(scope="module")
def esp_kernel(guest, links):
    """The kernel's answer for every ESP case at mtu_facts' max_inner_mtu and one byte more (esp_oracle.py),
    in one ssh call."""
    _kernel, facts = links
    cases = [[case, family, source, destination, esp_path(facts, case)["max_inner_mtu"], False]
             for case, (_dst, family, _mode, _nat_t, source, destination) in ESP_CASES.items()]
    cases.append(["oxi", 4, "10.73.0.1", "10.73.0.2", facts["interfaces"]["oxi"]["max_inner_mtu"], True])
    oracle = (Path(__file__).parent / "esp_oracle.py").read_text()
    measured = guest.ssh("cat > /run/ox-oracle.py && python3 /run/ox-oracle.py " + shlex.quote(json.dumps(cases)),
                         timeout=120, stdin=oracle)
    assert measured.returncode == 0, measured.stderr
    return json.loads(measured.stdout)


@pytest.mark.parametrize("case", sorted(ESP_CASES))
def test_esp_max_inner_mtu_is_the_largest_packet_the_kernel_sends_whole(links, esp_kernel, case):
    _kernel, facts = links
    _dst, family, mode, nat_t, _source, _destination = ESP_CASES[case]
    path = esp_path(facts, case)
    (state,) = path["states"]
    assert (state["mode"], state["nat_t"], state["family"]) == (mode, nat_t, family)
    assert (path["underlay"], path["underlay_mtu"], path["chain"]) == ("ox0", ESP_UNDERLAY_MTU, ["ox0"])
    assert path["overhead"] == ESP_UNDERLAY_MTU - path["max_inner_mtu"]
    at_max, one_more = esp_kernel[case]
    assert (at_max["send"], at_max["fragments"], at_max["arrived"]) == ("sent", 0, 1), (case, path, at_max)
    assert one_more["send"] == "emsgsize" or one_more["fragments"] > 0, (case, path, one_more)


def test_esp_overheads_follow_the_algorithms_not_one_figure(links):
    _kernel, facts = links
    found = dict((case, esp_path(facts, case)["max_inner_mtu"]) for case in ESP_CASES)
    assert len(set(found.values())) == len(ESP_CASES), found
    assert not any(key in json.dumps(facts["ipsec"]) for key in ("0x000102030405", "000102030405"))  # no keys


def test_a_bridge_takes_its_narrowest_port_and_mtu_facts_says_so(links):
    kernel, facts = links
    bridge = facts["interfaces"]["obr"]
    assert (bridge["kind"], bridge["members"]) == ("bridge", ["obp1", "obp2"])
    assert bridge["members_mtu"] == kernel["obr"] == ESP_UNDERLAY_MTU


def test_a_bond_gives_its_members_its_mtu_and_one_lowered_behind_it_is_found(links):
    kernel, facts = links
    bond, lowered = facts["interfaces"]["obond"], facts["interfaces"]["obond2"]
    assert (bond["kind"], bond["members"]) == ("bond", ["obm1", "obm2"])
    assert bond["max_inner_mtu"] == kernel["obond"] == kernel["obm1"] == kernel["obm2"] == 1437
    assert (kernel["obond2"], kernel["obm3"]) == (UNDERLAY_MTU, 1431)
    assert lowered["max_inner_mtu"] == 1431 < lowered["mtu"]


def test_a_route_based_xfrm_interface_carries_what_its_esp_state_allows(links, esp_kernel):
    kernel, facts = links
    oxi = facts["interfaces"]["oxi"]
    assert (oxi["kind"], oxi["if_id"], oxi["underlay"], oxi["underlay_mtu"]) == ("xfrm", 0x2A, "ox0", ESP_UNDERLAY_MTU)
    (chain,) = [c for c in facts["chains"] if c[0]["interface"] == "oxi"]
    assert [layer["interface"] for layer in chain] == ["oxi", "ox0"]
    (path,) = [p for p in facts["ipsec"]["paths"] if p["interface"] == "oxi"]
    assert path["max_inner_mtu"] == oxi["max_inner_mtu"]
    # the kernel keeps the device at 1500 and answers a larger packet with a too-big to the sender,
    # whose route then carries the ESP state's figure
    learned, at_max, one_more = esp_kernel["oxi"]
    assert kernel["oxi"] == 1500 and learned["route_mtu"] == oxi["max_inner_mtu"], (learned, oxi)
    assert (at_max["send"], at_max["fragments"], one_more["send"]) == ("sent", 0, "emsgsize")
