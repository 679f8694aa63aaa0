"""link_mtu's persist: the backend chosen, the file written, idempotence, and the refusals."""

from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import link_managers as lm
from ansible_collections.netpath.mtu.plugins.module_utils import link_persist as lp

FIXTURES = Path(__file__).parent / "fixtures" / "managers"


def managed(manager, **extra):
    base = {"manager": manager, "file": None, "mtu": None, "dhcp": False, "dhcp_sets_mtu": False, "running": True}
    base.update(extra)
    return base


def test_auto_takes_the_manager_and_refuses_what_it_cannot_write_to():
    assert lp.choose("auto", "eth0", managed("networkd", file="/etc/systemd/network/20-wired.network")) == "networkd"
    with pytest.raises(lp.PersistError, match="persist=auto: nothing manages eth0"):
        lp.choose("auto", "eth0", managed("none", running=False))
    with pytest.raises(lp.PersistError, match="configured by networkd in /etc/systemd/network/x.network, but "
                                              "systemd-networkd is not running"):
        lp.choose("auto", "eth0", managed("networkd", file="/etc/systemd/network/x.network", running=False))
    with pytest.raises(lp.PersistError, match="NetworkManager has no active connection on eth0"):
        lp.choose("networkmanager", "eth0", managed("ifupdown", file="/etc/network/interfaces"))


def test_networkd_drop_in_next_to_the_users_file_idempotent():
    plan = lp.networkd_plan("eth0", 1400, "/usr/lib/systemd/network/20-wired.network", [], None, False)
    assert plan["file"] == "/etc/systemd/network/20-wired.network.d/90-netpath-mtu.conf"
    assert plan["after"].endswith("[Link]\nMTUBytes=1400\n") and "UseMTU" not in plan["after"]
    assert plan["commands"] == [["networkctl", "reload"]]
    again = lp.networkd_plan("eth0", 1400, "/usr/lib/systemd/network/20-wired.network", [], plan["after"], False)
    assert again["before"] == again["after"]
    ignored = lp.networkd_plan("eth0", 1400, "/etc/systemd/network/20-wired.network", [], None, True)
    assert "[DHCPv4]\nUseMTU=no\n" in ignored["after"]
    stopped = lp.networkd_plan("eth0", 1400, "/etc/systemd/network/20-wired.network", [], None, False, running=False)
    assert stopped["commands"] == [] and "not running" in stopped["notes"][0]
    # read back as mtu_facts reads it
    settings = lm.networkd_settings((FIXTURES / "20-wired.network").read_text(), [ignored["after"]])
    assert (settings["mtu"], settings["use_mtu"]) == (1400, False)


def test_networkd_refuses_a_file_that_matches_other_interfaces_too():
    with pytest.raises(lp.PersistError, match="matches eth1 as well"):
        lp.networkd_plan("eth0", 1400, "/etc/systemd/network/20-wired.network", ["eth1"], None, False)
    with pytest.raises(lp.PersistError, match="no .network file"):
        lp.networkd_plan("eth0", 1400, None, [], None, False)


def test_netplan_own_file_merged_over_cloud_init():
    files = {"/etc/netplan/50-cloud-init.yaml": (FIXTURES / "50-cloud-init.yaml").read_text()}
    ens3 = lm.owner("ens3", {"netplan_files": files, "networkd_running": True})
    assert (ens3["manager"], ens3["cloud_init"], ens3["kind"]) == ("netplan", True, "ethernets")
    plan = lp.netplan_plan("ens3", 1400, ens3, None, True)
    assert plan["check"] == ["netplan", "generate"] and plan["commands"] == [["networkctl", "reload"]]
    assert "cloud-init" in plan["notes"][0]
    files[lp.NETPLAN_FILE] = plan["after"]
    after = lm.owner("ens3", {"netplan_files": files, "networkd_running": True})
    assert (after["file"], after["mtu"], after["dhcp_sets_mtu"]) == (lp.NETPLAN_FILE, 1400, False)
    assert lp.netplan_plan("ens3", 1400, after, plan["after"], True)["after"] == plan["after"]
    # a second interface joins the same file, the first stays
    two = lp.netplan_plan("eth1", 9000, dict(after, kind="ethernets"), plan["after"], False)["after"]
    assert lp.netplan_entries(two) == {"ens3": {"mtu": 1400, "ignore_dhcp": True, "kind": "ethernets"},
                                       "eth1": {"mtu": 9000, "ignore_dhcp": False, "kind": "ethernets"}}


