"""Who manages an interface (link_managers) on the managers' real files and tools' output.

dhclient.conf is Debian 12's (isc-dhcp-client), interfaces Debian's installer default with an
interfaces.d snippet, 50-cloud-init.yaml as cloud-init writes it on OpenStack. The nmcli lines
are in nmcli's terse format written by hand (NetworkManager does not run in the lab image);
networkctl's JSON is read from the real tool in tests/playbooks/test_link_persist_managers.py.
"""

from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import host_reader
from ansible_collections.netpath.mtu.plugins.module_utils import link_managers as lm

FIXTURES = Path(__file__).parent / "fixtures" / "managers"


def text(name):
    return (FIXTURES / name).read_text()


def test_debian_dhclient_asks_for_the_mtu_and_applies_it_unless_superseded():
    conf = text("dhclient.conf")
    assert lm.dhclient_sets_mtu(conf, "eth0")
    superseded = conf + '\ninterface "eth0" {\n  supersede interface-mtu 1400;\n}\n'
    assert not lm.dhclient_sets_mtu(superseded, "eth0")
    assert lm.dhclient_sets_mtu(superseded, "eth1")  # only that interface's block
    assert not lm.dhclient_sets_mtu(conf.replace("interface-mtu,", ""), "eth0")


def test_ifupdown_stanzas_the_dhcp_one_and_a_sourced_snippet():
    files = {"/etc/network/interfaces": text("interfaces"), "/etc/network/interfaces.d/10-eth1": text("10-eth1")}
    eth0 = lm.ifupdown_for(files, "eth0", text("dhclient.conf"))
    assert eth0 == {"file": "/etc/network/interfaces", "stanza": "iface eth0 inet dhcp", "mtu": None, "dhcp": True,
                    "dhcp_sets_mtu": True}
    eth1 = lm.ifupdown_for(files, "eth1", text("dhclient.conf"))
    assert (eth1["file"], eth1["mtu"], eth1["dhcp"], eth1["dhcp_sets_mtu"]) == (
        "/etc/network/interfaces.d/10-eth1", 9000, False, False)
    assert lm.ifupdown_for(files, "eth2") is None
    assert {"source": "/etc/network/interfaces.d/*", "directory": False} in lm.ifupdown_stanzas(text("interfaces"))


def test_cloud_init_netplan_and_our_file_over_it():
    files = {"/etc/netplan/50-cloud-init.yaml": text("50-cloud-init.yaml")}
    assert lm.netplan_for(files, "ens3") == {"file": "/etc/netplan/50-cloud-init.yaml", "mtu": 1450, "dhcp": True,
                                             "renderer": "networkd", "dhcp_sets_mtu": True, "cloud_init": True,
                                             "kind": "ethernets"}
    files["/etc/netplan/90-netpath-mtu.yaml"] = (
        "network:\n  version: 2\n  ethernets:\n    ens3:\n      mtu: 1400\n"
        "      dhcp4-overrides: {use-mtu: false}\n")
    ours = lm.netplan_for(files, "ens3")
    assert (ours["file"], ours["mtu"], ours["dhcp"], ours["dhcp_sets_mtu"], ours["cloud_init"]) == (
        "/etc/netplan/90-netpath-mtu.yaml", 1400, True, False, False)
    assert lm.netplan_for(files, "eth9") is None


def test_netplan_flow_style_and_renderer():
    found = lm.netplan_definitions("network:\n  renderer: NetworkManager\n  ethernets:\n"
                                   "    eth0: {dhcp4: true, mtu: 1400}\n")
    assert found == {"eth0": {"mtu": 1400, "dhcp4": True, "use_mtu": None, "renderer": "NetworkManager",
                              "kind": "ethernets"}}


def test_networkd_match_drop_ins_and_use_mtu():
    main = text("20-wired.network")
    files = {"/etc/systemd/network/20-wired.network": main,
             "/etc/systemd/network/20-wired.network.d/90-netpath-mtu.conf":
             text("20-wired.network.d/90-netpath-mtu.conf")}
    assert lm.networkd_file_for(files, "eth0") == "/etc/systemd/network/20-wired.network"
    assert lm.networkd_file_for(files, "wg0") is None
    seen = {"networkd_files": files, "networkd_running": False}
    managed = lm.owner("eth0", seen)
    # UseMTU=yes, but the drop-in's MTUBytes= wins (networkd ignores UseMTU= then)
    assert managed == {"manager": "networkd", "file": "/etc/systemd/network/20-wired.network", "mtu": 1400,
                       "dhcp": True, "dhcp_sets_mtu": False, "running": False,
                       "dropins": ["/etc/systemd/network/20-wired.network.d/90-netpath-mtu.conf"]}
    assert not lm.networkd_settings(main.replace("UseMTU=yes", "UseMTU=no"))["use_mtu"]
    assert not lm.networkd_settings("[Network]\nDHCP=yes\n")["use_mtu"]  # networkd's default


