# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The path MTU to each endpoint of a WireGuard interface, and the tunnel MTU it allows (the
wireguard_mtu role): from the role's own pmtu_probe runs, or from measurements handed to it (the
audit's probe results, in the form of mtu_facts' `probes`), so that the role need not probe again."""

from ansible_collections.netpath.mtu.plugins.module_utils import encap, limits

FAMILIES = ("ipv4", "ipv6")
PROTOCOLS = ("icmp", "tcp", "udp")


def _entry_problem(entry):
    if not isinstance(entry, dict):
        return "is %r, not a dict" % (entry,)
    dest = entry.get("dest")
    if not isinstance(dest, str) or not dest:
        return "has dest %r, not an address or name" % (dest,)
    if entry.get("failed") is True:
        return None
    pmtu, low, high = entry.get("pmtu"), limits.MTU_LIMITS[4][0], limits.MTU_LIMITS[6][1]
    if isinstance(pmtu, bool) or not isinstance(pmtu, int) or not low <= pmtu <= high:
        return "(%s) has pmtu %r, not a number of bytes %d..%d (or failed: true)" % (dest, pmtu, low, high)
    if entry.get("family") not in FAMILIES:
        return "(%s) has family %r, not ipv4 or ipv6" % (dest, entry.get("family"))
    if entry.get("protocol", "icmp") not in PROTOCOLS:
        return "(%s) has protocol %r, not icmp, tcp or udp" % (dest, entry.get("protocol"))
    if not isinstance(entry.get("blackhole", False), bool):
        return "(%s) has blackhole %r, not true or false" % (dest, entry.get("blackhole"))
    return None


def measurements_problem(measurements, name):
    """What is wrong with `measurements` (the variable `name`), a sentence; "" when nothing.
    Allowed: a list of dicts, each with dest and either failed: true or pmtu and family (protocol
    and blackhole optional), as mtu_facts' probes and pmtu_probe's results have them."""
    if measurements is None:
        return ""
    if not isinstance(measurements, list):
        return "%s is %r; allowed: a list of path MTU measurements (the audit's netpath_probes)." % (name, measurements)
    for index, entry in enumerate(measurements):
        problem = _entry_problem(entry)
        if problem:
            return ("%s[%d] %s; each entry needs dest and either pmtu (bytes) with family (ipv4 or ipv6), or "
                    "failed: true, as the audit's netpath_probes have them." % (name, index, problem))
    return ""


def usable(measurements):
    """The measurements that measured something, by destination (the last one of each wins)."""
    return {entry["dest"]: entry for entry in measurements or [] if not entry.get("failed")}


def _one(dest, result):
    family, protocol, pmtu = result["family"], result.get("protocol") or "icmp", result["pmtu"]
    blackhole = bool(result.get("blackhole"))
    mtu = encap.inner_mtu(pmtu, ["wireguard/" + family])
    summary = "%s path MTU %d (%s%s%s) - %d = %d" % (
        dest, pmtu, family, " over " + protocol if protocol != "icmp" else "", ", a black hole" if blackhole else "",
        pmtu - mtu, mtu)
    return {"endpoint": dest, "protocol": protocol, "family": family, "pmtu": pmtu, "blackhole": blackhole,
            "mtu": mtu, "summary": summary}


def endpoint_path(probe_results, targets, measurements=None):
    """Each target's ({dest, ...}) path MTU and the tunnel MTU it allows, in the targets' order:
    from `measurements` where one measured the target's dest, else from `probe_results` (a looped
    pmtu_probe's results, each with its item). Targets measured by neither are left out (the role
    has already failed on them)."""
    given = usable(measurements)
    probed = {result["item"]["dest"]: result for result in probe_results or []
              if isinstance(result.get("pmtu"), int) and isinstance(result.get("item"), dict)}
    path = []
    for target in targets or []:
        result = given.get(target["dest"]) or probed.get(target["dest"])
        if result:
            path.append(_one(target["dest"], result))
    return path