def test_ifupdown_stanza_mtu_replaced_or_added():
    snippet = (FIXTURES / "10-eth1").read_text()
    assert "    mtu 1400\n" in lp.ifupdown_edit(snippet, "eth1", 1400)
    assert lp.ifupdown_edit(snippet, "eth1", 1400).count("mtu") == 1
    plain = "auto eth2\niface eth2 inet static\n\taddress 10.9.0.1/24\n\nauto eth3\niface eth3 inet manual\n"
    edited = lp.ifupdown_edit(plain, "eth2", 1400)
    assert edited.splitlines()[2] == "\tmtu 1400" and edited.count("mtu") == 1
    assert lp.ifupdown_edit(edited, "eth2", 1400) == edited
    with pytest.raises(lp.PersistError, match="no `iface eth9 inet` stanza"):
        lp.ifupdown_edit(plain, "eth9", 1400)


def test_ifupdown_dhcp_goes_to_dhclient_supersede():
    conf = (FIXTURES / "dhclient.conf").read_text()
    eth0 = managed("ifupdown", file="/etc/network/interfaces", dhcp=True, dhcp_sets_mtu=True,
                   stanza="iface eth0 inet dhcp")
    plan = lp.ifupdown_plan("eth0", 1400, eth0, "", conf, False)
    assert plan["file"] == lm.DHCLIENT_CONF and 'interface "eth0" { supersede interface-mtu 1400; }' in plan["after"]
    assert not lm.dhclient_sets_mtu(plan["after"], "eth0")
    assert lp.dhclient_supersede(plan["after"], "eth0", 1400) == plan["after"]
    assert lp.dhclient_supersede(plan["after"], "eth0", 1380).count("supersede interface-mtu") == 1
    assert lp.dhcp_warning("eth0", eth0, "ifupdown", False) is None


def test_networkmanager_modify_and_reapply_only_when_it_differs():
    eth0 = managed("networkmanager", connection="Wired connection 1", mtu_setting="802-3-ethernet.mtu",
                   type="802-3-ethernet", dhcp=True, dhcp_sets_mtu=True)
    plan = lp.nm_plan("eth0", 1400, eth0)
    assert plan["commands"] == [["nmcli", "connection", "modify", "Wired connection 1", "802-3-ethernet.mtu", "1400"],
                                ["nmcli", "device", "reapply", "eth0"]]
    assert (plan["before"], plan["after"]) == ("802-3-ethernet.mtu: auto\n", "802-3-ethernet.mtu: 1400\n")
    assert lp.nm_plan("eth0", 1400, dict(eth0, mtu=1400))["commands"] == []
    with pytest.raises(lp.PersistError, match="type loopback"):
        lp.nm_plan("lo", 1400, dict(eth0, mtu_setting=None, type="loopback"))


def test_the_dhcp_warning():
    eth0 = managed("netplan", dhcp=True, dhcp_sets_mtu=True)
    assert "persist_dhcp=ignore" in lp.dhcp_warning("eth0", eth0, "netplan", False)
    assert lp.dhcp_warning("eth0", eth0, "netplan", True) is None
    assert lp.dhcp_warning("eth0", managed("netplan", dhcp=True), "netplan", False) is None
    # networkd ignores UseMTU= once MTUBytes= is set, which the drop-in does
    assert lp.dhcp_warning("eth0", managed("networkd", dhcp=True, dhcp_sets_mtu=True), "networkd", False) is None
