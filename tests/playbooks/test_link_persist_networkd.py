"""link_mtu persist with a real systemd-networkd, in two lab hosts (the lab's image: Debian's
systemd, which ships networkd, booted as PID 1) joined by a veth cable: one takes its address by
DHCP, the other is the DHCP server (networkd's own) and offers MTU 1500 in option 26.

mtu_facts names networkd, its .network file and that DHCP sets the MTU; check mode changes
nothing (MTU and files read before and after); persist=auto writes the drop-in, whose MTUBytes=
networkd keeps over the DHCP MTU; persist_dhcp=ignore adds UseMTU=no, a second run changes nothing; a DHCP renewal
(`networkctl reconfigure`) and a reboot (`docker restart`, the cable plugged again at 1500) leave
the persisted MTU; auto fails on an interface nothing manages and when networkd is stopped,
changing nothing. Run it under the lab lock: flock /tmp/netpath-lab.lock pytest tests/playbooks.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import link_managers as lm
from netpath_lab.docker import create_container
from netpath_lab.model import Host

REPO = Path(__file__).resolve().parents[2]

HOST = "netpath-persist-networkd"
SERVER = "netpath-persist-dhcp"
NETWORK = "/etc/systemd/network/20-eth5.network"
DROPIN = "/etc/systemd/network/20-eth5.network.d/90-netpath-mtu.conf"
# the user's file: DHCP, and the DHCP server's MTU taken (UseMTU=yes, no MTUBytes= of its own)
NETWORK_TEXT = "[Match]\nName=eth5\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nUseMTU=yes\n"
# a DHCP server (networkd's own) that offers MTU 1500 in option 26
SERVER_TEXT = ("[Match]\nName=srv0\n\n[Network]\nAddress=10.98.0.1/24\nDHCPServer=yes\n\n[DHCPServer]\n"
               "PoolOffset=100\nPoolSize=20\nEmitDNS=no\nEmitRouter=no\nSendOption=26:uint16:1500\n")

pytestmark = [pytest.mark.skipif(shutil.which("docker") is None or os.geteuid() != 0,
                                 reason="needs docker and root"),
              pytest.mark.skipif(shutil.which("ansible") is None, reason="needs ansible")]


def sh(*argv, check=True, timeout=60, host=HOST):
    return subprocess.run(["docker", "exec", host, *argv], capture_output=True, text=True, check=check,
                          timeout=timeout)


def mtu(name):
    return json.loads(sh("ip", "-j", "link", "show", "dev", name).stdout)[0]["mtu"]


def state():
    """What a change would touch: the MTU and networkd's files."""
    files = sh("sh", "-c", "grep -r '' /etc/systemd/network || true").stdout
    return mtu("eth5"), files


def module(name, args, check=False, diff=False):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    argv = ["ansible", "all", "-i", HOST + ",", "-c", "community.docker.docker", "-m", name, "-a", json.dumps(args)]
    argv += (["--check"] if check else []) + (["--diff"] if diff else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
    return json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"][HOST]


def wait_for(what, test, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.5)
    raise AssertionError(f"waited {seconds} s for {what}")


def boot(host=HOST):
    sh("systemctl", "is-system-running", "--wait", check=False, timeout=90, host=host)


def pid(host):
    return subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", host], capture_output=True, text=True,
                          check=True).stdout.strip()


def plug_in():
    """The lab's cable at 1500 between the host's eth5 and the DHCP server's srv0, as after a reboot."""
    subprocess.run(["ip", "link", "add", "eth5", "netns", pid(HOST), "mtu", "1500", "type", "veth", "peer", "name",
                    "srv0", "netns", pid(SERVER), "mtu", "1500"], check=True, capture_output=True)


def leased():
    return "10.98.0." in sh("ip", "-4", "-o", "addr", "show", "dev", "eth5", check=False).stdout


def write(host, path, text):
    sh("mkdir", "-p", path.rsplit("/", 1)[0], host=host)
    subprocess.run(["docker", "exec", "-i", host, "tee", path], input=text, capture_output=True, text=True,
                   check=True)


def start(name, image):
    """A lab host of the lab's own kind (lab/netpath_lab/docker.py), outside any topology."""
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    create_container(Host(name=name, topology="persist_test"), image)


