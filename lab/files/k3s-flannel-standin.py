#!/usr/bin/python3
"""LAB MOCK of k3s: only what k3s's embedded flannel (VXLAN backend) does with flannel-iface.

k3s cannot be installed in the lab, so the k3s / k3s-agent units of the k3s_double_tunnel
topology run this stand-in instead. It follows flannel's documented derivation:

* the VXLAN device flannel.1 (VNI 1, UDP 8472) is bound to the interface named by
  `flannel-iface` in /etc/rancher/k3s/config.yaml (default: the default route's interface),
  with that interface's address as VTEP address;
* its MTU is the interface's MTU minus the VXLAN overhead: 50 bytes over IPv4 (70 over IPv6);
  a flannel.1 with other settings is deleted and made anew, as flannel does;
* /run/flannel/subnet.env gets FLANNEL_MTU = that MTU, which the CNI bridge plugin gives the
  cni0 bridge when it creates it and each pod's veth when the pod is created: an existing cni0
  and existing pods keep their old MTU (seed 000: "cni0 persists with its old MTU").

Peers (what flannel learns from node annotations) and pods come from /etc/netpath-lab/flannel.json,
written by the lab. A pod is a network namespace pod-NAME with eth0 on cni0. With --recreate-pods
it only makes the pods whose namespace is gone, at FLANNEL_MTU (the kubectl stand-in's delete).
"""

import ipaddress
import json
import subprocess
import sys
from pathlib import Path

K3S_CONFIG = Path("/etc/rancher/k3s/config.yaml")
LAB_CONFIG = Path("/etc/netpath-lab/flannel.json")
SUBNET_ENV = Path("/run/flannel/subnet.env")
VXLAN_OVERHEAD = {4: 50, 6: 70}
VNI, PORT, DEVICE, BRIDGE = 1, 8472, "flannel.1", "cni0"


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def ip_json(*args):
    proc = ip("-j", *args, check=False)
    return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []


def flannel_iface(config_text):
    """flannel-iface from k3s's config.yaml (flat `key: value` lines, the form k3s documents)."""
    for line in config_text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flannel-iface":
            return value.split("#", 1)[0].strip().strip("'\"") or None
    return None


def flannel_mtu(iface_mtu, family=4):
    """flannel's VXLAN backend: the external interface's MTU minus the encapsulation."""
    return iface_mtu - VXLAN_OVERHEAD[family]


def default_route_iface():
    routes = ip_json("route", "show", "default")
    if not routes:
        sys.exit("no flannel-iface in the k3s config and no default route to take it from")
    return routes[0]["dev"]


def iface_facts(name):
    links = ip_json("addr", "show", "dev", name)
    if not links:
        sys.exit(f"flannel-iface {name!r} does not exist")
    for addr in links[0].get("addr_info", []):
        if addr["family"] == "inet":
            return links[0]["mtu"], addr["local"]
    sys.exit(f"flannel-iface {name!r} has no IPv4 address")


def ensure_vxlan(iface, local, mtu, mac):
    current = ip_json("-d", "link", "show", "dev", DEVICE)
    if current:
        info = current[0].get("linkinfo", {}).get("info_data", {})
        if (info.get("local") != local or current[0]["mtu"] != mtu or info.get("id") != VNI
                or current[0].get("address") != mac):
            ip("link", "del", DEVICE)
            current = []
    if not current:
        ip("link", "add", DEVICE, "type", "vxlan", "id", str(VNI), "local", local, "dev", iface,
           "dstport", str(PORT), "nolearning")
        ip("link", "set", "dev", DEVICE, "address", mac, "mtu", str(mtu))
    ip("link", "set", "dev", DEVICE, "up")


