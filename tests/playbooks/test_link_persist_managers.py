"""link_mtu persist with the real network managers, in one lab bring-up: four lab hosts (the lab's
image, Debian's packages, systemd as PID 1), each managed by one manager - systemd-networkd,
NetworkManager, netplan (rendering to networkd) and ifupdown (with dhclient) - and each joined by a
veth cable to a fifth host running dnsmasq, which offers MTU 1500 in option 26 on every cable.

For each manager: mtu_facts names it and says DHCP sets the MTU; a live-only MTU (persist=none, the
old behaviour) is lost at the next DHCP lease; check mode changes nothing (MTU, files and
NetworkManager's connection read before and after); persist=auto, then the explicit backend
(changing nothing more), keep 1400 through a DHCP renewal; persist_dhcp=ignore where the manager has
such a setting; then all four are rebooted at once (`docker restart`, the cables plugged again at
1500) and come back at 1400. auto fails on an interface nothing manages and when networkd is
stopped, changing nothing. The managers and dnsmasq are masked in the lab image
(lab/netpath_lab/docker.py); only these hosts unmask them. Run it under the lab lock:
flock /tmp/netpath-lab.lock pytest tests/playbooks/test_link_persist_managers.py
"""

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, mss_clamp
from ansible_collections.netpath.mtu.plugins.module_utils import link_managers as lm
from netpath_lab.docker import create_container
from netpath_lab.model import Host

REPO = Path(__file__).resolve().parents[2]

SERVER = "netpath-persist-dhcp"
HOSTS = {"networkd": "netpath-persist-networkd", "networkmanager": "netpath-persist-nm",
         "netplan": "netpath-persist-netplan", "ifupdown": "netpath-persist-ifupdown"}
SUBNET = {manager: index for index, manager in enumerate(HOSTS)}  # 10.98.N.0/24, the server's end srvN
NETWORK = "/etc/systemd/network/20-eth5.network"
DROPIN = "/etc/systemd/network/20-eth5.network.d/90-netpath-mtu.conf"
NM_CONNECTION = "/etc/NetworkManager/system-connections/lab-eth5.nmconnection"
NETPLAN_USER = "/etc/netplan/50-lab.yaml"
NETPLAN_OURS = "/etc/netplan/90-netpath-mtu.yaml"
INTERFACES = "/etc/network/interfaces"
VXLAN_NETDEV = "/etc/systemd/network/30-vx5.netdev"
VXLAN_NETWORK = "/etc/systemd/network/30-vx5.network"
VXLAN_DROPIN = "/etc/systemd/network/30-vx5.network.d/90-netpath-mtu.conf"
# each manager's own configuration of eth5: DHCP, and the DHCP server's MTU taken
FILES = {
    # vx5: a VXLAN at MTU 1500 bound to no device (the kernel caps one bound to eth5), whose remote
    # is reached by eth5: 50 bytes too many for eth5 (remediate's case)
    "networkd": {NETWORK: "[Match]\nName=eth5\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nUseMTU=yes\n",
                 VXLAN_NETDEV: "[NetDev]\nName=vx5\nKind=vxlan\nMTUBytes=1500\n\n[VXLAN]\nVNI=5\n"
                               "Remote=10.98.0.1\nDestinationPort=4789\nIndependent=yes\n",
                 VXLAN_NETWORK: "[Match]\nName=vx5\n\n[Network]\nAddress=10.99.0.2/24\nLinkLocalAddressing=no\n"},
    "networkmanager": {
        NM_CONNECTION: "[connection]\nid=lab-eth5\ntype=ethernet\ninterface-name=eth5\n\n[ethernet]\n\n"
                       "[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=ignore\n",
        # no "Wired connection" of NetworkManager's own on any other interface
        "/etc/NetworkManager/conf.d/90-lab.conf": "[main]\nno-auto-default=*\n"},
    "netplan": {NETPLAN_USER: "network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth5:\n"
                              "      dhcp4: true\n"},
    "ifupdown": {INTERFACES: "auto lo\niface lo inet loopback\n\nauto eth5\niface eth5 inet dhcp\n"},
}
UNITS = {"networkd": ["systemd-networkd"], "networkmanager": ["NetworkManager"], "netplan": ["systemd-networkd"],
         "ifupdown": ["networking"]}