@pytest.fixture(scope="module")
def host():
    image = os.environ.get("NETPATH_LAB_IMAGE") or subprocess.run(
        [sys.executable, "-m", "netpath_lab", "image"], cwd=REPO / "lab", capture_output=True, text=True,
        check=True, timeout=1200).stdout.strip()
    try:
        for name in (HOST, SERVER):
            start(name, image)
        for name, path, text in ((HOST, NETWORK, NETWORK_TEXT), (SERVER, "/etc/systemd/network/10-srv0.network",
                                                                 SERVER_TEXT)):
            boot(name)
            write(name, path, text)
            sh("systemctl", "enable", "--now", "systemd-networkd", host=name)
        plug_in()
        wait_for("a DHCP lease on eth5", leased)
        yield HOST
    finally:
        subprocess.run(["docker", "rm", "-f", HOST, SERVER], capture_output=True, check=False)


def renew():
    """A new DHCP lease: networkd configures eth5 again from its files and asks the server again."""
    sh("networkctl", "reconfigure", "eth5")
    time.sleep(1)
    wait_for("a new DHCP lease on eth5", leased)
    time.sleep(1)  # the MTU comes with the lease's configuration


def test_networkd_persist_end_to_end(host):
    facts = module("netpath.mtu.mtu_facts", {"gather_subset": ["interfaces", "managers"]})
    managed = facts["ansible_facts"]["netpath_mtu"]["interfaces"]["eth5"]["managed_by"]
    assert (managed["manager"], managed["file"], managed["mtu"], managed["running"]) == ("networkd", NETWORK, None,
                                                                                         True)
    assert (managed["dhcp"], managed["dhcp_sets_mtu"]) == (True, True)
    assert facts["ansible_facts"]["netpath_mtu"]["interfaces"]["lo"]["managed_by"]["manager"] == "none"
    listing = sh("networkctl", "--json=short", "list").stdout
    assert lm.networkctl_links(listing)["eth5"] == {"network_file": NETWORK, "setup_state": "configured"}

    before = state()
    checked = module("netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto"}, check=True, diff=True)
    assert checked["changed"] and checked["persisted"]["where"] == DROPIN
    assert "MTUBytes=1400" in checked["diff"][1]["after"]
    assert state() == before  # check mode: nothing set, nothing written

    # networkd ignores UseMTU= once MTUBytes= is set (systemd.network(5)): the drop-in alone keeps
    # 1400 through a renewal whose server offers 1500, and there is nothing to warn about
    kept = module("netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto"})
    assert kept["changed"] and not kept["persisted"]["dhcp_sets_mtu"] and not kept.get("warnings")
    assert mtu("eth5") == 1400
    renew()
    assert mtu("eth5") == 1400, "after a renewal, UseMTU=yes and the drop-in's MTUBytes=1400"

    done = module("netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto",
                                           "persist_dhcp": "ignore"})
    assert done["persisted"] == {"backend": "networkd", "where": DROPIN, "changed": True, "dhcp_sets_mtu": False,
                                 "notes": []}  # UseMTU=no added for good measure
    assert mtu("eth5") == 1400
    assert "MTUBytes=1400" in sh("cat", DROPIN).stdout and "UseMTU=no" in sh("cat", DROPIN).stdout
    assert sh("cat", NETWORK).stdout == NETWORK_TEXT  # the user's file is never edited
    again = module("netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1400, "persist": "auto", "persist_dhcp": "ignore"})
    assert not again["changed"]

    # a DHCP renewal: networkd configures eth5 again, the server offers 1500, the drop-in says no
    renew()
    assert mtu("eth5") == 1400, "after a renewal with UseMTU=no"

    # a reboot: a new network namespace, the cable plugged in again at 1500; networkd sets 1400
    subprocess.run(["docker", "restart", HOST], check=True, capture_output=True, timeout=120)
    boot()
    plug_in()
    wait_for("a DHCP lease after the reboot", leased)
    wait_for("networkd to set eth5's MTU after the reboot", lambda: mtu("eth5") == 1400)


def test_auto_refuses_what_it_cannot_keep(host):
    sh("ip", "link", "add", "eth6", "mtu", "1500", "type", "veth", "peer", "name", "eth6p", check=False)
    refused = module("netpath.mtu.link_mtu", {"name": "eth6", "mtu": 1400, "persist": "auto"})
    assert refused["failed"] and "persist=auto: nothing manages eth6" in refused["msg"]
    assert mtu("eth6") == 1500
    sh("systemctl", "stop", "systemd-networkd.service", "systemd-networkd.socket")
    try:
        before = state()
        stopped = module("netpath.mtu.link_mtu", {"name": "eth5", "mtu": 1380, "persist": "auto"})
        assert stopped.get("failed") and "systemd-networkd is not running" in stopped["msg"], stopped
        assert state() == before
    finally:
        sh("systemctl", "start", "systemd-networkd")