@pytest.mark.parametrize(("match", "name", "hit"), [
    ("Name=eth0", "eth0", True), ("Name=en*", "eth0", False), ("Name=!eth0 eth1", "eth0", False),
    ("Name=!eth0", "eth1", True), ("MACAddress=fa:16:3e:00:00:01", "eth0", False), ("", "eth0", True)])
def test_networkd_match(match, name, hit):
    assert lm.networkd_matches(lm.parse_unit("[Match]\n%s\n" % match if match else "[Network]\n"), name) == hit


def test_nmcli_terse_escapes_and_the_dhcp_rule():
    device = lm.nmcli_fields("GENERAL.CONNECTION:Wired connection 1\nGENERAL.STATE:100 (connected)\n")
    connection = lm.nmcli_fields("connection.type:802-3-ethernet\nconnection.filename:/etc/NetworkManager/"
                                 "system-connections/a\\:b.nmconnection\nipv4.method:auto\n802-3-ethernet.mtu:auto\n")
    found = lm.nm_connection(device, connection)
    assert found == {"connection": "Wired connection 1",
                     "file": "/etc/NetworkManager/system-connections/a:b.nmconnection",
                     "type": "802-3-ethernet", "mtu": None, "mtu_setting": "802-3-ethernet.mtu", "dhcp": True,
                     "dhcp_sets_mtu": True}
    connection["802-3-ethernet.mtu"] = "1400"
    assert lm.nm_connection(device, connection)["dhcp_sets_mtu"] is False


def test_nothing_manages_an_interface_nobody_names():
    assert lm.owner("veth0", {})["manager"] == "none"


def test_networkd_without_mtubytes_takes_the_dhcp_mtu():
    files = {"/etc/systemd/network/20-wired.network": text("20-wired.network")}
    assert lm.owner("eth0", {"networkd_files": files})["dhcp_sets_mtu"] is True


def test_networkctl_json_of_systemd_252():
    """Debian 12's networkctl calls the setup state AdministrativeState (captured in the lab)."""
    listing = (FIXTURES / "networkctl-list.json").read_text()
    assert lm.networkctl_links(listing) == {
        "lo": {"network_file": None, "setup_state": "unmanaged"},
        "eth5": {"network_file": "/etc/systemd/network/20-eth5.network", "setup_state": "configured"}}


def test_nmcli_filenames_from_the_listing():
    # what nmcli 1.42 (Debian bookworm) printed in the lab; it refuses `-f connection.filename`
    listing = ("lo:/run/NetworkManager/system-connections/lo.nmconnection\n"
               "lab-eth5:/etc/NetworkManager/system-connections/lab-eth5.nmconnection\n"
               "office\\: 2nd floor:/etc/NetworkManager/system-connections/office.nmconnection\n"
               "unsaved:\n")
    assert lm.nmcli_filenames(listing) == {
        "lo": "/run/NetworkManager/system-connections/lo.nmconnection",
        "lab-eth5": "/etc/NetworkManager/system-connections/lab-eth5.nmconnection",
        "office: 2nd floor": "/etc/NetworkManager/system-connections/office.nmconnection", "unsaved": None}


class ManagersGatherer:
    """A host with nmcli installed, its answers as NetworkManager gives them when it runs, and
    /run/NetworkManager present or not: which commands the managers part ran."""

    def __init__(self, nm_run_dir):
        self.nm_run_dir = nm_run_dir
        self.ran = []

    def get_bin_path(self, tool):
        return tool

    def run_command(self, argv):
        self.ran.append(" ".join(argv))
        if argv[:2] == ["systemctl", "is-active"]:
            return 3, "", ""
        if argv[-1] == "general":
            return 0, "running\n", ""
        return 0, "", ""


def managers_of(nm_run_dir):
    module = ManagersGatherer(nm_run_dir)

    # link_mtu reads the managers with the HostReader alone, mtu_facts with the Gatherer built on it
    class Host(host_reader.HostReader):
        def exists(self, path):
            return nm_run_dir if path == host_reader.NM_RUN_DIR else False

        def listdir(self, path):
            return []

        def _texts(self, paths):
            return {}

    return Host(module).managers({"eth0": {}}), module.ran


def test_nmcli_is_asked_only_where_networkmanager_has_run():
    running, ran = managers_of(nm_run_dir=True)
    assert running["running"]["networkmanager"] is True
    assert "nmcli -t -f RUNNING general" in ran
    never, ran = managers_of(nm_run_dir=False)
    assert never["running"]["networkmanager"] is False
    assert not [argv for argv in ran if argv.startswith("nmcli")]
