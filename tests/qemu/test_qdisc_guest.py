"""The qdisc role's positive path, on a real kernel that has fq_codel, cake and fq: Debian 12's
linux-image-amd64 in a qemu guest (guest.py), reached by Ansible over ssh on a loopback port.

The tests run in order on one guest (booted with -snapshot, so it starts clean every time):
the kernel's answers (support.yml), check mode, the fix and its second run, fq and cake by
their own units, a link re-created, traffic through the qdisc, and a reboot. Each state is read
over ssh with tc and cat, not from the role's own report. The guest is torn down at the end,
also on failure.

Not in pyproject's testpaths (it takes 8 to 10 minutes, most of it the emulated boots): run
`pytest tests/qemu` as root, with qemu-system-x86 and mmdebstrap installed.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import guest as qemu_guest  # noqa: E402

HERE = Path(__file__).parent
REPO = HERE.parents[1]
PLAYBOOK_TIMEOUT = 600


def playbook(vm, name, *args, expect_rc=0):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(qemu_guest.collections_path()), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False")
    argv = [qemu_guest.tool("ansible-playbook"), "-i", str(vm.inventory), str(HERE / name), *args]
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=PLAYBOOK_TIMEOUT, check=False)
    print(f"$ {' '.join(argv[1:])}  ({time.monotonic() - started:.1f} s)\n{proc.stdout}{proc.stderr}")
    assert proc.returncode == expect_rc, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = re.search(r"qdisc-guest\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout)
    assert recap, proc.stdout[-2000:]
    return {"ok": int(recap[1]), "changed": int(recap[2]), "failed": int(recap[4]), "stdout": proc.stdout}


def apply(vm, *args, **variables):
    return playbook(vm, "apply.yml", "-e", json.dumps(variables), *args)


def sh(vm, command, timeout=60):
    proc = vm.ssh(command, timeout=timeout)
    assert proc.returncode == 0, f"{command}: {proc.stderr}"
    return proc.stdout


def state(vm):
    """What the role changes, read over ssh: root qdiscs, the default, the files, the units."""
    qdiscs = json.loads(sh(vm, "tc -j qdisc show"))
    return {
        "roots": {q["dev"]: q["kind"] for q in qdiscs if q.get("root")},
        "default": sh(vm, "cat /proc/sys/net/core/default_qdisc").strip(),
        "files": sh(vm, "ls -1 /etc/sysctl.d /etc/netpath-mtu/qdisc /etc/systemd/system "
                        "/etc/systemd/system/sys-subsystem-net-devices-*.device.wants 2>/dev/null; true"),
        "sysctl_file": sh(vm, "cat /etc/sysctl.d/90-netpath-qdisc.conf 2>/dev/null; true"),
        "units": sh(vm, "systemctl list-unit-files --no-legend 'netpath-qdisc*'; true"),
    }


def wait_for_root(vm, dev, kind, timeout=20):
    deadline = time.monotonic() + timeout
    roots = None
    while time.monotonic() < deadline:
        roots = state(vm)["roots"]
        if roots.get(dev) == kind:
            return roots
        time.sleep(1)
    raise AssertionError(f"{dev}'s root qdisc is {roots.get(dev)} after {timeout} s, not {kind}")


def test_the_guest_starts_with_pfifo_fast(guest):
    s = state(guest)
    assert s["roots"] == {"lo": "noqueue", "eth0": "pfifo_fast"}
    assert s["default"] == "pfifo_fast"
    assert "netpath" not in s["files"] and s["units"].strip() == ""


def test_the_kernel_has_fq_codel_built_in_and_cake_and_fq_loadable(guest):
    result = playbook(guest, "support.yml")
    assert result["changed"] == 0


def test_check_mode_reports_and_changes_nothing(guest):
    before = state(guest)
    result = apply(guest, "--check", "--diff", qdisc_kind="fq_codel", qdisc_interfaces=["eth0"])
    assert result["changed"] >= 4
    assert "would run: /usr/sbin/tc qdisc replace dev eth0 root fq_codel (the root qdisc is pfifo_fast)" \
        in result["stdout"]
    assert "would enable netpath-qdisc@eth0.service" in result["stdout"]
    assert "+QDISC_KIND=fq_codel" in result["stdout"]      # the diff of the per-interface file
    assert state(guest) == before


def test_fq_codel_on_eth0_live_and_persistent(guest):
    result = apply(guest, "--diff", qdisc_kind="fq_codel", qdisc_interfaces=["eth0"])
    assert result["changed"] >= 4
    s = state(guest)
    assert s["roots"] == {"lo": "noqueue", "eth0": "fq_codel"}
    assert s["default"] == "fq_codel"
    assert s["sysctl_file"].strip() == "net.core.default_qdisc=fq_codel"
    assert "netpath-qdisc@eth0.service" in s["files"]        # the link in the device's .wants
    assert sh(guest, "systemctl is-enabled netpath-qdisc@eth0.service").strip() == "enabled"


def test_a_second_run_changes_nothing_also_in_check_mode(guest):
    before = state(guest)
    assert apply(guest, qdisc_kind="fq_codel", qdisc_interfaces=["eth0"])["changed"] == 0
    assert apply(guest, "--check", qdisc_kind="fq_codel", qdisc_interfaces=["eth0"])["changed"] == 0
    assert state(guest) == before


def test_traffic_leaves_through_fq_codel(guest):
    def sent():
        stats = json.loads(sh(guest, "tc -s -j qdisc show dev eth0"))
        root = next(q for q in stats if q.get("root"))
        assert root["kind"] == "fq_codel"
        return root["bytes"]

    before = sent()
    started = time.monotonic()
    proc = subprocess.run(guest.ssh_argv("head -c 20000000 /dev/zero"), capture_output=True, timeout=300,
                          check=False)
    elapsed = time.monotonic() - started
    after = sent()
    print(f"20000000 bytes from the guest in {elapsed:.2f} s; fq_codel on eth0 sent {after - before} bytes")
    assert proc.returncode == 0 and len(proc.stdout) == 20_000_000
    assert after - before >= 20_000_000


def test_fq_on_eth0_without_the_default_and_cake_on_a_dummy_link(guest):
    sh(guest, "ip link add dummy0 type dummy && ip link set dummy0 up")
    assert apply(guest, qdisc_kind="fq", qdisc_interfaces=["eth0"], qdisc_default=False)["changed"] >= 2
    assert apply(guest, qdisc_kind="cake", qdisc_interfaces=["dummy0"], qdisc_default=False)["changed"] >= 3
    s = state(guest)
    assert s["roots"] == {"lo": "noqueue", "eth0": "fq", "dummy0": "cake"}
    assert s["default"] == "fq_codel"                         # left as the fq_codel run set it
    assert sh(guest, "cat /etc/netpath-mtu/qdisc/eth0.conf /etc/netpath-mtu/qdisc/dummy0.conf").splitlines()[1::2] \
        == ["QDISC_KIND=fq", "QDISC_KIND=cake"]


def test_a_recreated_link_gets_its_qdisc_again(guest):
    sh(guest, "ip link del dummy0 && ip link add dummy0 type dummy")
    wait_for_root(guest, "dummy0", "cake")
    assert sh(guest, "systemctl is-active netpath-qdisc@dummy0.service").strip() == "active"


def test_after_a_reboot(guest):
    boot_id = sh(guest, "cat /proc/sys/kernel/random/boot_id").strip()
    guest.ssh("systemctl reboot", timeout=30)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        time.sleep(3)
        proc = guest.ssh("cat /proc/sys/kernel/random/boot_id", timeout=20)
        if proc.returncode == 0 and proc.stdout.strip() != boot_id:
            break
    else:
        raise AssertionError("the guest did not come back within 300 s:\n" + guest.console_tail())
    s = state(guest)
    # eth0: fq, from its unit (the default says fq_codel); dummy0 is gone with the boot
    assert s["roots"] == {"lo": "noqueue", "eth0": "fq"}
    assert s["default"] == "fq_codel"
    assert sh(guest, "systemctl is-active netpath-qdisc@eth0.service").strip() == "active"
    assert apply(guest, qdisc_kind="fq", qdisc_interfaces=["eth0"], qdisc_default=False)["changed"] == 0
