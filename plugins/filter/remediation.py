# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter remediation_plan (documented in remediation_plan.yml)."""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules
from ansible_collections.netpath.mtu.plugins.module_utils import remediation, schema


def remediation_plan(findings, only=None, skip=None, allow_restart=False, os_family=None):
    schema.check(findings, schema.FINDINGS, "findings", AnsibleFilterError, "remediation_plan")
    try:
        # -e netpath_remediate_allow_restart=false arrives as the string "false": bool() of it is True
        allow_restart = boolean(allow_restart, strict=True)
    except TypeError:
        raise AnsibleFilterError("remediation_plan: allow_restart=%r is not a boolean (true or false)"
                                 % (allow_restart,)) from None
    for name, ids in (("only", only), ("skip", skip)):
        if ids is None:
            continue
        if not isinstance(ids, list):
            raise AnsibleFilterError("remediation_plan: %s must be a list of finding ids" % name)
        unknown = [i for i in ids if i not in rules.IDS]
        if unknown:
            raise AnsibleFilterError("remediation_plan: %s names unknown finding ids %s; known: %s"
                                     % (name, ", ".join(map(str, unknown)), ", ".join(rules.IDS)))
    if os_family is not None and not isinstance(os_family, str):
        raise AnsibleFilterError("remediation_plan: os_family=%r is not a string (ansible_facts.os_family)"
                                 % (os_family,))
    return remediation.plan(findings, only or None, skip or None, allow_restart, os_family)


class FilterModule:
    def filters(self):
        return {"remediation_plan": remediation_plan}
