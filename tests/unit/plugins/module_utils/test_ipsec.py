"""IPsec (xfrm) in mtu_facts: `ip xfrm` as Debian 12's kernel prints it (fixtures/xfrm), the ESP
overhead from each state's algorithms and mode (encap.esp_max_inner_mtu), and each outbound
policy's path. The figures are the kernel's own, measured in the qemu guest
(tests/qemu/test_link_types_guest.py: DF packets of max_inner_mtu leave whole, one byte more is refused)."""

import json
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import encap, findings, parsers, topology

FIXTURES = Path(__file__).parent / "fixtures" / "xfrm"
LINKS = {"ox0": {"mtu": 1437, "underlay": None}}
ROUTES = {"203.0.113.2": {"dev": "ox0", "mtu": None}, "2001:db8:9::2": {"dev": "ox0", "mtu": None}}


def guest_ipsec(links=None, routes=None):
    states = parsers.xfrm_states((FIXTURES / "ip_xfrm_state.txt").read_text())
    policies = parsers.xfrm_policies((FIXTURES / "ip_xfrm_policy.txt").read_text())
    return topology.ipsec(states, policies, ROUTES if routes is None else routes, links or LINKS)


def test_states_keep_algorithms_mode_and_nat_t_and_never_a_key():
    facts = guest_ipsec()
    by_spi = dict((s["spi"], s) for s in facts["states"])
    assert by_spi["0x00007106"]["algorithms"] == {"aead": {"name": "rfc4106(gcm(aes))", "icv_bits": 128}}
    assert by_spi["0x00007106"]["encap"] == {"type": "espinudp", "sport": 4500, "dport": 4500}
    # `auth hmac(sha256)` without a length: the kernel's own 96 bits, shown on the auth-trunc line
    assert by_spi["0x00007102"]["algorithms"] == {"enc": {"name": "cbc(aes)", "icv_bits": None},
                                                  "auth": {"name": "hmac(sha256)", "icv_bits": 96}}
    assert (by_spi["0x00007102"]["mode"], by_spi["0x00007102"]["reqid"], by_spi["0x00007102"]["family"]) == (
        "transport", 72, 4)
    assert "0x000102030405" not in json.dumps(facts)


def test_policies_keep_direction_and_templates():
    policies = dict((p["dst"], p) for p in guest_ipsec()["policies"])
    assert policies["10.72.1.0/24"]["dir"] == "out"
    assert policies["10.72.1.0/24"]["templates"] == [
        {"src": "203.0.113.1", "dst": "203.0.113.2", "proto": "esp", "reqid": 71, "mode": "tunnel"}]
    # transport mode leaves the ends to the state: 0.0.0.0 and :: are none
    assert policies["2001:db8:9::2/128"]["templates"][0]["dst"] is None


# the kernel's figures over a 1437 underlay (qemu guest), and the arithmetic behind each
KERNEL = {
    "10.72.1.0/24": 1382,  # tunnel v4, AES-GCM ICV 16: (1437 - 20 - 8 - 8 - 16) // 4 * 4 - 2
    "203.0.113.2/32": 1394,  # transport v4, AES-CBC + SHA-256-96: (1437 - 20 - 8 - 16 - 12) // 16 * 16 - 2 + 20
    "10.72.3.0/24": 1358,  # NAT-T v4, AES-CBC + SHA-256-128: (1437 - 20 - 8 - 8 - 16 - 16) // 16 * 16 - 2
    "fd72:1::/64": 1366,  # tunnel v6, AES-GCM ICV 12: (1437 - 40 - 8 - 8 - 12) // 4 * 4 - 2
    "2001:db8:9::2/128": 1406,  # transport v6, 3DES + SHA1-96: (1437 - 40 - 8 - 8 - 12) // 8 * 8 - 2 + 40
    "fd72:3::/64": 1354,  # NAT-T v6, AES-GCM ICV 16: (1437 - 40 - 8 - 8 - 8 - 16) // 4 * 4 - 2
}


def test_each_policys_path_gives_the_kernels_largest_inner_packet():
    paths = dict((p["policy"]["dst"], p) for p in guest_ipsec()["paths"])
    assert dict((dst, p["max_inner_mtu"]) for dst, p in paths.items()) == KERNEL
    tunnel = paths["10.72.3.0/24"]
    got = (tunnel["underlay"], tunnel["underlay_mtu"], tunnel["overhead"], tunnel["chain"])
    assert got == ("ox0", 1437, 79, ["ox0"])
    assert tunnel["states"] == [{"spi": "0x00007103", "src": "203.0.113.1", "dst": "203.0.113.2", "mode": "tunnel",
                                 "nat_t": True, "family": 4}]


