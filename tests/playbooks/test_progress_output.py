"""netpath.mtu.progress in a real ansible-playbook run: four inventory hosts on this machine's local
connection (nothing leaves /tmp), the free strategy with 2 forks, --check and --diff. Each host's
line comes as it finishes each task, with the count of its task; the diff, a failure and a debug
message are still printed in full, and a task's banner is not. The lab run of the audit with this
callback is scripts/release runner (AWX's runner wraps it)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="needs ansible-playbook")

PLAYBOOK = """
- name: Show progress
  hosts: fleet
  gather_facts: false
  strategy: free
  tasks:
    - name: Write each host's file
      ansible.builtin.copy:
        content: "{{ inventory_hostname }}\\n"
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
        mode: "0644"
    - name: Fail on h2
      ansible.builtin.fail:
        msg: h2 is broken on purpose
      when: inventory_hostname == 'h2'
    - name: Say where the files are
      ansible.builtin.debug:
        msg: "files under {{ out }}"
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("progress")
    (work / "inventory.ini").write_text(
        f"[fleet]\nh1\nh2\nh3\nh4\n[fleet:vars]\nansible_connection=local\nansible_python_interpreter={sys.executable}\n")
    (work / "play.yml").write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="netpath.mtu.progress", NO_COLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"), ANSIBLE_FORKS="2")
    done = subprocess.run(["ansible-playbook", "-i", "inventory.ini", "play.yml", "--check", "--diff",
                           "-e", f"out={work}"], cwd=str(work), env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return done.returncode, done.stdout, work


def test_one_line_per_host_and_task_with_the_count(run):
    rc, out, _work = run
    assert rc == 2, out  # h2 fails on purpose
    for task, hosts in (("Write each host's file", "h1 h2 h3 h4"), ("Say where the files are", "h1 h3 h4")):
        found = re.findall(rf"^\[(\d)/4\] (h\d): {re.escape(task)}: (?:ok|changed) \d+\.\d s$", out, re.M)
        assert sorted(host for _n, host in found) == hosts.split(), out
        assert sorted(int(n) for n, _host in found) == list(range(1, len(found) + 1)), out
    assert "TASK [" not in out and "\x1b[" not in out


def test_diff_failure_and_message_in_full(run):
    _rc, out, work = run
    line = next(line for line in out.splitlines() if re.search(r"\] h3: Write each host's file: changed ", line))
    after = out[out.index(line):]
    assert after.index(f"+++ after: {work}/h3.txt") < after.index("+h3")
    assert re.search(r"^\[\d/4\] h2: Fail on h2: FAILED \d+\.\d s$", out, re.M), out
    assert re.search(r"fatal: \[h2\]: FAILED! => .*h2 is broken on purpose", out), out
    assert f'"msg": "files under {work}"' in out
    assert not list(work.glob("h*.txt"))  # --check wrote nothing
