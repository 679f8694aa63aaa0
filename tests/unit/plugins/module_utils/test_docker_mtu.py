"""Docker's MTU: daemon.json, the networks report and how a network is made again (module_utils/docker_mtu.py),
the docker parsers, mtu_facts' docker part and the docker_* filters.

fixtures/docker_network_inspect.json is `docker network inspect` of every network on the lab's co-node with
Docker 20.10 running: after `docker swarm init`, user bridges made with MTU 1500, 1400 and none, overlays made
with 1400 and none, the ingress network made again with 1450, and the daemon restarted with "mtu": 1450.
"""

import json
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.docker_daemon_json import docker_daemon_json
from ansible_collections.netpath.mtu.plugins.filter.docker_network_recreate import docker_network_recreate
from ansible_collections.netpath.mtu.plugins.filter.docker_networks_too_big import docker_networks_too_big
from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu, gather, parsers

FIXTURES = Path(__file__).parent / "fixtures"
INSPECT = (FIXTURES / "docker_network_inspect.json").read_text()


def networks():
    return parsers.docker_networks(INSPECT)


def by_name(nets, name):
    return next(n for n in nets if n["name"] == name)


# --- daemon.json ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "settings"), [
    ('{"log-driver": "json-file"}', {"log-driver": "json-file"}),
    ("", {}),
    ("  \n", {}),
    ('{"mtu": 1450, "log-opts": {"max-size": "10m"}}', {"mtu": 1450, "log-opts": {"max-size": "10m"}}),
])
def test_daemon_json_is_read(text, settings):
    assert parsers.docker_daemon_json(text) == settings


@pytest.mark.parametrize(("text", "message"), [
    ('{"log-driver": "json-file",}', r"not JSON: .*line 1 column 28"),
    ("mtu: 1450\n", r"not JSON: Expecting value: line 1 column 1"),
    ('{"mtu": 1400, "mtu": 1450}', 'the key "mtu" appears twice'),
    ('{"log-opts": {"a": 1, "a": 2}}', 'the key "a" appears twice'),
    ("[1450]", r"not a JSON object \(\{...\}\) but a JSON list"),
])
def test_daemon_json_that_dockerd_would_not_take_is_refused(text, message):
    with pytest.raises(parsers.ParseError, match=message):
        parsers.docker_daemon_json(text)


def test_the_mtu_is_merged_and_every_other_setting_kept_in_order():
    text = '{"log-driver": "json-file", "storage-driver": "vfs", "log-opts": {"max-size": "10m"}}\n'
    change = docker_mtu.daemon_json_change(text, 1450)
    assert change["changed"] and change["error"] is None and change["previous_mtu"] is None
    assert json.loads(change["content"]) == {"log-driver": "json-file", "storage-driver": "vfs",
                                             "log-opts": {"max-size": "10m"}, "mtu": 1450}
    assert list(json.loads(change["content"])) == ["log-driver", "storage-driver", "log-opts", "mtu"]
    assert change["content"].endswith("}\n")
    # an MTU already there is replaced where it is
    change = docker_mtu.daemon_json_change('{"mtu": 1500, "debug": true}', 1450)
    assert change["previous_mtu"] == 1500 and list(json.loads(change["content"])) == ["mtu", "debug"]


def test_a_file_with_the_mtu_already_is_left_as_it_is_whatever_its_layout():
    text = '{ "debug":true,\n  "mtu" : 1450 }'
    change = docker_mtu.daemon_json_change(text, 1450)
    assert not change["changed"] and change["content"] == text


def test_an_mtu_given_as_a_string_is_written_as_a_number():
    # dockerd does not start with "mtu": "1450"
    change = docker_mtu.daemon_json_change('{"mtu": "1450"}', 1450)
    assert change["changed"] and json.loads(change["content"]) == {"mtu": 1450}


