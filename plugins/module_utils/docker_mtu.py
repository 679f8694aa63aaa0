# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker's MTU: daemon.json's "mtu", and the networks whose MTU is too large for the uplink.

Plain functions on the text of daemon.json and on the networks of mtu_facts' docker part
(parsers.docker_networks); the role netpath.mtu.docker_mtu calls them through filters.

What Docker does with an MTU (checked on Docker 20.10 in the lab, and in moby's source):
* daemon.json's "mtu" is the default bridge's (docker0): the daemon gives it to the "bridge"
  network when it starts, and containers started after that get veths of that MTU. It does not
  apply to networks made with `docker network create`, nor to docker_gwbridge.
* A bridge network's com.docker.network.driver.mtu is the MTU of its containers' interfaces; a
  network made without it gives them 1500.
* An overlay network's com.docker.network.driver.mtu is the MTU of the underlay the network
  assumes (1500 without it): Docker takes the VXLAN header off it, so containers get 1450 by
  default and their VXLAN packets are 1500 bytes on the uplink. The option must therefore be at
  most the uplink's MTU, and containers get that less the VXLAN overhead.
* A network's options are fixed when it is made: a different MTU needs the network made again.
"""

import json
import math
import shlex

from ansible_collections.netpath.mtu.plugins.module_utils import encap, parsers
from ansible_collections.netpath.mtu.plugins.module_utils.limits import DOCKER_MTU_RANGE

MTU_OPTION = "com.docker.network.driver.mtu"
DEFAULT_BRIDGE_OPTION = "com.docker.network.bridge.default_bridge"
# The MTU Docker gives a network made without MTU_OPTION.
DOCKER_DEFAULT_MTU = 1500
# Options Docker writes itself when it makes a network; they take no part in making it again.
GENERATED_OPTIONS = ("com.docker.network.driver.overlay.vxlanid_list",)
# The scope a driver's networks have unless --scope says otherwise.
DRIVER_SCOPES = {"bridge": "local", "overlay": "swarm"}


def check_mtu(value, name="docker_mtu"):
    """`value` as an MTU number; ValueError naming `name`, the value and what is allowed."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ValueError("%s=%s is not allowed: give a number of bytes, %d..%d, or auto (the uplink's MTU)"
                         % ((name, value) + DOCKER_MTU_RANGE))
    mtu = int(text)
    low, high = DOCKER_MTU_RANGE
    if not low <= mtu <= high:
        raise ValueError("%s=%d is outside %d..%d (%d: the smallest MTU IPv6 works with; %d: the largest dockerd "
                         "and the kernel give a bridge)" % (name, mtu, low, high, low, high))
    return mtu


def overlay_inner_mtu(underlay_mtu):
    """MTU Docker gives containers on an overlay (VXLAN) network made for `underlay_mtu`."""
    return encap.inner_mtu(underlay_mtu, ["vxlan/ipv4"])


def daemon_json_change(text, mtu):
    """daemon.json with "mtu" set, every other setting as it was.

    text: the file's content, None when there is no file. Returns {settings, previous_mtu,
    changed, content, error}: content is the text to write (the file's own text when "mtu" is
    already the number asked for, whatever the layout); error says why the file cannot be
    changed (not JSON, a key twice, not an object), and then nothing else is set.
    """
    try:
        settings = parsers.docker_daemon_json(text or "")
        _refuse_non_finite(settings, "")
    except parsers.ParseError as exc:
        return {"error": str(exc), "changed": False, "content": text, "settings": None, "previous_mtu": None}
    previous = settings.get("mtu")
    # dockerd wants a JSON number: "1450" (a string) stops it from starting.
    changed = not (isinstance(previous, int) and not isinstance(previous, bool) and previous == mtu)
    after = dict(settings)
    after["mtu"] = mtu
    return {"error": None, "changed": changed, "settings": settings, "previous_mtu": previous,
            "content": json.dumps(after, indent=2, ensure_ascii=False, allow_nan=False) + "\n" if changed else text}


def _refuse_non_finite(value, path):
    """ParseError naming the first NaN or Infinity in daemon.json's settings: Python's JSON reader
    takes them, but they are not JSON and dockerd does not start with them."""
    if isinstance(value, float) and not math.isfinite(value):
        raise parsers.ParseError("not JSON: %s is %s, which JSON has no number for" % (path or "the file", value))
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        _refuse_non_finite(item, "%s[%s]" % (path, json.dumps(key)) if path else json.dumps(key))


def _option_mtu(net, networks):
    """The network's MTU option, from its config-only network when it was made from one."""
    if net.get("config_from"):
        for other in networks:
            if other.get("name") == net["config_from"]:
                return other.get("mtu")
    return net.get("mtu")


def is_default_bridge(net):
    return net.get("driver") == "bridge" and str((net.get("options") or {}).get(DEFAULT_BRIDGE_OPTION)) == "true"


def network_mtus(net, networks=()):
    """(MTU containers on `net` get, the MTU option it was made with or None) for bridge and overlay networks."""
    option = _option_mtu(net, networks)
    if net.get("driver") == "overlay":
        return overlay_inner_mtu(option or DOCKER_DEFAULT_MTU), option
    return option or DOCKER_DEFAULT_MTU, option


def max_mtu(driver, mtu):
    """The largest MTU containers on a network of `driver` may have when Docker's MTU is `mtu`."""
    return overlay_inner_mtu(mtu) if driver == "overlay" else mtu


def networks_too_big(networks, mtu, uplink=None):
    """The bridge and overlay networks whose containers get a larger MTU than `mtu` allows.

    The default bridge is left out: it takes daemon.json's MTU when the daemon restarts. Each
    entry: {name, id, driver, scope, mtu (what containers on it get), max_mtu, option (its MTU
    option, None when it has none), containers (attached here), why, recreate (the commands),
    problems (what stands in the way of making it again), summary (all of it in a line)}.
    uplink names the interface `mtu` comes from, for the explanation.
    """
    limit = "%d, the MTU of %s" % (mtu, uplink) if uplink else "docker_mtu %d" % mtu
    result = []
    for net in networks or []:
        driver = net.get("driver")
        if driver not in DRIVER_SCOPES or net.get("config_only") or is_default_bridge(net):
            continue
        containers_mtu, option = network_mtus(net, networks)
        largest = max_mtu(driver, mtu)
        if containers_mtu <= largest:
            continue
        if option:
            made = "%s=%d" % (MTU_OPTION, option)
        else:
            made = "no %s (Docker's default, %d)" % (MTU_OPTION, DOCKER_DEFAULT_MTU)
        if driver == "overlay":
            why = ("a VXLAN network made with %s: its VXLAN packets are %d bytes on the uplink, more than %s; "
                   "containers on it get %d and may have at most %d (%d less %d for VXLAN)"
                   % (made, option or DOCKER_DEFAULT_MTU, limit, containers_mtu, largest, mtu, mtu - largest))
        else:
            why = ("a bridge network made with %s: containers on it get MTU %d, more than %s (daemon.json's mtu "
                   "only applies to the default bridge)" % (made, containers_mtu, limit))
        plan = recreate_plan(net, mtu, networks)
        result.append({"name": net.get("name"), "id": net.get("id"), "driver": driver, "scope": net.get("scope"),
                       "mtu": containers_mtu, "max_mtu": largest, "option": option,
                       "containers": list(net.get("containers") or []), "why": why,
                       "recreate": plan["command"], "problems": plan["problems"],
                       "summary": "%s (%s, MTU %d, at most %d): %s. Make it again: %s" % (
                           net.get("name"), driver, containers_mtu, largest, why, plan["command"])})
    return result


def _create_argv(net, mtu_option):
    argv = ["docker", "network", "create", "--driver", net["driver"]]
    scope = net.get("scope")
    if scope and scope != DRIVER_SCOPES.get(net["driver"]):
        argv += ["--scope", scope]
    for flag in ("internal", "attachable", "ingress", "ipv6"):
        if net.get(flag):
            argv.append("--" + flag)
    ipam = net.get("ipam") or {}
    if ipam.get("driver") not in (None, "default"):
        argv += ["--ipam-driver", ipam["driver"]]
    for key, value in sorted((ipam.get("options") or {}).items()):
        argv += ["--ipam-opt", "%s=%s" % (key, value)]
    # The CLI pairs each gateway, range and auxiliary address with the subnet that contains it.
    for config in ipam.get("config") or []:
        for flag, key in (("--subnet", "subnet"), ("--gateway", "gateway"), ("--ip-range", "ip_range")):
            if config.get(key):
                argv += [flag, config[key]]
        for name, address in sorted((config.get("aux_addresses") or {}).items()):
            argv += ["--aux-address", "%s=%s" % (name, address)]
    options = dict((k, v) for k, v in (net.get("options") or {}).items()
                   if k not in GENERATED_OPTIONS and k != MTU_OPTION)
    if mtu_option:
        options[MTU_OPTION] = str(mtu_option)
    for key, value in sorted(options.items()):
        # An option without a value (overlay's "encrypted") is given as its bare name.
        argv += ["--opt", "%s=%s" % (key, value) if value != "" else key]
    for key, value in sorted((net.get("labels") or {}).items()):
        argv += ["--label", "%s=%s" % (key, value)]
    return argv + [net["name"]]


def recreate_plan(net, mtu, networks=(), swarm_manager=None):
    """How to make `net` again with Docker's MTU `mtu`, everything else as it is.

    swarm_manager: whether this host manages the swarm (swarm networks are made on a manager);
    None when not known.

    Returns {remove, create, restore (argv lists), stdin (what `docker network rm` is answered,
    for the ingress network's question), command (the same for a human to run), problems (why
    it cannot be done safely now; empty when it can)}. restore makes the network as it was,
    for when the new one cannot be made.
    """
    name = net.get("name")
    problems = []
    if net.get("driver") not in DRIVER_SCOPES:
        problems.append("%s is a %s network; only bridge and overlay networks are made again"
                        % (name, net.get("driver")))
    if is_default_bridge(net):
        problems.append("%s is the default bridge, which the daemon makes itself: it takes daemon.json's mtu when "
                        "Docker restarts (docker_mtu_restart)" % name)
    if net.get("config_only") or net.get("config_from"):
        problems.append("%s is made from (or is) a config-only network (--config-from): make both again by hand"
                        % name)
    if net.get("containers"):
        problems.append("containers are attached to %s on this host: %s (stop them or `docker network disconnect` "
                        "them first)" % (name, ", ".join(net["containers"])))
    own = [e for e in net.get("swarm_endpoints") or [] if not (net.get("ingress") and e == "ingress-sbox")]
    if own and name == "docker_gwbridge":
        problems.append("docker_gwbridge connects swarm's routing mesh (%s) to the host: leave the swarm (docker "
                        "swarm leave), make docker_gwbridge again, and join again" % ", ".join(own))
    elif own:
        problems.append("swarm services or containers use %s on this host (%s): remove them from it first"
                        % (name, ", ".join(own)))
    if net.get("scope") == "swarm" and swarm_manager is False:
        problems.append("%s is a swarm network and this host is not a swarm manager: make it again on a manager"
                        % name)
    remove = ["docker", "network", "rm", name]
    create = _create_argv(net, mtu) if net.get("driver") in DRIVER_SCOPES else []
    command = "%s && %s" % (" ".join(shlex.quote(a) for a in remove), " ".join(shlex.quote(a) for a in create))
    if net.get("ingress"):
        command = "echo y | " + command
    return {"remove": remove, "create": create, "restore": _create_argv(net, net.get("mtu")) if create else [],
            "stdin": "y" if net.get("ingress") else None, "command": command, "problems": problems}


# Where dockerd runs, whatever starts it. mtu_facts reads the processes, the sockets and the
# service managers' marks (gather.Gatherer.dockerd_processes); these functions decide on that data.
DOCKER_SOCKETS = ("/run/docker.sock", "/var/run/docker.sock")
DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"
# The snap's dockerd reads its own file (the snap's --config-file), not /etc/docker's.
SNAP_DAEMON_JSON = "/var/snap/docker/current/config/daemon.json"
SNAP_SERVICE = "snap.docker.dockerd.service"
# OpenRC marks each started service here (and, with cgroups, runs it in the cgroup openrc.NAME).
OPENRC_STARTED = "/run/openrc/started/"
# The flags dockerd also takes from daemon.json: given in both places, dockerd refuses to start.
MTU_FLAG = "--mtu"
CONFIG_FILE_FLAG = "--config-file"


def is_dockerd(process):
    """Whether a process ({comm, cmdline}) is dockerd: its name, or its program's file name."""
    argv = process.get("cmdline") or []
    return process.get("comm") == "dockerd" or bool(argv) and argv[0].rsplit("/", 1)[-1] == "dockerd"


def find_dockerd(processes):
    """The dockerd process of `processes` ([{pid, comm, cmdline (argv list), cgroup}]), None when none runs.

    With several (a rootless one next to the system's), the one with the lowest PID, the first started.
    """
    found = sorted((p for p in processes or [] if is_dockerd(p)), key=lambda p: int(p.get("pid") or 0))
    return found[0] if found else None


def _flag_values(argv, flag):
    """The values of `flag` in argv, given as `--flag value` or `--flag=value`."""
    values = []
    for index, arg in enumerate(argv):
        if arg == flag and index + 1 < len(argv):
            values.append(argv[index + 1])
        elif arg.startswith(flag + "="):
            values.append(arg[len(flag) + 1:])
    return values


def dockerd_flags(argv):
    """What dockerd's command line says about its MTU and configuration.

    Returns {mtu_flags (each --mtu as given, e.g. ['--mtu=1500'] or ['--mtu', '1500'] joined:
    '--mtu 1500'), mtu (the number it gives, None without one), config_file (--config-file's
    value, None without one)}.
    """
    argv = list(argv or [])
    shown = []
    for index, arg in enumerate(argv):
        if arg == MTU_FLAG:
            shown.append(" ".join(argv[index:index + 2]))
        elif arg.startswith(MTU_FLAG + "="):
            shown.append(arg)
    mtus = [v for v in _flag_values(argv, MTU_FLAG) if v.strip().isdigit()]
    configs = _flag_values(argv, CONFIG_FILE_FLAG)
    return {"mtu_flags": shown, "mtu": int(mtus[-1]) if mtus else None,
            "config_file": configs[-1] if configs else None}


def _cgroup_path(cgroup):
    """The process's cgroup path from /proc/PID/cgroup: the unified one (0::), else systemd's (v1).

    On a hybrid host the unified line says only "/", and systemd's v1 hierarchy has the path.
    """
    paths = {}
    for line in (cgroup or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            paths[parts[1]] = parts[2]
    return next((p for p in (paths.get(""), paths.get("name=systemd")) if p and p != "/"), "")


def dockerd_manager(process, exists=lambda path: False):
    """What manages a dockerd process, and how to restart it through that.

    process: {pid, comm, cmdline, cgroup (the text of /proc/PID/cgroup)}; exists: whether a
    path exists on the host (OpenRC's marks). Returns {manager: systemd, snap, openrc or None
    (nothing the role knows: started by hand, by a script, under another init), service (the
    unit or service name, None when unknown), restart (the command that restarts it, as an
    argv list; None when unknown)}.
    """
    argv = process.get("cmdline") or []
    components = [c for c in _cgroup_path(process.get("cgroup")).split("/") if c]
    units = [c for c in components if c.endswith(".service")]
    program = argv[0] if argv else ""
    if SNAP_SERVICE in units or program.startswith("/snap/"):
        return {"manager": "snap", "service": SNAP_SERVICE, "restart": ["snap", "restart", "docker"]}
    if units:
        # The innermost unit: with systemd in a container, the container's own unit comes last.
        return {"manager": "systemd", "service": units[-1], "restart": ["systemctl", "restart", units[-1]]}
    openrc = [c[len("openrc."):] for c in components if c.startswith("openrc.")]
    if openrc or exists(OPENRC_STARTED + "docker"):
        service = openrc[-1] if openrc else "docker"
        return {"manager": "openrc", "service": service, "restart": ["rc-service", service, "restart"]}
    return {"manager": None, "service": None, "restart": None}


def dockerd_config_file(flags, manager):
    """The daemon.json dockerd reads: its --config-file, the snap's own, else /etc/docker/daemon.json."""
    if flags.get("config_file"):
        return flags["config_file"]
    return SNAP_DAEMON_JSON if manager == "snap" else DEFAULT_DAEMON_JSON


def docker_daemon(processes, exists=lambda path: False):
    """How Docker's daemon runs on a host, from its processes and the paths that exist there.

    Returns {running, pid, cmdline, sockets (Docker's sockets that exist), mtu_flags, mtu,
    config_file (the daemon.json it reads, or would read under its usual start), manager,
    service, restart, how (a sentence for messages)}. running is True when a dockerd process
    runs; a socket without a process (socket activation waiting) is not a running daemon.
    """
    sockets = [path for path in DOCKER_SOCKETS if exists(path)]
    process = find_dockerd(processes)
    if process is None:
        return {"running": False, "pid": None, "cmdline": None, "sockets": sockets, "mtu_flags": [], "mtu": None,
                "config_file": DEFAULT_DAEMON_JSON, "manager": None, "service": None, "restart": None,
                "how": "no dockerd process runs" + (" (%s exists)" % ", ".join(sockets) if sockets else "")}
    flags = dockerd_flags(process.get("cmdline"))
    manager = dockerd_manager(process, exists)
    if manager["manager"] is None:
        how = ("dockerd (PID %s) runs outside any service manager this role knows (not a systemd unit, the snap "
               "or OpenRC): it was started by hand, by a script or by another init" % process.get("pid"))
    else:
        how = "dockerd (PID %s) runs under %s as %s" % (process.get("pid"), manager["manager"], manager["service"])
    result = {"running": True, "pid": int(process.get("pid") or 0), "cmdline": list(process.get("cmdline") or []),
              "sockets": sockets, "mtu_flags": flags["mtu_flags"], "mtu": flags["mtu"], "how": how,
              "config_file": dockerd_config_file(flags, manager["manager"])}
    result.update(manager)
    return result
