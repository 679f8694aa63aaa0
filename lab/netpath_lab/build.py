"""Bring topologies up and down: containers, cables, addresses, firewall, tunnels, services.

`up` is idempotent: it creates only what is missing and rewrites only what differs, so it also
re-plugs the cables of a host after `docker restart` (a reboot loses its veths, as a machine
unplugged would). A failed bring-up removes the containers it created.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
import time
from pathlib import Path

from . import docker
from .model import Host, LabError, Topology

FILES = Path(__file__).resolve().parent.parent / "files"
SPEC_MARKER = "/etc/netpath-lab/spec"
# Every host gets IPv6 (Docker turns it off in containers) and no duplicate address
# detection, so addresses work the moment a cable is plugged.
BASE_SYSCTL = {
    "net.ipv6.conf.all.disable_ipv6": 0,
    "net.ipv6.conf.default.disable_ipv6": 0,
    "net.ipv6.conf.all.accept_dad": 0,
    "net.ipv6.conf.default.accept_dad": 0,
}
# No name server: a lookup that would leave the lab answers from /etc/hosts or fails locally.
RESOLV_CONF = "# netpath lab: no DNS; lab host names are in /etc/hosts\noptions timeout:1 attempts:1\n"
HOSTS_HEADER = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
STANDIN_UNIT = """[Unit]
Description={service} (LAB MOCK: flannel VXLAN stand-in for k3s, see /usr/local/sbin/k3s-flannel-standin)
After=network.target wg-quick@tailscale0.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/k3s-flannel-standin

[Install]
WantedBy=multi-user.target
"""


KUBECONFIG = "/etc/rancher/k3s/k3s.yaml"
KUBECONFIG_STANDIN = """# LAB MOCK: there is no API server in the lab; /usr/local/bin/kubectl is a stand-in that
# answers from /etc/netpath-lab/kube-recording.json and only checks that this file exists.
apiVersion: v1
kind: Config
clusters: [{name: default, cluster: {server: "https://127.0.0.1:6443"}}]
"""


def kube_recording(topo: Topology) -> dict:
    """What `kubectl get nodes/pods -o json` would show of the topology's k3s cluster."""
    nodes, pods = [], []
    for host in topo.hosts.values():
        if not host.flannel:
            continue
        nodes.append({"apiVersion": "v1", "kind": "Node",
                      "metadata": {"name": host.name, "annotations": {"netpath.lab/service": host.flannel["service"]}},
                      "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        recorded = [dict(pod, netns=None) for pod in host.flannel.get("recorded_pods", [])]
        with_netns = [dict(pod["k8s"], netns=f"pod-{pod['name']}") for pod in host.flannel.get("pods", [])
                      if pod.get("k8s")]
        for pod in recorded + with_netns:
            annotations = {"netpath.lab/netns": pod["netns"]} if pod["netns"] else {}
            pods.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": pod["name"], "namespace": pod["namespace"],
                                      "labels": pod.get("labels", {}), "annotations": annotations,
                                      "uid": f"recorded-{pod['name']}"},
                         "spec": {"nodeName": host.name}, "status": {"phase": "Running"}})
    return {"nodes": nodes, "pods": pods}


