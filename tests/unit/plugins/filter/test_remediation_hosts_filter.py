"""netpath.mtu.remediation_hosts and remediation_outcomes: which hosts remediate's later plays take, and
each host's outcome, read once from hostvars."""

import pytest
from ansible.errors import AnsibleFilterError
from counting_hostvars import CountingHostvars

from ansible_collections.netpath.mtu.plugins.filter.remediation_hosts import remediation_hosts
from ansible_collections.netpath.mtu.plugins.filter.remediation_outcomes import remediation_outcomes

NOTHING = {"steps": {}, "covers": {}, "manual": [], "side_effects": [], "left": []}


def plan(*steps):
    return dict(NOTHING, steps={step: {} for step in steps})


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


# remediation_outcomes: each host's entry of remediation.json, read once from hostvars.

WG = {"wireguard_mtu": ["mtu_exceeds_underlay@wg0"], "sysctl": ["udp_buffer_errors@host", "mtu_exceeds_underlay@wg0"]}


def outcome_hostvars():
    return CountingHostvars({
        "fixed": {"netpath_remediation": dict(NOTHING, covers=WG, manual=[{"finding": "x"}]),
                  "netpath_link_persisted": {"eth0": "networkd"}, "netpath_audit_error": None,
                  "netpath_findings": [{"id": "udp_buffer_errors", "severity": "warning"}]},
        "lost": {"netpath_audit_error": "Gather MTU facts: unreachable"},
        "clean": {"netpath_remediation": NOTHING, "netpath_findings": None},
    })


def test_outcomes_answer_what_was_fixed_and_what_is_still_found():
    hostvars = outcome_hostvars()
    result = remediation_outcomes(["fixed", "lost", "clean", "gone"], hostvars)
    assert list(result) == ["fixed", "clean"]
    assert result["fixed"] == {"fixes": WG, "side_effects": [], "manual": [{"finding": "x"}], "left_out": [],
                               "fixed": ["mtu_exceeds_underlay@wg0", "udp_buffer_errors@host"],
                               "persisted": {"eth0": "networkd"}, "audit_after_failed": None,
                               "still_found": ["udp_buffer_errors@host"]}
    assert result["clean"]["fixed"] == [] and result["clean"]["still_found"] == []
    assert all(count == 1 for count in hostvars.reads.values()), hostvars.reads


def test_outcomes_in_check_mode_say_what_would_be_fixed_and_nothing_of_an_audit_after():
    result = remediation_outcomes(["fixed"], outcome_hostvars(), check_mode=True)["fixed"]
    assert result["would_fix"] == ["mtu_exceeds_underlay@wg0", "udp_buffer_errors@host"]
    assert result["would_persist"] == {"eth0": "networkd"}
    assert not {"fixed", "persisted", "audit_after_failed", "still_found"} & set(result)


@pytest.mark.parametrize(("hosts", "hostvars", "message"), [
    ("web-1", {}, "expected a list of hosts"),
    (["web-1"], {"web-1": {"netpath_remediation": {"covers": []}}}, "web-1: the plan must be a dict with covers"),
    (["web-1"], {"web-1": {"netpath_remediation": {"covers": {"sysctl": "x@y"}}}},
     "web-1: covers.sysctl must be a list"),
])
def test_outcomes_of_bad_input_name_the_host_and_the_field(hosts, hostvars, message):
    with pytest.raises(AnsibleFilterError, match=message):
        remediation_outcomes(hosts, hostvars)
