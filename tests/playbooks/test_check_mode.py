"""remediate --check speaks in the conditional: real ansible-playbook runs against localhost in check
mode only (remediate never runs here without --check), from a report.json whose findings are those
of a Docker host whose docker0 is down with nothing attached (its facts below): the plan lists every
side effect before anything runs, no message and nothing in remediation.json says a fix was made or
that a file holds what it does not, and an inventory without k3s nodes gives no host pattern warning.
localhost's python must have apt's bindings (python3-apt) for apt's check mode: /usr/bin/python3."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings

REPO = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(
    shutil.which("ansible-playbook") is None or not Path(PYTHON).exists()
    or subprocess.run([PYTHON, "-c", "import apt"], capture_output=True, check=False).returncode != 0,
    reason="needs ansible-playbook and a system python with python3-apt")

# A Docker host on a 1450 uplink whose docker0 is down, nothing attached, and no clamp.
FACTS = {"interfaces": {"eth0": {"kind": "physical", "mtu": 1450, "state": "up", "underlay": None},
                        "docker0": {"kind": "bridge", "mtu": 1500, "state": "down", "underlay": "eth0",
                                    "underlay_mtu": 1450, "overhead": 0}},
         "sysctl": {"net.ipv4.ip_forward": 1}, "docker": {"bridges": {"docker0": 1500}, "daemon_mtu": None}}


@pytest.fixture(scope="module")
def check_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("check-mode")
    # no k3s group, no group the playbook could make: a pattern warning would name one
    (work / "inventory.ini").write_text(f"localhost ansible_connection=local ansible_python_interpreter={PYTHON}\n")
    found = findings.evaluate(FACTS, [], "localhost")
    # (their severity, warnings here, is the unit tests' concern: test_findings.py)
    assert [f["id"] for f in found] == ["docker_mtu_exceeds_uplink", "missing_mss_clamp"]
    (work / "report.json").write_text(json.dumps({"hosts": {"localhost": {"findings": found, "facts": FACTS,
                                                                          "probes": []}}}))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    argv = ["ansible-playbook", "-i", str(work / "inventory.ini"), "netpath.mtu.remediate", "--check", "--diff",
            "-e", json.dumps({"netpath_remediate_report": str(work / "report.json"),
                              "netpath_remediate_report_dir": str(work / "out")})]
    done = subprocess.run(argv, cwd=str(work), env=env, capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout + done.stderr, work


def test_the_run_passes_in_check_mode(check_run):
    rc, said, _work = check_run
    assert rc == 0, said[-4000:]


def test_the_plan_lists_every_side_effect_before_anything_runs(check_run):
    _rc, said, _work = check_run
    plan_at = said.index("TASK [Show the plan of every host before anything runs]")
    first_fix = said.index("TASK [Clamp the MSS and accept too-big messages]")
    assert plan_at < first_fix
    plan = said[plan_at:first_fix]
    assert "would fix" in plan and "side effects it would have" in plan
    for effect in ("add a TCPMSS rule to FORWARD", "iptables-persistent", "preseed debconf", "netfilter-persistent",
                   "/etc/iptables/rules.v4", '\\"mtu\\": 1450 to /etc/docker/daemon.json', "no restart of Docker"):
        assert effect in plan, (effect, plan)


def test_nothing_says_it_was_fixed_or_holds_what_is_not_there(check_run):
    _rc, said, work = check_run
    claims = [line for line in said.splitlines()
              if re.search(r"\bfixed\b|\bholds\b|restarting it|: saving", line) and not line.startswith("TASK [")]
    assert claims == [], claims
    assert "would fix docker_mtu_exceeds_uplink@docker0, missing_mss_clamp@docker0" in said
    summary = json.loads((work / "out" / "remediation.json").read_text())
    host = summary["hosts"]["localhost"]
    assert summary["check_mode"] is True and "fixed" not in host and "still_found" not in host
    assert host["would_fix"] == ["docker_mtu_exceeds_uplink@docker0", "missing_mss_clamp@docker0"]
    assert any("iptables-persistent" in effect for effect in host["side_effects"])
    if not Path("/etc/iptables/rules.v4").exists():
        assert "/etc/iptables/rules.v4 does not exist: would be written" in said


def test_no_host_pattern_warning_without_k3s(check_run):
    _rc, said, _work = check_run
    assert "Could not match supplied host pattern" not in said
    assert "PLAY [Move flannel, one k3s node at a time]" in said and "skipping: no hosts matched" in said