def test_max_inner_mtu_is_the_largest_that_fits_and_every_smaller_one_fits_too():
    algorithms = {"enc": {"name": "cbc(aes)", "icv_bits": None}, "auth": {"name": "hmac(sha1)", "icv_bits": None}}
    state = {"mode": "tunnel", "family": 4, "encap": None, "algorithms": algorithms}

    def wire(inner):  # RFC 4303: outer IP, ESP header, IV, payload padded with its 2-byte trailer, ICV
        return 20 + 8 + 16 + -(-(inner + 2) // 16) * 16 + 12

    for outer in range(1300, 1317):
        best = encap.esp_max_inner_mtu(outer, state)
        assert wire(best) <= outer < wire(best + 1)
        assert all(wire(size) <= outer for size in range(best - 40, best))


def test_a_route_mtu_narrower_than_the_device_is_the_underlay():
    paths = guest_ipsec(routes={"203.0.113.2": {"dev": "ox0", "mtu": 1400}})["paths"]
    tunnel4 = [p for p in paths if p["policy"]["dst"] == "10.72.1.0/24"][0]
    assert (tunnel4["underlay_mtu"], tunnel4["max_inner_mtu"]) == (1400, 1346)


def test_an_unknown_cipher_gives_no_figure_rather_than_a_wrong_one():
    state = {"mode": "tunnel", "family": 4, "algorithms": {"enc": {"name": "cbc(foo)", "icv_bits": None}}}
    assert encap.esp_max_inner_mtu(1500, state) is None


def test_nested_templates_apply_from_the_outermost():
    inner = {"src": "10.0.0.1", "dst": "10.0.0.2", "family": 4, "proto": "esp", "spi": "0x1", "reqid": 1,
             "mode": "transport", "algorithms": {"aead": {"name": "rfc4106(gcm(aes))", "icv_bits": 128}},
             "encap": None, "if_id": None}
    outer = dict(inner, spi="0x2", reqid=2, mode="tunnel", dst="203.0.113.2", src="203.0.113.1")
    policy = {"src": "10.0.0.1/32", "dst": "10.0.0.2/32", "dir": "out", "priority": 0, "if_id": None,
              "templates": [{"src": None, "dst": None, "proto": "esp", "reqid": 1, "mode": "transport"},
                            {"src": "203.0.113.1", "dst": "203.0.113.2", "proto": "esp", "reqid": 2,
                             "mode": "tunnel"}]}
    (path,) = topology.ipsec([inner, outer], [policy], ROUTES, LINKS)["paths"]
    assert [s["spi"] for s in path["states"]] == ["0x1", "0x2"]
    assert path["max_inner_mtu"] == encap.esp_max_inner_mtu(encap.esp_max_inner_mtu(1437, outer), inner) == 1346


@pytest.mark.parametrize(("kind", "members", "bond_mtu", "named"), [
    ("bond", {"m1": 1431}, 1493, True), ("bond", {"m1": 1493, "m2": 1493}, 1493, False), ("bond", {}, 1500, False),
    # cni0 raised to 1450 while a pod made before keeps 1230: recreate the pod, never lower cni0
    ("bridge", {"vethweb": 1230, "vethproxy": 1450}, 1450, False), ("bridge", {"p1": 1437, "p2": 1493}, 1437, False)])
def test_a_bond_above_a_member_is_named_a_bridge_above_a_port_is_not(kind, members, bond_mtu, named):
    parent = {"ifname": "b0", "mtu": bond_mtu, "linkinfo": {"info_kind": kind}}
    enslaved = [{"ifname": n, "mtu": m, "master": "b0", "linkinfo": {"info_kind": "dummy"}} for n, m in members.items()]
    text = json.dumps([{"ifname": "eth0", "mtu": 1500}, parent] + enslaved)
    links = topology.annotate(parsers.links(text), {}, {}, "eth0")
    assert links["b0"]["members"] == sorted(members)
    assert links["b0"]["members_mtu"] == min(members.values(), default=None)
    found = [f for f in findings.evaluate({"interfaces": links}, [], "h") if f["interface"] == "b0"]
    assert bool(found) == named
    if named:
        assert found[0]["id"] == "mtu_exceeds_underlay"
        assert found[0]["evidence"]["members_below"] == dict((n, m) for n, m in members.items() if m < bond_mtu)


def xfrm_interface_links(if_id="0x2a"):
    """`ip -d -j addr` of an xfrm interface over ox0 (as Debian 12's iproute2 prints it), annotated
    with the guest's states."""
    text = json.dumps([{"ifname": "ox0", "mtu": 1437, "linkinfo": {"info_kind": "veth"}},
                       {"ifname": "oxi", "mtu": 1500, "link": "ox0",
                        "linkinfo": {"info_kind": "xfrm", "info_data": {"if_id": if_id}}}])
    states = parsers.xfrm_states((FIXTURES / "ip_xfrm_state.txt").read_text())
    state = dict(states[-1], spi="0x00007107", if_id=0x2A)  # the tunnel4 state, given to the interface
    return topology.annotate(parsers.links(text), {}, ROUTES, "ox0", None, states + [state])


def test_an_xfrm_interface_rides_on_its_states_route_with_its_largest_inner_packet():
    links = xfrm_interface_links()
    oxi = links["oxi"]
    assert (oxi["if_id"], oxi["underlay"], oxi["underlay_mtu"], oxi["max_inner_mtu"], oxi["overhead"]) == (
        0x2A, "ox0", 1437, 1382, 55)
    assert topology.is_tunnel(oxi)
    assert [layer["interface"] for layer in topology.chains(links)[0]] == ["oxi", "ox0"]
    (finding,) = findings.evaluate({"interfaces": links}, [], "h")
    assert (finding["id"], finding["interface"], finding["evidence"]["max_inner_mtu"]) == (
        "mtu_exceeds_underlay", "oxi", 1382)


def test_an_xfrm_interface_without_a_state_of_its_if_id_has_no_figure():
    oxi = xfrm_interface_links(if_id="0x2b")["oxi"]
    assert (oxi["max_inner_mtu"], oxi["overhead"]) == (None, None)
