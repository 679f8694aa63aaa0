"""TCPMSS clamp rules: validation, reading real iptables-save / ip6tables-save / `nft -j list ruleset`
output captured on the lab's containers (fixtures/), recognising equivalent rules, planning and
writing for both backends, and choosing the backend."""

import json
import re
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp as m

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return (FIXTURES / name).read_text()


def by_rule(rules):
    return {(r["backend"], r["family"], r["table"], r["chain"], r["rule"]): r for r in rules}


# --- validation -------------------------------------------------------------------------------


def validate(**kwargs):
    args = dict(state="present", backend="auto", family="ipv4", chain="FORWARD", mss=None, out_interface=None)
    args.update(kwargs)
    return m.validate(**args)


@pytest.mark.parametrize("kwargs", [
    {},
    {"chain": "OUTPUT"},
    {"chain": "POSTROUTING", "out_interface": "wg0"},
    {"mss": 536}, {"mss": 65495},
    {"family": "ipv6", "mss": 1220}, {"family": "ipv6", "mss": 65475},
    {"family": "both", "mss": 1360},
    {"state": "absent", "backend": "nftables", "out_interface": "br-1a2b3c4d5e6f"},
    {"out_interface": "eth0.100"}, {"out_interface": "flannel.1"}, {"out_interface": "a" * 15},
])
def test_sound_requests_pass(kwargs):
    assert validate(**kwargs) is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mss": 100}, "mss=100 is outside 536..65495, the MSS range for IPv4"),
    ({"mss": 535}, "mss=535 is outside 536..65495"),
    ({"mss": 65496}, "mss=65496 is outside 536..65495"),
    ({"family": "ipv6", "mss": 1219}, "mss=1219 is outside 1220..65475, the MSS range for IPv6"),
    ({"family": "ipv6", "mss": 65476}, "mss=65476 is outside 1220..65475"),
    ({"family": "both", "mss": 1000}, "mss=1000 is outside 1220..65475, the MSS range for IPv6"),
    ({"family": "both", "mss": 65480}, "mss=65480 is outside 1220..65475, the MSS range for IPv6"),
    ({"mss": True}, "mss=True is not an integer"),
    ({"chain": "BOGUS"},
     "chain='BOGUS' is not a chain a TCPMSS clamp can go in: use one of FORWARD, OUTPUT, POSTROUTING"),
    ({"chain": "forward"}, "chain='forward' is not a chain"),
    ({"chain": "PREROUTING"}, "chain='PREROUTING'"),
    ({"out_interface": "eth0;reboot"}, "out_interface='eth0;reboot' is not a valid interface name: ';' not taken"),
    ({"out_interface": "abcdefghijklmnop"}, "out_interface='abcdefghijklmnop' is not a valid interface name: "
                                            "16 characters, where Linux takes 1 to 15"),
    ({"out_interface": ""}, "out_interface='' is not a valid interface name: 0 characters"),
    ({"out_interface": "."}, "'.' and '..' are not interface names"),
    ({"out_interface": ".."}, "'.' and '..' are not interface names"),
    ({"out_interface": "a/b"}, "'/' not taken"),
    ({"out_interface": "a:b"}, "':' not taken"),
    ({"out_interface": "a b"}, "' ' not taken"),
    ({"out_interface": "eth+"}, "'+' not taken"),
    ({"out_interface": "wg*"}, "'*' not taken"),
    ({"out_interface": 'x"y'}, "'\"' not taken"),
    ({"out_interface": "$(reboot)"}, "'$', '(', ')' not taken"),
    ({"state": "gone"}, "state='gone' is not one of present, absent"),
    ({"backend": "pf"}, "backend='pf' is not one of auto, iptables, nftables"),
    ({"family": "ipv5"}, "family='ipv5' is not one of ipv4, ipv6, both"),
])
def test_bad_input_is_named(kwargs, message):
    assert message in validate(**kwargs)


def test_out_interface_follows_linux_rules_narrowed():
    assert "'\\n' not taken" in validate(out_interface="eth0\n")
    assert validate(mss=65480) is None


