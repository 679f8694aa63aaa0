# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a remediation left: the findings its fixes were meant to answer that the audit after the
fixes still finds, as a plain function on the plan and the findings."""

from ansible_collections.netpath.mtu.plugins.module_utils import remediation


class OutcomeError(ValueError):
    """Input that is not a plan's covers or a list of findings; the message names the field."""


def still_found(covers, findings_after):
    """The keys (id@interface, as in the plan's covers) that a fix covers and that the findings
    after the fixes still hold at severity warning or error, in the plan's order, once each. A
    finding of severity info (the fix is there, something a human must do is left) does not
    count."""
    if not isinstance(covers, dict):
        raise OutcomeError("covers must be the plan's covers (fix -> list of id@interface), got %s"
                           % type(covers).__name__)
    if findings_after is None:
        findings_after = []
    if not isinstance(findings_after, list):
        raise OutcomeError("findings must be a list, got %s" % type(findings_after).__name__)
    after = set()
    for index, finding in enumerate(findings_after):
        if not isinstance(finding, dict) or not isinstance(finding.get("id"), str):
            raise OutcomeError("findings[%d].id: missing (a finding is a mapping with an id)" % index)
        if finding.get("severity") != "info":
            after.add(remediation.finding_key(finding))
    found = []
    for fix, keys in covers.items():
        if not isinstance(keys, list):
            raise OutcomeError("covers.%s must be a list of id@interface, got %s" % (fix, type(keys).__name__))
        found.extend(key for key in keys if key in after and key not in found)
    return found
