"""Network namespaces for tests of the modules' live behaviour on this host's own kernel.

Each test gets fresh namespaces (ip netns) joined by veth pairs, and runs a module inside one
the way Ansible runs it on a target: the module file with its arguments in a JSON file. Needs
root. Namespace and link names are global on the machine, like the lab's: run these tests under
the lab lock (flock /tmp/netpath-lab.lock pytest tests/netns).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".cache" / "collections"


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


class Namespace:
    def __init__(self, name, tmp):
        self.name = name
        self.tmp = tmp
        ip("netns", "add", name)
        # No duplicate address detection: addresses are final at once, so two readings of the
        # namespace compare equal.
        self.run(["sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"])
        ip("-n", name, "link", "set", "lo", "up")

    def run(self, argv, check=True, input=None):
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], check=check, capture_output=True,
                              text=True, input=input, timeout=120)

    def module(self, name, args):
        """The module's JSON result (its exit code in "rc_module")."""
        args_file = self.tmp / f"{name}-args.json"
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
        proc = subprocess.run(["ip", "netns", "exec", self.name, sys.executable,
                               str(REPO / "plugins" / "modules" / f"{name}.py"), str(args_file)],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        try:
            result = json.loads(proc.stdout)
        except ValueError:
            raise AssertionError(f"{name} {args} printed no JSON (rc {proc.returncode}): "
                                 f"{proc.stdout}{proc.stderr}") from None
        result["rc_module"] = proc.returncode
        return result

    def veth_to(self, other, mtu, v4, v6):
        """A veth pair "vt0" to `other` at `mtu`, with a /24 and a /64 (.1 and ::1 here)."""
        ip("link", "add", "vt0", "netns", self.name, "type", "veth", "peer", "name", "vt0", "netns", other.name)
        for index, namespace in enumerate((self, other), start=1):
            ip("-n", namespace.name, "link", "set", "vt0", "mtu", str(mtu), "up")
            ip("-n", namespace.name, "addr", "add", f"{v4}.{index}/24", "dev", "vt0")
            ip("-n", namespace.name, "addr", "add", f"{v6}{index}/64", "dev", "vt0", "nodad")

    def delete(self):
        ip("netns", "del", self.name, check=False)


def _namespaces(tmp):
    """(make(suffix) -> a new Namespace, delete_all())."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    made = []
    prefix = f"npt{os.getpid() % 100000}"

    def make(suffix):
        made.append(Namespace(f"{prefix}-{suffix}", tmp))
        return made[-1]

    def delete_all():
        for namespace in made:
            namespace.delete()

    return make, delete_all


@pytest.fixture
def netns(tmp_path):
    """make(suffix) -> a new Namespace; all are deleted after the test."""
    make, delete_all = _namespaces(tmp_path)
    yield make
    delete_all()


@pytest.fixture(scope="module")
def netns_for_module(tmp_path_factory):
    """As netns, for namespaces that a whole test module shares."""
    make, delete_all = _namespaces(tmp_path_factory.mktemp("netns"))
    yield make
    delete_all()
