# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the audit leaves on each host, derived once on the controller for every host of a run.

From what each host's module runs registered (the gathering, netpath_audit_gathered; the run of
its probe plan, netpath_probe_plan_run) and its plan: the probe results kept (netpath_probes),
the plan's note (netpath_probe_note) and the findings (netpath_findings). Derived host by host in
a task on each host, they cost the controller a task's work per host (docs/remediate.md).
"""

from collections.abc import Mapping

from ansible_collections.netpath.mtu.plugins.module_utils import findings as rules
from ansible_collections.netpath.mtu.plugins.module_utils import schema
from ansible_collections.netpath.mtu.plugins.module_utils.report import plain

FAILED_PROBE_RUN = "the probe run failed"
DERIVING = "Derive the findings"


def completed(result):
    """Whether a registered module result is one that ran and succeeded."""
    return isinstance(result, Mapping) and bool(result) and not (
        result.get("failed") or result.get("unreachable") or result.get("skipped"))


def measured_probes(gathered, plan, plan_run):
    """The host's probe results: those of its gathering, then those of its plan. A plan whose run
    failed as a whole (or did not reach the host) counts each of its targets as a failed probe."""
    probes = list(gathered.get("probes") or [])
    targets = list(plan.get("targets") or [])
    if not targets:
        # A result registered by an earlier audit of the same playbook is not this run's.
        return probes
    if completed(plan_run):
        return probes + list(plan_run.get("probes") or [])
    msg = (plan_run.get("msg") if isinstance(plan_run, Mapping) else None) or FAILED_PROBE_RUN
    return probes + [dict(target, failed=True, protocol="icmp", port=None, msg=msg) for target in targets]


def checked_findings(facts, probes=None, host=None, load_test=None, error=ValueError):
    """The findings of one host (findings.evaluate), once its facts and probes are found to fit their
    schema; else `error` naming the field, e.g. "findings: facts.interfaces.eth0.kind: missing"."""
    schema.check(facts, schema.FACTS, "facts", error, "findings")
    schema.check(probes, schema.PROBES_OR_NONE, "probes", error, "findings")
    schema.check(host, schema.HOST, "host", error, "findings")
    if load_test is not None and not isinstance(load_test, dict):
        raise error("findings: load_test must be a netpath.mtu.load_probe result (a dict), not %s"
                    % type(load_test).__name__)
    return rules.evaluate(facts, probes, host, load_test)


def host_results(host, host_vars, plan):
    """{probes, probe_note, findings, error} of one host whose gathering completed. A fact or probe
    that does not fit its schema leaves no findings and an error naming the field."""
    gathered = plain(host_vars.get("netpath_audit_gathered"))
    probes = plain(measured_probes(gathered, plan, plain(host_vars.get("netpath_probe_plan_run"))))
    facts = plain((host_vars.get("ansible_facts") or {}).get("netpath_mtu"))
    load_test = plain(host_vars.get("netpath_load_test"))
    try:
        findings = checked_findings(facts, probes, host, load_test)
    except ValueError as exc:
        return {"probes": [], "probe_note": None, "findings": None, "error": "%s: %s" % (DERIVING, exc)}
    return {"probes": probes, "probe_note": plan.get("note") or "", "findings": findings, "error": None}


def audit_results(hosts, hostvars, plans):
    """{host: host_results} for each of `hosts` whose gathering completed this run, reading each
    host's variables once. The others are left out: the audit recorded their failure as it
    happened."""
    plans = plans if isinstance(plans, Mapping) else {}
    results = {}
    for host in [str(host) for host in hosts or []]:
        host_vars = hostvars.get(host) if isinstance(hostvars, Mapping) else None
        if not isinstance(host_vars, Mapping) or not completed(host_vars.get("netpath_audit_gathered")):
            continue
        plan = plans.get(host)
        results[host] = host_results(host, host_vars, plain(plan) if isinstance(plan, Mapping) else {})
    return results
