"""TUN/TAP owners: which program holds each device, what that says of its encapsulation, and
overlays riding on a TUN named as the tunnels in a tunnel they are."""

import json

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, parsers, topology


def ip_link(name, mtu, kind=None, data=None, link=None):
    entry = {"ifname": name, "mtu": mtu, "operstate": "UP", "addr_info": []}
    if kind:
        entry["linkinfo"] = {"info_kind": kind, "info_data": dict(data or {}, **({"link": link} if link else {}))}
    return entry


def host(*devices, owners=None, wireguard=None, routes=None):
    """Facts as mtu_facts gathers them, from `ip -d -j addr show` entries and /proc's TUN holders."""
    links = parsers.links(json.dumps([ip_link("eth0", 1500)] + list(devices)))
    holders = topology.tun_owners(owners) if owners is not None else None
    topology.annotate(links, wireguard or {}, routes or {}, "eth0", holders)
    return {"interfaces": links, "chains": topology.chains(links)}


def vxlan_over(dev):
    return ip_link("vx0", 1300, "vxlan", {"id": 7, "port": 4789, "remote": "10.9.0.2"}, link=dev)


def test_the_tun_driver_names_the_device_in_fdinfo():
    assert parsers.tun_fdinfo("pos:\t0\nflags:\t0104002\nmnt_id:\t25\nino:\t1042\niff:\ttun0\n") == ["tun0"]
    assert parsers.tun_fdinfo("pos:\t0\nflags:\t0104002\n") == []  # opened, not yet bound (no TUNSETIFF)


@pytest.mark.parametrize(("process", "owner"), [
    ({"comm": "wireguard-go", "exe": "/usr/bin/wireguard-go"}, "wireguard-go"),
    ({"comm": "tailscaled", "exe": "/usr/sbin/tailscaled"}, "tailscaled"),
    ({"comm": "openvpn", "exe": "/usr/sbin/openvpn"}, "openvpn"),
    ({"comm": "zerotier-one", "exe": "/usr/sbin/zerotier-one"}, "zerotier-one"),
    ({"comm": "wg-go-renamed", "exe": "/opt/vpn/wireguard-go"}, "wireguard-go"),  # known by its executable
    ({"comm": "qemu-system-x86", "exe": "/usr/bin/qemu-system-x86_64"}, "other"),
])
def test_the_owner_is_named_by_comm_or_executable(process, owner):
    assert topology.tun_owner(process) == owner


def test_a_known_program_wins_over_another_holder_of_the_same_device():
    owners = topology.tun_owners([{"pid": 10, "comm": "sh", "exe": "/bin/sh", "interfaces": ["tun0"]},
                                  {"pid": 20, "comm": "openvpn", "exe": "/usr/sbin/openvpn", "interfaces": ["tun0"]}])
    assert owners == {"tun0": {"owner": "openvpn", "pid": 20, "comm": "openvpn"}}


def test_wireguard_go_fixes_the_encapsulation_from_its_peers_family():
    facts = host(ip_link("wg1", 1420, "tun", {"type": "tun"}),
                 owners=[{"pid": 5, "comm": "wireguard-go", "exe": "/usr/bin/wireguard-go", "interfaces": ["wg1"]}],
                 wireguard={"wg1": {"peers": [{"endpoint": "[2001:db8::2]:51820"}]}},
                 routes={"2001:db8::2": {"dev": "eth0"}})
    wg1 = facts["interfaces"]["wg1"]
    assert (wg1["kind"], wg1["implementation"], wg1["owner"], wg1["owner_pid"]) == (
        "wireguard", "userspace", "wireguard-go", 5)
    assert (wg1["underlay"], wg1["outer_family"], wg1["overhead"], wg1["max_inner_mtu"]) == ("eth0", 6, 80, 1420)


def test_wireguard_go_not_in_wg_show_still_is_wireguard_of_unknown_family():
    facts = host(ip_link("wg1", 1420, "tun", {"type": "tun"}),
                 owners=[{"pid": 5, "comm": "wireguard-go", "exe": None, "interfaces": ["wg1"]}])
    wg1 = facts["interfaces"]["wg1"]
    assert (wg1["kind"], wg1["underlay"], wg1["overhead"], wg1["max_inner_mtu"]) == ("wireguard", "eth0", 80, 1420)


