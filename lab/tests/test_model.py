"""The lab description: what it accepts, what it refuses (naming the field), what it derives."""

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml

from netpath_lab import __main__ as cli
from netpath_lab import docker, model

LAB = Path(__file__).resolve().parent.parent
REPO = LAB.parent


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((LAB / "topologies.yml").read_text())


def parse_with(raw, edit):
    data = copy.deepcopy(raw)
    edit(data)
    return model.parse(data)


def test_the_shipped_description_is_valid(raw):
    lab = model.parse(raw)
    assert set(lab.topologies) == {"wg_blackhole", "cloud_overlay", "k3s_double_tunnel", "probe_paths", "cni_calico",
                                     "healthy"}
    assert lab.topologies["wg_blackhole"].seed == "001"
    assert lab.host("co-app").audit is False
    assert lab.host("co-node").audit is True


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["topologies"]["wg_blackhole"]["links"][1].update(mtu=40),
         "topologies.wg_blackhole.links[1].mtu: MTU 40 is not an integer in 68..65535"),
        (lambda d: d["topologies"]["wg_blackhole"]["links"][0]["ends"][0].update(ifname="eth0;reboot"),
         "topologies.wg_blackhole.links[0].ends[0].ifname: interface name 'eth0;reboot'"),
        (lambda d: d["topologies"]["wg_blackhole"]["links"][0]["ends"][0].update(host="nowhere"),
         "topologies.wg_blackhole.links[0].ends[0].host: 'nowhere' is not a host of this topology"),
        (lambda d: d["topologies"]["wg_blackhole"]["links"][0]["ends"][0].update(addresses=["10.1.0.2"]),
         "topologies.wg_blackhole.links[0].ends[0].addresses[0]: '10.1.0.2' needs a prefix length"),
        (lambda d: d["topologies"]["wg_blackhole"]["hosts"]["wg-router"].update(colour="red"),
         "topologies.wg_blackhole.hosts.wg-router.colour: unknown field"),
        (lambda d: d["topologies"]["wg_blackhole"]["hosts"]["wg-router"]["firewall"][0].update(family="ipx"),
         "topologies.wg_blackhole.hosts.wg-router.firewall[0].family: 'ipx'; allowed: ipv4, ipv6"),
        (lambda d: d["topologies"]["wg_blackhole"]["hosts"]["wg-site-a"]["wireguard"][0].update(listen_port=0),
         "topologies.wg_blackhole.hosts.wg-site-a.wireguard[0].listen_port: 0 is not a port number"),
        (lambda d: d["topologies"]["wg_blackhole"]["hosts"]["wg-site-a"]["wireguard"][0]["peers"][0]
         .update(host="k3s-agent"),
         "topologies.wg_blackhole.hosts.wg-site-a.wireguard[0].peers[0].host: 'k3s-agent' is not a host"),
        (lambda d: d["topologies"]["wg_blackhole"]["hosts"]["wg-site-a"].update(services=["ftp"]),
         "topologies.wg_blackhole.hosts.wg-site-a.services[0]: 'ftp'; allowed: http, flannel_standin"),
        (lambda d: d["topologies"]["wg_blackhole"]["checks"][0].update(kind="traceroute"),
         "topologies.wg_blackhole.checks[0].kind: 'traceroute'; allowed: ping, http_get, http_post, pod_mtu"),
        (lambda d: d["topologies"]["wg_blackhole"]["checks"][2].update(as_built="slow"),
         "topologies.wg_blackhole.checks[2].as_built: 'slow'; allowed: works, completes, stalls, fails"),
        (lambda d: d["topologies"]["healthy"]["hosts"].update({"wg-router": {}}),
         "topologies.healthy.hosts.wg-router: already a host of topology wg_blackhole"),
        (lambda d: d["topologies"]["healthy"]["links"][0].update(ends=[{"host": "healthy", "ifname": "eth0"}]),
         "topologies.healthy.links[0].ends: a link has exactly 2 ends, got 1"),
        (lambda d: d["topologies"]["cloud_overlay"]["links"][0]["ends"][1].update(bridge="br9"),
         "topologies.cloud_overlay.links[0].ends[1].bridge: 'br9' is not a bridge declared on co-node"),
        (lambda d: d["topologies"]["cloud_overlay"]["hosts"]["co-node"]["routes"][0].update(via="gateway"),
         "topologies.cloud_overlay.hosts.co-node.routes[0].via: 'gateway' is not an address"),
        (lambda d: d["topologies"]["k3s_double_tunnel"]["hosts"]["k3s-server"]["flannel"].update(service="k8s"),
         "topologies.k3s_double_tunnel.hosts.k3s-server.flannel.service: 'k8s'; allowed: k3s, k3s-agent"),
        (lambda d: d["image"].update(packages=["systemd", "rm -rf"]),
         "image.packages: expected a list of Debian package names"),
        (lambda d: d.update(extra=1), "description.extra: unknown field"),
    ],
)
def test_a_malformed_description_names_the_bad_field(raw, edit, message):
    with pytest.raises(model.LabError) as caught:
        parse_with(raw, edit)
    assert message in str(caught.value)


def test_an_unknown_topology_is_refused_with_the_known_ones(raw):
    lab = model.parse(raw)
    known = "cloud_overlay, cni_calico, healthy"
    with pytest.raises(model.LabError, match=r"unknown topology 'wg_blackhol'; known: " + known):
        lab.select(["wg_blackhol"])
    assert [t.name for t in lab.select([])] == list(lab.topologies)


