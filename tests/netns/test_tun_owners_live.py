"""mtu_facts names the process holding each TUN device, on this kernel with real holders: a
wireguard-go tunnel and a TUN held by a plain Python process (an "other" VPN), each with a real
VXLAN on top; the findings name both as tunnels in a tunnel, with their owners."""

import shutil
import subprocess
import sys
import time

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings

# Holds a TUN device named argv[1] open until killed, as any userspace VPN does (TUNSETIFF).
HOLD_TUN = """
import fcntl, struct, sys, time
fd = open("/dev/net/tun", "r+b", buffering=0)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x0001 | 0x1000))  # IFF_TUN | IFF_NO_PI
print("ready", flush=True)
time.sleep(120)
"""


def wait_for_link(ns, name, seconds=10):
    deadline = time.monotonic() + seconds
    while ns.run(["ip", "link", "show", name], check=False).returncode != 0:
        assert time.monotonic() < deadline, f"{name} did not appear within {seconds} s"
        time.sleep(0.1)


@pytest.mark.skipif(not shutil.which("wireguard-go"), reason="needs wireguard-go")
def test_overlays_on_tun_devices_name_the_tuns_owner(netns):
    ns = netns("tun")
    ns.veth_to(netns("far"), 1500, "192.0.2", "2001:db8::")  # vt0, this kernel has no dummy links
    ns.run(["ip", "route", "add", "default", "via", "192.0.2.2"])
    holders = [
        subprocess.Popen(["ip", "netns", "exec", ns.name, "wireguard-go", "-f", "wgo0"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}),
        subprocess.Popen(["ip", "netns", "exec", ns.name, sys.executable, "-c", HOLD_TUN, "vpn0"],
                         stdout=subprocess.PIPE, text=True)]
    try:
        for name in ("wgo0", "vpn0"):
            wait_for_link(ns, name)
            ns.run(["ip", "link", "set", name, "mtu", "1400", "up"])
        for vxlan, lower, vni in (("vxw0", "wgo0", 7), ("vxv0", "vpn0", 8)):
            ns.run(["ip", "link", "add", vxlan, "mtu", "1350", "type", "vxlan", "id", str(vni), "dev", lower,
                    "remote", "10.9.0.2", "dstport", "4789"])
        result = ns.module("mtu_facts", {"gather_subset": ["interfaces", "chains", "wireguard"]})
        assert result["rc_module"] == 0, result
        facts = result["ansible_facts"]["netpath_mtu"]
        wgo0, vpn0 = facts["interfaces"]["wgo0"], facts["interfaces"]["vpn0"]
        assert (wgo0["owner"], wgo0["owner_pid"] > 0, wgo0["kind"], wgo0["overhead"]) == (
            "wireguard-go", True, "wireguard", 80)
        assert (wgo0["underlay"], wgo0["max_inner_mtu"]) == ("vt0", 1420)
        assert (vpn0["owner"], vpn0["kind"], vpn0["overhead"], vpn0["max_inner_mtu"]) == ("other", "tun", None, None)
        found = dict((f["interface"], f) for f in findings.evaluate(facts, [], "h")
                     if f["id"] == "double_encapsulation")
        assert sorted(found) == ["vxv0", "vxw0"]
        assert found["vxw0"]["evidence"]["owners"] == {"wgo0": "wireguard-go"}
        assert "wgo0 (wireguard-go)" in found["vxw0"]["explanation"]
        assert found["vxv0"]["evidence"]["overhead_unknown"] == ["vpn0"]
        assert "vpn0 (other)" in found["vxv0"]["explanation"]
    finally:
        for holder in holders:
            holder.kill()
            holder.wait(timeout=10)