# --- reading iptables-save --------------------------------------------------------------------


def test_iptables_save_rules_from_the_lab():
    rules = m.parse_iptables_save(fixture("iptables_mixed.save"), "ipv4")
    got = [(r["table"], r["chain"], r["hook"], r["mss"], r["clamp_to_pmtu"], r["out_interface"], r["ours"],
            r["shadowed"], r["conditions"]) for r in rules]
    assert got == [
        ("mangle", "FORWARD", "forward", None, True, None, False, False, []),
        ("mangle", "FORWARD", "forward", 1360, False, "eth0", True, False, []),
        ("mangle", "FORWARD", "forward", 1300, False, None, False, False, ["-s 10.0.0.0/8"]),
        ("mangle", "FORWARD", "forward", 1400, False, None, False, False, ["! -o docker0"]),
        ("mangle", "FORWARD", "forward", 1410, False, None, False, False,
         ["--tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN (does not take every SYN and SYN-ACK)"]),
        ("mangle", "OUTPUT", "output", None, True, None, False, False, []),
        ("mangle", "POSTROUTING", "postrouting", 1380, False, "wg0", False, False, ["-m tcpmss --mss 1381:1536"]),
        ("mangle", "POSTROUTING", "postrouting", 1380, False, "wg0", False, False, []),
        ("mangle", "CLAMP", None, None, True, None, False, False, []),
        # after Docker-style '-i docker0 -o eth0 -j ACCEPT': not every SYN reaches it
        ("filter", "FORWARD", "forward", None, True, None, False, True, []),
        ("nat", "POSTROUTING", "postrouting", None, True, None, False, False,
         ["nat table (sees only a connection's first packet, not the SYN-ACK)"]),
    ]
    assert rules[0]["rule"] == "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"
    assert rules[7]["comment"] == "clamp for the tunnel"
    assert all(r["backend"] == "iptables" and r["family"] == "ipv4" and r["handle"] is None for r in rules)


def test_ip6tables_save_rules_from_the_lab():
    rules = m.parse_iptables_save(fixture("ip6tables_mixed.save"), "ipv6")
    assert [(r["table"], r["mss"], r["out_interface"], r["ours"], r["family"]) for r in rules] == [
        ("mangle", None, None, False, "ipv6"), ("mangle", 1340, "eth0", True, "ipv6"),
        ("filter", None, None, False, "ipv6")]


def test_the_seed_rule_on_the_lab_node():
    """co-node as built, plus the seed's `iptables -t mangle -A FORWARD ... --clamp-mss-to-pmtu`."""
    rules = m.find_clamp_rules(fixture("co-node_seed.iptables-save"), "", fixture("co-node_seed.nft.json"))
    assert len(rules) == 1  # iptables-nft's copy in nft's JSON is not counted twice
    assert rules[0]["rule"] == "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"
    assert rules[0]["clamp_to_pmtu"] and not rules[0]["ours"] and not rules[0]["conditions"]


def test_non_clamp_lines_and_broken_lines_are_skipped():
    text = "*mangle\n-A OUTPUT -p tcp -j MARK --set-xmark 0x1/0xffffffff\n-A FORWARD -m comment --comment \"x\n" \
           "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400\nCOMMIT\n"
    rules = m.parse_iptables_save(text)
    assert [r["mss"] for r in rules] == [1400]
    assert m.parse_iptables_save("") == [] and m.parse_iptables_save(None) == []


def test_a_clamp_without_flags_or_protocol_has_conditions():
    rule = m.parse_iptables_line("-A FORWARD -j TCPMSS --set-mss 1400", "mangle", "ipv4")
    assert rule["conditions"] == ["not limited to -p tcp", "no --tcp-flags SYN,RST SYN"]


def test_match_options_stay_with_their_match():
    rule = m.parse_iptables_line('-A FORWARD -m conntrack --ctstate NEW -o eth0 -p tcp -m tcp --tcp-flags SYN,RST SYN '
                                 '-m comment --comment "a b" -j TCPMSS --set-mss 1300', "mangle", "ipv4")
    assert rule["conditions"] == ["-m conntrack --ctstate NEW"]
    assert (rule["out_interface"], rule["comment"], rule["mss"]) == ("eth0", "a b", 1300)


