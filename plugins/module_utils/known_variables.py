# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netpath_* variables a playbook is given but does not take, each with the name it most likely
meant (difflib's close matches over the names the playbook takes, as playbooks/vars/argument_specs.yml
lists them). A misspelt or misplaced name would otherwise be accepted and silently do nothing."""

import difflib

PREFIX = "netpath_"
# How alike a given name and a known one must be (difflib's ratio) to be suggested.
CUTOFF = 0.6
# How many hosts a message names before it says "and N more".
HOSTS_NAMED = 3


def unknown_variables(names_by_host, known, elsewhere=()):
    """{host: the variable names it sees} + the names the playbook takes ->
    [{name, suggestion (or None), hosts (that see it)}], by name.

    Names in `elsewhere` (those the collection's other playbooks take, which an inventory shared by
    them holds) pass too: they are not misspelt, only not this playbook's."""
    known = sorted(set(str(name) for name in known))
    passing = set(known) | set(str(name) for name in elsewhere)
    seen = {}
    for host, names in sorted(names_by_host.items()):
        for name in names:
            name = str(name)
            if name.startswith(PREFIX) and name not in passing:
                seen.setdefault(name, []).append(str(host))
    unknown = []
    for name, hosts in sorted(seen.items()):
        # without the prefix that every name shares, which would make any two names look alike
        close = difflib.get_close_matches(name[len(PREFIX):], [k[len(PREFIX):] for k in known if k.startswith(PREFIX)],
                                          n=1, cutoff=CUTOFF)
        unknown.append({"name": name, "suggestion": PREFIX + close[0] if close else None, "hosts": hosts})
    return unknown


def message(unknown, playbook, all_hosts=None):
    """One line for an unknown variable: what the playbook does not take, where it is set, what it meant."""
    hosts = unknown["hosts"]
    if all_hosts is not None and len(hosts) > 1 and set(hosts) >= set(all_hosts):
        where = "every host (extra vars, or group_vars of all)"
    else:
        where = ", ".join(hosts[:HOSTS_NAMED]) + (" and %d more" % (len(hosts) - HOSTS_NAMED)
                                                  if len(hosts) > HOSTS_NAMED else "")
    line = "%s does not take %s (set for %s), which does nothing here" % (playbook, unknown["name"], where)
    return line + (": did you mean %s?" % unknown["suggestion"] if unknown["suggestion"] else ".")
