"""One guest for every test of tests/qemu: booting Debian's kernel under emulation is most of
their time, so the link types (test_link_types_guest.py) and the qdisc role
(test_qdisc_guest.py) share a boot. Each test module leaves the guest as it found it."""

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import guest as qemu_guest  # noqa: E402


@pytest.fixture(scope="session")
def guest():
    missing = [t for t in ("qemu-system-x86_64", "mmdebstrap", "mkfs.ext4", "ssh") if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install qemu-system-x86 mmdebstrap)")
    if os.geteuid() != 0:
        pytest.skip("needs root (mmdebstrap --mode=root, mkfs.ext4 -d)")
    if not qemu_guest.tool("ansible-playbook"):
        pytest.skip("needs ansible-playbook")
    vm = qemu_guest.Guest(qemu_guest.build())
    vm.start()
    try:
        yield vm
    finally:
        vm.stop()
