# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where dockerd runs and what manages it (module_utils/docker_mtu.py), from processes and paths."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu

# /proc/PID/cgroup of dockerd as each manager leaves it.
SYSTEMD_V2 = "0::/system.slice/docker.service\n"
SYSTEMD_IN_CONTAINER = "0::/system.slice/docker-4f2a9c.scope/system.slice/docker.service\n"
SYSTEMD_V1 = "12:pids:/system.slice/docker.service\n1:name=systemd:/system.slice/docker.service\n0::/\n"
SNAP = "0::/system.slice/snap.docker.dockerd.service\n"
OPENRC = "0::/openrc.docker\n"
# Started by hand in an ssh session, and in a container's root cgroup (this machine's own dockerd).
SESSION = "0::/user.slice/user-0.slice/session-3.scope\n"
ROOT = "9:name=systemd:/\n4:memory:/process_api/9920b3\n0::/\n"


def process(pid=812, cmdline=("/usr/sbin/dockerd", "-H", "fd://"), cgroup=SYSTEMD_V2, comm="dockerd"):
    return {"pid": pid, "comm": comm, "cmdline": list(cmdline), "cgroup": cgroup}


def paths(*present):
    return lambda path: path in present


@pytest.mark.parametrize("proc, expected", [
    (process(), True),
    (process(comm="exe", cmdline=["/usr/bin/dockerd"]), True),
    (process(comm="dockerd", cmdline=[]), True),  # a kernel-side name without a readable command line
    (process(comm="containerd", cmdline=["/usr/bin/containerd"]), False),
    (process(comm="bash", cmdline=["bash", "-c", "dockerd"]), False),
    (process(comm="docker", cmdline=["docker", "ps"]), False),
])
def test_dockerd_is_known_by_its_name_or_its_program(proc, expected):
    assert docker_mtu.is_dockerd(proc) is expected


def test_the_first_dockerd_is_the_daemon():
    found = docker_mtu.find_dockerd([process(pid=2000, cgroup=SESSION), process(comm="sshd", pid=3, cmdline=["sshd"]),
                                     process(pid=812)])
    assert found["pid"] == 812
    assert docker_mtu.find_dockerd([process(comm="sshd", cmdline=["sshd"])]) is None


@pytest.mark.parametrize("argv, mtu_flags, mtu, config_file", [
    (["/usr/sbin/dockerd", "-H", "fd://"], [], None, None),
    (["dockerd", "--mtu", "1500"], ["--mtu 1500"], 1500, None),
    (["dockerd", "--mtu=1400", "--config-file=/srv/docker.json"], ["--mtu=1400"], 1400, "/srv/docker.json"),
    (["dockerd", "--config-file", "/var/snap/docker/2976/config/daemon.json"], [], None,
     "/var/snap/docker/2976/config/daemon.json"),
    # --mtu-something is another flag; a last --mtu without its value is still named
    (["dockerd", "--mtu-x=3", "--mtu"], ["--mtu"], None, None),
])
def test_dockerd_flags(argv, mtu_flags, mtu, config_file):
    assert docker_mtu.dockerd_flags(argv) == {"mtu_flags": mtu_flags, "mtu": mtu, "config_file": config_file}


@pytest.mark.parametrize("proc, present, manager, service, restart", [
    (process(), (), "systemd", "docker.service", ["systemctl", "restart", "docker.service"]),
    (process(cgroup=SYSTEMD_IN_CONTAINER), (), "systemd", "docker.service",
     ["systemctl", "restart", "docker.service"]),
    (process(cgroup=SYSTEMD_V1), (), "systemd", "docker.service", ["systemctl", "restart", "docker.service"]),
    (process(cgroup="0::/system.slice/moby-engine.service\n"), (), "systemd", "moby-engine.service",
     ["systemctl", "restart", "moby-engine.service"]),
    (process(cgroup=SNAP, cmdline=["dockerd", "--config-file=/var/snap/docker/2976/config/daemon.json"]), (),
     "snap", "snap.docker.dockerd.service", ["snap", "restart", "docker"]),
    (process(cgroup=ROOT, cmdline=["/snap/docker/2976/bin/dockerd"]), (), "snap", "snap.docker.dockerd.service",
     ["snap", "restart", "docker"]),
    (process(cgroup=OPENRC), (), "openrc", "docker", ["rc-service", "docker", "restart"]),
    (process(cgroup=ROOT), ("/run/openrc/started/docker",), "openrc", "docker", ["rc-service", "docker", "restart"]),
    (process(cgroup=SESSION), (), None, None, None),
    (process(cgroup=ROOT, cmdline=["dockerd"]), (), None, None, None),
    (process(cgroup=""), (), None, None, None),
])
def test_the_manager_is_what_restarts_dockerd(proc, present, manager, service, restart):
    assert docker_mtu.dockerd_manager(proc, paths(*present)) == {"manager": manager, "service": service,
                                                                 "restart": restart}


def test_a_dockerd_under_systemd():
    daemon = docker_mtu.docker_daemon([process()], paths("/run/docker.sock", "/var/run/docker.sock"))
    assert daemon["running"] and daemon["pid"] == 812 and daemon["manager"] == "systemd"
    assert daemon["config_file"] == "/etc/docker/daemon.json" and daemon["mtu_flags"] == []
    assert daemon["sockets"] == ["/run/docker.sock", "/var/run/docker.sock"]
    assert daemon["how"] == "dockerd (PID 812) runs under systemd as docker.service"


def test_a_plain_dockerd_with_its_own_config_file_and_mtu():
    daemon = docker_mtu.docker_daemon(
        [process(pid=4242, cgroup=SESSION, cmdline=["dockerd", "--config-file", "/srv/d.json", "--mtu", "1500"])],
        paths("/var/run/docker.sock"))
    assert daemon["running"] and daemon["manager"] is None and daemon["restart"] is None
    assert daemon["config_file"] == "/srv/d.json" and daemon["mtu"] == 1500 and daemon["mtu_flags"] == ["--mtu 1500"]
    assert daemon["how"].startswith("dockerd (PID 4242) runs outside any service manager this role knows")


def test_the_snap_reads_its_own_daemon_json():
    daemon = docker_mtu.docker_daemon([process(cgroup=SNAP, cmdline=["/snap/docker/2976/bin/dockerd"])],
                                      paths("/run/docker.sock"))
    assert daemon["config_file"] == "/var/snap/docker/current/config/daemon.json"
    assert daemon["restart"] == ["snap", "restart", "docker"]


def test_no_dockerd_is_not_running_even_with_a_socket():
    daemon = docker_mtu.docker_daemon([process(comm="sshd", cmdline=["sshd"])], paths("/run/docker.sock"))
    assert not daemon["running"] and daemon["pid"] is None and daemon["manager"] is None
    assert daemon["how"] == "no dockerd process runs (/run/docker.sock exists)"
    assert docker_mtu.docker_daemon([], paths())["how"] == "no dockerd process runs"
