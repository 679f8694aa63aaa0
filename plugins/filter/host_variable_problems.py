# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: host_variable_problems
version_added: 0.2.0
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - netpath.mtu.hostvars
short_description: What is wrong with the variables each host of an audit sets, read once
positional: _input, hostvars, argument_spec
description:
  - For each host of the list, checks the variables of O(argument_spec) that the host sets against
    it, as M(ansible.builtin.validate_argument_spec) would (type, choices, elements), then, when
    they pass, the host's C(netpath_probe_targets) (each a destination or a C({dest, protocol, port})
    dict, as P(netpath.mtu.probe_targets#filter) reads them) and its C(netpath_probe_auto_peers)
    (an integer of at least 1).
  - Returns one message per problem, each starting with the host's name; an empty list when every
    host's variables are good.
  - The C(netpath.mtu.audit) playbook checks its hosts with it in one task on C(localhost), reading
    each host's variables once, where a loop over the hosts cost the controller a task's worth of
    work per host.
options:
  _input:
    description: The hosts to check.
    type: list
    elements: str
    required: true
  argument_spec:
    description:
      - The specification of the variables read on each host, in the form
        M(ansible.builtin.validate_argument_spec) takes (the audit's C(netpath_audit_host_spec)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the variables of each host, once
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ groups['fleet'] | netpath.mtu.host_variable_problems(hostvars, netpath_audit_host_spec) }}"
"""

RETURN = r"""
_value:
  description: What is wrong, one message per problem, each naming the host and the variable.
  type: list
  elements: str
  sample:
    - "db-1: netpath_probe_targets[0] (db1): protocol tcp needs a port"
    - "web-1: netpath_probe_auto_peers=0: allowed is an integer of at least 1, how many other hosts of
      the audit this host probes automatically (default 3)"
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.netpath.mtu.plugins.module_utils import probe_plan, probe_targets
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import each_host


def _probe_problem(given, values):
    """What is wrong with the probe targets of one host, or None: those it sets as it sets them (the
    gathering reads them so, where the spec would make a string a list), else the validated default."""
    setting = dict(values, **given)
    try:
        probe_targets.normalise(setting.get("netpath_probe_targets"), setting.get("netpath_probe_protocol") or "icmp",
                                setting.get("netpath_probe_port"))
    except probe_targets.TargetError as exc:
        return str(exc)
    return None


def host_variable_problems(hosts, hostvars, argument_spec):
    if not isinstance(argument_spec, Mapping):
        raise AnsibleFilterError("host_variable_problems: argument_spec must be a dict of option specs, got %r"
                                 % (argument_spec,))
    validator = ArgumentSpecValidator(dict(argument_spec))
    problems = []
    for name, host_vars in each_host("host_variable_problems", hosts, hostvars):
        given = {key: host_vars[key] for key in argument_spec if key in host_vars}
        result = validator.validate(given)
        if result.error_messages:
            problems += ["%s: %s" % (name, message) for message in result.error_messages]
            continue
        values = result.validated_parameters
        problem = _probe_problem(given, values)
        if problem:
            problems.append("%s: %s" % (name, problem))
        if "netpath_probe_auto_peers" in argument_spec:
            try:
                probe_plan.auto_peers_count(values.get("netpath_probe_auto_peers"), name)
            except ValueError as exc:
                problems.append(str(exc))
    return problems


class FilterModule:
    def filters(self):
        return {"host_variable_problems": host_variable_problems}
