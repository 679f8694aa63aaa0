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


def host_outcome(plan, check_mode, persisted=None, audit_error=None, findings_after=None):
    """One host's entry of remediation.json from its plan (netpath_remediation): what its fixes
    answered (fixed, or would_fix in check mode), what they changed on the side, what is left to
    a human or left out, what link MTUs were persisted; after real fixes also whether the audit
    after them failed and what it still finds (still_found)."""
    if not isinstance(plan, dict) or not isinstance(plan.get("covers"), dict):
        raise OutcomeError("the plan must be a dict with covers (fix -> list of id@interface), got %r" % (plan,))
    answered = sorted(set(key for keys in plan["covers"].values() for key in keys))
    outcome = {"fixes": plan["covers"], "side_effects": plan.get("side_effects") or [],
               "manual": plan.get("manual"), "left_out": plan.get("left")}
    if check_mode:
        outcome.update(would_fix=answered, would_persist=persisted or {})
    else:
        outcome.update(fixed=answered, persisted=persisted or {}, audit_after_failed=audit_error,
                       still_found=still_found(plan["covers"], findings_after or []))
    return outcome


def outcomes(hosts, check_mode):
    """{host: host_outcome} of each host read as {name, plan, persisted, audit_error, findings}, in
    their order; a host without a plan (its audit failed, or it was not in the run) has none."""
    result = {}
    for host in hosts:
        if host.get("plan") is None:
            continue
        try:
            result[host["name"]] = host_outcome(host["plan"], check_mode, host.get("persisted"),
                                                host.get("audit_error"), host.get("findings"))
        except OutcomeError as exc:
            raise OutcomeError("%s: %s" % (host["name"], exc)) from None
    return result
