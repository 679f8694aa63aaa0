"""The unknown_variables filter reads only the names in hostvars, and warns through Ansible's display."""

from collections import UserDict

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.unknown_variables import unknown_variables


class NamesOnly(UserDict):
    """A host's variables whose values must not be read (reading would template them)."""

    def __getitem__(self, key):
        raise AssertionError("read the value of %s" % key)


def test_names_are_read_from_the_hosts_given_and_each_line_warned(monkeypatch):
    warned = []
    monkeypatch.setattr("ansible.utils.display.Display.warning", lambda self, msg, *a, **k: warned.append(msg))
    hostvars = {"web-1": NamesOnly(netpath_probe_target=1), "localhost": NamesOnly(), "other": NamesOnly(netpath_x=1)}
    hosts = ["web-1", "localhost", "not-there"]
    lines = unknown_variables(hostvars, hosts, ["netpath_probe_targets"], "netpath.mtu.audit")
    assert lines == ["netpath.mtu.audit does not take netpath_probe_target (set for web-1), which does nothing here: "
                     "did you mean netpath_probe_targets?"]
    assert warned == lines
    assert unknown_variables(hostvars, ["web-1"], ["netpath_probe_targets"], "netpath.mtu.audit", warn=False) == lines
    assert warned == lines


def test_bad_arguments_are_named():
    with pytest.raises(AnsibleFilterError, match="unknown_variables: expected hostvars"):
        unknown_variables([], ["a"], [], "p")
    with pytest.raises(AnsibleFilterError, match="hosts and known must be lists"):
        unknown_variables({}, "a", [], "p")