def test_tailscaled_is_wireguard_within_its_1280():
    facts = host(ip_link("ts9", 1280, "tun", {"type": "tun"}),
                 owners=[{"pid": 5, "comm": "tailscaled", "exe": "/usr/sbin/tailscaled", "interfaces": ["ts9"]}])
    ts9 = facts["interfaces"]["ts9"]
    assert (ts9["kind"], ts9["implementation"], ts9["owner"], ts9["max_inner_mtu"]) == (
        "wireguard", "tailscale", "tailscaled", 1280)


def test_an_openvpn_tun_has_unknown_underlay_and_overhead():
    facts = host(ip_link("tun0", 1500, "tun", {"type": "tun"}),
                 owners=[{"pid": 5, "comm": "openvpn", "exe": "/usr/sbin/openvpn", "interfaces": ["tun0"]}])
    tun0 = facts["interfaces"]["tun0"]
    assert (tun0["kind"], tun0["owner"], tun0["underlay"], tun0["overhead"], tun0["max_inner_mtu"]) == (
        "tun", "openvpn", None, None, None)
    assert topology.is_tunnel(tun0)


def test_a_virtual_machines_tap_is_no_tunnel_but_a_vpns_tap_is():
    assert not topology.is_tunnel({"kind": "tun", "tun_type": "tap", "owner": "other"})
    assert topology.is_tunnel({"kind": "tun", "tun_type": "tap", "owner": "zerotier-one"})
    assert topology.is_tunnel({"kind": "tun", "tun_type": "tun", "owner": None})
    assert not topology.is_tunnel({"kind": "bridge"}) and topology.is_tunnel({"kind": "geneve"})


@pytest.mark.parametrize(("comm", "unknown"), [("openvpn", True), ("zerotier-one", True), ("wireguard-go", False),
                                               ("tailscaled", False), ("mystery-vpn", True)])
def test_an_overlay_on_any_tun_is_a_tunnel_in_a_tunnel_naming_the_owner(comm, unknown):
    facts = host(ip_link("tun0", 1400, "tun", {"type": "tun"}), vxlan_over("tun0"),
                 owners=[{"pid": 5, "comm": comm, "exe": None, "interfaces": ["tun0"]}])
    (finding,) = [f for f in findings.evaluate(facts, [], "h") if f["id"] == "double_encapsulation"]
    owner = comm if comm != "mystery-vpn" else "other"
    assert (finding["id"], finding["interface"]) == ("double_encapsulation", "vx0")
    assert finding["evidence"]["owners"] == {"tun0": owner}
    assert "tun0 (%s)" % owner in finding["explanation"]
    assert ("overhead_unknown" in finding["evidence"]) == unknown


def test_an_overlay_on_a_vms_tap_is_not_double_encapsulation():
    facts = host(ip_link("tap0", 1500, "tun", {"type": "tap"}), vxlan_over("tap0"),
                 owners=[{"pid": 5, "comm": "qemu-system-x86", "exe": None, "interfaces": ["tap0"]}])
    assert [f["id"] for f in findings.evaluate(facts, [], "h")] == []


def test_flannel_on_a_wireguard_go_tun_names_the_owner():
    flannel = ip_link("flannel.1", 1230, "vxlan", {"id": 1, "port": 8472, "local": "100.64.0.1"}, link="tailscale0")
    facts = host(ip_link("tailscale0", 1280, "tun", {"type": "tun"}), flannel,
                 owners=[{"pid": 5, "comm": "wireguard-go", "exe": None, "interfaces": ["tailscale0"]}])
    facts["flannel"] = {"present": True, "iface": "tailscale0", "mtu": 1230}
    (finding,) = findings.evaluate(facts, [], "h")
    assert finding["id"] == "flannel_over_tunnel" and finding["evidence"]["carrier_owner"] == "wireguard-go"
    assert "tailscale0 (wireguard-go)" in finding["explanation"]


def test_flannel_on_an_openvpn_tun_is_flannel_over_tunnel_too():
    flannel = ip_link("flannel.1", 1450, "vxlan", {"id": 1, "port": 8472, "local": "10.8.0.1"}, link="tun0")
    facts = host(ip_link("tun0", 1500, "tun", {"type": "tun"}), flannel,
                 owners=[{"pid": 5, "comm": "openvpn", "exe": None, "interfaces": ["tun0"]}])
    facts["flannel"] = {"present": True, "iface": "tun0", "mtu": 1450}
    assert [f["id"] for f in findings.evaluate(facts, [], "h")] == ["flannel_over_tunnel"]
