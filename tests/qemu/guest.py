# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A throwaway Debian 12 guest under qemu, to run roles against a real Debian kernel.

The lab's containers share this machine's kernel, which has no fq_codel, cake or fq (and no
module support at all), so the qdisc role's positive path needs a kernel of its own: Debian's
linux-image-amd64 (fq_codel built in, cake and fq as modules), booted by qemu under software
emulation (-accel tcg; KVM does not boot here).

  build  mmdebstrap a bookworm rootfs with the kernel, initramfs-tools, systemd, openssh-server,
         python3, iproute2, kmod, sudo and procps; copy the kernel and initrd out of its /boot;
         make it an ext4 image (mkfs.ext4 -d, no loop mount); authorize a throwaway ssh key for
         root. Cached outside the checkout, in a directory named after the recipe's hash, so a
         fresh clone reuses it and a changed recipe builds anew (about 3 min).
  up     boot it: -snapshot (writes go to a temporary overlay that lives as long as the qemu
         process, so a reboot of the guest keeps them and the next boot starts clean),
         user-mode networking with restrict=on (no network beyond the host) and one port
         forward, 127.0.0.1:PORT -> the guest's ssh; wait until ssh answers; write an Ansible
         inventory (host qdisc-guest) next to the image.
  down   stop the qemu process this script started (from its pidfile, checked against
         /proc/PID/cmdline).