# dnsmasq on the server: DHCP only (no DNS), one range per cable, MTU 1500 (option 26) in every offer
DNSMASQ = "port=0\nbind-dynamic\ndhcp-authoritative\ndhcp-option-force=option:mtu,1500\n" + "".join(
    f"interface=srv{n}\ndhcp-range=10.98.{n}.100,10.98.{n}.120,255.255.255.0,2m\n"
    for n in SUBNET.values())

pytestmark = [pytest.mark.skipif(shutil.which("docker") is None or os.geteuid() != 0,
                                 reason="needs docker and root"),
              pytest.mark.skipif(shutil.which("ansible") is None, reason="needs ansible")]


def sh(host, *argv, check=True, timeout=60):
    return subprocess.run(["docker", "exec", host, *argv], capture_output=True, text=True, check=check,
                          timeout=timeout)


def mtu(host, name="eth5"):
    return json.loads(sh(host, "ip", "-j", "link", "show", "dev", name).stdout)[0]["mtu"]


def state(manager):
    """What a change would touch: the live MTU, the managers' files and NetworkManager's connection."""
    host = HOSTS[manager]
    files = sh(host, "sh", "-c", "grep -r '' /etc/systemd/network /etc/netplan /etc/network/interfaces "
               "/etc/dhcp/dhclient.conf /etc/NetworkManager/system-connections 2>/dev/null || true").stdout
    nm = sh(host, "nmcli", "-t", "-f", "802-3-ethernet.mtu,ipv4.method", "connection", "show", "lab-eth5").stdout \
        if manager == "networkmanager" else ""
    return mtu(host), files, nm


def module(host, name, args, check=False, diff=False):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    argv = ["ansible", "all", "-i", host + ",", "-c", "community.docker.docker", "-m", name, "-a", json.dumps(args)]
    argv += (["--check"] if check else []) + (["--diff"] if diff else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
    return json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"][host]


def wait_for(what, test, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.3)
    raise AssertionError(f"waited {seconds} s for {what}")


def boot(host):
    sh(host, "systemctl", "is-system-running", "--wait", check=False, timeout=90)


def pid(host):
    return subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", host], capture_output=True, text=True,
                          check=True).stdout.strip()


def plug_in(manager):
    """The lab's cable at 1500 between the host's eth5 and the server's srvN, as after a reboot."""
    end = f"srv{SUBNET[manager]}"
    subprocess.run(["ip", "link", "add", "eth5", "netns", pid(HOSTS[manager]), "mtu", "1500", "type", "veth", "peer",
                    "name", end, "netns", pid(SERVER), "mtu", "1500"], check=True, capture_output=True)
    sh(SERVER, "ip", "addr", "add", f"10.98.{SUBNET[manager]}.1/24", "dev", end)
    sh(SERVER, "ip", "link", "set", end, "up")
    if manager == "ifupdown":
        # at boot, networking.service runs `ifup -a` with the cable already in; hotplug needs udev,
        # which a container has not
        sh(HOSTS[manager], "systemctl", "restart", "networking")


def leased(manager):
    out = sh(HOSTS[manager], "ip", "-4", "-o", "addr", "show", "dev", "eth5", check=False).stdout
    return f"10.98.{SUBNET[manager]}." in out


def write(host, path, text, mode="0644"):
    sh(host, "mkdir", "-p", path.rsplit("/", 1)[0])
    subprocess.run(["docker", "exec", "-i", host, "tee", path], input=text, capture_output=True, text=True,
                   check=True)
    sh(host, "chmod", mode, path)


