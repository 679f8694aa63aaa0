"""The Docker side of the lab: the image, the containers and commands run inside them.

Everything goes through the docker CLI as argument lists; nothing passes through a shell.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

from .model import Host, LabError

IMAGE_FILES = Path(__file__).resolve().parent.parent / "files" / "image"

LABEL_LAB = "netpath.lab"
LABEL_TOPOLOGY = "netpath.lab.topology"

# How every lab host runs: systemd as PID 1 without --privileged (refused here), so each
# capability is named; the TUN device is for wireguard-go. /proc/sys is made writable at boot by
# a unit baked into the image (files/image/netpath-lab-procsys.service).
# extensions/molecule/*/molecule.yml repeats these options for Molecule's Docker driver, and
# lab/tests/test_model.py checks that the two agree.
CONTAINER_SPEC = {
    "capabilities": ["NET_ADMIN", "NET_RAW", "SYS_ADMIN"],
    "devices": ["/dev/net/tun"],
    "volumes": ["/sys/fs/cgroup:/sys/fs/cgroup:rw"],
    "tmpfs": ["/run", "/run/lock", "/tmp"],
    "cgroupns_mode": "host",
    "network_mode": "none",
    "command": "/sbin/init",
    "stop_signal": "SIGRTMIN+3",
}


def run(argv: list[str], *, check: bool = True, input: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise LabError(f"{argv[0]} is not installed (run scripts/bootstrap)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"timed out after {timeout:.0f} s: {' '.join(argv)}") from None
    if check and proc.returncode != 0:
        raise LabError(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.strip()}")
    return proc


# Run on the image's root ($1) after the packages are in. iptables-persistent saves the firewall
# rules of the machine building the image (Docker's own, FORWARD DROP among them) at install
# time; a lab host must boot with no rules but the lab's. Docker's engine is in the image for the
# docker_mtu scenario but must not start on every host (it would add its own bridge and FORWARD
# DROP). cloud-init stays dormant until a NoCloud seed is put on a host (ds-identify finds no
# datasource otherwise) and never touches the lab's interfaces.
IMAGE_CLEANUP = [
    'rm -f "$1/etc/iptables/rules.v4" "$1/etc/iptables/rules.v6"',
    'chroot "$1" systemctl disable docker.service docker.socket containerd.service',
    # the network managers and the DHCP server of link_mtu's persist test: masked, so that no
    # host of a topology gets them (each would take the lab's interfaces); that test unmasks them.
    # sshd too: the benchmarks start it per connection (bench/labhosts.py), nothing listens
    'chroot "$1" systemctl mask NetworkManager.service NetworkManager-wait-online.service'
    ' NetworkManager-dispatcher.service networking.service dnsmasq.service ssh.service ssh.socket',
    'mkdir -p "$1/etc/cloud/cloud.cfg.d" && printf "%s\\n" "network: {config: disabled}" "locale: C.UTF-8"'
    ' "manage_etc_hosts: false" "preserve_hostname: true"'
    ' > "$1/etc/cloud/cloud.cfg.d/99-netpath-lab.cfg"',
]


def _image_units() -> list[Path]:
    return sorted(IMAGE_FILES.glob("*.service"))


def image_tag(suite: str, packages: tuple[str, ...]) -> str:
    """The image is named after its package list and baked-in units, so a change builds a new one."""
    units = [(unit.name, unit.read_text()) for unit in _image_units()]
    digest = hashlib.sha256(json.dumps([suite, sorted(packages), units, IMAGE_CLEANUP]).encode()).hexdigest()[:12]
    return f"netpath-lab:{digest}"


def ensure_image(suite: str, packages: tuple[str, ...], log=print) -> str:
    tag = image_tag(suite, packages)
    if run(["docker", "image", "inspect", tag], check=False).returncode == 0:
        return tag
    log(f"building {tag} from Debian {suite} packages (mmdebstrap | docker import)")
    started = time.monotonic()
    hooks = [f"--customize-hook={command}" for command in IMAGE_CLEANUP]
    for unit in _image_units():
        hooks += [f"--customize-hook=copy-in {unit} /etc/systemd/system",
                  f'--customize-hook=chroot "$1" systemctl enable {unit.name}']
    debootstrap = subprocess.Popen(
        ["mmdebstrap", "--variant=minbase", "--quiet", f"--include={','.join(packages)}", *hooks, suite, "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        imported = subprocess.run(["docker", "import", "--change", 'CMD ["/sbin/init"]', "-", tag],
                                  stdin=debootstrap.stdout, capture_output=True, text=True, timeout=900)
    finally:
        debootstrap.stdout.close()
        errors = debootstrap.stderr.read().decode(errors="replace")
        debootstrap.wait(timeout=60)
    if debootstrap.returncode != 0 or imported.returncode != 0:
        run(["docker", "image", "rm", "-f", tag], check=False)
        raise LabError(f"image build failed: {errors.strip()[-2000:]} {imported.stderr.strip()}")
    log(f"built {tag} in {time.monotonic() - started:.0f} s")
    stale = run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "netpath-lab"]).stdout.split()
    for old in (name for name in stale if name != tag):
        run(["docker", "image", "rm", old], check=False)  # still in use by a container: kept
    return tag


def container_state(name: str) -> dict | None:
    proc = run(["docker", "container", "inspect", name], check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)[0]


def create_container(host: Host, image: str) -> None:
    spec = CONTAINER_SPEC
    argv = ["docker", "run", "--detach", "--name", host.name, "--hostname", host.name,
            "--label", f"{LABEL_LAB}=1", "--label", f"{LABEL_TOPOLOGY}={host.topology}",
            "--network", spec["network_mode"], "--cgroupns", spec["cgroupns_mode"],
            "--stop-signal", spec["stop_signal"]]
    for cap in spec["capabilities"]:
        argv += ["--cap-add", cap]
    for device in spec["devices"]:
        argv += ["--device", device]
    for volume in spec["volumes"]:
        argv += ["--volume", volume]
    for tmpfs in spec["tmpfs"]:
        argv += ["--tmpfs", tmpfs]
    run(argv + [image, spec["command"]])


def remove_containers(names: list[str]) -> None:
    if names:
        run(["docker", "rm", "--force", "--volumes", *names], check=False)


def lab_containers(topology: str | None = None) -> list[str]:
    label = f"{LABEL_TOPOLOGY}={topology}" if topology else LABEL_LAB
    out = run(["docker", "ps", "--all", "--filter", f"label={label}",
               "--format", "{{.Names}}"]).stdout
    return sorted(out.split())


def pid_of(name: str) -> int:
    state = container_state(name)
    if not state or not state["State"]["Running"]:
        raise LabError(f"container {name} is not running")
    return int(state["State"]["Pid"])


def exec_in(name: str, argv: list[str], *, check: bool = True, input: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    interactive = ["--interactive"] if input is not None else []
    return run(["docker", "exec", *interactive, name, *argv], check=check, input=input, timeout=timeout)


def write_file(name: str, path: str, content: str, mode: str = "0644", only_if_missing: bool = False) -> bool:
    """Write a file in the container if its content differs (or, with only_if_missing, if it is not
    there at all); True when it changed."""
    current = exec_in(name, ["cat", path], check=False)
    if current.returncode == 0 and (only_if_missing or current.stdout == content):
        return False
    exec_in(name, ["mkdir", "-p", path.rsplit("/", 1)[0] or "/"])
    exec_in(name, ["tee", path], input=content)
    exec_in(name, ["chmod", mode, path])
    return True


def wait_for_systemd(name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = exec_in(name, ["systemctl", "is-system-running"], check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(0.5)
    raise LabError(f"systemd in {name} did not finish booting in {timeout:.0f} s (state {state!r})")