def test_no_file_and_an_empty_file_get_just_the_mtu():
    for text in (None, ""):
        change = docker_mtu.daemon_json_change(text, 1400)
        assert change["changed"] and change["content"] == '{\n  "mtu": 1400\n}\n'


def test_non_ascii_settings_stay_as_they_are():
    change = docker_mtu.daemon_json_change('{"labels": ["zone=zürich"]}', 1450)
    assert '"zone=zürich"' in change["content"]


def test_a_broken_file_gives_an_error_and_no_content_to_write():
    change = docker_mtu.daemon_json_change("{not json", 1450)
    assert not change["changed"] and change["content"] == "{not json"
    assert change["error"].startswith("not JSON: Expecting property name enclosed in double quotes: line 1 column 2")


@pytest.mark.parametrize(("value", "mtu"), [(1450, 1450), ("1450", 1450), (" 1280 ", 1280), (9216, 9216),
                                            (65535, 65535)])
def test_mtu_values(value, mtu):
    assert docker_mtu.check_mtu(value) == mtu


@pytest.mark.parametrize(("value", "message"), [
    ("big", "docker_mtu=big is not allowed: give a number of bytes, 1280..65535, or auto"),
    (100, "docker_mtu=100 is outside 1280..65535"),
    (1279, "docker_mtu=1279 is outside 1280..65535"),
    (65536, "docker_mtu=65536 is outside 1280..65535"),
    (True, "docker_mtu=True is not allowed"),
    (-1450, "docker_mtu=-1450 is not allowed"),
    (1450.5, "docker_mtu=1450.5 is not allowed"),
])
def test_bad_mtu_values(value, message):
    with pytest.raises(ValueError, match=message):
        docker_mtu.check_mtu(value)


# --- the networks -------------------------------------------------------------------------------

def test_docker_network_inspect_is_parsed():
    nets = networks()
    assert [n["name"] for n in nets] == ["br1400", "br1500", "brafter", "brdefault", "bridge", "docker_gwbridge",
                                         "host", "ingress", "none", "ov1400", "ovdefault"]
    ingress = by_name(nets, "ingress")
    assert (ingress["driver"], ingress["scope"], ingress["mtu"], ingress["ingress"]) == ("overlay", "swarm", 1450, True)
    assert ingress["containers"] == [] and ingress["swarm_endpoints"] == ["ingress-sbox"]
    assert ingress["ipam"]["config"] == [{"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": None,
                                          "aux_addresses": {}}]
    gwbridge = by_name(nets, "docker_gwbridge")
    assert gwbridge["mtu"] is None and gwbridge["swarm_endpoints"] == ["ingress-sbox"]
    assert by_name(nets, "br1400")["mtu"] == 1400 and by_name(nets, "brdefault")["mtu"] is None
    assert by_name(nets, "ovdefault")["attachable"] and by_name(nets, "ovdefault")["scope"] == "swarm"
    assert by_name(nets, "bridge")["mtu"] == 1450


def test_the_networks_too_big_for_a_1450_uplink():
    report = docker_mtu.networks_too_big(networks(), 1450, "eth0")
    got = [(n["name"], n["driver"], n["mtu"], n["max_mtu"]) for n in report]
    # br1400 (1400), ov1400 (1350 inside) and ingress (made for 1450: 1400 inside) fit; the default
    # bridge takes daemon.json's mtu; host and none have no MTU of their own.
    assert got == [
        ("br1500", "bridge", 1500, 1450),
        ("brafter", "bridge", 1500, 1450),
        ("brdefault", "bridge", 1500, 1450),
        ("docker_gwbridge", "bridge", 1500, 1450),
        ("ovdefault", "overlay", 1450, 1400),
    ]
    ovdefault = report[-1]
    assert ovdefault["option"] is None and ovdefault["scope"] == "swarm"
    assert "its VXLAN packets are 1500 bytes on the uplink, more than 1450, the MTU of eth0" in ovdefault["why"]
    assert "may have at most 1400 (1450 less 50 for VXLAN)" in ovdefault["why"]
    assert ovdefault["recreate"] == (
        "docker network rm ovdefault && docker network create --driver overlay --attachable --subnet 10.0.1.0/24 "
        "--gateway 10.0.1.1 --opt com.docker.network.driver.mtu=1450 ovdefault")
    assert "com.docker.network.driver.mtu=1500" in report[0]["why"] and "MTU 1500, more than 1450" in report[0]["why"]
    assert "no com.docker.network.driver.mtu (Docker's default, 1500)" in report[1]["why"]
    assert "docker swarm leave" in report[3]["problems"][0]


