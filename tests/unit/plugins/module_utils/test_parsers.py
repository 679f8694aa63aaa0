"""Parsers of the tools' output, on the cases the captures of the lab do not show."""

import json

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import parsers, wg_quick

SAVE_V4 = """*filter
:INPUT ACCEPT [0:0]
-A INPUT -p icmp -m icmp --icmp-type 3/4 -j DROP
-A INPUT -p icmp -m icmp --icmp-type 8 -j DROP
-A FORWARD -p icmp -j REJECT --reject-with icmp-host-prohibited
-A OUTPUT -p icmp -m icmp --icmp-type 3 -j ACCEPT
-A OUTPUT ! -p icmp -j DROP
COMMIT
*nat
-A POSTROUTING -p icmp -j DROP
COMMIT
"""


def test_iptables_too_big_drops_ipv4():
    found = parsers.iptables_too_big_drops(SAVE_V4, "ipv4")
    assert [(r["chain"], r["rule"].split(" -j ")[1]) for r in found] == [
        ("INPUT", "DROP"), ("FORWARD", "REJECT --reject-with icmp-host-prohibited")]
    assert found[0]["table"] == "filter" and found[0]["backend"] == "iptables"


def test_iptables_too_big_drops_ipv6():
    save = "*filter\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 2 -j DROP\n-A INPUT -p ipv6-icmp -m icmp6 " \
           "--icmpv6-type 128 -j DROP\n-A OUTPUT -p 58 -j DROP\nCOMMIT\n"
    assert [r["chain"] for r in parsers.iptables_too_big_drops(save, "ipv6")] == ["INPUT", "OUTPUT"]


def nft_rule(family, table, exprs):
    return {"rule": {"family": family, "table": table, "chain": "input", "handle": 4, "expr": exprs}}


def test_nft_too_big_drops_native_rules_only():
    too_big = {"match": {"op": "==", "left": {"payload": {"protocol": "icmpv6", "field": "type"}},
                         "right": "packet-too-big"}}
    echo = {"match": {"op": "==", "left": {"payload": {"protocol": "icmp", "field": "type"}}, "right": "echo-request"}}
    all_icmp = {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}
    ruleset = {"nftables": [
        nft_rule("inet", "fw", [too_big, {"drop": None}]),
        nft_rule("inet", "fw", [echo, {"drop": None}]),
        nft_rule("inet", "fw", [all_icmp, {"accept": None}]),
        nft_rule("inet", "fw", [all_icmp, {"reject": None}]),
        nft_rule("ip6", "filter", [too_big, {"drop": None}]),  # iptables-nft's: iptables-save reports it
    ]}
    found = parsers.nft_too_big_drops(json.dumps(ruleset))
    assert [(r["family"], r["table"]) for r in found] == [("ipv6", "fw"), ("ipv4", "fw")]


def test_wireguard_dump_keeps_no_key_and_reads_ages():
    dump = ("wg0\tPRIVATEKEYPRIVATEKEYPRIVATEKEYPRIVATEKEY000=\tPUBLICKEY\t51820\toff\n"
            "wg0\tPEERKEY\t(none)\t[fd00::2]:51820\t10.0.0.2/32,fd00::2/128\t1000\t10\t20\t25\n"
            "wg0\tPEERKEY2\t(none)\t(none)\t(none)\t0\t0\t0\toff\n")
    result = parsers.wireguard_dump(dump, now=1060)
    assert "KEY" not in json.dumps(result)
    first, second = result["wg0"]["peers"]
    assert result["wg0"]["listen_port"] == 51820
    assert first == {"endpoint": "[fd00::2]:51820", "allowed_ips": ["10.0.0.2/32", "fd00::2/128"],
                     "latest_handshake": 1000, "handshake_age": 60, "persistent_keepalive": 25,
                     "rx_bytes": 10, "tx_bytes": 20}
    assert (second["endpoint"], second["handshake_age"], second["allowed_ips"]) == (None, None, [])
    assert wg_quick.endpoint_host(first["endpoint"]) == "fd00::2"
    with pytest.raises(parsers.ParseError, match="unexpected line with 3 fields"):
        parsers.wireguard_dump("a\tb\tc\n", now=0)


def test_proc_files():
    snmp = "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 10 0 2 9 5 0\n"
    assert parsers.proc_table(snmp, "Udp")["RcvbufErrors"] == 5
    assert parsers.softirqs("  CPU0 CPU1\n NET_TX: 1 2\n NET_RX: 30 40\n") == [30, 40]
    stat = "entries clashres found new invalid drop insert_failed\n00000002 0 0 0 0000000a 00000001 0\n"
    assert parsers.conntrack_stat(stat) == [{"cpu": 0, "invalid": 10, "drop": 1, "insert_failed": 0}]


def test_route_and_link_json():
    route = parsers.route_get('[{"dst":"10.2.0.2","gateway":"10.1.0.1","dev":"eth0","prefsrc":"10.1.0.2",'
                              '"metrics":[{"mtu":1400}]}]')
    assert route == {"dev": "eth0", "src": "10.1.0.2", "gateway": "10.1.0.1", "mtu": 1400, "local": False}
    own = parsers.route_get('[{"type":"local","dst":"10.2.0.1","dev":"lo","prefsrc":"10.2.0.1"}]')
    assert (own["dev"], own["local"]) == ("lo", True)
    with pytest.raises(parsers.ParseError, match="not JSON"):
        parsers.route_get("10.2.0.2 via 10.1.0.1 dev eth0")
    assert parsers.default_route_dev('[{"dst":"default","nexthops":[{"gateway":"10.0.0.1","dev":"bond0"}]}]') == "bond0"
    assert parsers.default_route_dev("[]") is None


def test_an_accept_ahead_of_the_drop_lets_too_big_messages_through():
    # what the mss_clamp role's mss_clamp_allow_icmp_too_big inserts ahead of the lab router's drop
    saved = ("*filter\n:OUTPUT ACCEPT [0:0]\n"
             '-A OUTPUT -p icmp -m icmp --icmp-type 3/4 -m comment --comment "netpath.mtu: accept too big" -j ACCEPT\n'
             "-A OUTPUT -p icmp -m icmp --icmp-type 3/4 -j DROP\n-A FORWARD -p icmp -j DROP\nCOMMIT\n")
    assert [r["chain"] for r in parsers.iptables_too_big_drops(saved, "ipv4")] == ["FORWARD"]


def test_a_conditional_or_later_accept_does_not_count():
    saved = ("*filter\n-A OUTPUT -s 10.0.0.0/8 -p icmp -m icmp --icmp-type 3/4 -j ACCEPT\n"
             "-A OUTPUT -p icmp -m icmp --icmp-type 3/4 -j DROP\n"
             "-A INPUT -p icmp -j DROP\n-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT\nCOMMIT\n")
    assert [r["chain"] for r in parsers.iptables_too_big_drops(saved, "ipv4")] == ["OUTPUT", "INPUT"]
