"""mss_clamp's functions for a program that makes our clamp elsewhere (the cloud_init role's
first boot): the same argv and nft text the module writes."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import mss_clamp as m


@pytest.mark.parametrize(("request_", "family"), [
    (m.spec("FORWARD", "ipv4"), "ipv4"),
    (m.spec("POSTROUTING", "both", 1360, "docker0"), "ipv6"),
    (m.spec("OUTPUT", "ipv6", 1300), "ipv6"),
])
def test_iptables_rule_argv_is_what_the_module_runs(request_, family):
    rule = m.build_rule("iptables", request_, family)
    module_argv = [m.SAVE_TOOLS[family][0], "-w"] + m.iptables_commands({"delete": [], "add": [rule]})[0][1]
    assert m.iptables_rule_argv(request_, family) == module_argv
    check = m.iptables_rule_argv(request_, family, "-C")
    assert check[:4] + check[5:] == module_argv[:4] + module_argv[5:] and check[4] == "-C"
    assert m.iptables_rule_argv(request_, family, "-D")[4] == "-D"


def test_iptables_rule_argv_of_seed_002():
    assert m.iptables_rule_argv(m.spec("FORWARD", "ipv4"), "ipv4") == [
        "iptables", "-w", "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "-m", "tcp", "--tcp-flags", "SYN,RST", "SYN",
        "-m", "comment", "--comment", "netpath.mtu", "-j", "TCPMSS", "--clamp-mss-to-pmtu"]
    with pytest.raises(m.ClampError, match="action='-I' is not one of -A, -C, -D"):
        m.iptables_rule_argv(m.spec("FORWARD", "ipv4"), "ipv4", "-I")


def test_nft_rule_text_reads_back_as_our_rule():
    request = m.spec("FORWARD", "ipv4", None, "eth0")
    assert m.nft_rule_text(request, "ipv4") == (
        'meta nfproto ipv4 oifname "eth0" tcp flags syn / syn,rst tcp option maxseg size set rt mtu '
        'comment "netpath.mtu"')
    assert m.nft_rule_text(m.spec("FORWARD", "both", 1400), "both") == (
        'tcp flags syn / syn,rst tcp option maxseg size set 1400 comment "netpath.mtu"')
    assert m.build_rule("nftables", request, "ipv4")["rule"] == m.nft_rule_text(request, "ipv4")


def test_nft_table_file_loads_whether_the_table_is_there_or_not():
    request = m.spec("FORWARD", "both")
    text = m.nft_table_file(request, "both")
    assert text.startswith("table inet netpath_mtu\ndelete table inet netpath_mtu\ntable inet netpath_mtu {\n"
                           "\tchain forward {\n\t\ttype filter hook forward priority mangle; policy accept;\n\t}\n}\n")
    assert text.endswith("add rule inet netpath_mtu forward %s\n" % m.nft_rule_text(request, "both"))
    assert text.count("add rule") == 1
