"""CNI configs (the real files each CNI writes, fixtures/cni) and pod veths: which CNI, which MTU,
and a finding when the pods' MTU is more than the uplink carries once the CNI has encapsulated it."""

import json
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import cni, findings, gather, parsers, topology

FIXTURES = Path(__file__).parent / "fixtures" / "cni"


def ip_link(name, mtu, kind=None, data=None):
    entry = {"ifname": name, "mtu": mtu, "operstate": "UP", "addr_info": []}
    if kind:
        entry["linkinfo"] = {"info_kind": kind, "info_data": data or {}}
    return entry


def node(config_file, uplink_mtu, *devices):
    """The facts of a node with `config_file` in /etc/cni/net.d, eth0 its uplink and default route."""
    links = parsers.links(json.dumps([ip_link("eth0", uplink_mtu)] + list(devices)))
    topology.annotate(links, {}, {}, "eth0")
    configs = [parsers.cni_config(config_file, (FIXTURES / config_file).read_text())]
    return {"interfaces": links, "chains": topology.chains(links), "cni": cni.summarize(configs, links, "eth0")}


def vxlan(name, port=4789):
    return ip_link(name, 1450, "vxlan", {"id": 4096, "port": port, "link": "eth0"})


def cni_findings(facts):
    return [f for f in findings.evaluate(facts, [], "h") if "cni" in f["evidence"]]


@pytest.mark.parametrize(("config", "plugin", "mtu"), [
    ("10-calico.conflist", "calico", 1440), ("10-canal.conflist", "canal", None),
    ("10-flannel.conflist", "flannel", None), ("05-cilium.conflist", "cilium", None),
    ("10-weave.conflist", "weave", None)])
def test_each_cnis_own_file_is_known(config, plugin, mtu):
    parsed = parsers.cni_config(config, (FIXTURES / config).read_text())
    assert (cni.identify(parsed), parsed["mtu"]) == (plugin, mtu)


def test_a_file_that_is_not_json_is_named_not_fatal():
    facts = cni.summarize([parsers.cni_config("99-broken.conf", "{not json")], {}, None)
    assert facts["configs"][0]["error"].startswith("not JSON") and facts["active"] is None


def test_calico_vxlan_over_a_1450_uplink_with_the_default_1440_is_named():
    facts = node("10-calico.conflist", 1450, vxlan("vxlan.calico"), ip_link("cali3f1a2b4c5d6", 1440, "veth"))
    assert facts["cni"]["encapsulation"] == {"device": "vxlan.calico", "kind": "vxlan", "family": None,
                                             "overhead": 50}
    (finding,) = cni_findings(facts)
    assert (finding["id"], finding["interface"]) == ("mtu_exceeds_underlay", "cali3f1a2b4c5d6")
    evidence = finding["evidence"]
    got = (evidence["cni"], evidence["cni_mtu"], evidence["max_mtu"], evidence["uplink"])
    assert got == ("calico", 1440, 1400, "eth0")
    assert evidence["config"] == "/etc/cni/net.d/10-calico.conflist"
    assert "calico-node" in finding["fix"]["manual"] and finding["fix"]["actions"] == []


def test_calico_ipip_within_the_uplink_is_quiet():
    facts = node("10-calico.conflist", 1500, ip_link("tunl0", 1480, "ipip"), ip_link("cali3f1a2b4c5d6", 1440, "veth"))
    assert facts["cni"]["max_mtu"] == 1480 and cni_findings(facts) == []


def test_canal_auto_mtu_is_read_from_its_pods_veths():
    facts = node("10-canal.conflist", 1450, vxlan("flannel.1", 8472), ip_link("calia0b1c2d3e4f", 1450, "veth"),
                 ip_link("calib0b1c2d3e4f", 1400, "veth"))
    assert (facts["cni"]["mtu"], facts["cni"]["mtu_source"]) == (1450, "pod veths")
    (finding,) = cni_findings(facts)
    assert finding["evidence"]["pod_veths_over"] == {"calia0b1c2d3e4f": 1450}
    assert "canal-config" in finding["fix"]["manual"]


