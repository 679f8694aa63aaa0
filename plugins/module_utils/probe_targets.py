# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a probe target is: the one place that reads the targets users write.

A target is a destination (`10.0.0.5`, `db1`) or a dict `{dest, protocol, port}`; the audit's
`netpath_probe_targets`, mss_clamp's and wireguard_mtu's probe targets all take this form and go
through `normalise`, which gives each as `{dest, protocol, port}` ready for pmtu_probe.
"""

from collections.abc import Mapping

PROTOCOLS = ("icmp", "tcp", "udp")
KEYS = ("dest", "protocol", "port")


class TargetError(ValueError):
    """A target that pmtu_probe could not probe; the message names it and what is allowed."""


def _port(value, where):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise TargetError("%s: port=%r is not a port number, 1..65535" % (where, value))
    if not 1 <= value <= 65535:
        raise TargetError("%s: port=%d is outside 1..65535" % (where, value))
    return value


def normalise(targets, protocol="icmp", port=None, name="netpath_probe_targets"):
    """Targets as [{dest, protocol, port}]: a plain destination takes `protocol` and `port`; a
    dict its own, else those. ICMP targets have port None; TCP and UDP ones must have a port."""
    if targets is None:
        return []
    if isinstance(targets, (str, Mapping)) or not isinstance(targets, (list, tuple)):
        raise TargetError("%s must be a list of destinations or {dest, protocol, port} dicts, got %r"
                          % (name, targets))
    if protocol not in PROTOCOLS:
        raise TargetError("the default protocol %r is not one of %s" % (protocol, ", ".join(PROTOCOLS)))
    default_port = _port(port, "the default port")
    normalised = []
    for index, target in enumerate(targets):
        where = "%s[%d]" % (name, index)
        if isinstance(target, Mapping):
            unknown = sorted(str(key) for key in target if key not in KEYS)
            if unknown:
                raise TargetError("%s: unknown key %s; a target has %s" % (where, ", ".join(unknown), ", ".join(KEYS)))
            dest, own_protocol, own_port = target.get("dest"), target.get("protocol"), target.get("port")
        else:
            dest, own_protocol, own_port = target, None, None
        if not isinstance(dest, str) or not dest.strip():
            raise TargetError("%s: dest=%r is not an address or host name" % (where, dest))
        where = "%s (%s)" % (where, dest)
        chosen = own_protocol or protocol
        if chosen not in PROTOCOLS:
            raise TargetError("%s: protocol=%r is not one of %s" % (where, chosen, ", ".join(PROTOCOLS)))
        own_port = _port(own_port, where)
        if chosen == "icmp":
            if own_port is not None:
                raise TargetError("%s: port=%d is given but protocol is icmp, which has no ports" % (where, own_port))
            normalised.append({"dest": dest.strip(), "protocol": "icmp", "port": None})
            continue
        chosen_port = own_port or default_port
        if chosen_port is None:
            # The default's variable sits beside the targets': netpath_probe_port, mss_clamp_probe_port.
            default_name = name[:-len("targets")] + "port" if name.endswith("_targets") else "a default port"
            raise TargetError("%s: protocol %s needs a port: give the target a port, or set %s"
                              % (where, chosen, default_name))
        normalised.append({"dest": dest.strip(), "protocol": chosen, "port": chosen_port})
    return normalised
