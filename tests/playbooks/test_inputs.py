"""The audit and remediate playbooks refuse bad input before anything runs or is written: each
bad value fails the run naming the variable (and what is allowed), and the report directory is
not made. Real ansible-playbook runs against localhost (connection local); no lab needed. The
one good run audits localhost and checks the report files are written. remediate runs in check
mode, so that a case the checks let through could not change this machine."""

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
                                      "netpath_metrics_textfile": str(report / "netpath.prom")})
    assert rc == 0, said[-3000:]
    assert "netpath_fail_on=error: passed (1 host(s) audited)" in said
    # the metrics file may go into the report directory, which the audit makes
    assert sorted(p.name for p in report.iterdir()) == ["netpath.prom", "report.html", "report.json", "report.md"]
    assert "localhost" in json.loads((report / "report.json").read_text())["hosts"]
    assert "netpath_interface_mtu{" in (report / "netpath.prom").read_text()
