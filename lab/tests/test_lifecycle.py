"""The lab's bring-up on real containers: idempotent up and down, re-plugging after a reboot,
and a failed bring-up that leaves nothing behind. Needs the Docker engine (scripts/bootstrap)."""

import json
import subprocess

import pytest

from netpath_lab import build, docker, model

HOSTS = ("lt-a", "lt-b")


def description(rule="-p icmp --icmp-type fragmentation-needed -j DROP"):
    shipped = model.load()
    return {
        "image": {"suite": shipped.image_suite, "packages": list(shipped.image_packages)},
        "topologies": {
            "lifecycle": {
                "seed": "none",
                "hosts": {
                    "lt-a": {"firewall": [{"family": "ipv4", "table": "filter", "chain": "OUTPUT",
                                           "rule": rule, "why": "test"}]},
                    "lt-b": {},
                },
                "links": [{"mtu": 1400, "ends": [{"host": "lt-a", "ifname": "eth0", "addresses": ["10.250.0.1/24"]},
                                                 {"host": "lt-b", "ifname": "eth0", "addresses": ["10.250.0.2/24"]}]}],
                "checks": [],
            }
        },
    }


def host_links():
    return sorted(link["ifname"] for link in json.loads(subprocess.check_output(["ip", "-j", "link", "show"])))


@pytest.fixture(scope="module")
def image():
    shipped = model.load()
    return docker.ensure_image(shipped.image_suite, shipped.image_packages)


@pytest.fixture
def topology():
    topo = model.parse(description()).topologies["lifecycle"]
    build.down([topo])
    yield topo
    build.down([topo])
    assert docker.lab_containers("lifecycle") == []


def test_up_is_idempotent_and_down_removes_everything(image, topology):
    links_before = host_links()
    first = build.up([topology], image, log=lambda m: None)["lifecycle"]
    assert "lt-a: created" in first and "lt-a:eth0 <-> lt-b:eth0 plugged (MTU 1400)" in first
    assert docker.exec_in("lt-a", ["ping", "-c", "1", "-W", "2", "10.250.0.2"], check=False).returncode == 0
    assert json.loads(docker.exec_in("lt-b", ["ip", "-j", "link", "show", "eth0"]).stdout)[0]["mtu"] == 1400
    assert build.up([topology], image, log=lambda m: None)["lifecycle"] == []
    assert build.down([topology])["lifecycle"] == list(HOSTS)
    assert build.down([topology])["lifecycle"] == []
    assert host_links() == links_before, "a veth was left in the machine's own namespace"


def test_up_plugs_the_cables_again_after_a_reboot(image, topology):
    build.up([topology], image, log=lambda m: None)
    docker.run(["docker", "restart", "lt-a"])
    changes = build.up([topology], image, log=lambda m: None)["lifecycle"]
    assert "lt-a:eth0 <-> lt-b:eth0 plugged (MTU 1400)" in changes
    assert docker.exec_in("lt-a", ["ping", "-c", "1", "-W", "2", "10.250.0.2"], check=False).returncode == 0
    rules = docker.exec_in("lt-a", ["iptables", "-S", "OUTPUT"]).stdout
    assert rules.count("-j DROP") == 1


def test_a_failed_bring_up_removes_what_it_created(image, topology):
    broken = model.parse(description(rule="-p icmp -j NO_SUCH_TARGET")).topologies["lifecycle"]
    links_before = host_links()
    with pytest.raises(model.LabError, match="NO_SUCH_TARGET"):
        build.up([broken], image, log=lambda m: None)
    assert docker.lab_containers("lifecycle") == []
    assert all(docker.container_state(name) is None for name in HOSTS)
    assert host_links() == links_before


def test_a_foreign_container_with_a_lab_name_is_not_touched(image, topology):
    docker.run(["docker", "run", "--detach", "--name", "lt-a", "--network", "none", image, "sleep", "60"])
    try:
        with pytest.raises(model.LabError, match="container lt-a exists and is not the lab's"):
            build.up([topology], image, log=lambda m: None)
        assert docker.container_state("lt-a")["State"]["Running"]
        assert docker.container_state("lt-b") is None
    finally:
        docker.remove_containers(["lt-a"])


def wireguard_description():
    tunnel = {"addresses": None, "listen_port": 51820, "mtu": 1340, "name": "wg0"}
    base = description()
    hosts = base["topologies"]["lifecycle"]["hosts"]
    hosts["lt-a"] = {"wireguard": [dict(tunnel, addresses=["10.251.0.1/24"], peers=[
        {"host": "lt-b", "endpoint": "10.250.0.2:51820", "allowed_ips": ["10.251.0.2/32"]}])]}
    hosts["lt-b"] = {"wireguard": [dict(tunnel, addresses=["10.251.0.2/24"], peers=[
        {"host": "lt-a", "endpoint": "10.250.0.1:51820", "allowed_ips": ["10.251.0.1/32"]}])]}
    return base


def test_a_silent_tunnel_gets_one_restart_of_wg_quick_on_both_ends(image, topology):
    wired = model.parse(wireguard_description()).topologies["lifecycle"]
    build.up([wired], image, log=lambda m: None)
    docker.exec_in("lt-b", ["systemctl", "stop", "wg-quick@wg0"])
    logged = []
    bringup = build.Bringup(wired, image, logged.append)
    bringup._wait_ready(timeout=3)
    assert "wg-quick@wg0 inactive" in logged[0] and "restarting wg-quick on both ends" in logged[0]
    assert bringup.changes == ["lt-a, lt-b: wg-quick restarted (tunnel was silent)"]
    assert docker.exec_in("lt-a", ["ping", "-c", "1", "-W", "2", "10.251.0.2"], check=False).returncode == 0

    # A tunnel that a restart does not mend fails, with the state of both ends.
    docker.exec_in("lt-b", ["iptables", "-I", "INPUT", "-p", "udp", "--dport", "51820", "-j", "DROP"])
    with pytest.raises(model.LabError, match=r"nor after restarting wg-quick on both ends \(lt-a: wg-quick@wg0 active"):
        build.Bringup(wired, image, lambda m: None)._wait_ready(timeout=3)
