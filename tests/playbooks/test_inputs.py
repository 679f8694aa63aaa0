"""The audit and remediate playbooks refuse bad input before anything runs or is written: each
bad value fails the run naming the variable (and what is allowed), and the report directory is
not made. Real ansible-playbook runs against localhost (connection local); no lab needed. The
one good run audits localhost and checks the report files are written. remediate runs in check
mode, so that a case the checks let through could not change this machine. Every run here leaves
the automatic probe targets off (netpath_probe_auto=false): a lone localhost would probe this
machine's own default gateway, which is no lab host."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INVENTORY = """localhost ansible_connection=local ansible_python_interpreter={python}
[empty]
[other]
other-a ansible_connection=local ansible_python_interpreter={python} netpath_probe_targets='{{"a": 1}}'
"""

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("playbooks")
    (path / "inventory.ini").write_text(INVENTORY.format(python=sys.executable))
    return path


def run(workdir, playbook, extra, limit="localhost", check=False):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    extra = dict(extra)
    extra.setdefault("netpath_probe_auto", False)
    argv = ["ansible-playbook", "-i", str(workdir / "inventory.ini"), f"netpath.mtu.{playbook}",
            "--limit", limit, "-e", json.dumps(extra)] + (["--check"] if check else [])
    done = subprocess.run(argv, cwd=str(workdir), env=env, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


# (extra vars, what the message must say); each case also sets netpath_report_dir to a fresh path
# that must not exist afterwards.
AUDIT_CASES = [
    ({"netpath_fail_on": "errors"}, "value of netpath_fail_on must be one of: none, warning, error, got: errors"),
    ({"netpath_gather_subset": ["interfaces", "bogus"]},
     "value of netpath_gather_subset must be one or more of: all, interfaces"),
    ({"netpath_audit_hosts": "no-such-host"},
     'netpath_audit_hosts \\"no-such-host\\" matches no host of the inventory'),
    ({"netpath_audit_hosts": "empty"}, 'netpath_audit_hosts \\"empty\\" matches no host'),
    ({"netpath_audit_hosts": "other"}, "netpath_probe_targets' is of type dict"),
    ({"netpath_report_dir": "/proc/sys/netpath-report"},
     "netpath_report_dir /proc/sys/netpath-report cannot be made: no write permission on /proc/sys"),
    ({"netpath_report_dir": "/etc/hostname/netpath-report"}, "cannot be made: /etc/hostname is not a directory"),
    ({"netpath_metrics_textfile": "{dir}-missing/netpath.prom"},
     'netpath_metrics_textfile \\"{dir}-missing/netpath.prom\\" is in a directory that does not exist'),
    ({"netpath_metrics_textfile": "{dir}.txt"}, "does not end in .prom"),
    ({"netpath_metrics_become": "maybe"},
     "netpath_metrics_become' is of type str and we were unable to convert to bool"),
    ({"netpath_probe_mesh": "maybe"}, "netpath_probe_mesh' is of type str and we were unable to convert to bool"),
    ({"netpath_probe_auto": "maybe"}, "netpath_probe_auto' is of type str and we were unable to convert to bool"),
    ({"netpath_probe_auto_peers": 0}, "localhost: netpath_probe_auto_peers=0: allowed is an integer of at least 1"),
    ({"netpath_strict": True, "netpath_probe_target": ["192.0.2.7"]},
     "netpath_strict is true: netpath.mtu.audit does not take netpath_probe_target (set for localhost), "
     "which does nothing here: did you mean netpath_probe_targets? Nothing was audited or written."),
    ({"netpath_probe_targets": ["10.0.0.5", {"dest": "db1", "protocol": "tcp", "port": 70000}]},
     "netpath_probe_targets[1] (db1): port=70000 is outside 1..65535"),
    ({"netpath_probe_targets": [{"dest": "db1", "protocol": "tcp"}]}, "(db1): protocol tcp needs a port"),
    ({"netpath_probe_protocol": "sctp"}, "value of netpath_probe_protocol must be one of: icmp, tcp, udp"),
]


@pytest.mark.parametrize(("index", "extra", "message"), [(i, *case) for i, case in enumerate(AUDIT_CASES)],
                         ids=[next(iter(case[0])) for case in AUDIT_CASES])
def test_the_audit_refuses_bad_input_before_writing(workdir, index, extra, message):
    report = workdir / f"report-{index}"
    extra = {key: value.replace("{dir}", str(report)) if isinstance(value, str) else value
             for key, value in extra.items()}
    extra.setdefault("netpath_report_dir", str(report))
    # other-a (bad host variables) only where the case audits it
    limit = "localhost,other-a" if extra.get("netpath_audit_hosts") == "other" else "localhost"
    rc, said = run(workdir, "audit", extra, limit)
    assert rc != 0, said[-3000:]
    assert message.replace("{dir}", str(report)) in said, said[-3000:]
    assert "Gather MTU facts" not in said
    assert not report.exists()


REMEDIATE_CASES = [
    ({"netpath_remediate_skip": ["fifo_qdisc", "bogus"]},
     "value of netpath_remediate_skip must be one or more of: pmtu_blackhole"),
    ({"netpath_remediate_report": "/nonexistent/report.json"},
     'netpath_remediate_report \\"/nonexistent/report.json\\" is not a file on the controller'),
    ({"netpath_remediate_report_dir": "/proc/sys/netpath-report"},
     "netpath_remediate_report_dir /proc/sys/netpath-report cannot be made: no write permission on /proc/sys"),
    ({"netpath_remediate_allow_restart": "perhaps"}, "netpath_remediate_allow_restart' is of type str"),
    # the audit's netpath_report_dir is remediate's to set (before/ and after/)
    ({"netpath_strict": True, "netpath_report_dir": "/tmp/elsewhere"},
     "netpath.mtu.remediate does not take netpath_report_dir (set for every host (extra vars, or group_vars of "
     "all)), which does nothing here: did you mean netpath_remediate_report_dir? Nothing was changed"),
]


@pytest.mark.parametrize(("extra", "message"), REMEDIATE_CASES, ids=[next(iter(c[0])) for c in REMEDIATE_CASES])
def test_remediate_refuses_bad_input_before_anything_runs(workdir, extra, message):
    report = workdir / "remediate-report"
    extra = dict(extra)
    extra.setdefault("netpath_remediate_report_dir", str(report))
    # --check: should the check ever let a case through, remediate must not fix this machine
    rc, said = run(workdir, "remediate", extra, check=True)
    assert rc != 0, said[-3000:]
    assert message in said, said[-3000:]
    assert "PLAY [Audit MTU" not in said
    assert not report.exists()


def test_the_audit_of_localhost_writes_the_report_and_passes_the_gate(workdir):
    report = workdir / "good" / "report"
    rc, said = run(workdir, "audit", {"netpath_report_dir": str(report), "netpath_audit_hosts": "localhost",
                                      "netpath_gather_subset": "interfaces,routes", "netpath_fail_on": "error",
                                      "netpath_metrics_textfile": str(report / "netpath.prom"),
                                      "netpath_gather_subsets": "all"})
    assert rc == 0, said[-3000:]
    assert "netpath_fail_on=error: passed (1 host(s) audited)" in said
    # a name the audit does not take is named, with the one meant, and the run goes on
    assert ("[WARNING]: netpath.mtu.audit does not take netpath_gather_subsets (set for localhost), which does "
            "nothing here: did you mean netpath_gather_subset?") in said
    # nothing to probe (automatic targets off, no target): said on the command line and in every report
    assert "no path was measured: give each host addresses to probe in netpath_probe_targets" in said
    summary = json.loads((report / "report.json").read_text())["summary"]
    assert summary["paths_note"].startswith("no path was measured: give each host addresses to probe")
    assert summary["hosts_without_measured_path"] == ["localhost"]
    host = json.loads((report / "report.json").read_text())["hosts"]["localhost"]
    assert host["paths"] == {"measured": [], "unanswered": [], "note": "nothing was probed: netpath_probe_auto is "
                                                                       "false and netpath_probe_targets is empty"}
    assert "**No path was measured:** nothing was probed" in (report / "report.md").read_text()
    assert 'id="no-path"' in (report / "report.html").read_text()
    # the metrics file may go into the report directory, which the audit makes
    assert sorted(p.name for p in report.iterdir()) == ["netpath.prom", "report.html", "report.json", "report.md"]
    assert "localhost" in json.loads((report / "report.json").read_text())["hosts"]
    assert "netpath_interface_mtu{" in (report / "netpath.prom").read_text()


def test_remediate_takes_the_audits_variables_it_passes_through(workdir):
    # netpath_probe_auto (set by run) and netpath_gather_subset reach the audit remediate runs
    rc, said = run(workdir, "remediate", {"netpath_strict": True, "netpath_gather_subset": "interfaces",
                                          "netpath_remediate_report_dir": str(workdir / "through" / "report")},
                   check=True)
    assert rc == 0, said[-3000:]
    assert "does not take netpath_" not in said


DIAGNOSE_CASES = [
    ({"netpath_load_pairs": [{"from": "localhost", "to": "elsewhere", "dest": "192.0.2.1"}]},
     "from and to must be two different hosts of the inventory"),
    ({"netpath_load_pairs": [{"from": "localhost", "to": "other-a", "dest": "192.0.2.1"}],
      "netpath_load_duration": 61}, "and the duration 1..60 s. Nothing was run."),
    ({"netpath_load_pairs": [{"from": "localhost", "to": "other-a"}]}, "missing required arguments: dest"),
    ({}, "netpath_load_pairs is empty"),
]


@pytest.mark.parametrize(("extra", "message"), DIAGNOSE_CASES, ids=["unknown-host", "duration", "no-dest", "no-pairs"])
def test_diagnose_refuses_bad_input_before_anything_runs(workdir, extra, message):
    report = workdir / "diagnose-report"
    rc, said = run(workdir, "diagnose", dict(extra, netpath_report_dir=str(report)))
    assert rc != 0, said[-3000:]
    assert message in said, said[-3000:]
    assert "Start an iperf3 server" not in said and "Drive the load" not in said
    assert not report.exists()


def test_the_audit_runs_the_load_test_of_its_pairs_and_check_mode_starts_nothing(workdir):
    # --check: the load test only says what it would run (192.0.2.1 is TEST-NET, never reached)
    report = workdir / "load" / "report"
    rc, said = run(workdir, "audit", {"netpath_report_dir": str(report), "netpath_audit_hosts": "localhost",
                                      "netpath_gather_subset": "interfaces",
                                      "netpath_load_pairs": [{"from": "localhost", "to": "other-a",
                                                              "dest": "192.0.2.1", "port": 5299}]},
                   limit="localhost,other-a", check=True)
    assert rc == 0, said[-3000:]
    assert "check mode: would start `timeout 60 iperf3 -s -p 5299` on other-a" in said, said[-3000:]
    assert "/iperf3 -c 192.0.2.1 -p 5299 -t 10 -J -P 4" in said
    assert "localhost" in json.loads((report / "report.json").read_text())["hosts"]