class Bringup:
    def __init__(self, topo: Topology, image: str, log=print):
        self.topo = topo
        self.image = image
        self.log = log
        self.created: list[str] = []
        self.changes: list[str] = []

    def run(self) -> list[str]:
        try:
            self._containers()
            for link in self.topo.links:
                self._plug(link)
            for host in self.topo.hosts.values():
                self._configure(host)
            self._wireguard()
            for host in self.topo.hosts.values():
                self._services(host)
            self._wait_ready()
            for host in self.topo.hosts.values():
                if docker.write_file(host.name, SPEC_MARKER, host.spec_digest(self.topo.links) + "\n"):
                    self.changes.append(f"{host.name}: configured")
        except BaseException:
            if self.created:
                self.log(f"{self.topo.name}: bring-up failed, removing the containers it created")
                docker.remove_containers(self.created)
            raise
        return self.changes

    def _containers(self) -> None:
        for host in self.topo.hosts.values():
            state = docker.container_state(host.name)
            if state is not None:
                labels = state["Config"].get("Labels") or {}
                owner = labels.get(docker.LABEL_TOPOLOGY) or labels.get("owner")
                if owner not in (self.topo.name, "molecule"):
                    raise LabError(f"container {host.name} exists and is not the lab's ({self.topo.name}): "
                                   f"remove it or rename the host")
                marker = docker.exec_in(host.name, ["cat", SPEC_MARKER], check=False).stdout.strip()
                stale = marker and marker != host.spec_digest(self.topo.links)
                if stale and labels.get(docker.LABEL_TOPOLOGY):
                    self.log(f"{host.name}: its description changed, creating it anew")
                    docker.remove_containers([host.name])
                    state = None
                elif not state["State"]["Running"]:
                    docker.run(["docker", "start", host.name])
                    self.changes.append(f"{host.name}: started")
            if state is None:
                docker.create_container(host, self.image)
                self.created.append(host.name)
                self.changes.append(f"{host.name}: created")
        for host in self.topo.hosts.values():
            docker.wait_for_systemd(host.name)
            _sysctl(host.name, BASE_SYSCTL | host.sysctl)

    def _plug(self, link) -> None:
        a, b = link.ends
        present = [_has_link(end.host, end.ifname) for end in (a, b)]
        if all(present):
            return
        for end, there in zip((a, b), present, strict=True):
            if there:  # the other half of a veth is gone: this one is dead too
                docker.exec_in(end.host, ["ip", "link", "del", "dev", end.ifname])
        docker.run(["ip", "link", "add", a.ifname, "netns", str(docker.pid_of(a.host)), "mtu", str(link.mtu),
                    "type", "veth", "peer", "name", b.ifname, "netns", str(docker.pid_of(b.host)),
                    "mtu", str(link.mtu)])
        self.changes.append(f"{a.host}:{a.ifname} <-> {b.host}:{b.ifname} plugged (MTU {link.mtu})")

    def _configure(self, host: Host) -> None:
        existing = {link["ifname"] for link in _ip_json(host.name, ["link", "show"])}
        batch = ["link set dev lo up"]
        for bridge in host.bridges:
            if bridge["name"] not in existing:
                batch.append(f"link add name {bridge['name']} type bridge")
            batch.append(f"link set dev {bridge['name']} mtu {bridge['mtu']} up")
            batch += [f"addr replace {a} dev {bridge['name']}" for a in bridge.get("addresses", [])]
        for link in self.topo.links:
            for end in link.ends:
                if end.host != host.name:
                    continue
                master = f" master {end.bridge}" if end.bridge else ""
                batch.append(f"link set dev {end.ifname} mtu {link.mtu}{master} up")
                batch += [f"addr replace {a} dev {end.ifname}" for a in end.addresses]
        for route in host.routes:
            via = ipaddress.ip_address(route["via"])
            to = route["to"] if route["to"] != "default" else ("::/0" if via.version == 6 else "0.0.0.0/0")
            src = f" src {route['src']}" if route.get("src") else ""
            batch.append(f"route replace {to} via {via}{src}")
        docker.exec_in(host.name, ["ip", "-batch", "-"], input="\n".join(batch) + "\n")
        for rule in host.firewall:
            tool = "iptables" if rule["family"] == "ipv4" else "ip6tables"
            table, chain, args = ["-t", rule["table"]], rule["chain"], shlex.split(rule["rule"])
            if docker.exec_in(host.name, [tool, "-w", *table, "-C", chain, *args], check=False).returncode:
                docker.exec_in(host.name, [tool, "-w", *table, "-A", chain, *args])
                self.changes.append(f"{host.name}: {tool} -t {rule['table']} -A {rule['chain']} {rule['rule']}")
        for path, content in {"/etc/resolv.conf": RESOLV_CONF, "/etc/hosts": self._hosts_file()}.items():
            if docker.write_file(host.name, path, content):
                self.changes.append(f"{host.name}: wrote {path}")
        # A host's own files are the state it was built with: written once, then left to what roles
        # change and persist (up after a reboot must not undo them; `down` and `up` start afresh).
        for path, content in host.files.items():
            if docker.write_file(host.name, path, content, only_if_missing=True):
                self.changes.append(f"{host.name}: wrote {path}")

    def _hosts_file(self) -> str:
        lines = [HOSTS_HEADER]
        for link in self.topo.links:
            for end in link.ends:
                lines += [f"{str(ipaddress.ip_interface(a).ip)}\t{end.host}\n" for a in end.addresses]
        return "".join(lines)

    def _wireguard(self) -> None:
        public = {}
        for host in self.topo.hosts.values():
            for wg in host.wireguard:
                key_path = f"/etc/wireguard/{wg['name']}.key"
                key = docker.exec_in(host.name, ["cat", key_path], check=False).stdout.strip()
                if not key:
                    key = docker.exec_in(host.name, ["wg", "genkey"]).stdout.strip()
                    docker.write_file(host.name, key_path, key + "\n", mode="0600")
                public[(host.name, wg["name"])] = docker.exec_in(
                    host.name, ["wg", "pubkey"], input=key + "\n").stdout.strip()
                wg["_private"] = key
        for host in self.topo.hosts.values():
            for wg in host.wireguard:
                lines = ["[Interface]", f"PrivateKey = {wg.pop('_private')}",
                         f"Address = {', '.join(wg['addresses'])}", f"ListenPort = {wg['listen_port']}",
                         f"MTU = {wg['mtu']}"]
                for peer in wg["peers"]:
                    lines += ["", "[Peer]", f"PublicKey = {public[(peer['host'], wg['name'])]}",
                              f"AllowedIPs = {', '.join(peer['allowed_ips'])}", f"Endpoint = {peer['endpoint']}"]
                    if peer.get("keepalive"):
                        lines.append(f"PersistentKeepalive = {peer['keepalive']}")
                # written once, as a host's own files: a role's MTU or keepalive survives a reboot
                changed = docker.write_file(host.name, f"/etc/wireguard/{wg['name']}.conf",
                                            "\n".join(lines) + "\n", mode="0600", only_if_missing=True)
                self._unit(host, f"wg-quick@{wg['name']}", changed)

    def _services(self, host: Host) -> None:
        for service in host.services:
            if service == "http":
                changed = docker.write_file(host.name, "/usr/local/sbin/netpath-lab-http",
                                            (FILES / "netpath-lab-http.py").read_text(), mode="0755")
                changed |= docker.write_file(host.name, "/etc/systemd/system/netpath-lab-http.service",
                                             (FILES / "netpath-lab-http.service").read_text())
                self._unit(host, "netpath-lab-http", changed)
            elif service == "flannel_standin":
                flannel = host.flannel
                config = {"network": "10.42.0.0/16", "subnet": flannel["subnet"], "vtep_mac": flannel["vtep_mac"],
                          "pods": flannel.get("pods", []), "peers": flannel.get("peers", [])}
                changed = docker.write_file(host.name, "/usr/local/sbin/k3s-flannel-standin",
                                            (FILES / "k3s-flannel-standin.py").read_text(), mode="0755")
                changed |= docker.write_file(host.name, "/etc/netpath-lab/flannel.json",
                                             json.dumps(config, indent=2) + "\n")
                changed |= docker.write_file(host.name, f"/etc/systemd/system/{flannel['service']}.service",
                                             STANDIN_UNIT.format(service=flannel["service"]))
                self._kubectl_standin(host)
                self._unit(host, flannel["service"], changed)

    def _kubectl_standin(self, host: Host) -> None:
        """kubectl (LAB MOCK, lab/files/kubectl-standin.py) and its recording of the whole cluster."""
        docker.write_file(host.name, "/usr/local/bin/kubectl", (FILES / "kubectl-standin.py").read_text(), mode="0755")
        docker.write_file(host.name, KUBECONFIG, KUBECONFIG_STANDIN)
        if docker.write_file(host.name, "/etc/netpath-lab/kube-recording.json",
                             json.dumps(kube_recording(self.topo), indent=2) + "\n"):
            docker.exec_in(host.name, ["rm", "-f", "/run/netpath-lab/kube-state.json"])

    def _unit(self, host: Host, unit: str, changed: bool) -> None:
        if changed:
            docker.exec_in(host.name, ["systemctl", "daemon-reload"])
        active = docker.exec_in(host.name, ["systemctl", "is-active", unit], check=False).stdout.strip()
        if changed or active != "active":
            docker.exec_in(host.name, ["systemctl", "enable", unit], check=False)
            proc = docker.exec_in(host.name, ["systemctl", "restart", unit], check=False)
            if proc.returncode != 0:
                journal = docker.exec_in(host.name, ["journalctl", "-u", unit, "-n", "20", "--no-pager"],
                                         check=False).stdout
                raise LabError(f"{host.name}: {unit} failed to start\n{journal}")
            self.changes.append(f"{host.name}: {unit} (re)started")

    def _wait_ready(self, timeout: float = 30) -> None:
        """Each WireGuard peer answers through its tunnel (which also completes the handshake).

        A tunnel that stays silent gets one restart of wg-quick on both ends: twice in about
        ten bring-ups of a 20-host star right after another was removed, the hub's tunnel stayed
        silent for 30 s, and the state of both ends goes into the log and the error.
        """
        for host in self.topo.hosts.values():
            for wg in host.wireguard:
                for peer in wg["peers"]:
                    target = str(ipaddress.ip_network(peer["allowed_ips"][0], strict=False).network_address)
                    if _answers(host.name, target, timeout):
                        continue
                    ends = [(host.name, wg["name"])] + [(peer["host"], other["name"])
                                                        for other in self.topo.hosts[peer["host"]].wireguard]
                    state = "; ".join(_wireguard_state(name, ifname) for name, ifname in ends)
                    self.log(f"{host.name}: no answer from {peer['host']} ({target}) through {wg['name']} in "
                             f"{timeout:.0f} s ({state}); restarting wg-quick on both ends")
                    for name, ifname in ends:
                        docker.exec_in(name, ["systemctl", "restart", f"wg-quick@{ifname}"], check=False)
                    if not _answers(host.name, target, timeout):
                        state = "; ".join(_wireguard_state(name, ifname) for name, ifname in ends)
                        raise LabError(f"{host.name}: no answer from {peer['host']} ({target}) through {wg['name']} "
                                       f"in {timeout:.0f} s, nor after restarting wg-quick on both ends ({state})")
                    self.changes.append(f"{host.name}, {peer['host']}: wg-quick restarted (tunnel was silent)")


