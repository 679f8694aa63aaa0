"""Record what mtu_facts reads on lab hosts, for the unit tests to replay.

The real Gatherer (plugins/module_utils/gather.py) runs here on the controller, with every
command and file read sent into the container by `docker exec`; each answer is stored in
tests/unit/plugins/module_utils/fixtures/facts/HOST.json. The tests replay those answers to the
same Gatherer, so the captures always cover exactly what it asks.

    python -m netpath_lab.capture HOST [HOST ...]     (from lab/, with the hosts up)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import sys
import time
from pathlib import Path

from . import docker

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests/unit/plugins/module_utils/fixtures/facts"
sys.path.insert(0, str(REPO / ".cache" / "collections"))

from ansible_collections.netpath.mtu.plugins.module_utils import gather  # noqa: E402

KEY = re.compile(r"[A-Za-z0-9+/]{43}=")


def stand_in_keys(text):
    """WireGuard keys replaced by stand-ins of the same shape (a hash of each), so none is committed."""
    return KEY.sub(lambda m: base64.b64encode(hashlib.sha256(m.group().encode()).digest()).decode(), text)


# What gather.Gatherer.dockerd_processes reads, as a script for python3 on the lab host.
DOCKERD_PROCESSES = """
import json, os
found = []
for pid in os.listdir("/proc"):
    try:
        comm = open("/proc/%s/comm" % pid).read().strip()
        if pid.isdigit() and comm == "dockerd":
            found.append({"pid": int(pid), "comm": comm, "cgroup": open("/proc/%s/cgroup" % pid).read(),
                          "cmdline": [a for a in open("/proc/%s/cmdline" % pid).read().split(chr(0)) if a]})
    except OSError:
        pass
print(json.dumps(found))
"""


class RecordingModule:
    def __init__(self, host, record):
        self.host = host
        self.record = record

    def get_bin_path(self, tool):
        found = docker.exec_in(self.host, ["which", tool], check=False).returncode == 0
        self.record["bins"][tool] = found
        return tool if found else None

    def run_command(self, argv):
        proc = docker.exec_in(self.host, argv, check=False)
        out = stand_in_keys(proc.stdout) if argv[0] == "wg" else proc.stdout
        self.record["commands"][shlex.join(argv)] = [proc.returncode, out, proc.stderr]
        return proc.returncode, out, proc.stderr


class RecordingGatherer(gather.Gatherer):
    def read(self, path):
        proc = docker.exec_in(self.module.host, ["cat", path], check=False)
        self.module.record["files"][path] = proc.stdout if proc.returncode == 0 else None
        if proc.returncode != 0:
            raise gather.Unavailable(f"cannot read {path}: {proc.stderr.strip()}")
        return proc.stdout

    def exists(self, path):
        found = docker.exec_in(self.module.host, ["test", "-e", path], check=False).returncode == 0
        self.module.record["exists"][path] = found
        return found

    def listdir(self, path):
        proc = docker.exec_in(self.module.host, ["ls", "-1A", path], check=False)
        names = sorted(proc.stdout.split("\n")) if proc.returncode == 0 else []
        names = [n for n in names if n]
        self.module.record.setdefault("listdir", {})[path] = names
        return names

    def writable(self, path):
        found = docker.exec_in(self.module.host, ["test", "-w", path], check=False).returncode == 0
        self.module.record.setdefault("writable", {})[path] = found
        return found

    def dockerd_processes(self):
        # Read inside the lab host: its /proc, not this machine's.
        proc = docker.exec_in(self.module.host, ["python3", "-c", DOCKERD_PROCESSES], check=False)
        found = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
        self.module.record["dockerd_processes"] = found
        return found


def capture(host: str, route_targets: list[str]) -> Path:
    record = {"host": host, "now": time.time(), "route_targets": route_targets,
              "bins": {}, "commands": {}, "files": {}, "exists": {}}
    now = record["now"]
    gather.gather(RecordingGatherer(RecordingModule(host, record), clock=lambda: now), gather.PARTS, route_targets)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / f"{host}.json"
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(capture(name, []))