def start(name, image):
    """A lab host of the lab's own kind (lab/netpath_lab/docker.py), outside any topology."""
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    create_container(Host(name=name, topology="persist_test"), image)
    boot(name)


def set_up(manager):
    host = HOSTS[manager]
    for path, text in FILES[manager].items():
        write(host, path, text, "0600" if "/netplan/" in path or "system-connections" in path else "0644")
    units = UNITS[manager]
    sh(host, "systemctl", "unmask", *units)
    sh(host, "systemctl", "enable", *units)
    if manager != "ifupdown":
        sh(host, "systemctl", "start", *units)
    plug_in(manager)


@pytest.fixture(scope="module")
def lab():
    image = os.environ.get("NETPATH_LAB_IMAGE") or subprocess.run(
        [sys.executable, "-m", "netpath_lab", "image"], cwd=REPO / "lab", capture_output=True, text=True,
        check=True, timeout=1200).stdout.strip()
    names = [SERVER, *HOSTS.values()]
    try:
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda name: start(name, image), names))
        write(SERVER, "/etc/dnsmasq.d/netpath-lab.conf", DNSMASQ)
        sh(SERVER, "systemctl", "unmask", "dnsmasq")
        sh(SERVER, "systemctl", "start", "dnsmasq")
        with ThreadPoolExecutor(len(HOSTS)) as pool:
            list(pool.map(set_up, HOSTS))
        for manager in HOSTS:
            wait_for(f"a DHCP lease on {manager}'s eth5", lambda manager=manager: leased(manager))
        yield HOSTS
    finally:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, check=False)


def renew(manager):
    """A new DHCP lease: the manager configures eth5 again from its files and asks the server again."""
    host = HOSTS[manager]
    if manager in ("networkd", "netplan"):
        sh(host, "networkctl", "reconfigure", "eth5")
    elif manager == "networkmanager":
        sh(host, "nmcli", "connection", "up", "lab-eth5")
    else:
        sh(host, "ifdown", "eth5")
        sh(host, "ifup", "eth5")
    time.sleep(1)
    wait_for(f"a new DHCP lease on {manager}'s eth5", lambda: leased(manager))
    time.sleep(1)  # the MTU comes with the lease's configuration


# where each backend writes, and what persist_dhcp=ignore adds (None: the manager has no such setting;
# NetworkManager takes no DHCP MTU once the connection has one)
WHERE = {"networkd": DROPIN, "networkmanager": "connection lab-eth5 (802-3-ethernet.mtu)", "netplan": NETPLAN_OURS,
         "ifupdown": lm.DHCLIENT_CONF}
IGNORE = {"networkd": (DROPIN, "UseMTU=no"), "networkmanager": None,
          "netplan": (NETPLAN_OURS, "use-mtu: false"), "ifupdown": None}


@pytest.mark.parametrize("manager", list(HOSTS))
def test_persist_keeps_the_mtu_over_dhcp(lab, manager):
    host = HOSTS[manager]
    facts = module(host, "netpath.mtu.mtu_facts", {"gather_subset": ["interfaces", "managers"]})
    managed = facts["ansible_facts"]["netpath_mtu"]["interfaces"]["eth5"]["managed_by"]
    assert (managed["manager"], managed["running"] or manager == "ifupdown") == (manager, True), managed
    assert (managed["dhcp"], managed["dhcp_sets_mtu"]) == (True, True), managed
    assert mtu(host) == 1500  # the DHCP server's MTU

    # the old behaviour: a live MTU alone is lost at the next lease
    live = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400})
    assert live["changed"] and mtu(host) == 1400 and not live.get("persisted")
    renew(manager)
    assert mtu(host) == 1500, f"{manager}: DHCP's 1500 back after a renewal"

    before = state(manager)
    checked = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto"}, check=True,
                     diff=True)
    assert checked["changed"] and checked["persisted"]["where"] == WHERE[manager], checked
    assert state(manager) == before  # check mode: nothing set, nothing written

    done = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto"})
    assert done["changed"] and done["persisted"]["backend"] == manager and mtu(host) == 1400, done
    again = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": manager})
    assert not again["changed"], again
    renew(manager)
    assert mtu(host) == 1400, f"{manager}: the persisted MTU after a renewal whose server offers 1500"

    if IGNORE[manager]:
        path, line = IGNORE[manager]
        ignored = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": manager,
                                                        "persist_dhcp": "ignore"})
        assert ignored["changed"] and line in sh(host, "cat", path).stdout, ignored
        renew(manager)
        assert mtu(host) == 1400, f"{manager}: after a renewal with the DHCP MTU ignored"
        assert not module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto",
                                                         "persist_dhcp": "ignore"})["changed"]
    for path, text in FILES[manager].items():
        if path != NM_CONNECTION:
            assert sh(host, "cat", path).stdout == text  # the user's file is never edited


