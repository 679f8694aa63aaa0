"""netpath.mtu.host_variable_problems: the audit's check of the variables each host sets, against the
audit's own spec (playbooks/vars/argument_specs.yml), every host read once."""

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from counting_hostvars import CountingHostvars

from ansible_collections.netpath.mtu.plugins.filter.host_variable_problems import host_variable_problems

SPECS = Path(__file__).resolve().parents[4] / "playbooks" / "vars" / "argument_specs.yml"
HOST_SPEC = yaml.safe_load(SPECS.read_text(encoding="utf-8"))["netpath_audit_host_spec"]


def test_good_variables_and_none_at_all_are_no_problem_and_each_host_is_read_once():
    hostvars = CountingHostvars({
        "bare": {},
        "tcp": {"netpath_probe_targets": ["10.0.0.5", {"dest": "db1", "protocol": "tcp", "port": 5432}],
                "netpath_probe_auto_peers": "2", "netpath_probe_protocol": "udp", "netpath_probe_port": "53"},
        "mesh": {"netpath_probe_mesh": "yes", "netpath_probe_auto": False, "unrelated": object()},
    })
    assert host_variable_problems(["bare", "tcp", "mesh"], hostvars, HOST_SPEC) == []
    assert hostvars.reads == {"bare": 1, "tcp": 1, "mesh": 1}


@pytest.mark.parametrize(("host_vars", "message"), [
    ({"netpath_probe_targets": {"a": 1}}, "web-1: argument 'netpath_probe_targets' is of type dict"),
    ({"netpath_probe_protocol": "sctp"}, "web-1: value of netpath_probe_protocol must be one of: icmp, tcp, udp"),
    ({"netpath_probe_mesh": "maybe"}, "web-1: argument 'netpath_probe_mesh' is of type str"),
    ({"netpath_probe_auto_peers": "many"}, "web-1: argument 'netpath_probe_auto_peers' is of type str"),
    ({"netpath_probe_auto_peers": 0}, "web-1: netpath_probe_auto_peers=0: allowed is an integer of at least 1"),
    ({"netpath_probe_targets": [{"dest": "db1", "protocol": "tcp"}]},
     "web-1: netpath_probe_targets[0] (db1): protocol tcp needs a port"),
    ({"netpath_probe_targets": ["10.0.0.5", {"dest": "db1", "protocol": "tcp", "port": 70000}]},
     "web-1: netpath_probe_targets[1] (db1): port=70000 is outside 1..65535"),
    ({"netpath_probe_targets": ["10.0.0.5"], "netpath_probe_protocol": "tcp"},
     "web-1: netpath_probe_targets[0] (10.0.0.5): protocol tcp needs a port"),
])
def test_each_bad_value_is_named_with_its_host_and_what_is_allowed(host_vars, message):
    problems = host_variable_problems(["ok", "web-1"], {"ok": {}, "web-1": host_vars}, HOST_SPEC)
    assert len(problems) == 1
    assert problems[0].startswith(message), problems


def test_every_host_with_a_problem_is_named_and_a_type_error_hides_the_checks_that_need_the_type():
    hostvars = {"a": {"netpath_probe_targets": "10.0.0.5"}, "b": {"netpath_probe_auto_peers": -1},
                "c": {"netpath_probe_targets": [{"dest": "x", "port": 80, "proto": "tcp"}]}}
    problems = host_variable_problems(["a", "b", "c"], hostvars, HOST_SPEC)
    assert [problem.split(":")[0] for problem in problems] == ["a", "b", "c"]
    assert "unknown key proto" in problems[2]


@pytest.mark.parametrize(("hosts", "hostvars", "spec"), [
    ("web-1", {}, HOST_SPEC),
    (["web-1"], [], HOST_SPEC),
    (["web-1"], {}, ["netpath_probe_targets"]),
])
def test_wrong_inputs_are_refused_naming_the_filter(hosts, hostvars, spec):
    with pytest.raises(AnsibleFilterError, match="^host_variable_problems: "):
        host_variable_problems(hosts, hostvars, spec)