def test_a_smaller_docker_mtu_makes_more_networks_too_big():
    names = [n["name"] for n in docker_mtu.networks_too_big(networks(), 1400)]
    assert names == ["br1500", "brafter", "brdefault", "docker_gwbridge", "ingress", "ovdefault"]
    ingress = docker_mtu.networks_too_big(networks(), 1400)[4]
    assert (ingress["mtu"], ingress["max_mtu"], ingress["option"]) == (1400, 1350, 1450)
    assert "more than docker_mtu 1400" in ingress["why"]


def test_a_network_made_from_a_config_only_network_takes_its_mtu():
    nets = [{"name": "cfg", "driver": "bridge", "config_only": True, "mtu": 1500, "options": {}},
            {"name": "user", "driver": "bridge", "config_from": "cfg", "mtu": None, "options": {}}]
    (entry,) = docker_mtu.networks_too_big(nets, 1450)
    assert entry["name"] == "user" and entry["mtu"] == 1500
    assert "config-only" in entry["problems"][0]


def test_the_ingress_network_is_made_again_as_it_was_but_for_the_mtu():
    plan = docker_mtu.recreate_plan(by_name(networks(), "ingress"), 1400)
    assert plan["problems"] == [] and plan["stdin"] == "y"
    assert plan["remove"] == ["docker", "network", "rm", "ingress"]
    assert plan["create"] == ["docker", "network", "create", "--driver", "overlay", "--ingress", "--subnet",
                              "10.0.0.0/24", "--gateway", "10.0.0.1", "--opt", "com.docker.network.driver.mtu=1400",
                              "ingress"]
    assert plan["restore"][-3:] == ["--opt", "com.docker.network.driver.mtu=1450", "ingress"]
    assert plan["command"].startswith("echo y | docker network rm ingress && docker network create")


def test_every_setting_of_a_network_is_kept():
    net = {"name": "app net", "id": "0123456789abcdef", "driver": "bridge", "scope": "local", "mtu": 1500,
           "internal": True, "attachable": False, "ingress": False, "ipv6": True, "config_only": False,
           "config_from": None,
           "options": {"com.docker.network.driver.mtu": "1500", "com.docker.network.bridge.name": "br-app",
                       "com.docker.network.bridge.enable_icc": "false"},
           "labels": {"com.docker.compose.project": "shop", "com.docker.compose.network": "app"},
           "ipam": {"driver": "default", "options": {"foo": "bar"},
                    "config": [{"subnet": "172.30.0.0/16", "gateway": "172.30.0.1", "ip_range": "172.30.5.0/24",
                                "aux_addresses": {"router": "172.30.0.2"}},
                               {"subnet": "fd00:30::/64", "gateway": None, "ip_range": None, "aux_addresses": {}}]},
           "containers": [], "swarm_endpoints": []}
    plan = docker_mtu.recreate_plan(net, 1450)
    assert plan["create"] == [
        "docker", "network", "create", "--driver", "bridge", "--internal", "--ipv6", "--ipam-opt", "foo=bar",
        "--subnet", "172.30.0.0/16", "--gateway", "172.30.0.1", "--ip-range", "172.30.5.0/24",
        "--aux-address", "router=172.30.0.2", "--subnet", "fd00:30::/64",
        "--opt", "com.docker.network.bridge.enable_icc=false", "--opt", "com.docker.network.bridge.name=br-app",
        "--opt", "com.docker.network.driver.mtu=1450",
        "--label", "com.docker.compose.network=app", "--label", "com.docker.compose.project=shop", "app net"]
    assert "'app net'" in plan["command"]


