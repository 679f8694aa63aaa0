"""netpath.mtu.k3s_config_set: checks the file as YAML before and after the one-line edit."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.k3s_config_set import k3s_config_set

PATH = "/etc/rancher/k3s/config.yaml"


def test_sets_the_key():
    assert k3s_config_set("node-ip: 1.2.3.4\nflannel-iface: tailscale0\n", "flannel-iface", "eth0", PATH) == (
        "node-ip: 1.2.3.4\nflannel-iface: eth0\n")


@pytest.mark.parametrize("text, message", [
    ("flannel-iface: [eth0\n", PATH + " is not YAML: while parsing a flow sequence"),
    ("- eth0\n- eth1\n", PATH + " is not a k3s config: its top level is a list, not a mapping of settings"),
    ("flannel-iface: a\nflannel-iface: b\n", PATH + ": flannel-iface is set 2 times"),
    ("flannel-iface:\n  - eth0\n", PATH + ": flannel-iface (line 1) is a list or a mapping"),
    ("flannel-iface: >\n  eth0\n", PATH + ": setting flannel-iface to 'eth0' would change other settings"),
])
def test_refuses_what_it_cannot_edit_safely(text, message):
    with pytest.raises(AnsibleFilterError) as error:
        k3s_config_set(text, "flannel-iface", "eth0", PATH)
    assert str(error.value).startswith(message)