def test_the_cli_refuses_an_unknown_topology_before_touching_docker(capsys, monkeypatch):
    def no_docker(*args, **kwargs):
        raise AssertionError("docker was called")

    monkeypatch.setattr(docker, "run", no_docker)
    assert cli.main(["up", "nosuch"]) == 2
    assert "unknown topology 'nosuch'" in capsys.readouterr().err


def test_the_cli_reports_an_unreadable_description(capsys, tmp_path):
    assert cli.main(["--description", str(tmp_path / "missing.yml"), "validate"]) == 2
    assert "cannot read the lab description" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("topologies: [\n")
    assert cli.main(["--description", str(bad), "validate"]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_the_image_tag_follows_the_package_list():
    assert docker.image_tag("bookworm", ("a", "b")) == docker.image_tag("bookworm", ("b", "a"))
    assert docker.image_tag("bookworm", ("a", "b")) != docker.image_tag("bookworm", ("a", "b", "c"))
    assert docker.image_tag("bookworm", ("a",)) != docker.image_tag("trixie", ("a",))


def test_a_host_digest_changes_with_its_own_description_only(raw):
    lab = model.parse(raw)
    before = {name: h.spec_digest(t.links) for t in lab.topologies.values() for name, h in t.hosts.items()}
    changed = parse_with(raw, lambda d: d["topologies"]["wg_blackhole"]["links"][1].update(mtu=1380))
    after = {name: h.spec_digest(t.links) for t in changed.topologies.values() for name, h in t.hosts.items()}
    assert {name for name in before if before[name] != after[name]} == {"wg-router", "wg-site-b"}


def test_the_inventory_groups_hosts_by_topology_and_keeps_workloads_apart(raw):
    lab = model.parse(raw)
    inventory = cli._inventory(lab, lab.select([]))
    groups = inventory["all"]["children"]["lab"]["children"]
    assert list(groups["wg_blackhole"]["hosts"]) == ["wg-site-a", "wg-router", "wg-site-b"]
    assert list(groups["cloud_overlay_workloads"]["hosts"]) == ["co-app"]
    assert "co-app" not in groups["cloud_overlay"]["hosts"]
    assert inventory["all"]["vars"]["ansible_connection"] == "community.docker.docker"
    # several topologies, several networks: no automatic probe targets across them
    assert inventory["all"]["children"]["lab"]["vars"] == {"netpath_probe_auto": False}
    assert "vars" not in cli._inventory(lab, lab.select(["healthy"]))["all"]["children"]["lab"]


SCENARIOS = sorted(p.parent.name for p in (REPO / "extensions/molecule").glob("*/molecule.yml"))


def test_molecule_makes_every_scenarios_containers_with_the_lab_spec():
    """One base config (extensions/molecule/config.yml) creates every scenario's hosts from CONTAINER_SPEC."""
    base = yaml.safe_load((REPO / "extensions/molecule/config.yml").read_text())
    assert base["driver"]["name"] == "docker"
    assert base["provisioner"]["playbooks"] == {"create": "../shared/create.yml", "prepare": "../shared/lab_up.yml"}
    create = (REPO / "extensions/molecule/shared/create.yml").read_text()
    assert "d.CONTAINER_SPEC" in create
    for key in docker.CONTAINER_SPEC:
        assert f"netpath_lab_spec.{key}" in create, key


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenarios_name_whole_topologies_and_nothing_else_of_their_hosts(raw, scenario):
    """A scenario's platforms are the lab's hosts by name and group; how they are made is the base config's."""
    config = yaml.safe_load((REPO / "extensions/molecule" / scenario / "molecule.yml").read_text())
    lab = model.parse(raw)
    names = []
    for platform in config["platforms"]:
        names.append(platform["name"])
        assert set(platform) == {"name", "groups"}, f"{platform['name']}: its options belong in ../config.yml"
        host = lab.host(platform["name"])
        expected = host.topology if host.audit else f"{host.topology}_workloads"
        # its topology's group first; a scenario may add groups of its own (k3s-ansible's server/agent)
        assert platform["groups"][0] == expected
    assert "driver" not in config, "the driver is ../config.yml's"
    # A scenario takes whole topologies: the ones its provisioner brings up.
    topologies = config["provisioner"]["env"]["NETPATH_LAB_TOPOLOGIES"].split()
    assert sorted(names) == sorted(h for t in topologies for h in lab.topologies[t].hosts)
    if scenario == "lab":
        assert sorted(topologies) == sorted(lab.topologies)


def _standin():
    spec = importlib.util.spec_from_file_location("standin", LAB / "files" / "k3s-flannel-standin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("config", "iface"),
    [
        ("node-ip: 100.64.0.1\nflannel-iface: tailscale0\n", "tailscale0"),
        ("flannel-iface: 'eth0'  # moved off the tunnel\n", "eth0"),
        ('flannel-iface: "ens3"\n', "ens3"),
        ("node-ip: 10.0.0.1\n", None),
        ("", None),
    ],
)
def test_the_stand_in_reads_flannel_iface_like_k3s(config, iface):
    assert _standin().flannel_iface(config) == iface


def test_the_stand_in_derives_flannels_mtu():
    standin = _standin()
    assert standin.flannel_mtu(1280) == 1230  # seed 000, broken: VXLAN over tailscale0
    assert standin.flannel_mtu(1500) == 1450  # seed 000, fixed: VXLAN over eth0
    assert standin.flannel_mtu(1500, family=6) == 1430