def test_cilium_vxlan_pods_at_the_uplinks_mtu_are_named():
    facts = node("05-cilium.conflist", 1500, ip_link("cilium_vxlan", 1500, "vxlan", {"port": 8472}),
                 ip_link("lxc12ab34cd56ef", 1500, "veth"), ip_link("cali0000000000", 1500, "veth"))
    (finding,) = cni_findings(facts)
    assert (finding["evidence"]["cni"], finding["evidence"]["max_mtu"]) == ("cilium", 1450)
    assert finding["evidence"]["pod_veths_over"] == {"lxc12ab34cd56ef": 1500}  # not Calico's prefix
    assert "cilium-config" in finding["fix"]["manual"]


@pytest.mark.parametrize(("config", "devices"), [
    ("10-flannel.conflist", [vxlan("flannel.1", 8472), ip_link("veth0a1b2c3d", 1450, "veth")]),
    ("10-weave.conflist", [ip_link("vxlan-6784", 65485, "vxlan", {"port": 6784}),
                           ip_link("vethwepl1234", 1376, "veth")]),
])
def test_flannel_and_weave_at_their_own_defaults_are_quiet(config, devices):
    assert cni_findings(node(config, 1500, *devices)) == []


def test_weave_above_its_vxlan_is_named_with_weaves_setting():
    facts = node("10-weave.conflist", 1450, ip_link("vxlan-6784", 65485, "vxlan", {"port": 6784}),
                 ip_link("vethwepl1234", 1450, "veth"))
    (finding,) = cni_findings(facts)
    assert "WEAVE_MTU" in finding["fix"]["manual"] and finding["evidence"]["max_mtu"] == 1400


def test_no_cni_no_facts_of_it():
    assert cni.summarize([], {}, "eth0")["present"] is False


class Disk(gather.Gatherer):
    """mtu_facts' reading of a node whose files are `files` (path -> text), eth0 its default route."""

    def __init__(self, files):
        super().__init__(module=None)
        self.files = files

    def exists(self, path):
        return any(p == path or p.startswith(path + "/") for p in self.files)

    def list_dir(self, path):
        return sorted(p[len(path) + 1:] for p in self.files if p.startswith(path + "/"))

    def read(self, path):
        return self.files[path]

    def default_dev(self):
        return "eth0"


def k3s_node(*extra):
    k3s_file = cni.K3S_CNI_DIR + "/10-flannel.conflist"
    files = {k3s_file: (FIXTURES / "k3s" / "10-flannel.conflist").read_text()}
    files.update((cni.CNI_DIR + "/" + name, (FIXTURES / name).read_text()) for name in extra)
    links = parsers.links(json.dumps([ip_link("eth0", 1450), vxlan("flannel.1", 8472),
                                      ip_link("veth0a1b2c3d", 1450, "veth")]))
    topology.annotate(links, {}, {}, "eth0")
    return Disk(files).cni(links)


def test_k3s_keeps_its_cni_config_under_var_lib_rancher_and_it_is_read():
    facts = k3s_node()
    assert (facts["present"], facts["dir"], facts["active"], facts["plugin"]) == (
        True, "/var/lib/rancher/k3s/agent/etc/cni/net.d", "10-flannel.conflist", "flannel")
    assert (facts["mtu"], facts["mtu_source"], facts["max_mtu"]) == (1450, "pod veths", 1400)
    (finding,) = cni_findings({"cni": facts, "interfaces": {}})
    assert finding["evidence"]["config"] == "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist"


def test_on_a_k3s_node_k3s_own_config_wins_over_a_leftover_in_etc():
    facts = k3s_node("10-calico.conflist")
    assert [(c["dir"], c["file"]) for c in facts["configs"]] == [
        (cni.K3S_CNI_DIR, "10-flannel.conflist"), (cni.CNI_DIR, "10-calico.conflist")]
    assert (facts["dir"], facts["plugin"]) == (cni.K3S_CNI_DIR, "flannel")
