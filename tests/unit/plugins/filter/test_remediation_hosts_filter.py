"""netpath.mtu.remediation_hosts: which hosts remediate's later plays take, read once from hostvars."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.remediation_hosts import remediation_hosts

NOTHING = {"steps": {}, "covers": {}, "manual": [], "side_effects": [], "left": []}


def plan(*steps):
    return dict(NOTHING, steps={step: {} for step in steps})


class CountingHostvars(dict):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = {}

    def get(self, key, default=None):
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key, default)


def k3s(service, *steps):
    return {"netpath_remediation": plan(*steps), "netpath_facts_before": {"flannel": {"service": service}}}


HOSTVARS = CountingHostvars({
    "web-1": {"netpath_remediation": plan("wireguard_mtu")},
    "web-2": {"netpath_remediation": NOTHING},
    "lost": {"netpath_audit_error": "Gather MTU facts: unreachable"},
    "edge": {"netpath_remediation": plan("mss_clamp", "sysctl")},
    "known": {"netpath_remediation": plan("mss_clamp"), "ansible_facts": {"os_family": "Debian"}},
    "agent-1": k3s("k3s-agent", "flannel_iface"),
    "server-1": k3s("k3s", "flannel_iface"),
    "server-2": {"netpath_remediation": plan("flannel_iface")},
})


def test_each_play_takes_only_the_hosts_it_works_on_each_host_read_once():
    hosts = list(HOSTVARS)
    assert remediation_hosts(hosts, HOSTVARS) == {
        "stopped": ["lost"],
        "fixing": ["web-1", "edge", "known", "agent-1", "server-1", "server-2"],
        "steps": {"sysctl": ["edge"], "mss_clamp": ["edge", "known"], "link_mtu": [], "wireguard_mtu": ["web-1"],
                  "docker_mtu": [], "qdisc": [], "flannel_iface": ["agent-1", "server-1", "server-2"]},
        "distribution": ["edge"],
        # servers (a node without the k3s service in its facts counts as one) before agents
        "flannel": ["server-1", "server-2", "agent-1"],
    }
    assert HOSTVARS.reads == {host: 1 for host in hosts}


def test_a_host_that_is_not_in_hostvars_has_no_plan_and_stops():
    assert remediation_hosts(["ghost"], {})["stopped"] == ["ghost"]


@pytest.mark.parametrize(("hosts", "hostvars", "message"), [
    ("web-1", HOSTVARS, "expected a list of hosts"),
    (["web-1"], ["web-1"], "expected a list of hosts"),
    (["web-1"], {"web-1": {"netpath_remediation": "all of it"}}, "web-1: netpath_remediation is not a plan"),
])
def test_bad_input_is_named(hosts, hostvars, message):
    with pytest.raises(AnsibleFilterError, match="^remediation_hosts: " + message):
        remediation_hosts(hosts, hostvars)