def _answers(name: str, target: str, timeout: float) -> bool:
    """`target` answers a ping from `name` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while docker.exec_in(name, ["ping", "-c", "1", "-W", "1", target], check=False).returncode != 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def _wireguard_state(name: str, ifname: str) -> str:
    """The unit's state and how many peers have had a handshake, from `wg show IF latest-handshakes`
    (one tab-separated line per peer: public key, seconds since the epoch or 0)."""
    unit = docker.exec_in(name, ["systemctl", "is-active", f"wg-quick@{ifname}"], check=False).stdout.strip()
    shown = docker.exec_in(name, ["wg", "show", ifname, "latest-handshakes"], check=False)
    peers = [line.split("\t") for line in shown.stdout.splitlines() if "\t" in line]
    done = sum(1 for fields in peers if fields[-1].strip() not in ("", "0"))
    return f"{name}: wg-quick@{ifname} {unit or 'unknown'}, {done} of {len(peers)} peers with a handshake"


def _sysctl(name: str, values: dict) -> None:
    docker.exec_in(name, ["sysctl", "-q", "-w", *[f"{k}={v}" for k, v in values.items()]])


def _ip_json(name: str, args: list[str]) -> list[dict]:
    out = docker.exec_in(name, ["ip", "-j", *args]).stdout
    return json.loads(out) if out.strip() else []


def _has_link(name: str, ifname: str) -> bool:
    return docker.exec_in(name, ["ip", "link", "show", "dev", ifname], check=False).returncode == 0


def up(topologies: list[Topology], image: str, log=print) -> dict[str, list[str]]:
    return {topo.name: Bringup(topo, image, log).run() for topo in topologies}


def down(topologies: list[Topology]) -> dict[str, list[str]]:
    removed = {}
    for topo in topologies:
        names = sorted(set(docker.lab_containers(topo.name)) |
                       {h for h in topo.hosts if docker.container_state(h) is not None
                        and _owned(h, topo.name)})
        docker.remove_containers(names)
        removed[topo.name] = names
    return removed


def _owned(name: str, topology: str) -> bool:
    labels = (docker.container_state(name) or {}).get("Config", {}).get("Labels") or {}
    return labels.get(docker.LABEL_TOPOLOGY) == topology or labels.get("owner") == "molecule"