def test_an_encrypted_overlay_keeps_its_bare_option_and_a_custom_scope_is_kept():
    net = {"name": "secure", "driver": "overlay", "scope": "swarm", "mtu": None,
           "options": {"encrypted": "", "com.docker.network.driver.overlay.vxlanid_list": "4099"},
           "ipam": {"config": [{"subnet": "10.9.0.0/24"}]}}
    assert docker_mtu.recreate_plan(net, 1450)["create"] == [
        "docker", "network", "create", "--driver", "overlay", "--subnet", "10.9.0.0/24",
        "--opt", "com.docker.network.driver.mtu=1450", "--opt", "encrypted", "secure"]
    net = {"name": "swb", "driver": "bridge", "scope": "swarm", "options": {}}
    assert docker_mtu.recreate_plan(net, 1450)["create"][4:7] == ["bridge", "--scope", "swarm"]


@pytest.mark.parametrize(("net", "problem"), [
    ({"name": "bridge", "driver": "bridge", "options": {"com.docker.network.bridge.default_bridge": "true"}},
     "bridge is the default bridge, which the daemon makes itself"),
    ({"name": "web", "driver": "bridge", "containers": ["shop-web-1", "shop-db-1"]},
     "containers are attached to web on this host: shop-web-1, shop-db-1"),
    ({"name": "backend", "driver": "overlay", "scope": "swarm", "swarm_endpoints": ["lb-backend"]},
     "swarm services or containers use backend on this host (lb-backend)"),
    ({"name": "backend", "driver": "overlay", "scope": "swarm"},
     "backend is a swarm network and this host is not a swarm manager"),
    ({"name": "mv", "driver": "macvlan"}, "mv is a macvlan network; only bridge and overlay"),
])
def test_what_cannot_be_made_again_safely_is_named(net, problem):
    plan = docker_mtu.recreate_plan(net, 1450, swarm_manager=False)
    assert any(problem in p for p in plan["problems"]), plan["problems"]


# --- mtu_facts' docker part ---------------------------------------------------------------------

class FakeModule:
    def __init__(self, outputs, bins=("ip", "docker")):
        self.outputs = outputs
        self.bins = bins
        self.ran = []

    def get_bin_path(self, tool):
        return tool if tool in self.bins else None

    def run_command(self, argv):
        self.ran.append(argv)
        return 0, self.outputs[" ".join(argv)], ""


class FakeGatherer(gather.Gatherer):
    def __init__(self, module, files, exists, processes=()):
        super().__init__(module)
        self.files = files
        self.present = exists
        self.processes = list(processes)

    def read(self, path):
        return self.files[path]

    def exists(self, path):
        return path in self.present

    def dockerd_processes(self):
        return self.processes


LINKS = {"eth0": {"mtu": 1450, "kind": "veth"}, "docker0": {"mtu": 1500, "kind": "bridge"},
         "br-999e9e47704d": {"mtu": 1500, "kind": "bridge"}, "docker_gwbridge": {"mtu": 1500, "kind": "bridge"},
         "cni0": {"mtu": 1450, "kind": "bridge"}}
IDS = " ".join(n["Id"] for n in json.loads(INSPECT))


def docker_part(exists):
    module = FakeModule({"ip -4 -j route show default": '[{"dst": "default", "gateway": "10.0.0.1", "dev": "eth0"}]',
                         "docker network ls --quiet": IDS.replace(" ", "\n"),
                         "docker network inspect " + IDS: INSPECT})
    gatherer = FakeGatherer(module, {"/etc/docker/daemon.json": '{"storage-driver": "vfs", "mtu": 1450}'}, exists)
    return gatherer.docker(LINKS), module


