"""The audit's results of every host, derived once on the controller (module_utils/audit_results.py),
from the hostvars of real lab hosts (filter/fixtures/report_input.json): the same findings as each
host's own task derived before, the probes of a plan kept or failed, the hosts left out."""

import copy
import json
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.audit_results import audit_results as audit_results_filter
from ansible_collections.netpath.mtu.plugins.module_utils.audit_results import (
    DERIVING,
    FAILED_PROBE_RUN,
    audit_results,
    measured_probes,
)

FIXTURE = Path(__file__).parents[1] / "filter" / "fixtures" / "report_input.json"
PEER = {"dest": "10.9.0.2", "kind": "peer", "peer": "other", "family": "ipv4"}


@pytest.fixture
def hostvars():
    """Each host as the gathering left it: its registered result holds the probes of the gathering."""
    hosts = json.loads(FIXTURE.read_text())["hostvars"]
    for host_vars in hosts.values():
        host_vars["netpath_audit_gathered"] = {"changed": False, "probes": host_vars.pop("netpath_probes") or []}
    return hosts


def test_every_host_gets_the_findings_its_own_task_derived(hostvars):
    expected = {host: json.loads(FIXTURE.read_text())["hostvars"][host]["netpath_findings"] for host in hostvars}
    results = audit_results(list(hostvars), hostvars, {host: {"targets": [], "note": None} for host in hostvars})
    assert sorted(results) == sorted(hostvars)
    for host, result in results.items():
        assert [f["id"] for f in result["findings"]] == [f["id"] for f in expected[host]], host
        assert result["error"] is None and result["probe_note"] == ""
        assert result["probes"] == hostvars[host]["netpath_audit_gathered"]["probes"]


def test_a_host_whose_gathering_failed_or_did_not_run_is_left_out(hostvars):
    hostvars["wg-site-a"]["netpath_audit_gathered"] = {"failed": True, "msg": "boom"}
    hostvars["co-node"]["netpath_audit_gathered"] = {"unreachable": True, "msg": "no route"}
    del hostvars["k3s-server"]["netpath_audit_gathered"]
    assert list(audit_results(list(hostvars), hostvars, {})) == ["healthy-a"]


def test_the_plan_probes_are_kept_after_those_of_the_gathering():
    gathered = {"probes": [{"dest": "10.2.0.2", "pmtu": 1420}]}
    measured = {"probes": [dict(PEER, pmtu=1500, failed=False)]}
    plan = {"targets": [PEER], "note": None}
    assert [p["dest"] for p in measured_probes(gathered, plan, measured)] == ["10.2.0.2", "10.9.0.2"]


@pytest.mark.parametrize("plan_run", [{"failed": True, "msg": "module crashed"}, {"unreachable": True}, None])
def test_a_plan_run_that_failed_counts_each_target_as_a_failed_probe(plan_run):
    (probe,) = measured_probes({"probes": []}, {"targets": [PEER]}, plan_run)
    assert probe["failed"] is True and probe["peer"] == "other" and probe["protocol"] == "icmp"
    assert probe["msg"] == ((plan_run or {}).get("msg") or FAILED_PROBE_RUN)


def test_a_plan_without_targets_ignores_a_plan_run_left_by_an_earlier_audit():
    stale = {"probes": [dict(PEER, pmtu=1200, failed=False)]}
    assert measured_probes({"probes": []}, {"targets": [], "note": "no gateway"}, stale) == []


def test_the_plan_note_is_kept(hostvars):
    results = audit_results(["co-node"], hostvars, {"co-node": {"targets": [], "note": "no default gateway"}})
    assert results["co-node"]["probe_note"] == "no default gateway"


def test_facts_that_do_not_fit_leave_no_findings_and_name_the_field(hostvars):
    hostvars = copy.deepcopy(hostvars)
    del hostvars["wg-site-a"]["ansible_facts"]["netpath_mtu"]["interfaces"]["wg0"]["kind"]
    result = audit_results(["wg-site-a", "healthy-a"], hostvars, {})
    assert result["wg-site-a"]["findings"] is None and result["wg-site-a"]["probes"] == []
    assert result["wg-site-a"]["error"].startswith(DERIVING + ": findings: facts.interfaces.wg0.kind")
    assert result["healthy-a"]["error"] is None


@pytest.mark.parametrize(("args", "message"), [
    (("wg-site-a", {}, {}), "expected a list of hosts"),
    ((["wg-site-a"], [], {}), "expected a list of hosts"),
    ((["wg-site-a"], {}, []), "plans must be a dict"),
])
def test_the_filter_refuses_what_is_not_hosts_hostvars_and_plans(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        audit_results_filter(*args)
