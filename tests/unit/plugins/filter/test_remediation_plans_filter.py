"""netpath.mtu.remediation_plans: every host's plan made once on the controller, from the audit of the
run or from a report given, with each host's own choices; then read by remediation_hosts and
remediation_outcomes in place of each host's netpath_remediation."""

import pytest
from ansible.errors import AnsibleFilterError
from counting_hostvars import CountingHostvars

from ansible_collections.netpath.mtu.plugins.filter.remediation_hosts import remediation_hosts
from ansible_collections.netpath.mtu.plugins.filter.remediation_outcomes import remediation_outcomes
from ansible_collections.netpath.mtu.plugins.filter.remediation_plans import remediation_plans
from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules


def finding(fid, interface, severity="error", **evidence):
    item = {"id": fid, "severity": severity, "host": "h", "interface": interface, "evidence": evidence,
            "explanation": "x"}
    item["fix"] = rules.fix_for(item)
    return item


FIFO = finding("fifo_qdisc", "eth0", "warning", qdisc="pfifo_fast")
CLAMP = finding("missing_mss_clamp", "docker0", path_mtu=1400)


def hostvars():
    return CountingHostvars({
        "web-1": {"netpath_findings": [FIFO], "ansible_facts": {"netpath_mtu": {"flannel": {"service": "k3s"}}}},
        "web-2": {"netpath_findings": [], "ansible_facts": {"netpath_mtu": {}}},
        "lost": {"netpath_audit_error": "Gather MTU facts: unreachable", "netpath_findings": None},
        "never": {},
        "picky": {"netpath_findings": [FIFO], "netpath_remediate_skip": ["fifo_qdisc"]},
        "edge": {"netpath_findings": [CLAMP], "ansible_facts": {"os_family": "Debian"}},
    })


def test_each_host_whose_audit_completed_gets_its_plan_and_its_plan_in_words():
    read = hostvars()
    plans = remediation_plans(list(read), read)
    assert sorted(plans) == ["edge", "picky", "web-1", "web-2"]
    assert read.reads == {host: 1 for host in read}
    assert plans["web-1"]["plan"]["covers"] == {"qdisc": ["fifo_qdisc@eth0"]}
    assert plans["web-1"]["view"]["fixes"] == ["fifo_qdisc@eth0 with qdisc"]
    assert plans["web-1"]["k3s_service"] == "k3s"
    assert plans["web-2"]["view"] == {"fixes": ["nothing"], "side effects": ["none"], "needs a human": [],
                                      "left out": []}
    # the host's own netpath_remediate_skip
    assert plans["picky"]["plan"]["steps"] == {} and plans["picky"]["view"]["left out"] == ["fifo_qdisc@eth0"]
    # os_family names the packages of the clamp's persistence
    assert any("iptables-persistent" in effect for effect in plans["edge"]["plan"]["side_effects"])
    assert not any("iptables-services" in effect for effect in plans["edge"]["plan"]["side_effects"])


def test_in_check_mode_the_plan_says_what_it_would_do():
    view = remediation_plans(["web-1"], hostvars(), True)["web-1"]["view"]
    assert view["would fix"] == ["fifo_qdisc@eth0 with qdisc"] and "side effects it would have" in view


def test_a_report_given_plans_every_host_from_its_entry():
    report_hosts = {"web-2": {"findings": [FIFO], "facts": {}}}
    plans = remediation_plans(["web-2", "lost"], hostvars(), False, report_hosts)
    assert plans["web-2"]["plan"]["covers"] == {"qdisc": ["fifo_qdisc@eth0"]}
    # a host the report does not list has nothing to fix
    assert plans["lost"]["plan"]["steps"] == {}


def test_the_hosts_and_the_outcomes_are_read_from_the_plans():
    read = hostvars()
    plans = remediation_plans(list(read), read)
    by_need = remediation_hosts(list(read), read, plans)
    assert by_need["stopped"] == ["lost", "never"]
    assert by_need["fixing"] == ["web-1", "edge"] and by_need["steps"]["qdisc"] == ["web-1"]
    assert by_need["distribution"] == []
    outcomes = remediation_outcomes(list(read), read, True, plans)
    assert sorted(outcomes) == ["edge", "picky", "web-1", "web-2"]
    assert outcomes["web-1"]["would_fix"] == ["fifo_qdisc@eth0"]


@pytest.mark.parametrize(("args", "message"), [
    ((["web-1"], hostvars(), False, ["not", "a", "dict"]), "report_hosts must be the hosts of a report.json"),
    ((["picky"], CountingHostvars({"picky": {"netpath_findings": [], "netpath_remediate_only": ["bogus"]}})),
     "picky: remediation_plan: only names unknown finding ids bogus"),
    ((["web-1"], CountingHostvars({"web-1": {"netpath_findings": [],
                                             "netpath_remediate_allow_restart": "perhaps"}})),
     "web-1: remediation_plan: allow_restart='perhaps' is not a boolean"),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(AnsibleFilterError, match="^remediation_plans: " + message):
        remediation_plans(*args)


def test_the_other_filters_refuse_plans_that_are_not_a_dict():
    for function, args in ((remediation_hosts, (["web-1"], {}, [1])),
                           (remediation_outcomes, (["web-1"], {}, False, [1]))):
        with pytest.raises(AnsibleFilterError, match="plans must be the remediation_plans of the run"):
            function(*args)
