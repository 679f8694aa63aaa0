# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netpath.mtu first boot: apply the MTU fixes of a plan on a new node, logging every step.

The user_data that netpath.mtu.cloud_init renders writes this program and its plan (JSON) with
cloud-init's write_files and runs it once, at the instance's first boot, from runcmd:
    python3 /usr/local/lib/netpath-mtu/first_boot.py /etc/netpath-mtu/first-boot.json
Python 3.6+ standard library only (cloud-init is Python, so python3 is there). Commands are argv
lists, never a shell. Nothing asks a question (apt runs with DEBIAN_FRONTEND=noninteractive, its
questions answered in advance), and running it again changes nothing that is already as planned.
Each command with its exit status, and the outcome of each fix (changed, ok, skipped, failed),
go to the plan's log file and to stdout (which cloud-init keeps in cloud-init-output.log).
Exit status: 0 when no fix failed, 1 when one did (cloud-init reports runcmd's failure in
`cloud-init status --long`), 2 when the plan cannot be read.
"""

import datetime
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

# On the node this import is replaced by wg_quick.py itself (cloud_init.program_text()), since the
# program runs there alone, without the collection.
from ansible_collections.netpath.mtu.plugins.module_utils import wg_quick

PLAN_VERSION = 1
# apt waits for the dpkg lock (first boot: cloud-init's own package steps, unattended-upgrades)
# and keeps a configuration file that is there.
APT_OPTIONS = ["-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Options::=--force-confdef",
               "-o", "Dpkg::Options::=--force-confold"]


class FixError(Exception):
    """A fix that cannot be done; the message says why."""


class Runner:
    """Runs argv lists and writes the log: one line per command and per outcome."""

    def __init__(self, log_path):
        self.log_path = log_path

    def log(self, fix, text):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = "%s %s: %s" % (stamp, fix, text)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        try:
            directory = os.path.dirname(self.log_path)
            if directory and not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            with os.fdopen(fd, "a") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            sys.stderr.write("cannot write the log %s: %s\n" % (self.log_path, exc))

    def which(self, name):
        return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin")

    def execute(self, argv, env, data, timeout):
        """(exit status, stdout, stderr) of argv; 127 when the program is missing."""
        # capture_output= and text= came in Python 3.7; RHEL 8's cloud-init runs on 3.6.
        try:
            # This runs under cloud-init at first boot, where there is no AnsibleModule.run_command.
            # pylint: disable-next=ansible-bad-function
            proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: UP022
                                  env=env, timeout=timeout, universal_newlines=True, check=False)  # noqa: UP021
        except OSError as exc:
            return 127, "", str(exc)
        except subprocess.TimeoutExpired:
            return 124, "", "no answer in %d s" % timeout
        return proc.returncode, proc.stdout, proc.stderr

    def run(self, fix, argv, env=None, data=None, timeout=120, quiet=False):
        full_env = None
        if env:
            full_env = dict(os.environ)
            full_env.update(env)
        rc, out, err = self.execute(argv, full_env, data, timeout)
        shown = " ".join(argv)
        if env:
            shown = " ".join("%s=%s" % item for item in sorted(env.items())) + " " + shown
        note = ""
        if rc != 0 and not quiet:
            tail = (err or out).strip().splitlines()[-3:]
            note = ": " + " | ".join(tail) if tail else ""
        self.log(fix, "$ %s -> exit %d%s" % (shown, rc, note))
        return rc, out, err


# --- files ------------------------------------------------------------------------------------


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomic(path, text, mode=0o644):
    """Write text to path through a temporary file in the same directory; an existing file keeps
    its mode and owner."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    try:
        st = os.stat(path)
        mode, owner = st.st_mode & 0o7777, (st.st_uid, st.st_gid)
    except FileNotFoundError:
        owner = None
    fd, tmp = tempfile.mkstemp(prefix=".netpath-mtu.", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if owner is not None:
            os.chown(tmp, owner[0], owner[1])
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- distribution -----------------------------------------------------------------------------


def distribution(run):
    """'debian' (apt), 'redhat' (dnf or yum) or None."""
    if run.which("apt-get") and run.which("dpkg-query"):
        return "debian"
    if run.which("dnf") or run.which("yum"):
        return "redhat"
    return None


def installed(run, fix, distro, package):
    if distro == "debian":
        rc, out, _err = run.run(fix, ["dpkg-query", "-W", "-f", "${Status}", package], quiet=True)
        return rc == 0 and out.strip().endswith(" installed")
    rc, _out, _err = run.run(fix, ["rpm", "-q", package], quiet=True)
    return rc == 0


def install(run, fix, distro, recipe):
    """Install the recipe's packages that are missing; True when something was installed."""
    missing = [p for p in recipe.get("packages", []) if not installed(run, fix, distro, p)]
    if not missing:
        return False
    if distro == "debian":
        if recipe.get("debconf"):
            rc, _out, _err = run.run(fix, ["debconf-set-selections"], data="\n".join(recipe["debconf"]) + "\n")
            if rc != 0:
                raise FixError("could not answer the install questions of %s in advance" % ", ".join(missing))
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        argv = ["apt-get", "install", "-y", "-q"] + APT_OPTIONS + missing
        rc, _out, _err = run.run(fix, argv, env=env, timeout=900)
        if rc != 0:
            run.run(fix, ["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=300"], env=env, timeout=900)
            rc, _out, _err = run.run(fix, argv, env=env, timeout=900)
    else:
        tool = "dnf" if run.which("dnf") else "yum"
        rc, _out, _err = run.run(fix, [tool, "-y", "install"] + missing, timeout=900)
    if rc != 0:
        raise FixError("could not install %s (see the command above)" % ", ".join(missing))
    run.log(fix, "installed %s" % ", ".join(missing))
    return True


def enable(run, fix, services):
    """Enable the units (never start them); True when one was enabled."""
    if not run.which("systemctl"):
        run.log(fix, "no systemctl: not enabling %s" % ", ".join(services))
        return False
    changed = False
    for unit in services:
        rc, out, _err = run.run(fix, ["systemctl", "is-enabled", unit], quiet=True)
        if rc == 0 and out.strip() in ("enabled", "enabled-runtime", "static", "alias"):
            continue
        rc, _out, _err = run.run(fix, ["systemctl", "enable", unit])
        if rc != 0:
            raise FixError("could not enable %s" % unit)
        changed = True
    return changed


# --- the uplink -------------------------------------------------------------------------------


def _ip_json(run, fix, argv):
    rc, out, _err = run.run(fix, argv)
    if rc != 0:
        return []
    try:
        data = json.loads(out or "[]")
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def route_mtu(run, fix, target=None):
    """(MTU, interface) of the route to target, or of the default route (IPv4, then IPv6)."""
    if target:
        queries = [["ip", "-j", "route", "get", target]]
    else:
        queries = [["ip", "-j", "route", "show", "default"], ["ip", "-6", "-j", "route", "show", "default"]]
    for argv in queries:
        routes = [r for r in _ip_json(run, fix, argv) if isinstance(r, dict) and r.get("dev")]
        if not routes:
            continue
        route = routes[0]
        links = _ip_json(run, fix, ["ip", "-j", "link", "show", "dev", route["dev"]])
        if not links or not isinstance(links[0].get("mtu"), int):
            continue
        mtu = links[0]["mtu"]
        for metric in route.get("metrics") or []:
            if isinstance(metric, dict) and isinstance(metric.get("mtu"), int):
                mtu = min(mtu, metric["mtu"])
        return mtu, route["dev"]
    raise FixError("no route %s, so no uplink MTU to start from: give the MTU as a number"
                   % ("to %s" % target if target else "by default (IPv4 or IPv6)"))


# --- mss_clamp --------------------------------------------------------------------------------


def fix_mss_clamp(run, step):
    fix, changed = "mss_clamp", False
    backend, persist = step["backend"], step["persist"]
    run.log(fix, step["describe"])
    distro = distribution(run)
    tool = "nft" if backend == "nftables" else "iptables"
    if (persist or not run.which(tool)) and step.get("install"):
        if distro not in step["install"]:
            raise FixError("cannot install what the %s backend needs%s here: no apt-get, dnf or yum"
                           % (backend, " to keep the rules across reboots" if persist else ""))
        changed |= install(run, fix, distro, step["install"][distro])
    if backend == "iptables":
        changed |= _iptables(run, fix, step, distro)
    else:
        changed |= _nftables(run, fix, step, distro)
    return changed


def _iptables(run, fix, step, distro):
    changed, save = False, False
    for rule in step["rules"]:
        if not run.which(rule["add"][0]):
            raise FixError("%s is not installed: install iptables, or use the nftables backend" % rule["add"][0])
        rc, _out, _err = run.run(fix, rule["check"], quiet=True)
        if rc == 0:
            run.log(fix, "the %s clamp rule is there already" % rule["family"])
            continue
        rc, _out, _err = run.run(fix, rule["add"])
        if rc != 0:
            raise FixError("could not add the %s clamp rule" % rule["family"])
        run.log(fix, "added the %s clamp rule" % rule["family"])
        changed = save = True
    if not step["persist"]:
        return changed
    recipe = step["save"].get(distro)
    if recipe is None:
        raise FixError("cannot keep iptables rules across reboots here: no apt-get, dnf or yum")
    for rule in step["rules"]:
        saved = (read_text(recipe["files"][rule["family"]]) or "").splitlines()
        if rule["saved"] not in saved:
            run.log(fix, "%s does not hold the %s clamp rule" % (recipe["files"][rule["family"]], rule["family"]))
            save = True
    if save:
        for argv in recipe["commands"]:
            rc, _out, _err = run.run(fix, argv)
            if rc != 0:
                raise FixError("could not save the rules for the next boot")
        run.log(fix, "saved the rules for the next boot (%s)" % ", ".join(sorted(recipe["files"].values())))
        changed = True
    else:
        run.log(fix, "the rules saved for the next boot hold the clamp already")
    return enable(run, fix, recipe["services"]) or changed


def _nft_check(run, fix, text, what):
    directory = tempfile.mkdtemp(prefix="netpath-mtu.")
    try:
        path = os.path.join(directory, "check.nft")
        with open(path, "w") as handle:
            handle.write(text)
        rc, _out, _err = run.run(fix, ["nft", "-c", "-f", path])
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if rc != 0:
        raise FixError("nft -c rejects %s as it would be written: left as it is" % what)


def _nftables(run, fix, step, distro):
    changed = False
    if not run.which("nft"):
        raise FixError("nft is not installed: install nftables, or use the iptables backend")
    if step["persist"] and read_text(step["file"]) != step["content"]:
        _nft_check(run, fix, step["content"], step["file"])
        write_atomic(step["file"], step["content"])
        run.log(fix, "wrote %s" % step["file"])
        changed = True
    family, name = step["table"].split()
    rc, out, _err = run.run(fix, ["nft", "list", "table", family, name], quiet=True)
    lines = [line.strip() for line in out.splitlines()] if rc == 0 else []
    if all(rule in lines for rule in step["rules"]):
        run.log(fix, "the clamp is loaded already (table %s)" % step["table"])
    else:
        if step["persist"]:
            rc, _out, _err = run.run(fix, ["nft", "-f", step["file"]])
        else:
            rc, _out, _err = run.run(fix, ["nft", "-f", "-"], data=step["content"])
        if rc != 0:
            raise FixError("could not load the table %s" % step["table"])
        run.log(fix, "loaded the clamp (table %s)" % step["table"])
        changed = True
    if not step["persist"]:
        return changed
    conf = step["conf"].get(distro) if distro else None
    conf = conf or step["conf"].get("default")
    if not conf:
        raise FixError("no nftables configuration known for this distribution: set the configuration's path")
    include = 'include "%s"' % step["file"]
    text = read_text(conf)
    if text is None:
        new = ("#!/usr/sbin/nft -f\n# Made by netpath.mtu's first boot, as there was no configuration here.\n"
               "%s\n" % include)
        write_atomic(conf, new, 0o755)
        run.log(fix, "made %s with the include of %s" % (conf, step["file"]))
        changed = True
    elif include not in [line.strip() for line in text.splitlines()]:
        new = text + ("" if text.endswith("\n") or not text else "\n") + include + "\n"
        _nft_check(run, fix, new, conf)
        write_atomic(conf, new)
        run.log(fix, "added the include of %s to %s" % (step["file"], conf))
        changed = True
    else:
        run.log(fix, "%s includes %s already" % (conf, step["file"]))
    return enable(run, fix, step["services"]) or changed


# --- wireguard_mtu ----------------------------------------------------------------------------


def fix_wireguard_mtu(run, step):
    fix, path, ifname = "wireguard_mtu", step["config"], step["interface"]
    text = read_text(path)
    if text is None:
        run.log(fix, "SKIPPED: no wg-quick config at %s, so no MTU to set there (write it before runcmd, "
                     "e.g. with write_files, or run this again after)" % path)
        return None
    try:
        parsed = wg_quick.check(text)
    except wg_quick.WgQuickError as exc:
        raise FixError("%s %s: left as it is" % (path, exc)) from None
    mtu = step["mtu"]
    if mtu is None:
        endpoints = [peer["endpoint"] for peer in parsed["peers"] if peer["endpoint"]]
        host = wg_quick.endpoint_host(endpoints[0]) if endpoints else None
        try:
            version = ipaddress.ip_address(host).version if host else None
        except ValueError:
            version = None
        family = {4: "ipv4", 6: "ipv6"}.get(version, "unknown")
        uplink, dev = route_mtu(run, fix, host if version else None)
        mtu = uplink - step["overhead"][family]
        run.log(fix, "MTU %d = %d (%s%s) - %d (WireGuard over %s)" % (
            mtu, uplink, dev, ", the route to %s" % host if version else ", the default route",
            step["overhead"][family], {"unknown": "an outer family not known"}.get(family, family)))
        if mtu < step["mtu_min"]:
            raise FixError("MTU %d is below %d, the least WireGuard carries IPv6 in: give it as a number"
                           % (mtu, step["mtu_min"]))
    new = wg_quick.render(text, mtu=mtu)
    if new == text:
        run.log(fix, "%s has MTU = %d already" % (path, mtu))
        changed = False
    else:
        write_atomic(path, new, 0o600)
        run.log(fix, "set MTU = %d in the [Interface] of %s (was %s)" % (mtu, path, parsed["mtu"] or "not set"))
        changed = True
    links = _ip_json(run, fix, ["ip", "-j", "link", "show", "dev", ifname]) if run.which("ip") else []
    if not links:
        run.log(fix, "no link %s now: wg-quick gives it MTU %d when it brings it up" % (ifname, mtu))
    elif links[0].get("mtu") == mtu:
        run.log(fix, "the link %s has MTU %d already" % (ifname, mtu))
    else:
        rc, _out, _err = run.run(fix, ["ip", "link", "set", "dev", ifname, "mtu", str(mtu)])
        if rc != 0:
            raise FixError("could not set the MTU of the link %s" % ifname)
        run.log(fix, "set the MTU of the link %s to %d (was %s)" % (ifname, mtu, links[0].get("mtu")))
        changed = True
    return changed


# --- docker_mtu -------------------------------------------------------------------------------


def fix_docker_mtu(run, step):
    fix, path = "docker_mtu", step["daemon_json"]
    mtu = step["mtu"]
    if mtu is None:
        mtu, dev = route_mtu(run, fix)
        run.log(fix, "MTU %d, the uplink's (%s, the default route)" % (mtu, dev))
    text = read_text(path)
    data = {}
    if text is not None and text.strip():
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise FixError("%s is not JSON (%s): left as it is" % (path, exc)) from None
        if not isinstance(data, dict):
            raise FixError("%s is JSON but not an object: left as it is" % path)
    if data.get("mtu") == mtu:
        run.log(fix, "%s has \"mtu\": %d already" % (path, mtu))
        return False
    old = data.get("mtu", "not set")
    data["mtu"] = mtu
    write_atomic(path, json.dumps(data, indent=2) + "\n", 0o644)
    kept = sorted(k for k in data if k != "mtu")
    run.log(fix, "set \"mtu\": %d in %s (was %s; kept %s)" % (mtu, path, old, ", ".join(kept) or "no other keys"))
    if run.which("systemctl"):
        rc, out, _err = run.run(fix, ["systemctl", "is-active", step["service"]], quiet=True)
        if out.strip() == "active":
            if step["restart"]:
                rc, _out, _err = run.run(fix, ["systemctl", "restart", step["service"]], timeout=300)
                if rc != 0:
                    raise FixError("could not restart %s" % step["service"])
                run.log(fix, "restarted %s, which reads the mtu when it starts" % step["service"])
            else:
                unit = step["service"]
                run.log(fix, "NOTE: %s is running and reads the mtu only when it starts: restart it "
                             "(systemctl restart %s) for the default bridge to take it" % (unit, unit))
        else:
            run.log(fix, "%s is not running: it takes the mtu when it starts" % step["service"])
    return True


FIXES = {"mss_clamp": fix_mss_clamp, "wireguard_mtu": fix_wireguard_mtu, "docker_mtu": fix_docker_mtu}


def apply(plan, run):
    """Apply each step of the plan in turn; {fix: 'changed' | 'ok' | 'skipped' | 'failed'}."""
    outcomes = {}
    for step in plan["steps"]:
        fix = step["fix"]
        try:
            result = FIXES[fix](run, step)
            outcome = "skipped" if result is None else "changed" if result else "ok"
            run.log(fix, outcome.upper())
        except FixError as exc:
            outcome = "failed"
            run.log(fix, "FAILED: %s" % exc)
        except Exception as exc:  # pylint: disable=broad-except
            outcome = "failed"
            run.log(fix, "FAILED: %s: %s" % (type(exc).__name__, exc))
        outcomes[fix] = outcome
    return outcomes


def load_plan(path):
    with open(path) as handle:
        plan = json.load(handle)
    if not isinstance(plan, dict) or plan.get("version") != PLAN_VERSION or not isinstance(plan.get("steps"), list):
        raise ValueError("not a netpath.mtu first-boot plan of version %d" % PLAN_VERSION)
    unknown = [s.get("fix") for s in plan["steps"] if not isinstance(s, dict) or s.get("fix") not in FIXES]
    if unknown:
        raise ValueError("unknown fixes %s" % unknown)
    return plan


def main(argv=None, runner=Runner):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write("usage: first_boot.py PLAN.json\n")
        return 2
    try:
        plan = load_plan(argv[0])
    except (OSError, ValueError) as exc:
        sys.stderr.write("netpath.mtu first boot: cannot read the plan %s: %s\n" % (argv[0], exc))
        return 2
    run = runner(plan["log"])
    run.log("start", "netpath.mtu first boot, plan %s: %s" % (argv[0], ", ".join(s["fix"] for s in plan["steps"])))
    outcomes = apply(plan, run)
    failed = [fix for fix, outcome in outcomes.items() if outcome == "failed"]
    run.log("done", "%s; %d failed" % (", ".join("%s %s" % item for item in outcomes.items()), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