def program_peers(peers, iface, subnet):
    ip("addr", "replace", f"{subnet.network_address}/32", "dev", DEVICE)
    for peer in peers:
        net = ipaddress.ip_network(peer["subnet"])
        gateway = str(net.network_address)
        remote = peer["addresses"][iface]
        ip("neigh", "replace", gateway, "lladdr", peer["vtep_mac"], "dev", DEVICE, "nud", "permanent")
        subprocess.run(["bridge", "fdb", "replace", peer["vtep_mac"], "dev", DEVICE, "dst", remote,
                        "self", "permanent"], check=True)
        ip("route", "replace", str(net), "via", gateway, "dev", DEVICE, "onlink")


def ensure_bridge(subnet, mtu):
    gateway = f"{subnet.network_address + 1}/{subnet.prefixlen}"
    if not ip_json("link", "show", "dev", BRIDGE):
        ip("link", "add", BRIDGE, "type", "bridge")
        ip("link", "set", "dev", BRIDGE, "mtu", str(mtu))
    # As the CNI bridge plugin does: a fixed MAC (0a:58 + the gateway's IPv4 address), else the
    # bridge takes the lowest MAC of its ports and a pod made anew changes it under the others.
    mac = "0a:58:" + ":".join(f"{b:02x}" for b in (subnet.network_address + 1).packed)
    ip("link", "set", "dev", BRIDGE, "address", mac)
    ip("addr", "replace", gateway, "dev", BRIDGE)
    ip("link", "set", "dev", BRIDGE, "up")


def ensure_pod(pod, subnet, mtu):
    netns = f"pod-{pod['name']}"
    if netns in [ns["name"] for ns in ip_json("netns", "list")]:
        return
    host_end = f"veth{pod['name']}"[:15]
    ip("netns", "add", netns)
    ip("link", "add", host_end, "mtu", str(mtu), "type", "veth", "peer", "name", "eth0", "netns", netns,
       "mtu", str(mtu))
    ip("link", "set", "dev", host_end, "master", BRIDGE, "up")
    inside = ["netns", "exec", netns, "ip"]
    ip(*inside, "addr", "add", f"{pod['address']}/{subnet.prefixlen}", "dev", "eth0")
    ip(*inside, "link", "set", "dev", "eth0", "up")
    ip(*inside, "link", "set", "dev", "lo", "up")
    ip(*inside, "route", "add", "default", "via", str(subnet.network_address + 1))


def recreate_pods(lab):
    """What the CNI plugin does for a pod made anew (kubectl stand-in's delete): the MTU flannel announces now."""
    env = dict(line.split("=", 1) for line in SUBNET_ENV.read_text().splitlines() if "=" in line)
    subnet = ipaddress.ip_network(lab["subnet"])
    for pod in lab["pods"]:
        ensure_pod(pod, subnet, int(env["FLANNEL_MTU"]))


def main():
    lab = json.loads(LAB_CONFIG.read_text())
    if sys.argv[1:] == ["--recreate-pods"]:
        return recreate_pods(lab)
    config_text = K3S_CONFIG.read_text() if K3S_CONFIG.exists() else ""
    iface = flannel_iface(config_text) or default_route_iface()
    iface_mtu, local = iface_facts(iface)
    mtu = flannel_mtu(iface_mtu)
    subnet = ipaddress.ip_network(lab["subnet"])
    ensure_vxlan(iface, local, mtu, lab["vtep_mac"])
    program_peers(lab["peers"], iface, subnet)
    SUBNET_ENV.parent.mkdir(parents=True, exist_ok=True)
    SUBNET_ENV.write_text(f"FLANNEL_NETWORK={lab['network']}\nFLANNEL_SUBNET={subnet.network_address + 1}/"
                          f"{subnet.prefixlen}\nFLANNEL_MTU={mtu}\nFLANNEL_IPMASQ=true\n")
    ensure_bridge(subnet, mtu)
    for pod in lab["pods"]:
        ensure_pod(pod, subnet, mtu)
    print(f"flannel.1 on {iface} ({iface_mtu}): FLANNEL_MTU={mtu}")


if __name__ == "__main__":
    main()