# --- reading nft -j list ruleset --------------------------------------------------------------


def nft_text_rules():
    """{(table, chain): [rule text]} of `nft list ruleset` (the same ruleset as nft_mixed.json)."""
    rules, table, chain = {}, None, None
    for line in fixture("nft_mixed.txt").splitlines():
        line = line.strip()
        if line.startswith("table "):
            table = line[len("table "):].rstrip(" {")
        elif line.startswith("chain "):
            chain = line[len("chain "):].rstrip(" {")
        elif line and not line.startswith(("type ", "}", "#")):
            rules.setdefault((table, chain), []).append(line)
    return rules


def test_nft_rules_from_the_lab():
    rules = m.parse_nft_ruleset(fixture("nft_mixed.json"))
    got = [(r["family"], r["table"], r["chain"], r["hook"], r["mss"], r["clamp_to_pmtu"], r["out_interface"],
            r["ours"], r["shadowed"], r["conditions"]) for r in rules]
    assert got == [
        ("ipv4", "inet netpath_mtu", "forward", "forward", 1360, False, "eth0", True, False, []),
        ("both", "inet netpath_mtu", "forward", "forward", None, True, None, True, False, []),
        ("ipv6", "inet netpath_mtu", "postrouting", "postrouting", 1360, False, "wg0", True, False, []),
        # after 'ct state established,related accept': the SYN-ACK (established) never reaches it
        ("both", "inet filter", "forward", "forward", None, True, None, False, True, []),
        ("both", "inet filter", "output", "output", None, True, None, False, False, []),
        ("both", "inet filter", "output", "output", 1400, False, None, False, False,
         ["tcp flags == syn (does not take every SYN and SYN-ACK)"]),
        ("both", "inet filter", "output", "output", 1300, False, None, False, False, ["ip saddr 10.0.0.0/8"]),
        ("both", "inet filter", "clamp", None, 1380, False, "wg*", False, False, []),
        ("ipv4", "ip natty", "postrouting", "postrouting", None, True, None, False, False,
         ["nat chain (sees only a connection's first packet, not the SYN-ACK)"]),
        ("ipv6", "ip6 clamp6", "forward", "forward", 1220, False, None, False, False, []),
    ]
    assert [r["handle"] for r in rules][:3] == [3, 4, 5]
    assert all(r["backend"] == "nftables" for r in rules)


def test_nft_rule_text_is_what_nft_prints():
    text = nft_text_rules()
    for rule in m.parse_nft_ruleset(fixture("nft_mixed.json")):
        assert rule["rule"] in text[(rule["table"], rule["chain"])], rule["rule"]


def test_iptables_nft_rules_in_nft_json_are_left_to_iptables_save():
    rules = m.find_clamp_rules(fixture("iptables_mixed.save"), fixture("ip6tables_mixed.save"),
                               fixture("nft_mixed.json"))
    assert sum(r["backend"] == "iptables" for r in rules) == 11 + 3
    assert sum(r["backend"] == "nftables" for r in rules) == 10
    assert m.find_clamp_rules() == [] and m.find_clamp_rules(None, None, None) == []


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"nftables": 3}'])
def test_nft_output_that_is_not_a_ruleset_is_an_error(text):
    with pytest.raises(m.ClampError, match="nft -j list ruleset"):
        m.parse_nft_ruleset(text)


def test_our_table_chains():
    assert m.nft_table_contents(fixture("nft_mixed.json")) == {
        "chains": {"forward": {"handles": [3, 4], "as_made": True}, "postrouting": {"handles": [5], "as_made": True}},
        "others": 0}
    assert m.nft_table_contents(fixture("nft_debian_default.json")) is None


# --- choosing the backend ---------------------------------------------------------------------