def test_the_docker_part_names_the_uplink_the_bridges_and_each_network():
    part, _module = docker_part({"/etc/docker/daemon.json", "/var/run/docker.sock"})
    assert part["uplink"] == {"name": "eth0", "mtu": 1450} and part["daemon_mtu"] == 1450
    assert part["bridges"] == {"docker0": 1500, "br-999e9e47704d": 1500, "docker_gwbridge": 1500}
    br1400 = by_name(part["networks"], "br1400")
    assert (br1400["bridge"], br1400["link_mtu"], br1400["mtu"]) == ("br-999e9e47704d", 1500, 1400)
    assert by_name(part["networks"], "bridge")["bridge"] == "docker0"
    assert by_name(part["networks"], "br1500")["link_mtu"] is None  # not in LINKS
    assert "bridge" not in by_name(part["networks"], "ingress")


def test_without_the_daemon_socket_the_docker_cli_is_not_run():
    part, module = docker_part({"/etc/docker/daemon.json"})
    assert part["networks"] is None and "no /run/docker.sock or /var/run/docker.sock" in part["networks_unavailable"]
    assert [argv[0] for argv in module.ran] == ["ip"]
    assert part["present"] and part["daemon_mtu"] == 1450


def test_a_broken_daemon_json_is_named_in_the_facts():
    module = FakeModule({"ip -4 -j route show default": "[]", "ip -6 -j route show default": "[]"})
    part = FakeGatherer(module, {"/etc/docker/daemon.json": "{oops"}, {"/etc/docker/daemon.json"}).docker({})
    assert part["daemon_mtu"] is None and part["daemon_json_error"].startswith("not JSON")
    assert part["uplink"] is None


# --- the filters --------------------------------------------------------------------------------

def test_the_filters_take_the_facts_part_or_its_networks():
    part = {"networks": networks()}
    assert docker_networks_too_big(part, "1450", "eth0") == docker_networks_too_big(
        part["networks"], 1450, "eth0")
    assert docker_networks_too_big({"networks": None}, 1450) == []
    plan = docker_network_recreate(by_name(networks(), "ovdefault"), 1450, part, True)
    assert plan["problems"] == [] and plan["create"][-1] == "ovdefault"
    assert docker_daemon_json(None, 1450)["content"] == '{\n  "mtu": 1450\n}\n'


@pytest.mark.parametrize(("call", "message"), [
    (lambda: docker_daemon_json("{}", "big"), "docker_daemon_json: mtu=big is not allowed"),
    (lambda: docker_daemon_json(42, 1450), "expected the text of daemon.json"),
    (lambda: docker_networks_too_big("nets", 1450),
     "docker_networks_too_big: networks: expected a list or null, got 'nets'"),
    (lambda: docker_networks_too_big([], 100), "mtu=100 is outside 1280..65535"),
    (lambda: docker_network_recreate({}, 1450), r"docker_network_recreate: network.name: missing"),
])
def test_the_filters_refuse_bad_input(call, message):
    with pytest.raises(AnsibleFilterError, match=message):
        call()


@pytest.mark.parametrize(("text", "named"), [
    ('{"mtu": NaN}', '"mtu" is nan'),
    ('{"debug": true, "max-concurrent-downloads": Infinity}', '"max-concurrent-downloads" is inf'),
    ('{"log-opts": {"max-size": -Infinity}}', '"log-opts"["max-size"] is -inf'),
    ('{"dns": [1, NaN]}', '"dns"[1] is nan'),
])
def test_nan_and_infinity_are_refused_naming_the_setting_and_never_written(text, named):
    # Python's JSON reader takes them; dockerd's does not, and would not start.
    change = docker_mtu.daemon_json_change(text, 1450)
    assert named in change["error"]
    assert (change["changed"], change["content"]) == (False, text)
