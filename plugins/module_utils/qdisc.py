# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Queueing disciplines: does the kernel have one, what is an interface's root qdisc, and the
commands and unit names that set it. Plain functions over text the caller has read, so that every
decision is unit-tested without a kernel.

A qdisc KIND is the kernel module sch_KIND. The kernel has it when the module is loaded
(/sys/module/sch_KIND), built in (listed in /lib/modules/RELEASE/modules.builtin, or
CONFIG_NET_SCH_KIND=y in the kernel's config) or loadable (the kernel has module support and
modules.dep lists sch_KIND.ko). The proof is tc itself: `tc qdisc replace dev lo root KIND` run in
a network namespace of its own (`unshare --net`), which sets the qdisc on a loopback device that
vanishes with the namespace, and so changes nothing on the host.
"""

import json
import re

KINDS = ("fq_codel", "cake", "fq")
CONFIG_SYMBOLS = {"fq_codel": "CONFIG_NET_SCH_FQ_CODEL", "cake": "CONFIG_NET_SCH_CAKE", "fq": "CONFIG_NET_SCH_FQ"}
UNIT_TEMPLATE = "netpath-qdisc@.service"
# systemd's unit_name_escape(): these stay, '/' becomes '-', everything else (and a leading '.')
# becomes \xNN.
_UNIT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")


class QdiscError(ValueError):
    pass


def module_name(kind):
    return "sch_%s" % kind


def _module_re(kind):
    # kernel/net/sched/sch_fq.ko, .ko.xz, .ko.zst, .ko.gz; never sch_fq_codel.ko for fq
    return re.compile(r"(?:^|/)%s\.ko(?:\.[a-z0-9]+)?$" % re.escape(module_name(kind)))


def builtin_path(text, kind):
    """The line of modules.builtin naming sch_KIND, or None."""
    pattern = _module_re(kind)
    for line in (text or "").splitlines():
        if pattern.search(line.strip()):
            return line.strip()
    return None


def dep_path(text, kind):
    """The module file modules.dep lists for sch_KIND (relative to /lib/modules/RELEASE), or None."""
    pattern = _module_re(kind)
    for line in (text or "").splitlines():
        path = line.split(":", 1)[0].strip()
        if path and pattern.search(path):
            return path
    return None


def config_value(text, kind):
    """'y', 'm' or 'n' (not set) for CONFIG_NET_SCH_KIND in a kernel config; None if it is not mentioned."""
    symbol = CONFIG_SYMBOLS.get(kind)
    if not symbol or not text:
        return None
    for line in text.splitlines():
        line = line.strip()
        if line == "# %s is not set" % symbol:
            return "n"
        if line.startswith(symbol + "="):
            value = line.split("=", 1)[1].strip().strip('"')
            return value if value in ("y", "m") else "n"
    return None


def assess(kind, release, sys_module=False, builtin_text=None, dep_text=None, config_text=None,
           config_source=None, modules_supported=None, probe=None):
    """Whether the kernel has qdisc KIND, how, and the evidence, from what the caller read.

    builtin_text, dep_text, config_text: the files' contents, None when they could not be read.
    modules_supported: whether the kernel loads modules at all (/proc/modules exists), None unknown.
    probe: None when tc was not tried, else {'rc': int, 'stderr': str} of the namespaced replace.
    Returns {available, how, evidence, missing} where how is 'loaded', 'built in' or 'loadable'
    (what the files say; None when they say nothing of it), evidence a list of sentences, and
    missing the parenthesis of the failure message ("not built in, not loadable") or None.
    """
    if kind not in KINDS:
        raise QdiscError("kind=%r is not one of %s" % (kind, ", ".join(KINDS)))
    mod, symbol = module_name(kind), CONFIG_SYMBOLS[kind]
    evidence = []
    builtin = builtin_path(builtin_text, kind)
    dep = dep_path(dep_text, kind)
    config = config_value(config_text, kind)
    where = config_source or "the kernel config"
    if sys_module:
        evidence.append("/sys/module/%s exists (loaded or built in)" % mod)
    if builtin:
        evidence.append("modules.builtin lists %s" % builtin)
    elif builtin_text is not None:
        evidence.append("modules.builtin does not list %s" % mod)
    else:
        evidence.append("/lib/modules/%s/modules.builtin is absent" % release)
    if config == "y":
        evidence.append("%s=y in %s" % (symbol, where))
    elif config == "m":
        evidence.append("%s=m in %s (a module)" % (symbol, where))
    elif config == "n":
        evidence.append("%s is not set in %s" % (symbol, where))
    if modules_supported is False:
        evidence.append("the kernel has no module support (/proc/modules is absent)")
    if dep:
        evidence.append("modules.dep lists %s" % dep)
    elif dep_text is not None:
        evidence.append("modules.dep does not list %s" % mod)
    elif modules_supported is not False:
        evidence.append("/lib/modules/%s/modules.dep is absent" % release)

    is_builtin = bool(builtin) or config == "y"
    is_loadable = bool(dep) and modules_supported is not False
    if sys_module:
        how = "loaded"
    elif is_builtin:
        how = "built in"
    elif is_loadable:
        how = "loadable"
    else:
        how = None

    if probe is not None:
        err = " ".join((probe.get("stderr") or "").split())
        if probe.get("rc") == 0:
            evidence.append("tc qdisc replace dev lo root %s in a new network namespace succeeded" % kind)
            available = True
        else:
            evidence.append("tc qdisc replace dev lo root %s in a new network namespace failed: %s"
                            % (kind, err or "exit %s" % probe.get("rc")))
            available = False
    else:
        available = how is not None
    if available:
        missing = None
    elif how is not None:
        missing = "%s, but tc cannot set it" % how
    else:
        missing = "not built in, not loadable"
    return {"available": available, "how": how, "evidence": evidence, "missing": missing}


def probe_wanted(assessment, check_mode):
    """Whether to run the namespaced tc probe: always, except in check mode when it would load a
    module (the files say loadable and it is not loaded yet), which check mode must not do."""
    return not (check_mode and assessment["how"] == "loadable")


def failure_message(kind, release, interfaces, assessment):
    """The message of a kernel that lacks KIND: names the module, the interfaces, and the evidence."""
    where = ", ".join(interfaces) if interfaces else "net.core.default_qdisc"
    return ("the kernel %s lacks the %s module (%s): cannot set %s on %s; nothing was changed (%s)"
            % (release, module_name(kind), assessment["missing"], kind, where, "; ".join(assessment["evidence"])))


def root_qdisc(text, dev):
    """`tc -j qdisc show dev DEV` -> {kind, handle} of its root qdisc, None when it has none."""
    try:
        qdiscs = json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise QdiscError("tc -j qdisc show dev %s: not JSON (%s)" % (dev, exc)) from None
    if not isinstance(qdiscs, list):
        raise QdiscError("tc -j qdisc show dev %s: not a list: %r" % (dev, text[:200]))
    for qdisc in qdiscs:
        if isinstance(qdisc, dict) and qdisc.get("root"):
            return {"kind": qdisc.get("kind"), "handle": qdisc.get("handle")}
    return None


def replace_argv(tc, dev, kind):
    """The command that makes KIND the root qdisc of DEV (live, with the qdisc's own defaults)."""
    return [tc, "qdisc", "replace", "dev", dev, "root", kind]


def probe_argv(unshare, tc, kind):
    """The proof that the kernel takes KIND, on the loopback device of a throwaway network namespace."""
    return [unshare, "--net"] + replace_argv(tc, "lo", kind)


def systemd_escape(name):
    """systemd-escape NAME: what an instance name or a device unit name holds for an interface."""
    out = []
    for i, char in enumerate(name):
        if char == "/":
            out.append("-")
        elif char in _UNIT_CHARS and not (i == 0 and char == "."):
            out.append(char)
        else:
            out.extend("\\x%02x" % b for b in char.encode("utf-8"))
    return "".join(out)


def unit_name(dev):
    """The instance of netpath-qdisc@.service that sets DEV's root qdisc at boot and when DEV appears."""
    return "netpath-qdisc@%s.service" % systemd_escape(dev)


def device_unit(dev):
    """systemd's unit for network device DEV (sys-subsystem-net-devices-DEV.device)."""
    return "sys-subsystem-net-devices-%s.device" % systemd_escape(dev)
