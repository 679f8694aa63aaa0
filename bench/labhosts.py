"""What the benchmarks share: lab topologies brought up, an inventory of lab hosts, and a timed
run of one of the collection's playbooks on them."""

import contextlib
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

# Pipelining: one connection per task instead of four (docs/remediate.md, "Where the time goes").
INVENTORY_VARS = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3",
                  "ansible_pipelining": True}
# How the playbook benchmarks reach the hosts: "ssh" as a fleet's controller does (OpenSSH, one
# session per host and run that Ansible's ControlPersist multiplexes), the host's sshd started for
# that session by `docker exec` (`sshd -i`: no daemon, no address on a lab network); "docker", the
# lab's own connection, a `docker exec` per task as in the Molecule scenarios.
CONNECTIONS = ("ssh", "docker")
SSH_PROXY = "docker exec -i %h /usr/sbin/sshd -i -o UsePAM=no"
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


def write_inventory(path, hosts, inventory_vars=None):
    """An Ansible inventory (JSON) of lab hosts, reached through Docker unless `inventory_vars` say."""
    Path(path).write_text(json.dumps({"all": {"hosts": {h: {} for h in hosts},
                                              "vars": inventory_vars or INVENTORY_VARS}}))
    return path


def connect(hosts, connection, workdir):
    """The inventory variables that reach lab `hosts` by `connection` (one of CONNECTIONS). For ssh:
    a key made in `workdir` and authorized for root on each host."""
    if connection == "docker":
        return INVENTORY_VARS
    if connection != "ssh":
        raise ValueError(f"connection {connection!r}: expected one of {', '.join(CONNECTIONS)}")
    key = Path(workdir) / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "netpath-bench", "-f", str(key)],
                   check=True, timeout=30)
    public_key = key.with_suffix(".pub").read_text()
    for start in range(0, len(hosts), 20):
        batch = hosts[start:start + 20]
        on_each(batch, ["mkdir", "-p", "-m", "700", "/run/sshd", "/root/.ssh"], "make /run/sshd and /root/.ssh")
        on_each(batch, ["tee", "/root/.ssh/authorized_keys"], "authorize the benchmark's ssh key", stdin=public_key)
    return {"ansible_connection": "ssh", "ansible_user": "root", "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_pipelining": True, "ansible_ssh_private_key_file": str(key),
            "ansible_ssh_common_args": f'-o ProxyCommand="{SSH_PROXY}" -o StrictHostKeyChecking=no '
                                       "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"}


def on_each(hosts, argv, what, stdin=None):
    """Run `argv` on each of `hosts` at once (`docker exec`, `stdin` given to each); fail naming those
    where it failed."""
    procs = [subprocess.Popen(["docker", "exec", "-i", host, *argv], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True) for host in hosts]
    for proc in procs:
        proc.communicate(stdin, timeout=60)
    failed = [host for host, proc in zip(hosts, procs, strict=True) if proc.returncode != 0]
    if failed:
        raise RuntimeError(f"could not {what} on {', '.join(failed)}")


@contextlib.contextmanager
def paused(hosts):
    """Freeze `hosts` (`docker pause`) while the benchmark measures others on the same star, so that
    their idle tunnels and timers do not share the cores with the hosts measured."""
    if hosts:
        subprocess.run(["docker", "pause", *hosts], check=True, capture_output=True, timeout=120)
    try:
        yield
    finally:
        if hosts:
            subprocess.run(["docker", "unpause", *hosts], check=True, capture_output=True, timeout=120)


def wake_tunnels(hosts, address):
    """Ping `address` across each host's tunnel, so that a tunnel frozen with its host (paused()) has
    a fresh handshake before it is audited: a handshake older than five minutes is a finding of its
    own (wireguard_stale_handshake), and a size's first round would meet it on the hosts that the
    smaller sizes left paused."""
    for start in range(0, len(hosts), 20):
        # a ping a second until one comes back, for at most 20 s: a handshake lost after the pause
        # is sent again 5 s later (WireGuard's REKEY_TIMEOUT)
        on_each(hosts[start:start + 20], ["ping", "-q", "-n", "-c", "1", "-w", "20", address],
                f"reach {address} across the tunnel within 20 s")


def collections_path(checkout, tmp):
    """An ANSIBLE_COLLECTIONS_PATH under `tmp` in which `checkout` (another clone or worktree of this
    repository, say main's) is the collection netpath.mtu."""
    root = Path(tmp) / "collections"
    (root / "ansible_collections" / "netpath").mkdir(parents=True, exist_ok=True)
    link = root / "ansible_collections" / "netpath" / "mtu"
    if not link.exists():
        link.symlink_to(Path(checkout).resolve())
    return str(root)


def busy_cpu_seconds():
    """(CPU seconds the machine has been busy, of which in Docker's containers, or None where the
    cgroup files are not found) since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    machine = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    cgroup_v1 = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")
    if cgroup_v1.exists():
        return machine, int(cgroup_v1.read_text()) / 1e9
    stats = [Path("/sys/fs/cgroup/docker/cpu.stat")]
    stats = stats if stats[0].exists() else sorted(Path("/sys/fs/cgroup/system.slice").glob("docker-*.scope/cpu.stat"))
    usage = [int(line.split()[1]) for path in stats for line in path.read_text().splitlines()
             if line.startswith("usage_usec ")]
    return machine, (sum(usage) / 1e6 if usage else None)


def run_playbook(playbook, hosts, forks, extra_vars, timeout=3600, checkout=None, inventory_vars=None):
    """`ansible-playbook netpath.mtu.PLAYBOOK` on lab `hosts`: (the finished process, wall seconds,
    the controller's CPU seconds or None). The controller's CPU is the machine's outside Docker's
    containers while it ran (Ansible, its ssh or docker commands, Docker's engine): what a fleet's
    controller spends, where the lab hosts' modules run on the same cores. With `checkout`, that
    checkout's collection runs instead of this one's; `inventory_vars` (from connect()) say how to
    reach the hosts."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, **ANSIBLE_ENV)
        if checkout:
            env["ANSIBLE_COLLECTIONS_PATH"] = collections_path(checkout, tmp)
        inventory = write_inventory(Path(tmp) / "inventory.json", hosts, inventory_vars)
        argv = ["ansible-playbook", "-i", str(inventory), "--forks", str(forks), f"netpath.mtu.{playbook}"]
        for name, value in extra_vars.items():
            argv += ["-e", f"{name}={value}"]
        machine_before, hosts_before = busy_cpu_seconds()
        started = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
        wall = time.monotonic() - started
        machine_after, hosts_after = busy_cpu_seconds()
        controller_cpu = (machine_after - machine_before - (hosts_after - hosts_before)
                          if hosts_before is not None and hosts_after is not None else None)
        return proc, wall, controller_cpu
