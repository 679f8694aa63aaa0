# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kubernetes CNIs as a node shows them: the configs in /etc/cni/net.d (and k3s's own directory), the
pod veths, and the encapsulation each CNI puts between the pods and the node's uplink.

Plain functions on parsed data (parsers.cni_config and the annotated interfaces).
"""

from ansible_collections.netpath.mtu.plugins.module_utils import encap

CNI_DIR = "/etc/cni/net.d"
# k3s's embedded containerd reads its CNI configs here (k3s: pkg/agent/config, CNIConfDir), not in
# CNI_DIR; where both hold configs, the k3s one is in use on a k3s node (k3s runs its own containerd).
K3S_CNI_DIR = "/var/lib/rancher/k3s/agent/etc/cni/net.d"
# The directories read, the one whose configs are in use first.
CNI_DIRS = (K3S_CNI_DIR, CNI_DIR)
# What a config's file names the container runtime reads (libcni: .conf, .conflist, .json).
CONFIG_SUFFIXES = (".conflist", ".conf", ".json")
# The plugin type each CNI writes into its conflist -> the CNI. Canal writes Calico's plugin.
PLUGIN_TYPES = {"calico": "calico", "flannel": "flannel", "cilium-cni": "cilium", "weave-net": "weave"}
# The host ends of the pods' veths, by the prefix each CNI names them with.
POD_VETH_PREFIXES = {"calico": ("cali",), "canal": ("cali",), "cilium": ("lxc",), "flannel": ("veth",),
                     "weave": ("vethwepl",)}
# The devices each CNI encapsulates pod traffic with -> the kind in encap.OVERHEAD. Where several are
# up (Calico IPIP and VXLAN pools) pods must fit the one that adds most.
ENCAP_DEVICES = {
    "calico": {"tunl0": "ipip", "vxlan.calico": "vxlan", "vxlan-v6.calico": "vxlan", "wireguard.cali": "wireguard",
               "wg-v6.cali": "wireguard"},
    "canal": {"flannel.1": "vxlan"},
    "cilium": {"cilium_vxlan": "vxlan", "cilium_geneve": "geneve", "cilium_wg0": "wireguard"},
    "flannel": {"flannel.1": "vxlan", "flannel-wg": "wireguard", "flannel-v6.1": "vxlan", "flannel-wg-v6": "wireguard"},
    "weave": {"vxlan-6784": "vxlan"},
}
# Where each CNI keeps its MTU and what takes a new one: the fix is a human's (the cluster's
# manifests or operator own these settings, and pods take a new MTU only when made anew).
FIXES = {
    "calico": "set the MTU in Calico's config (operator: Installation spec.calicoNetwork.mtu; manifest: veth_mtu "
              "in the calico-config ConfigMap) to the uplink's MTU less the encapsulation, restart the calico-node "
              "DaemonSet, then recreate the pods (a pod keeps the MTU its veth was made with)",
    "canal": "set veth_mtu in the canal-config ConfigMap to the uplink's MTU less flannel's VXLAN (50), restart the "
             "canal DaemonSet, then recreate the pods",
    "cilium": "set mtu in the cilium-config ConfigMap (Helm value MTU) to the uplink's MTU less the tunnel, restart "
              "the cilium DaemonSet (kubectl -n kube-system rollout restart ds/cilium), then recreate the pods",
    "flannel": "flannel takes its MTU from the interface it binds (--iface / flannel-iface) less its backend: "
               "bind the right interface or set its MTU, restart flannel (the kube-flannel DaemonSet, or k3s) so "
               "that /run/flannel/subnet.env is written anew, then recreate the pods",
    "weave": "set WEAVE_MTU on the weave-net DaemonSet to the uplink's MTU less the encapsulation, let the "
             "DaemonSet restart, then recreate the pods",
}


def identify(config):
    """Which CNI a parsed config (parsers.cni_config) is: calico, canal, cilium, flannel, weave or other."""
    types = config.get("plugins") or []
    for plugin_type in types:
        name = PLUGIN_TYPES.get(plugin_type)
        if name == "calico" and "canal" in (config.get("file") or ""):
            return "canal"  # Canal installs Calico's plugin as 10-canal.conflist
        if name:
            return name
    return "other"


def summarize(configs, links, default_dev):
    """The `cni` facts: every config, the one in use, its pods' veths, its encapsulation and the
    largest MTU that fits the uplink beneath it.

    configs: parsed configs, each with the `dir` it was read from (CNI_DIR when none is given). The
    one in use is the first by file name (as the runtime picks) in the first of CNI_DIRS that
    holds a readable one.
    """
    for config in configs:
        config.setdefault("dir", CNI_DIR)
    result = {"present": bool(configs), "dir": CNI_DIR, "configs": configs, "active": None, "plugin": None,
              "mtu": None, "mtu_source": None, "pod_veths": {}, "encapsulation": None, "uplink": None,
              "uplink_mtu": None, "max_mtu": None}
    usable = [c for c in configs if not c.get("error")]
    if not usable:
        return result
    order = dict((d, i) for i, d in enumerate(CNI_DIRS))
    active = sorted(usable, key=lambda c: (order.get(c["dir"], len(order)), c["file"]))[0]
    plugin = identify(active)
    result.update(dir=active["dir"], active=active["file"], plugin=plugin)
    prefixes = POD_VETH_PREFIXES.get(plugin, ())
    result["pod_veths"] = dict((name, link["mtu"]) for name, link in sorted(links.items())
                               if link["kind"] == "veth" and name.startswith(prefixes))
    if isinstance(active.get("mtu"), int):
        result["mtu"], result["mtu_source"] = active["mtu"], "config"
    elif result["pod_veths"]:
        result["mtu"], result["mtu_source"] = max(result["pod_veths"].values()), "pod veths"
    devices = [(name, kind) for name, kind in sorted(ENCAP_DEVICES.get(plugin, {}).items()) if name in links]
    if devices:
        name, kind = max(devices, key=lambda d: encap.overhead(d[1], links[d[0]].get("outer_family")))
        family = links[name].get("outer_family")
        uplink = links[name].get("underlay") or default_dev
        result["encapsulation"] = {"device": name, "kind": kind, "family": family,
                                   "overhead": encap.overhead(kind, family)}
    else:
        uplink = default_dev  # native routing: pods' packets leave as they are
    if uplink in links:
        result["uplink"], result["uplink_mtu"] = uplink, links[uplink]["mtu"]
        overhead = (result["encapsulation"] or {}).get("overhead") or 0
        result["max_mtu"] = links[uplink]["mtu"] - overhead
    return result
