"""netpath.mtu.write_report in real ansible-playbook runs on this machine's local connection (files
only under pytest's tmp): the three files as the filters render them, written only when they
change, nothing in check mode, and a clear failure where dest is not a directory or the report is
not one."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook")

PLAYBOOK = """
- name: Write a report
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the report's files
      netpath.mtu.write_report:
        report: "{{ lookup('ansible.builtin.file', report_file) | from_json }}"
        dest: "{{ dest }}"
"""

# remediate's summary, and a task that gives both (which is refused)
OPTIONS = {"remediation": "remediation: \"{{ lookup('ansible.builtin.file', report_file) | from_json }}\"",
           "both": "remediation: {hosts: {}}\n        report: {}"}


def write_report(work, report, dest, *options, given="report"):
    (work / "report.json").write_text(json.dumps(report))
    playbook = PLAYBOOK if given == "report" else PLAYBOOK.replace(
        "report: \"{{ lookup('ansible.builtin.file', report_file) | from_json }}\"", OPTIONS[given])
    (work / "play.yml").write_text(playbook)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"), NO_COLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    argv = ["ansible-playbook", "play.yml", "-e", f"report_file={work}/report.json", "-e", f"dest={dest}", *options]
    done = subprocess.run(argv, cwd=str(work), env=env, capture_output=True, text=True, timeout=300, check=False)
    return done, json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


@pytest.fixture
def report(report_sample):
    return reports.build_report(report_sample["hostvars"], report_sample["hosts"], report_sample["generated"])


def test_writes_the_three_files_then_only_what_changed(tmp_path, report):
    dest = tmp_path / "out" / "report"
    done, written = write_report(tmp_path, report, dest, "--check")
    assert done.returncode == 0, done.stdout
    assert written["changed"] and sorted(written["changed_files"]) == ["report.html", "report.json", "report.md"]
    assert not dest.exists()

    done, written = write_report(tmp_path, report, dest)
    assert done.returncode == 0 and written["changed"], done.stdout
    assert json.loads((dest / "report.json").read_text()) == report
    assert (dest / "report.md").read_text() == reports.render_markdown(report)
    assert (dest / "report.html").read_text() == reports.render_html(report)
    assert {oct((dest / name).stat().st_mode & 0o777) for name in written["files"]} == {"0o644"}
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]  # no temporary left behind

    done, written = write_report(tmp_path, report, dest)
    assert done.returncode == 0 and not written["changed"] and written["changed_files"] == [], done.stdout

    report["summary"]["generated"] = "2026-12-05T00:00:00Z"
    done, written = write_report(tmp_path, report, dest)
    assert written["changed"] and "report.json" in written["changed_files"], done.stdout


def test_refuses_a_dest_that_is_a_file_and_a_report_that_is_not_one(tmp_path, report):
    (tmp_path / "taken").write_text("x")
    done = write_report(tmp_path, report, tmp_path / "taken")[0]
    assert done.returncode == 2 and f"dest {tmp_path}/taken exists and is not a directory" in done.stdout
    assert (tmp_path / "taken").read_text() == "x"

    done = write_report(tmp_path, {"hosts": {}}, tmp_path / "new")[0]
    assert done.returncode == 2 and "write_report: " in done.stdout and "summary" in done.stdout, done.stdout
    assert not (tmp_path / "new").exists()


def test_writes_the_remediation_summary_as_to_nice_json_would(tmp_path):
    summary = {"check_mode": False, "hosts": {"web-1": {"fixed": ["mtu_exceeds_underlay@wg0"], "persisted": {}}}}
    dest = tmp_path / "out"
    done, written = write_report(tmp_path, summary, dest, given="remediation")
    assert done.returncode == 0 and written["changed"] and written["files"] == ["remediation.json"], done.stdout
    text = (dest / "remediation.json").read_text()
    assert json.loads(text) == summary and text == json.dumps(summary, indent=2, sort_keys=True) + "\n"
    assert sorted(p.name for p in dest.iterdir()) == ["remediation.json"]
    assert not write_report(tmp_path, summary, dest, given="remediation")[1]["changed"]


def test_refuses_a_report_and_a_summary_together(tmp_path):
    done = write_report(tmp_path, {}, tmp_path / "both", given="both")[0]
    assert done.returncode == 2 and "mutually exclusive" in done.stdout and "remediation" in done.stdout, done.stdout
    assert not (tmp_path / "both").exists()