@pytest.mark.parametrize(("fixture_name", "native"), [
    ("nft_empty.json", []),
    ("co-node_seed.nft.json", []),  # iptables-nft's ip nat and ip mangle only
    ("nft_debian_default.json", ["inet filter"]),  # Debian's /etc/nftables.conf loaded
    ("nft_ip_filter_native.json", ["ip filter"]),  # 'table ip filter' written with nft: lower-case chains
    ("nft_mixed.json", ["inet netpath_mtu", "inet filter", "ip natty", "ip6 clamp6"]),
])
def test_native_nft_tables(fixture_name, native):
    assert m.nft_native_tables(fixture(fixture_name)) == native


@pytest.mark.parametrize(("args", "backend", "reason"), [
    ((True, True, "co-node_seed.nft.json", False), "iptables", "every nftables table is iptables-nft's"),
    ((True, True, "nft_empty.json", True), "nftables", "nftables.service is enabled"),
    ((True, True, "nft_debian_default.json", False), "nftables", "tables not made by iptables-nft: inet filter"),
    ((True, True, "nft_ours.json", False), "nftables", "inet netpath_mtu"),
    ((True, False, None, False), "iptables", "nft is not installed"),
    ((False, True, "nft_empty.json", False), "nftables", "iptables is not installed"),
])
def test_auto_backend(args, backend, reason):
    has_iptables, has_nft, ruleset, enabled = args
    chosen, why = m.choose_backend(has_iptables, has_nft, fixture(ruleset) if ruleset else "", enabled)
    assert chosen == backend
    assert reason in why


def test_no_firewall_tool_is_an_error():
    with pytest.raises(m.ClampError, match="neither iptables nor nft"):
        m.choose_backend(False, False, "", False)


# --- building our rules -----------------------------------------------------------------------


def test_our_iptables_rule_reads_back_as_iptables_save_prints_it():
    """build_rule's text is the line iptables-save printed for the rule the module wrote on co-node."""
    saved = m.parse_iptables_save(fixture("co-node_ours.iptables-save"))
    ours = [r for r in saved if r["ours"]]
    assert [r["rule"] for r in ours] == [
        m.build_rule("iptables", m.spec("FORWARD", "ipv4"), "ipv4")["rule"],
        m.build_rule("iptables", m.spec("FORWARD", "ipv4", 1360, "eth0"), "ipv4")["rule"],
    ]
    assert ours[0] == m.build_rule("iptables", m.spec("FORWARD", "ipv4"), "ipv4")


def test_our_nft_rule_reads_back_as_built():
    """The rule written with nft_statement is, read back from nft's JSON, the rule build_rule predicts."""
    ours = [r for r in m.parse_nft_ruleset(fixture("nft_ours.json")) if r["ours"]]
    expected = [m.build_rule("nftables", m.spec("FORWARD", "ipv4"), "ipv4"),
                m.build_rule("nftables", m.spec("FORWARD", "ipv4", 1360, "eth0"), "ipv4")]
    for rule in ours:
        assert rule["handle"] is not None
        rule["handle"] = None
    assert ours == expected


@pytest.mark.parametrize(("chain", "family", "mss", "out", "statement"), [
    ("FORWARD", "ipv4", None, None,
     "add rule inet netpath_mtu forward meta nfproto ipv4 tcp flags syn / syn,rst "
     'tcp option maxseg size set rt mtu comment "netpath.mtu"'),
    ("OUTPUT", "ipv6", 1340, "eth0",
     'add rule inet netpath_mtu output meta nfproto ipv6 oifname "eth0" tcp flags syn / syn,rst '
     'tcp option maxseg size set 1340 comment "netpath.mtu"'),
    ("POSTROUTING", "both", 1360, "wg0",
     'add rule inet netpath_mtu postrouting oifname "wg0" tcp flags syn / syn,rst '
     'tcp option maxseg size set 1360 comment "netpath.mtu"'),
])
def test_nft_statements(chain, family, mss, out, statement):
    request = m.spec(chain, family, mss, out)
    assert m.nft_statement(request, family) == statement
    # the rule text we predict is the statement's, as nft prints it back
    assert statement.endswith(m.build_rule("nftables", request, family)["rule"])


