"""The k3s config edit: one key changes, every other byte of the file stays."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import k3s, parsers

SEED = "node-ip: 100.64.0.1\nflannel-iface: tailscale0\n"


def test_replaces_the_value_and_nothing_else():
    assert k3s.set_config_key(SEED, "flannel-iface", "eth0") == "node-ip: 100.64.0.1\nflannel-iface: eth0\n"


def test_keeps_comments_order_blank_lines_and_crlf():
    text = "# k3s\r\ntoken: abc  # secret\r\n\r\nflannel-iface: 'tailscale0'   # the mesh\r\nnode-ip: 1.2.3.4\r\n"
    assert k3s.set_config_key(text, "flannel-iface", "eth0") == (
        "# k3s\r\ntoken: abc  # secret\r\n\r\nflannel-iface: eth0   # the mesh\r\nnode-ip: 1.2.3.4\r\n")


def test_adds_a_missing_key_at_the_end():
    assert k3s.set_config_key("node-ip: 1.2.3.4", "flannel-iface", "eth0") == "node-ip: 1.2.3.4\nflannel-iface: eth0\n"
    assert k3s.set_config_key("", "flannel-iface", "eth0") == "flannel-iface: eth0\n"


def test_does_not_touch_a_longer_key_or_an_indented_one():
    text = "flannel-iface-extra: x\nkubelet-arg:\n  - flannel-iface: y\n"
    assert k3s.set_config_key(text, "flannel-iface", "eth0") == text + "flannel-iface: eth0\n"


def test_refuses_a_duplicate_key():
    with pytest.raises(ValueError, match=r"flannel-iface is set 2 times \(lines 1, 3\)"):
        k3s.set_config_key("flannel-iface: a\nnode-ip: b\nflannel-iface: c\n", "flannel-iface", "eth0")


def test_refuses_a_block_value():
    with pytest.raises(ValueError, match="line 1 is a list or a mapping|\\(line 1\\) is a list"):
        k3s.set_config_key("flannel-iface:\n  - eth0\n", "flannel-iface", "eth0")


@pytest.mark.parametrize("value, rendered", [("eth0", "eth0"), ("yes", '"yes"'), ("1234", '"1234"'),
                                             ("en0.100", "en0.100"), ("off", '"off"')])
def test_quotes_what_yaml_would_read_otherwise(value, rendered):
    assert k3s.yaml_scalar(value) == rendered


@pytest.mark.parametrize("text, value", [
    (SEED, "tailscale0"), ("flannel-iface: 'eth1'  # c\n", "eth1"), ('flannel-iface: "en0"\n', "en0"),
    ("node-ip: 1.2.3.4\n", None), ("flannel-iface:\n", None), ("  flannel-iface: nested\n", None),
])
def test_reads_the_value_back(text, value):
    assert parsers.k3s_config_value(text, "flannel-iface") == value


def test_reads_subnet_env():
    env = parsers.env_file("FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_MTU=1230\n# x=y\n\n")
    assert env == {"FLANNEL_NETWORK": "10.42.0.0/16", "FLANNEL_MTU": "1230"}
