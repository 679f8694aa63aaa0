# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One way for the filters to turn the errors of their module_utils into Ansible's, and to read
the hosts' variables they take."""

import functools
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def named_filter(name, function, *errors):
    """function as the filter `name`: any of `errors` it raises becomes an AnsibleFilterError whose
    message starts with the filter's name, without the Python traceback behind it."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except errors as exc:
            raise AnsibleFilterError("%s: %s" % (name, exc)) from None

    return run


def each_host(name, hosts, hostvars):
    """(host name, its variables) of each of `hosts`, in their order, for a filter `name` that reads
    each host's variables once ({} for a host that hostvars does not know)."""
    if not isinstance(hostvars, Mapping) or isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("%s: expected a list of hosts | %s(hostvars)" % (name, name))
    for host in hosts:
        host_vars = hostvars.get(str(host))
        yield str(host), host_vars if isinstance(host_vars, Mapping) else {}