Every step is bounded: mmdebstrap 900 s, boot to ssh 300 s (NETPATH_QEMU_BOOT_TIMEOUT), shutdown
20 s then SIGKILL. Environment: NETPATH_QEMU_DIR (default
/var/cache/netpath-mtu/qemu-guest-<recipe hash>),
NETPATH_QEMU_PORT (default: a free port), NETPATH_QEMU_MIRROR (default: mmdebstrap's).
Needs root, qemu-system-x86, mmdebstrap, e2fsprogs and openssh-client.
"""

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUITE = "bookworm"
PACKAGES = ("linux-image-amd64", "initramfs-tools", "systemd-sysv", "udev", "dbus", "openssh-server", "python3",
            "iproute2", "kmod", "sudo", "procps", "wireguard-tools")
# The guest's starting point: every interface comes up with pfifo_fast, so that what the role
# sets is visible (Debian's systemd makes fq_codel the default in /usr/lib/sysctl.d/50-default.conf).
BASELINE_SYSCTL = ("# netpath.mtu's qemu guest: start from the kernel's own default\n"
                   "net.core.default_qdisc = pfifo_fast\n")
NETWORK = "[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n"
RECIPE_VERSION = 1
IMAGE_SIZE = "2G"
HOSTNAME = "qdisc-guest"
BUILD_TIMEOUT = 900
STOP_TIMEOUT = 20


def note(msg):
    print(f"guest.py: {msg}", file=sys.stderr, flush=True)


def workdir():
    if os.environ.get("NETPATH_QEMU_DIR"):
        return Path(os.environ["NETPATH_QEMU_DIR"])
    digest = hashlib.sha256(recipe().encode()).hexdigest()[:12]
    return Path("/var/cache/netpath-mtu") / f"qemu-guest-{digest}"


def recipe():
    return json.dumps({"version": RECIPE_VERSION, "suite": SUITE, "packages": PACKAGES, "sysctl": BASELINE_SYSCTL,
                       "network": NETWORK, "size": IMAGE_SIZE,
                       "mirror": os.environ.get("NETPATH_QEMU_MIRROR", "")}, sort_keys=True)


def run(argv, timeout, **kwargs):
    note("$ " + " ".join(str(a) for a in argv))
    return subprocess.run([str(a) for a in argv], check=True, timeout=timeout, **kwargs)


def require_tools():
    missing = [t for t in ("qemu-system-x86_64", "mmdebstrap", "mkfs.ext4", "ssh", "ssh-keygen") if not shutil.which(t)]
    if missing:
        raise SystemExit(f"guest.py: missing {', '.join(missing)} "
                         "(apt-get install qemu-system-x86 mmdebstrap e2fsprogs openssh-client)")
    if os.geteuid() != 0:
        raise SystemExit("guest.py: mmdebstrap's root mode and mkfs.ext4 -d with root-owned files need root")


def build(force=False):
    """Build (or reuse) the image, kernel, initrd and key; return the work directory."""
    work = workdir()
    stamp = work / "recipe.sha256"
    digest = hashlib.sha256(recipe().encode()).hexdigest()
    parts = [work / n for n in ("rootfs.raw", "vmlinuz", "initrd.img", "id_ed25519")]
    if not force and stamp.exists() and stamp.read_text().strip() == digest and all(p.exists() for p in parts):
        note(f"reusing the guest in {work}")
        return work
    require_tools()
    work.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    key = work / "id_ed25519"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "netpath-qemu-guest", "-f", key], 30)
    root = work / "rootfs"
    if root.exists():
        shutil.rmtree(root)
    argv = ["mmdebstrap", "--mode=root", "--variant=apt", "--include=" + ",".join(PACKAGES),
            "--customize-hook=chroot \"$1\" systemctl enable systemd-networkd.service",
            "--customize-hook=chroot \"$1\" systemctl mask apt-daily.timer apt-daily-upgrade.timer",
            SUITE, root]
    if os.environ.get("NETPATH_QEMU_MIRROR"):
        argv.append(os.environ["NETPATH_QEMU_MIRROR"])
    run(argv, BUILD_TIMEOUT)
    customize(root, (key.with_suffix(".pub")).read_text())
    boot = root / "boot"
    kernels = sorted(boot.glob("vmlinuz-*"))
    initrds = sorted(boot.glob("initrd.img-*"))
    if not kernels or not initrds:
        raise SystemExit(f"guest.py: no kernel or initrd in {boot} (did linux-image-amd64's postinst run?)")
    shutil.copyfile(kernels[-1], work / "vmlinuz")
    shutil.copyfile(initrds[-1], work / "initrd.img")
    (work / "kernel-release").write_text(kernels[-1].name[len("vmlinuz-"):] + "\n")
    image = work / "rootfs.raw"
    image.unlink(missing_ok=True)
    run(["mkfs.ext4", "-q", "-L", "root", "-d", root, image, IMAGE_SIZE], 300)
    shutil.rmtree(root)
    stamp.write_text(digest + "\n")
    note(f"built {image} (kernel {(work / 'kernel-release').read_text().strip()})")
    return work


def customize(root, pubkey):
    (root / "etc/hostname").write_text(HOSTNAME + "\n")
    (root / "etc/hosts").write_text(f"127.0.0.1 localhost\n127.0.1.1 {HOSTNAME}\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    (root / "etc/sysctl.d/60-qemu-guest-baseline.conf").write_text(BASELINE_SYSCTL)
    (root / "etc/systemd/network/20-eth0.network").write_text(NETWORK)
    ssh = root / "root/.ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text(pubkey)
    os.chmod(ssh / "authorized_keys", 0o600)
    # A guest that boots in seconds, not minutes: no waiting for "the network is online".
    wait_online = root / "etc/systemd/system/systemd-networkd-wait-online.service"
    if not wait_online.exists():
        wait_online.symlink_to("/dev/null")


def collections_path():
    """A directory Ansible finds this checkout in as the collection netpath.mtu."""
    if (REPO.parent.name, REPO.parent.parent.name) == ("netpath", "ansible_collections"):
        return REPO.parent.parent.parent
    root = REPO / ".cache" / "collections"
    link = root / "ansible_collections" / "netpath" / "mtu"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    return root


def tool(name):
    """A tool of this Python's environment (ansible-playbook), else from PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    """A booted guest: ssh on 127.0.0.1:port, qemu's pid in work/qemu.pid."""

    def __init__(self, work, port=None):
        self.work = Path(work)
        self.port = int(port or os.environ.get("NETPATH_QEMU_PORT") or free_port())
        self.proc = None
        self.pidfile = self.work / "qemu.pid"
        self.console = self.work / "console.log"
        self.inventory = self.work / "inventory.yml"

    def argv(self):
        w = self.work
        return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "2",
                "-no-user-config", "-nodefaults", "-display", "none", "-monitor", "none",
                "-serial", f"file:{self.console}", "-pidfile", str(self.pidfile),
                "-kernel", str(w / "vmlinuz"), "-initrd", str(w / "initrd.img"),
                "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0",
                "-drive", f"file={w / 'rootfs.raw'},if=virtio,format=raw", "-snapshot",
                "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{self.port}-:22",
                "-device", "virtio-net-pci,netdev=n0"]

    def ssh_argv(self, *command):
        return ["ssh", "-i", str(self.work / "id_ed25519"), "-p", str(self.port), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=5", "root@127.0.0.1", *command]

    def ssh(self, *command, timeout=60, stdin=None):
        """Run `command` on the guest; `stdin`, text given to it (a script to copy there)."""
        return subprocess.run(self.ssh_argv(*command), capture_output=True, text=True, timeout=timeout, check=False,
                              input=stdin)

    def start(self, timeout=None):
        timeout = float(timeout or os.environ.get("NETPATH_QEMU_BOOT_TIMEOUT") or 300)
        self.console.write_text("")
        note(f"booting the guest, ssh on 127.0.0.1:{self.port} (at most {timeout:.0f} s)")
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.work / "qemu.stderr", "w"), start_new_session=True)  # noqa: SIM115
        try:
            self.wait_ssh(timeout)
        except BaseException:
            self.stop()
            raise
        note(f"ssh answered after {time.monotonic() - started:.1f} s")
        self.write_inventory()
        return self

    def wait_ssh(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"qemu exited with {self.proc.returncode}: {self.stderr()}\n{self.console_tail()}")
            try:
                if self.ssh("true", timeout=15).returncode == 0:
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(2)
        raise TimeoutError(f"the guest's ssh did not answer within {timeout:.0f} s; console:\n{self.console_tail()}")

    def stderr(self):
        path = self.work / "qemu.stderr"
        return path.read_text(errors="replace").strip() if path.exists() else ""

    def console_tail(self, lines=40):
        text = self.console.read_text(errors="replace") if self.console.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def write_inventory(self):
        self.inventory.write_text(
            f"all:\n  hosts:\n    {HOSTNAME}:\n"
            + "".join(f"      {k}: {v}\n" for k, v in (
                ("ansible_host", "127.0.0.1"), ("ansible_port", self.port), ("ansible_user", "root"),
                ("ansible_connection", "ssh"), ("ansible_python_interpreter", "/usr/bin/python3"),
                ("ansible_ssh_private_key_file", self.work / "id_ed25519"),
                ("ansible_ssh_common_args", "'-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"))))

    def stop(self):
        pid = self.proc.pid if self.proc is not None else read_pid(self.pidfile)
        if pid is None:
            return
        note(f"stopping qemu (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and alive(pid, self.proc):
            time.sleep(0.2)
        if alive(pid, self.proc):
            os.kill(pid, signal.SIGKILL)
            if self.proc is not None:
                self.proc.wait(10)
        self.pidfile.unlink(missing_ok=True)
        self.proc = None


def alive(pid, proc):
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def read_pid(pidfile):
    """The pid in qemu's pidfile, if that process is a qemu of this work directory."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if not cmdline or not cmdline[0].endswith(b"qemu-system-x86_64") or str(pidfile).encode() not in cmdline:
        return None
    return pid


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("command", choices=["build", "up", "down"])
    parser.add_argument("--force", action="store_true", help="build: rebuild even when the recipe is unchanged")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(force=args.force)
    elif args.command == "up":
        work = build()
        guest = Guest(work)
        if read_pid(guest.pidfile):
            raise SystemExit(f"guest.py: a guest of {work} is already running (guest.py down first)")
        guest.start()
        guest.proc = None  # leave it running: `guest.py down` stops it through the pidfile
        print(guest.inventory)
    else:
        Guest(workdir()).stop()


if __name__ == "__main__":
    main()