@pytest.mark.parametrize(("chain", "family", "mss", "out", "argv"), [
    ("FORWARD", "ipv4", None, None,
     "-t mangle -A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment netpath.mtu -j TCPMSS "
     "--clamp-mss-to-pmtu"),
    ("POSTROUTING", "ipv6", 1340, "wg0",
     "-t mangle -A POSTROUTING -o wg0 -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment netpath.mtu "
     "-j TCPMSS --set-mss 1340"),
])
def test_iptables_commands_for_each_chain_and_family(chain, family, mss, out, argv):
    request = m.spec(chain, family, mss, out)
    changes = m.plan(request, [], "iptables", "present")
    assert m.iptables_commands(changes) == [(family, argv.split())]


def test_iptables_delete_uses_the_saved_rule():
    rules = m.parse_iptables_save(fixture("iptables_mixed.save"))
    changes = m.plan(m.spec("FORWARD", "ipv4"), rules, "iptables", "absent")
    seed = ["-D", "FORWARD", "-p", "tcp", "-m", "tcp", "--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS",
            "--clamp-mss-to-pmtu"]
    # the seed-style rule in mangle and the shadowed one in filter: both do what was asked
    assert m.iptables_commands(changes) == [("ipv4", ["-t", "mangle"] + seed), ("ipv4", ["-t", "filter"] + seed)]
    rule = m.parse_iptables_line('-A POSTROUTING -o wg0 -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment '
                                 '"clamp for the tunnel" -j TCPMSS --set-mss 1380', "mangle", "ipv4")
    assert m.iptables_commands({"delete": [rule], "add": []}) == [("ipv4", [
        "-t", "mangle", "-D", "POSTROUTING", "-o", "wg0", "-p", "tcp", "-m", "tcp", "--tcp-flags", "SYN,RST", "SYN",
        "-m", "comment", "--comment", "clamp for the tunnel", "-j", "TCPMSS", "--set-mss", "1380"])]


# --- equivalence and planning -----------------------------------------------------------------


def seed_rules():
    return m.find_clamp_rules(fixture("co-node_seed.iptables-save"), "", fixture("co-node_seed.nft.json"))


def test_the_seed_rule_without_our_comment_is_recognised():
    changes = m.plan(m.spec("FORWARD", "ipv4"), seed_rules(), "iptables", "present")
    assert changes == {"delete": [], "add": []}


@pytest.mark.parametrize(("request_args", "why"), [
    (("FORWARD", "ipv4", 1360), "another MSS"),
    (("FORWARD", "ipv4", None, "eth0"), "another interface"),
    (("OUTPUT", "ipv4"), "another chain"),
    (("FORWARD", "ipv6"), "another family"),
])
def test_a_rule_that_differs_is_not_equivalent(request_args, why):
    changes = m.plan(m.spec(*request_args), seed_rules(), "iptables", "present")
    assert len(changes["add"]) == 1, why
    assert changes["delete"] == []
    # and the nftables backend does not count iptables rules
    assert len(m.plan(m.spec("FORWARD", "ipv4"), seed_rules(), "nftables", "present")["add"]) == 1


