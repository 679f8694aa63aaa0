"""The inner_mtu and findings filters."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.findings import findings
from ansible_collections.netpath.mtu.plugins.filter.inner_mtu import inner_mtu
from ansible_collections.netpath.mtu.plugins.filter.wireguard_endpoints import wireguard_endpoints


@pytest.mark.parametrize(("outer", "layers", "inner"), [
    (1500, ["vxlan", "wireguard"], 1370),  # the example of plugins/filter/inner_mtu.py
    (1500, ["wireguard/ipv4"], 1440),
    (1500, ["wireguard6"], 1420),
    (1450, [{"kind": "vxlan", "family": "ipv6"}], 1380),
    (1500, ["wireguard", "vxlan"], 1370),
    (1500, ["tailscale"], 1280),
    (1500, ["tailscale", "vxlan"], 1230),  # seed 000: flannel over tailscale0
    (1500, "pppoe", 1492),
    ("1500", [], 1500),
])
def test_inner_mtu(outer, layers, inner):
    assert inner_mtu(outer, layers) == inner


@pytest.mark.parametrize(("outer", "layers", "message"), [
    (1500, ["vxlam"], "unknown encapsulation 'vxlam'; known: geneve, gre, gretap, ip6gre, "
     "ip6gretap, ip6tnl, ipip, ipsec, pppoe, sit, vxlan, wireguard"),
    (1500, ["vxlan/ipv5"], "unknown outer family"),
    ("big", ["vxlan"], "the MTU must be a whole number of bytes, 68..65536, got 'big'"),
])
def test_inner_mtu_refuses_bad_input(outer, layers, message):
    with pytest.raises(AnsibleFilterError, match=message):
        inner_mtu(outer, layers)


def test_findings_filter_checks_its_input():
    with pytest.raises(AnsibleFilterError, match="^findings: facts: expected a mapping, got 'not facts'$"):
        findings("not facts")
    with pytest.raises(AnsibleFilterError, match="^findings: probes: expected a list or null, got '10.0.0.1'"):
        findings({}, probes="10.0.0.1")
    with pytest.raises(AnsibleFilterError, match=r"^findings: facts.interfaces.eth0.kind: missing$"):
        findings({"interfaces": {"eth0": {"mtu": 1500}}})
    assert findings({}, [], "h") == []


def test_wireguard_endpoints_strip_ports_and_brackets():
    facts = {"wireguard": {"wg0": {"peers": [{"endpoint": "10.2.0.2:51820"}, {"endpoint": "[fd00::2]:51820"},
                                             {"endpoint": None}]},
                           "wg1": {"peers": [{"endpoint": "10.2.0.2:51821"}]}}}
    assert wireguard_endpoints(facts) == ["10.2.0.2", "fd00::2"]
    assert wireguard_endpoints({}) == []
    with pytest.raises(AnsibleFilterError, match=r"^wireguard_endpoints: facts: expected a mapping, got \[\] \(list\)"):
        wireguard_endpoints([])