def test_remediate_persists_its_fix_where_networkd_keeps_it(lab, tmp_path):
    """remediate against the lab host alone: mtu_exceeds_underlay on vx5 (1500 over eth5's 1400) is
    fixed at 1350 and written into a drop-in of vx5's .network, which the reboot below then proves."""
    host = HOSTS["networkd"]
    assert (mtu(host, "vx5"), mtu(host)) == (1500, 1400)
    (tmp_path / "inventory.ini").write_text(f"{host} ansible_connection=community.docker.docker "
                                            "ansible_python_interpreter=/usr/bin/python3\n")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    done = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "inventory.ini"), "netpath.mtu.remediate",
                           "-e", json.dumps({"netpath_remediate_hosts": host,
                                             "netpath_remediate_only": ["mtu_exceeds_underlay"],
                                             "netpath_remediate_report_dir": str(tmp_path / "out")})],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    summary = json.loads((tmp_path / "out" / "remediation.json").read_text())["hosts"][host]
    assert summary["fixed"] == ["mtu_exceeds_underlay@vx5"], summary
    assert summary["persisted"] == {"vx5": VXLAN_DROPIN}, summary
    assert mtu(host, "vx5") == 1350 and "MTUBytes=1350" in sh(host, "cat", VXLAN_DROPIN).stdout


def test_a_reboot_keeps_every_persisted_mtu(lab):
    """All four rebooted at once: a new network namespace each, the cable plugged in again at 1500."""
    with ThreadPoolExecutor(len(HOSTS)) as pool:
        list(pool.map(lambda host: subprocess.run(["docker", "restart", host], check=True, capture_output=True,
                                                  timeout=120), HOSTS.values()))
        list(pool.map(boot, HOSTS.values()))
    for manager in HOSTS:
        plug_in(manager)
    for manager, host in HOSTS.items():
        wait_for(f"a DHCP lease on {manager}'s eth5 after the reboot", lambda manager=manager: leased(manager))
        wait_for(f"{manager} to set eth5's MTU after the reboot", lambda host=host: mtu(host) == 1400)
    # remediate's fix, made again by networkd from the drop-in over the .netdev's 1500
    wait_for("networkd to set vx5's MTU after the reboot", lambda: mtu(HOSTS["networkd"], "vx5") == 1350)


def test_networkctl_names_the_network_file(lab):
    listing = sh(HOSTS["networkd"], "networkctl", "--json=short", "list").stdout
    assert lm.networkctl_links(listing)["eth5"] == {"network_file": NETWORK, "setup_state": "configured"}


