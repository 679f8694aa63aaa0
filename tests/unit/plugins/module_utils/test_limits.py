"""The collection's limits and shared rules (module_utils/limits.py), and the roles' copies of them."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init, limits

ROLES = Path(__file__).parents[4] / "roles"


def role_vars(role):
    return yaml.safe_load((ROLES / role / "vars" / "main.yml").read_text())


@pytest.mark.parametrize(("name", "valid"), [
    ("eth0", True), ("flannel.1", True), ("a" * 15, True), ("a" * 16, False), ("eth0;reboot", False),
    ("eth 0", False), ("../x", False), ("..", False), (".", False), ("", False), ("wg:0", False),
    ("br-1a2b3c", True), ("docker_gwbridge", True), ("veth@if3", True), ("ppp+", True), ('e"th', False),
    ("eth0\n", False), (None, False), (3, False)])
def test_interface_names(name, valid):
    assert limits.valid_ifname(name) is valid


@pytest.mark.parametrize(("name", "valid"), [
    ("docker0", True), ("eth0.100", True), ("eth+", False), ("veth@if3", False), ("..", False),
    ("eth0\n", False), (None, False)])
def test_interface_names_in_firewall_rules_take_no_wildcard(name, valid):
    assert limits.valid_firewall_ifname(name) is valid


def test_severities_most_severe_first():
    assert [limits.severity_rank(s) for s in ("error", "warning", "info", "bogus")] == [0, 1, 2, 3]


def test_docker_mtu_range_is_one_range():
    assert limits.DOCKER_MTU_RANGE == (limits.IPV6_MIN_MTU, limits.MAX_MTU) == (1280, 65535)


@pytest.mark.parametrize(("role", "expected"), [
    ("docker_mtu", {"__docker_mtu_min": limits.DOCKER_MTU_RANGE[0], "__docker_mtu_max": limits.DOCKER_MTU_RANGE[1],
                    "__docker_mtu_ifname": limits.IFNAME_PATTERN, "__docker_mtu_ifname_rule": limits.IFNAME_RULE}),
    ("wireguard_mtu", {"__wireguard_mtu_min": limits.WIREGUARD_MTU_RANGE[0],
                       "__wireguard_mtu_max": limits.WIREGUARD_MTU_RANGE[1],
                       "__wireguard_mtu_ifname": limits.IFNAME_PATTERN,
                       "__wireguard_mtu_ifname_rule": limits.IFNAME_RULE}),
    ("flannel_iface", {"__flannel_iface_ifname": limits.IFNAME_PATTERN,
                       "__flannel_iface_ifname_rule": limits.IFNAME_RULE}),
    ("qdisc", {"__qdisc_ifname": limits.IFNAME_PATTERN, "__qdisc_ifname_rule": limits.IFNAME_RULE}),
    ("mss_clamp", {"__mss_clamp_iptables_nft_tables": list(limits.IPTABLES_NFT_TABLES["ip"])}),
])
def test_the_roles_vars_equal_the_limits(role, expected):
    values = role_vars(role)
    assert dict((name, values.get(name)) for name in expected) == expected


def test_first_boot_gets_the_wireguard_minimum_in_its_plan():
    plan = cloud_init.build_plan(["wireguard_mtu"], cloud_init.check_options({}))
    assert plan["steps"][0]["mtu_min"] == limits.WIREGUARD_MTU_RANGE[0]


def test_first_boot_takes_the_mss_clamp_roles_persistence():
    for distro, name in cloud_init.DISTRO_VARS.items():
        role = yaml.safe_load((ROLES / "mss_clamp" / "vars" / name).read_text())
        persistence = cloud_init.mss_clamp_persistence()[distro]
        assert persistence["iptables_install"]["packages"] == role["__mss_clamp_iptables_packages"]
        services = [s + ".service" for s in role["__mss_clamp_iptables_services"]]
        assert persistence["iptables_save"]["services"] == services
        assert persistence["nftables_conf"] == role["__mss_clamp_nftables_conf_default"]