@pytest.mark.parametrize(("line", "table", "equivalent"), [
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", True),
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", True),
    ("-A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", True),
    ('-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "someone else" -j TCPMSS '
     "--clamp-mss-to-pmtu", "mangle", True),
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "filter", True),
    ("-A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN,ACK SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
    ("-A FORWARD -p tcp -m tcp ! --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400", "mangle", False),
    ("-A FORWARD -o eth0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
    ("-A FORWARD -i docker0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
    ("-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "nat", False),
    ("-A POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "mangle", False),
])
def test_equivalent_iptables_rules(line, table, equivalent):
    rule = m.parse_iptables_line(line, table, "ipv4")
    assert m.serves(rule, m.spec("FORWARD", "ipv4"), "ipv4", "iptables") is equivalent


def test_a_shadowed_rule_does_not_count_but_is_removed_by_absent():
    rules = [r for r in m.parse_iptables_save(fixture("iptables_mixed.save")) if r["table"] == "filter"]
    assert rules[0]["shadowed"]
    assert len(m.plan(m.spec("FORWARD", "ipv4"), rules, "iptables", "present")["add"]) == 1
    assert m.plan(m.spec("FORWARD", "ipv4"), rules, "iptables", "absent")["delete"] == rules


def test_nft_equivalence_on_the_lab_ruleset():
    rules = m.parse_nft_ruleset(fixture("nft_mixed.json"))
    # inet netpath_mtu forward clamps both families to the path MTU
    assert m.plan(m.spec("FORWARD", "both"), rules, "nftables", "present") == {"delete": [], "add": []}
    # inet filter output: 'tcp flags syn / syn,rst counter ... rt mtu', a human's, no comment
    assert m.plan(m.spec("OUTPUT", "ipv6"), rules, "nftables", "present") == {"delete": [], "add": []}
    # ip6 clamp6 forward sets 1220 for IPv6 only
    assert m.plan(m.spec("FORWARD", "ipv6", 1220), rules, "nftables", "present") == {"delete": [], "add": []}
    added = m.plan(m.spec("FORWARD", "both", 1220), rules, "nftables", "present")["add"]
    assert [r["family"] for r in added] == ["ipv4"]
    # inet filter output 'tcp flags == syn ... 1400' misses SYN-ACKs: not equivalent
    assert len(m.plan(m.spec("OUTPUT", "ipv4", 1400), rules, "nftables", "present")["add"]) == 1
    # 'ip natty' is a nat chain
    assert len(m.plan(m.spec("POSTROUTING", "ipv4"), rules, "nftables", "present")["add"]) == 1


def test_family_both_iptables_writes_one_rule_per_family_nftables_one_for_both():
    request = m.spec("FORWARD", "both", 1360, "eth0")
    assert [r["family"] for r in m.plan(request, [], "iptables", "present")["add"]] == ["ipv4", "ipv6"]
    assert [r["family"] for r in m.plan(request, [], "nftables", "present")["add"]] == ["both"]


def test_present_replaces_our_rule_with_another_mss_but_not_a_humans():
    rules = m.parse_iptables_save(fixture("iptables_mixed.save"))
    changes = m.plan(m.spec("FORWARD", "ipv4", 1400, "eth0"), rules, "iptables", "present")
    assert [r["mss"] for r in changes["delete"]] == [1360]
    assert [(r["mss"], r["out_interface"]) for r in changes["add"]] == [(1400, "eth0")]
    # the human's POSTROUTING -o wg0 1380 stays when ours goes there with another MSS
    changes = m.plan(m.spec("POSTROUTING", "ipv4", 1360, "wg0"), rules, "iptables", "present")
    assert changes["delete"] == [] and len(changes["add"]) == 1


def test_absent_removes_ours_and_a_humans_equivalent_rule_only():
    rules = m.parse_iptables_save(fixture("iptables_mixed.save"))
    changes = m.plan(m.spec("POSTROUTING", "ipv4", 1380, "wg0"), rules, "iptables", "absent")
    assert [r["comment"] for r in changes["delete"]] == ["clamp for the tunnel"]  # not the one with -m tcpmss
    assert changes["add"] == []
    assert m.plan(m.spec("FORWARD", "ipv4", 1234), rules, "iptables", "absent") == {"delete": [], "add": []}


def test_absent_for_one_family_keeps_the_other_of_an_nft_rule_for_both():
    rules = m.parse_nft_ruleset(fixture("nft_mixed.json"))
    changes = m.plan(m.spec("FORWARD", "ipv6"), rules, "nftables", "absent")
    assert [(r["table"], r["handle"]) for r in changes["delete"]] == [("inet netpath_mtu", 4), ("inet filter", 5)]
    assert [(r["family"], r["clamp_to_pmtu"]) for r in changes["add"]] == [("ipv4", True), ("ipv4", True)]


def test_apply_plan_predicts_the_rules_after():
    """From co-node as built, the two rules the module wrote there read back as apply_plan predicted."""
    rules = m.parse_iptables_save(fixture("co-node_built.iptables-save"))
    assert rules == []
    for request in (m.spec("FORWARD", "ipv4"), m.spec("FORWARD", "ipv4", 1360, "eth0")):
        rules = m.apply_plan(rules, m.plan(request, rules, "iptables", "present"))
        assert m.plan(request, rules, "iptables", "present") == {"delete": [], "add": []}
    assert rules == m.parse_iptables_save(fixture("co-node_ours.iptables-save"))
    request = m.spec("FORWARD", "ipv4")
    assert m.apply_plan(rules, m.plan(request, rules, "iptables", "absent")) == rules[1:]


# --- the nft transaction ----------------------------------------------------------------------


def test_nft_script_adds_table_chain_and_rule():
    request = m.spec("POSTROUTING", "ipv4", 1360, "wg0")
    script = m.nft_script(m.plan(request, [], "nftables", "present"), request, None)
    assert script == (
        "table inet netpath_mtu {\n"
        "\tchain postrouting {\n"
        "\t\ttype filter hook postrouting priority mangle; policy accept;\n"
        "\t}\n"
        "}\n"
        'add rule inet netpath_mtu postrouting meta nfproto ipv4 oifname "wg0" tcp flags syn / syn,rst '
        'tcp option maxseg size set 1360 comment "netpath.mtu"\n')


def test_nft_script_deletes_by_handle_and_drops_what_is_left_empty():
    text = fixture("nft_mixed.json")
    rules, chains = m.parse_nft_ruleset(text), m.nft_table_contents(text)
    request = m.spec("POSTROUTING", "ipv6", 1360, "wg0")
    script = m.nft_script(m.plan(request, rules, "nftables", "absent"), request, chains)
    assert script == "delete rule inet netpath_mtu postrouting handle 5\ndelete chain inet netpath_mtu postrouting\n"
    # all of our rules gone: the table goes
    changes = {"delete": [r for r in rules if r["table"] == "inet netpath_mtu"], "add": []}
    assert m.nft_script(changes, request, chains).splitlines()[-1] == "delete table inet netpath_mtu"
    # a human's rule is deleted in its own table, ours untouched
    request = m.spec("FORWARD", "ipv6", 1220)
    assert m.nft_script(m.plan(request, rules, "nftables", "absent"), request, chains) == \
        "delete rule ip6 clamp6 forward handle 2\n"


@pytest.mark.parametrize(("table", "chain", "handle"), [
    ("inet x; flush ruleset", "forward", 3),
    ("inet filter", "forward\nflush ruleset", 3),
    ("inet filter", "forward", "3; flush ruleset"),
    ("evil filter", "forward", 3),
])
def test_nft_script_takes_only_plain_names_from_the_host(table, chain, handle):
    """Names come from the host's ruleset (a table made through nft's JSON API can be called anything)."""
    rule = dict(m.parse_nft_ruleset(fixture("nft_mixed.json"))[3], table=table, chain=chain, handle=handle)
    with pytest.raises(m.ClampError, match="not a plain nft identifier"):
        m.nft_script({"delete": [rule], "add": []}, m.spec("FORWARD", "ipv4"), None)


def test_nft_script_replacing_our_only_rule_keeps_table_and_chain():
    text = fixture("nft_ours.json")
    rules, chains = m.parse_nft_ruleset(text), m.nft_table_contents(text)
    request = m.spec("FORWARD", "ipv4", 1400, "eth0")
    lines = m.nft_script(m.plan(request, rules, "nftables", "present"), request, chains).splitlines()
    assert re.match(r"delete rule inet netpath_mtu forward handle \d+$", lines[0])
    assert lines[-1].endswith("maxseg size set 1400 comment \"netpath.mtu\"")
    assert not any(line.startswith(("delete table", "delete chain")) for line in lines)


# --- showing ----------------------------------------------------------------------------------


def test_diff_text_lists_the_chain_of_the_request():
    rules = m.find_clamp_rules(fixture("iptables_mixed.save"), fixture("ip6tables_mixed.save"))
    text = m.diff_text(rules, m.spec("OUTPUT", "both"), "iptables")
    assert text == "iptables -t mangle -A OUTPUT -p tcp -m tcp --tcp-flags SYN SYN -j TCPMSS --clamp-mss-to-pmtu\n"
    nft = m.parse_nft_ruleset(fixture("nft_mixed.json"))
    assert m.describe(nft[0]) == ('nft add rule inet netpath_mtu forward meta nfproto ipv4 oifname "eth0" '
                                  'tcp flags syn / syn,rst tcp option maxseg size set 1360 comment "netpath.mtu"')


def test_returned_rules_are_json_serialisable():
    rules = m.find_clamp_rules(fixture("iptables_mixed.save"), fixture("ip6tables_mixed.save"),
                               fixture("nft_mixed.json"))
    assert json.loads(json.dumps(rules)) == rules


def _with_our_table_objects(text, *objects):
    ruleset = json.loads(text)
    ruleset["nftables"].extend(objects)
    return json.dumps(ruleset)


USER_CHAIN = {"chain": {"family": "inet", "table": "netpath_mtu", "name": "mine", "handle": 9}}
USER_RULE = {"rule": {"family": "inet", "table": "netpath_mtu", "chain": "postrouting", "handle": 10,
                      "expr": [{"counter": {"packets": 0, "bytes": 0}}]}}
USER_SET = {"set": {"family": "inet", "table": "netpath_mtu", "name": "peers", "type": "ipv4_addr", "handle": 11}}


@pytest.mark.parametrize(("added", "script"), [
    # an empty chain a user added to our table: it stays, and so does the table
    ((USER_CHAIN,), "delete rule inet netpath_mtu forward handle 3\ndelete rule inet netpath_mtu forward handle 4\n"
                    "delete rule inet netpath_mtu postrouting handle 5\ndelete chain inet netpath_mtu forward\n"
                    "delete chain inet netpath_mtu postrouting\n"),
    # a rule of someone else's in our postrouting chain: that chain stays
    ((USER_RULE,), "delete rule inet netpath_mtu forward handle 3\ndelete rule inet netpath_mtu forward handle 4\n"
                   "delete rule inet netpath_mtu postrouting handle 5\ndelete chain inet netpath_mtu forward\n"),
    # a set in our table: the chains go, the table stays
    ((USER_SET,), "delete rule inet netpath_mtu forward handle 3\ndelete rule inet netpath_mtu forward handle 4\n"
                  "delete rule inet netpath_mtu postrouting handle 5\ndelete chain inet netpath_mtu forward\n"
                  "delete chain inet netpath_mtu postrouting\n"),
])
def test_absent_deletes_only_our_rules_and_the_chains_as_we_made_them(added, script):
    text = _with_our_table_objects(fixture("nft_mixed.json"), *added)
    rules, table = m.parse_nft_ruleset(text), m.nft_table_contents(text)
    changes = {"delete": [r for r in rules if r["table"] == "inet netpath_mtu" and r["ours"]], "add": []}
    assert m.nft_script(changes, m.spec("FORWARD", "ipv4"), table) == script


def test_a_chain_of_ours_someone_changed_is_not_deleted():
    ruleset = json.loads(fixture("nft_mixed.json"))
    for item in ruleset["nftables"]:
        if item.get("chain", {}).get("name") == "postrouting":
            item["chain"]["policy"] = "drop"
    text = json.dumps(ruleset)
    rules, table = m.parse_nft_ruleset(text), m.nft_table_contents(text)
    changes = {"delete": [r for r in rules if r["table"] == "inet netpath_mtu"], "add": []}
    assert m.nft_script(changes, m.spec("FORWARD", "ipv4"), table).splitlines()[-1] == \
        "delete chain inet netpath_mtu forward"


@pytest.mark.parametrize("name", ["-h", "-o", "--help"])
def test_an_out_interface_that_looks_like_an_option_is_refused(name):
    # iptables took "-o -h" as a rule for an interface "-h" and listed it so that it read back
    # as another rule: the module added it and then failed.
    assert m.validate("present", "iptables", "ipv4", "FORWARD", None, name) == (
        "out_interface=%r is not a valid interface name: a name that starts with '-' would be read as an "
        "option by iptables" % name)