def test_auto_refuses_what_it_cannot_keep(lab):
    host = HOSTS["networkd"]
    sh(host, "ip", "link", "add", "eth6", "mtu", "1500", "type", "veth", "peer", "name", "eth6p", check=False)
    refused = module(host, "netpath.mtu.link_mtu", {"name": "eth6", "mtu": 1400, "persist": "auto"})
    assert refused["failed"] and "persist=auto: nothing manages eth6" in refused["msg"]
    assert mtu(host, "eth6") == 1500
    sh(host, "systemctl", "stop", "systemd-networkd.service", "systemd-networkd.socket")
    try:
        before = state("networkd")
        stopped = module(host, "netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1380, "persist": "auto"})
        assert stopped.get("failed") and "systemd-networkd is not running" in stopped["msg"], stopped
        assert state("networkd") == before
    finally:
        sh(host, "systemctl", "start", "systemd-networkd")


# --- nftables' maxseg set on a real SYN (the model of mss_clamp_exceeds_path) ------------------------

SYN_MSS_SEEN = (1300, 1350, 1360, 1450)  # the MSS values the server counts SYNs by


def syn_mss_seen(clamps):
    """The MSS of a real SYN from the networkd host (eth5 at 1400: its own MSS 1360) through an
    output chain whose rules set `clamps` in that order, as the DHCP server's input chain counts it."""
    client = HOSTS["networkd"]
    rules = "".join(f"add rule ip lab_clamp out tcp flags & (syn | rst) == syn tcp option maxseg size set {value}\n"
                    for value in clamps)
    sh(client, "sh", "-c", "nft delete table ip lab_clamp 2>/dev/null; true")
    subprocess.run(["docker", "exec", "-i", client, "nft", "-f", "-"], check=True, capture_output=True, text=True,
                   input="add table ip lab_clamp\nadd chain ip lab_clamp out { type filter hook output priority "
                         "mangle; policy accept; }\n" + rules)
    counting = "".join(f"add rule ip lab_syn in tcp dport 9 tcp flags & (syn | rst) == syn tcp option maxseg size "
                       f"{value} counter comment \"{value}\"\n" for value in SYN_MSS_SEEN)
    sh(SERVER, "sh", "-c", "nft delete table ip lab_syn 2>/dev/null; true")
    subprocess.run(["docker", "exec", "-i", SERVER, "nft", "-f", "-"], check=True, capture_output=True, text=True,
                   input="add table ip lab_syn\nadd chain ip lab_syn in { type filter hook input priority 0; "
                         "policy accept; }\n" + counting)
    sh(client, "python3", "-c", "import socket; s = socket.socket(); s.settimeout(2); s.connect_ex(('10.98.0.1', 9))")
    listing = json.loads(sh(SERVER, "nft", "-j", "list", "table", "ip", "lab_syn").stdout)["nftables"]
    seen = [int(item["rule"]["comment"]) for item in listing if "rule" in item and any(
        "counter" in expr and expr["counter"]["packets"] for expr in item["rule"]["expr"])]
    ruleset = sh(client, "nft", "-j", "list", "ruleset").stdout
    return seen, ruleset


@pytest.mark.parametrize("clamps", [(1300, 1350), (1350, 1300)])
def test_nft_maxseg_set_only_lowers_so_the_lowest_rule_decides(lab, clamps):
    seen, ruleset = syn_mss_seen(clamps)
    assert seen == [1300], f"the SYN's MSS through {clamps}: {seen}"
    rules = mss_clamp.find_clamp_rules(nft_ruleset=ruleset)
    assert [rule["mss"] for rule in rules] == list(clamps) and not any(rule["conditions"] for rule in rules)
    probe = {"address": "10.98.0.1", "pmtu": 1200, "route_mtu": 1400, "interface": "eth5", "blackhole": True}
    (finding,) = [f for f in findings.evaluate({"mss_clamp": rules, "sysctl": {"net.ipv4.ip_forward": 0}}, [probe],
                                               HOSTS["networkd"]) if f["id"] == "mss_clamp_exceeds_path"]
    assert finding["evidence"]["clamp_mss"] == seen[0]  # the model says what the SYN carried


def test_nft_maxseg_set_never_raises(lab):
    seen, _ruleset = syn_mss_seen((1450,))
    assert seen == [1360], "a SYN of MSS 1360 (eth5 at 1400) is not raised to 1450"
    sh(HOSTS["networkd"], "nft", "delete", "table", "ip", "lab_clamp")
