"""What the benchmarks share: lab topologies brought up, an inventory of lab hosts, and a timed
run of one of the collection's playbooks on them."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lab"))

from netpath_lab import build, docker, model  # noqa: E402

# Pipelining: one `docker exec` per task instead of four (docs/remediate.md, "Where the time goes").
INVENTORY_VARS = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3",
                  "ansible_pipelining": True}
# The collection's filters imported once, before the workers fork (docs/fleet.md recommends it).
ANSIBLE_ENV = {"ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACKS_ENABLED": "netpath.mtu.preload"}


def bring_up(topologies, lab=None):
    """Bring up topologies (names, or Topology objects of `lab`) with the lab image; return them."""
    lab = lab or model.load()
    selected = lab.select(topologies) if topologies and isinstance(topologies[0], str) else topologies
    build.up(selected, docker.ensure_image(lab.image_suite, lab.image_packages),
             log=lambda message: print(message, file=sys.stderr, flush=True))
    return selected


def take_down(topologies):
    build.down(topologies)


def write_inventory(path, hosts):
    """An Ansible inventory (JSON) of lab hosts, reached through Docker."""
    Path(path).write_text(json.dumps({"all": {"hosts": {h: {} for h in hosts}, "vars": INVENTORY_VARS}}))
    return path


def collections_path(checkout, tmp):
    """An ANSIBLE_COLLECTIONS_PATH under `tmp` in which `checkout` (another clone or worktree of this
    repository, say main's) is the collection netpath.mtu."""
    root = Path(tmp) / "collections"
    (root / "ansible_collections" / "netpath").mkdir(parents=True, exist_ok=True)
    link = root / "ansible_collections" / "netpath" / "mtu"
    if not link.exists():
        link.symlink_to(Path(checkout).resolve())
    return str(root)


def run_playbook(playbook, hosts, forks, extra_vars, timeout=3600, checkout=None):
    """`ansible-playbook netpath.mtu.PLAYBOOK` on lab `hosts`: (the finished process, wall seconds).
    With `checkout`, that checkout's collection runs instead of this one's."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, **ANSIBLE_ENV)
        if checkout:
            env["ANSIBLE_COLLECTIONS_PATH"] = collections_path(checkout, tmp)
        inventory = write_inventory(Path(tmp) / "inventory.json", hosts)
        argv = ["ansible-playbook", "-i", str(inventory), "--forks", str(forks), f"netpath.mtu.{playbook}"]
        for name, value in extra_vars.items():
            argv += ["-e", f"{name}={value}"]
        started = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
        return proc, time.monotonic() - started
