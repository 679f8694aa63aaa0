# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit report of netpath.mtu: the report dict, the gate, and report.md, report.html and the metrics.

* probe_results: registered results of a ``pmtu_probe`` loop -> list of probe results
* build_report: hostvars + list of audited hosts -> the report dict (report.json)
* gate: the report dict + netpath_fail_on -> what fails the gate
* render_markdown, render_html, render_metrics: the report dict -> report.md, report.html, a
  node_exporter textfile

Plain functions on plain data. report.md and report.html are Jinja2 templates in
report_templates/ (next to this file) fed by report_view(), which works out everything they show,
the geometry of each MTU cascade drawing included; the HTML one is autoescaped. Only the
controller renders them (the report filters), and it always has Jinja2.
"""

import datetime
import json
import math
import os
import re
from collections.abc import Mapping

from ansible_collections.netpath.mtu.plugins.module_utils import schema
from ansible_collections.netpath.mtu.plugins.module_utils.limits import SEVERITIES, severity_rank
from ansible_collections.netpath.mtu.plugins.module_utils.pmtu_measure import PROBE_KEYS
from ansible_collections.netpath.mtu.plugins.module_utils.probe_plan import HOW_TO_MEASURE
from ansible_collections.netpath.mtu.plugins.module_utils.report_load import load_entries, load_view

try:
    import jinja2
except ImportError:  # the controller always has Jinja2 (ansible-core needs it); a target may not
    jinja2 = None

# Most severe first, as the report lists them.
FAIL_ON = {"none": (), "warning": ("error", "warning"), "error": ("error",)}
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_templates")

NO_PATH = "no path was measured"

NO_RESULT = ("no audit result: the host was unreachable, or a task failed on it before its findings were set "
             "(see the play's output)")


class ReportError(ValueError):
    """Input the report cannot be built from; the filters turn it into AnsibleFilterError."""


# ---------------------------------------------------------------------------------------------
# Plain data


def plain(value):
    """A deep copy of value made of dict, list, str, int, float, bool and None only.

    Hostvars and registered results reach a filter as Ansible's own mapping and sequence types;
    the report is built from, and renders, plain data.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def checked_report(report, name):
    """A plain copy of report, the dict made by build_report (report.json); ReportError naming a bad
    field. name is the filter that was given it."""
    return schema.check(plain(report), schema.REPORT, "report", ReportError, name)


def checked_registered(registered, name):
    """registered, a pmtu_probe loop's result, when it fits its schema; ReportError naming a bad field."""
    return schema.check(plain(registered), schema.REGISTERED, "registered", ReportError, name)


def checked_report_input(hostvars, hosts, generated, name):
    """Check what build_report reads of hostvars, for the hosts whose audit completed: only the
    variables the report reads (reading the others would template them all), and nothing of a host
    whose audit did not complete (a fact cache may hold another version's facts for it)."""
    if not isinstance(hostvars, Mapping):
        raise ReportError("%s: expected hostvars (a mapping of host -> its variables), got %s"
                          % (name, type(hostvars).__name__))
    schema.check(generated, schema.GENERATED, "generated", ReportError, name)
    for host in hosts if isinstance(hosts, (list, tuple)) else []:
        host_vars = hostvars.get(str(host), {})
        if isinstance(host_vars, Mapping) and (host_vars.get("netpath_audit_error")
                                               or host_vars.get("netpath_findings") is None):
            continue
        schema.check(host_vars, schema.HOSTVARS_OF_HOST, ("hostvars", str(host)), ReportError, name)


def sorted_findings(findings):
    return sorted(findings, key=lambda f: (severity_rank(f.get("severity")), str(f.get("id", "")),
                                           str(f.get("interface") or "")))


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Probe results


def probe_results(registered, peers=False, kind=None):
    """Registered results of a loop of netpath.mtu.pmtu_probe -> a list of probe results.

    Each probe result holds ``dest`` (what was probed, as given to the module), the module's
    return values (PROBE_KEYS), ``failed`` and, for a failed probe, ``msg``. With ``peers``, the
    loop items are inventory host names: each result also holds ``peer`` (that name). ``kind``
    (probe_plan.KINDS) says what the path leads to; a loop item that is a dict (probe_plan's
    targets) gives its own ``kind`` and ``peer``. Skipped items are left out.
    """
    if isinstance(registered, Mapping):
        results = registered.get("results")
        if results is None:
            # A single registered task result (no loop), or an empty/skipped loop.
            results = [] if registered.get("skipped") or not registered else [registered]
    elif isinstance(registered, (list, tuple)):
        results = registered
    elif registered is None:
        results = []
    else:
        raise ReportError("probe_results expects the registered result of a pmtu_probe loop, got %s"
                          % type(registered).__name__)
    probes = []
    for result in results:
        if not isinstance(result, Mapping):
            raise ReportError("probe_results: each result must be a dict, got %s" % type(result).__name__)
        if result.get("skipped"):
            continue
        item = result.get("item")
        module_args = (result.get("invocation") or {}).get("module_args") or {}
        dest = module_args.get("dest") or (item.get("dest") if isinstance(item, Mapping) else item)
        probe = {"dest": plain(dest)}
        if peers or (isinstance(item, Mapping) and item.get("peer")):
            probe["peer"] = plain(item.get("peer") if isinstance(item, Mapping) else item)
        probe_kind = item.get("kind", kind) if isinstance(item, Mapping) else kind
        if probe_kind:
            probe["kind"] = plain(probe_kind)
        for key in PROBE_KEYS:
            if key in result:
                probe[key] = plain(result[key])
        for key in ("protocol", "port"):
            # A failed probe returns neither: what it was asked to probe with says it.
            if key not in probe and key in module_args:
                probe[key] = plain(module_args[key])
        probe["failed"] = bool(result.get("failed") or result.get("unreachable"))
        if probe["failed"]:
            probe["msg"] = plain(result.get("msg") or "the probe failed")
        probes.append(probe)
    return probes


# ---------------------------------------------------------------------------------------------
# The report dict


def host_entry(host, hostvars_of_host):
    """(entry, error) for one host: entry is {findings, facts, probes}; error a message or None."""
    hv = hostvars_of_host if isinstance(hostvars_of_host, Mapping) else {}
    error = hv.get("netpath_audit_error")
    findings = hv.get("netpath_findings")
    if error or findings is None:
        entry = {"findings": [], "facts": {}, "probes": [],
                 "paths": paths_of([], "the audit of this host did not complete")}
        return entry, str(plain(error)) if error else NO_RESULT
    facts = (hv.get("ansible_facts") or {}).get("netpath_mtu") or {}
    findings = plain(findings)
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise ReportError("netpath_findings of %s must be a list of findings (dicts)" % host)
    probes = plain(hv.get("netpath_probes") or [])
    return {
        "findings": sorted_findings(findings),
        "facts": plain(facts),
        "probes": probes,
        "paths": paths_of(probes, plain(hv.get("netpath_probe_note"))),
    }, None


def is_measured(probe):
    return not probe.get("failed") and probe.get("pmtu") is not None


def path_label(probe):
    """What a probe measured the path to: "gateway 10.0.0.1", "peer co-b (10.0.0.2)", "target 192.0.2.7"."""
    dest = scalar_text(probe.get("dest"))
    if probe.get("peer") and str(probe.get("peer")) != dest:
        dest = "%s (%s)" % (probe.get("peer"), dest)
    return "%s %s" % (str(probe["kind"]).replace("_", " "), dest) if probe.get("kind") else dest


def paths_of(probes, note=None):
    """A host's paths: {measured: the labels of the paths measured, unanswered: those probed without
    an answer, note: why none was measured (null when one was)}."""
    measured = [path_label(p) for p in probes if is_measured(p)]
    unanswered = [path_label(p) for p in probes if not is_measured(p)]
    if measured:
        note = None
    elif unanswered:
        note = "no probe was answered (%s)%s" % (", ".join(unanswered), ": " + note if note else "")
    else:
        note = "nothing was probed: %s" % (note or "no target")
    return {"measured": measured, "unanswered": unanswered, "note": note}


def build_report(hostvars, hosts, generated=None, load=None):
    """hostvars + the names of the audited hosts -> {"hosts": {...}, "summary": {...}}, and "load" (the
    load tests of netpath.mtu.diagnose) when load, their results, is given."""
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise ReportError("report: the host list must be a list of inventory host names, got %r" % (hosts,))
    entries = {}
    errors = {}
    for host in hosts:
        host = str(host)
        if host in entries:
            continue
        hv = hostvars.get(host, {})
        entries[host], error = host_entry(host, hv)
        if error:
            errors[host] = error
    report = {"hosts": entries, "summary": summarize(entries, errors, generated or utc_now())}
    if load:
        try:
            report["load"] = load_entries(load, plain)
        except ValueError as exc:
            raise ReportError(str(exc)) from None
    return report


def summarize(entries, errors, generated):
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_id = {}
    by_host = {}
    probes = {"total": 0, "failed": 0, "blackholes": 0, "measured": 0}
    without_path = []
    for host, entry in entries.items():
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in entry["findings"]:
            severity = str(finding.get("severity", "info"))
            counts[severity] = counts.get(severity, 0) + 1
            by_severity[severity] = by_severity.get(severity, 0) + 1
            fid = str(finding.get("id", "unknown"))
            by_id[fid] = by_id.get(fid, 0) + 1
        by_host[host] = counts
        for probe in entry["probes"]:
            probes["total"] += 1
            probes["failed"] += bool(probe.get("failed"))
            probes["blackholes"] += bool(probe.get("blackhole"))
            probes["measured"] += is_measured(probe)
        if host not in errors and not entry["paths"]["measured"]:
            without_path.append(host)
    audited = len(entries) - len(errors)
    return {
        "generated": generated,
        "hosts_audited": len(entries) - len(errors),
        "hosts_with_errors": sorted(errors),
        "errors": dict(sorted(errors.items())),
        "findings": sum(by_severity.values()),
        "by_severity": by_severity,
        "by_id": dict(sorted(by_id.items())),
        "by_host": by_host,
        "probes": probes,
        "hosts_without_measured_path": without_path,
        "paths_note": paths_note(audited, without_path),
    }


def paths_note(audited, without_path):
    """What the summary says of the paths: null when every audited host measured one."""
    if not without_path:
        return None
    if len(without_path) == audited:
        return "%s: %s." % (NO_PATH, HOW_TO_MEASURE)
    return "%s from %s: %s." % (NO_PATH, ", ".join(without_path), HOW_TO_MEASURE)


def gate(report, fail_on):
    """What fails the pipeline gate: one line per host at or above fail_on, [] when it passes.

    Hosts whose audit did not complete fail any gate but ``none``: an audit that could not look
    at a host cannot vouch for it.
    """
    if fail_on not in FAIL_ON:
        raise ReportError("netpath_fail_on is %r; allowed: %s" % (fail_on, ", ".join(FAIL_ON)))
    severities = FAIL_ON[fail_on]
    if not severities:
        return []
    errors = report["summary"].get("errors", {})
    lines = []
    for host, entry in report["hosts"].items():
        if host in errors:
            lines.append("%s: audit failed (%s)" % (host, errors[host]))
            continue
        hits = [f for f in entry["findings"] if f.get("severity") in severities]
        if hits:
            lines.append("%s: %s" % (host, ", ".join("%s (%s)" % (f.get("id"), f.get("severity")) for f in hits)))
    return lines


# ---------------------------------------------------------------------------------------------
# What report.md and report.html show


def scalar_text(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    return str(value)


def kv_pairs(mapping):
    return [(str(k), scalar_text(v)) for k, v in (mapping or {}).items()] if isinstance(mapping, dict) else []


def fix_view(fix):
    """What the report shows of a finding's fix (remediation.fix_for's shape): its actions, each
    {kind: role|module, name, vars}, the command that applies it, the link to its runbook, and the
    rest (what a human must do first).

    The only place that knows the shape of a finding's ``fix``; both templates show what this returns.
    A runbook that is not an http(s) URL is shown as text, never as a link.
    """
    if not isinstance(fix, dict):
        return {"actions": [], "command": None, "runbook": None,
                "other": [] if fix in (None, "") else [("fix", scalar_text(fix))]}
    actions = []
    for action in fix.get("actions") if isinstance(fix.get("actions"), list) else []:
        if isinstance(action, dict):
            kind = "role" if action.get("role") else "module"
            actions.append({"kind": kind, "name": scalar_text(action.get(kind)), "vars": kv_pairs(action.get("vars"))})
    runbook = fix.get("runbook")
    link = runbook if isinstance(runbook, str) and re.match(r"https?://[^\s\"'<>]+$", runbook) else None
    other = [(k, v) for k, v in kv_pairs(fix) if k not in ("actions", "manual", "command", "runbook")
             or (k == "runbook" and not link and runbook is not None)]
    if fix.get("manual"):
        other.insert(0, ("manual", scalar_text(fix["manual"])))
    command = fix.get("command")
    return {"actions": actions, "command": scalar_text(command) if command else None, "runbook": link,
            "other": other}


def chain_layers(chain):
    """A chain (top layer first, physical link last, as mtu_facts gives it) -> layers, physical first."""
    return [layer for layer in reversed(chain if isinstance(chain, list) else []) if isinstance(layer, dict)]


def as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# The probe table: (header, numeric).
PROBE_COLUMNS = (("destination", False), ("path MTU", True), ("route MTU", True), ("interface", False),
                 ("black hole", False), ("ICMP too big", True), ("MSS", True), ("measured with", False))


def probe_protocol(probe):
    """What measured the path: "icmp", "tcp 5432", "udp 53" (older results: icmp)."""
    protocol = scalar_text(probe.get("protocol") or "icmp")
    return protocol if probe.get("port") in (None, "") else "%s %s" % (protocol, scalar_text(probe.get("port")))


# Why a gateway that answers no echo is not a black hole, in its row.
GATEWAY_SILENT = ("the gateway answers no echo request (many routers do not): this is not a black hole; "
                  "probe a host beyond it with netpath_probe_targets")


def probe_view(probe):
    """One probe row: its cells (PROBE_COLUMNS; a failed probe: destination, "no answer", its message)."""
    dest = path_label(probe)
    if probe.get("failed"):
        why = scalar_text(probe.get("msg", ""))
        if probe.get("kind") == "gateway":
            why = "%s (%s)" % (GATEWAY_SILENT, why)
        return {"failed": True, "blackhole": False,
                "cells": [dest, "no answer", "", "", "", "", why, probe_protocol(probe)]}
    icmp = probe.get("icmp_too_big")
    return {"failed": False, "blackhole": bool(probe.get("blackhole")), "cells": [
        dest,
        scalar_text(probe.get("pmtu")),
        scalar_text(probe.get("route_mtu")),
        scalar_text(probe.get("interface", "")),
        "yes" if probe.get("blackhole") else "no",
        "none" if icmp is None else scalar_text(icmp),
        scalar_text(probe.get("recommended_mss")),
        probe_protocol(probe),
    ]}


def finding_view(finding):
    return {
        "id": scalar_text(finding.get("id", "")),
        "severity": scalar_text(finding.get("severity", "")),
        "interface": scalar_text(finding["interface"]) if finding.get("interface") else None,
        "evidence": kv_pairs(finding.get("evidence")),
        "explanation": scalar_text(finding.get("explanation", "")),
        "fix": fix_view(finding.get("fix")),
    }


# The MTU cascade drawing, in SVG user units (pixels at 100 %).
BOX_X = 16
BOX_MAX_W = 520
BOX_MIN_W = 270
BOX_H = 46
STEP_H = 34
TAG_H = 20
TAG_GAP = 8
MONO_CHAR_W = 7.4  # width of a character of the tags' monospace font at 12px


def step_text(name, overhead, lower, room, mtu):
    """What the lower layer leaves for this one, and whether this layer's MTU is more than that."""
    over = room is not None and mtu is not None and mtu > room
    if room is None:
        text = "%s on %s" % (name, lower.get("interface", "?"))
    elif overhead:
        text = "%s adds %d B: room %s \u2212 %d = %d" % (name, overhead, lower.get("mtu"), overhead, room)
    else:
        text = "room on %s: %d" % (lower.get("interface", "?"), room)
    return (text + " < MTU %d" % mtu if over else text), over


def cascade(chain, findings):
    """The drawing of one chain: physical link at the top, each layer a box as wide as its MTU is large.

    A layer named by a finding's ``interface`` is a fault, with a tag per finding id; between two
    layers, a step: what the lower one leaves for the upper one (its MTU less the upper one's
    overhead). Returns {width, height, layers}, every coordinate an int.
    """
    layers = chain_layers(chain)
    by_interface = {}
    for finding in findings:
        if finding["interface"]:
            by_interface.setdefault(finding["interface"], []).append(finding)
    widest = max([m for m in (as_int(layer.get("mtu")) for layer in layers) if m] or [1500])
    drawn = []
    y = 8
    right = 0
    for index, layer in enumerate(layers):
        name = str(layer.get("interface", "?"))
        kind = str(layer.get("kind", "?"))
        mtu = as_int(layer.get("mtu"))
        overhead = as_int(layer.get("overhead")) or 0
        faults = by_interface.get(name, [])
        width = BOX_MAX_W if mtu is None else max(BOX_MIN_W, round(BOX_MAX_W * mtu / widest))
        step = None
        if index:
            lower = layers[index - 1]
            lower_mtu = as_int(lower.get("mtu"))
            room = None if lower_mtu is None else lower_mtu - overhead
            text, over = step_text(name, overhead, lower, room, mtu)
            step = {"text": text, "over": over, "x": BOX_X + 26, "top": y, "bottom": y + STEP_H - 8,
                    "tip": y + STEP_H, "text_y": y + STEP_H // 2 + 4}
            y += STEP_H
        height = max(BOX_H, TAG_H * len(faults) + TAG_GAP * (len(faults) + 1) - 4)
        shown_mtu = "?" if mtu is None else mtu
        tooltip = "%s (%s), MTU %s%s" % (name, kind, shown_mtu, ", overhead %d B" % overhead if overhead else "")
        for finding in faults:
            tooltip += "\n%s (%s): %s" % (finding["id"], finding["severity"], finding["explanation"])
        tag_y = y + (height - (TAG_H * len(faults) + TAG_GAP * (len(faults) - 1))) // 2
        tags = []
        for finding in faults:
            tag = {"id": finding["id"], "severity": finding["severity"], "x": BOX_X + width + 14, "y": tag_y,
                   "width": round(len(finding["id"]) * MONO_CHAR_W + 18), "height": TAG_H}
            tags.append(tag)
            right = max(right, tag["x"] + tag["width"])
            tag_y += TAG_H + TAG_GAP
        drawn.append({
            "interface": name, "kind": kind, "mtu": mtu, "overhead": overhead, "step": step, "tags": tags,
            "findings": " ".join(f["id"] for f in faults), "tooltip": tooltip,
            "meta": "%s · MTU %s · %s" % (kind, shown_mtu, "overhead %d B" % overhead if overhead else "no overhead"),
            "x": BOX_X, "y": y, "width": width, "height": height,
        })
        right = max(right, BOX_X + width)
        y += height
    return {"width": max(640, right + 16), "height": y + 8, "layers": drawn}


def severity_counts(counts):
    """{severity: count} of every severity, most severe first."""
    return {severity: (counts or {}).get(severity, 0) for severity in SEVERITIES}


def host_view(host, entry, summary, anchor):
    """Everything the templates show of one host."""
    failed = host in summary["errors"]
    findings = [finding_view(f) for f in entry["findings"]]
    chains = []
    for chain in entry["facts"].get("chains") or []:
        drawing = cascade(chain, findings)
        if drawing["layers"]:
            names = " \u2192 ".join(layer["interface"] for layer in drawing["layers"])
            drawing.update(caption=names, label="MTU cascade of %s: %s" % (host, names))
            chains.append(drawing)
    drawn = {layer["interface"] for drawing in chains for layer in drawing["layers"]}
    return {
        "name": host,
        "anchor": anchor,
        "failed": failed,
        "error": summary["errors"].get(host),
        "counts": severity_counts(summary["by_host"].get(host)),
        "findings": findings,
        "chains": chains,
        "faults_drawn": any(f["interface"] in drawn for f in findings),
        "not_drawn": [f for f in findings if f["interface"] not in drawn] if chains else [],
        "probes": [probe_view(p) for p in entry["probes"]],
        "paths": entry.get("paths") or paths_of(entry["probes"]),
    }


def report_view(report):
    """What report.md and report.html show, worked out from the report dict."""
    summary = report["summary"]
    return {
        "summary": summary,
        "totals": severity_counts(summary["by_severity"]),
        # a report.json written before 0.2.0 has no paths_note
        "paths_note": summary.get("paths_note"),
        "probe_columns": PROBE_COLUMNS,
        "hosts": [host_view(host, entry, summary, "host-%d" % index)
                  for index, (host, entry) in enumerate(report["hosts"].items(), 1)],
        "load": [load_view(entry, index) for index, entry in enumerate(report.get("load") or [], 1)],
    }


def md_text(value):
    """Text for a Markdown table cell: one line, Markdown and HTML syntax escaped."""
    text = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]<>|#&!~])", r"\\\1", text)


def md_code(value):
    """A code span for a Markdown table cell (pipes escaped, as GFM tables need even in code)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text, pad, fence)


def shown(value):
    """What a template prints for value: text as it is (escaped by the HTML template), the rest as in JSON."""
    return value if isinstance(value, str) else scalar_text(value)


def templates():
    """The Jinja2 environment of report_templates/: *.html.j2 autoescaped, undefined names an error."""
    if jinja2 is None:
        raise ReportError("rendering the report needs the Python package Jinja2 (ansible-core's own dependency)")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        finalize=shown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(md_text=md_text, md_code=md_code)
    return environment


def render(template, report):
    return templates().get_template(template).render(report_view(report))


def render_markdown(report):
    return render("report.md.j2", report).rstrip("\n") + "\n"


def render_html(report):
    return render("report.html.j2", report)


# The files of the report, as netpath.mtu.write_report writes them: each name and how it is made.
REPORT_FILES = {"json": "report.json", "md": "report.md", "html": "report.html"}


# netpath.mtu.remediate's summary, which write_report writes too.
REMEDIATION_FILE = "remediation.json"


def as_json_file(data):
    """data as the to_nice_json filter writes it (keys sorted, two spaces), ending in a newline."""
    return json.dumps(data, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"


def render_files(report, formats=tuple(REPORT_FILES)):
    """{file name: text} of the report's files in `formats` (keys of REPORT_FILES)."""
    report = checked_report(report, "write_report")
    render = {"json": lambda: as_json_file(report), "md": lambda: render_markdown(report),
              "html": lambda: render_html(report)}
    return {REPORT_FILES[kind]: render[kind]() for kind in formats}


# ---------------------------------------------------------------------------------------------
# node_exporter textfile


METRICS = (
    ("netpath_audit_success", "gauge", "1 when the audit of the host completed, 0 when it did not."),
    ("netpath_audit_timestamp_seconds", "gauge", "When the netpath.mtu audit report was generated, Unix time."),
    ("netpath_interface_mtu", "gauge", "MTU of the interface, bytes."),
    ("netpath_interface_drops_total", "counter", "Packets the interface dropped, by direction (kernel counter)."),
    ("netpath_wireguard_handshake_age_seconds", "gauge",
     "Seconds since the latest handshake with the WireGuard peer (peers never handshaken are left out)."),
    ("netpath_udp_buffer_errors_total", "counter", "UDP receive/send buffer errors of the host (kernel counter)."),
    ("netpath_findings", "gauge", "Number of netpath.mtu findings of the host with this severity and id."),
    ("netpath_path_mtu_bytes", "gauge",
     "Path MTU the host measured to the destination (largest IP packet that got through with DF set), bytes."),
    ("netpath_path_blackhole", "gauge",
     "1 when larger packets to the destination vanished without a too-big message (a path-MTU black hole), else 0."),
    ("netpath_probe_duration_seconds", "gauge", "Time the path MTU probe to the destination took, seconds."),
)


def label_value(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def sample(name, labels, value):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        number = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    else:
        number = repr(value) if isinstance(value, float) else str(value)
    return "%s{%s} %s" % (name, ",".join('%s="%s"' % (k, label_value(v)) for k, v in labels), number)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def add_probe_samples(samples, host, probe):
    """The path MTU, black hole and duration of one probe that got an answer (a failed one has none)."""
    if not isinstance(probe, Mapping) or probe.get("failed") or not is_number(probe.get("pmtu")):
        return
    dest = scalar_text(probe.get("peer") or probe.get("dest"))
    family = scalar_text(probe.get("family") or "")
    protocol = scalar_text(probe.get("protocol") or "icmp")
    samples["netpath_path_mtu_bytes"].append(sample("netpath_path_mtu_bytes", [
        ("host", host), ("dest", dest), ("family", family), ("protocol", protocol),
        ("interface", scalar_text(probe.get("interface") or ""))], probe["pmtu"]))
    samples["netpath_path_blackhole"].append(sample("netpath_path_blackhole", [
        ("host", host), ("dest", dest), ("family", family)], 1 if probe.get("blackhole") else 0))
    if is_number(probe.get("elapsed_ms")):
        samples["netpath_probe_duration_seconds"].append(sample("netpath_probe_duration_seconds", [
            ("host", host), ("dest", dest), ("protocol", protocol)], round(probe["elapsed_ms"] / 1000.0, 4)))


def render_metrics(report):
    summary = report["summary"]
    samples = {name: [] for name, _type, _help in METRICS}
    try:
        generated = datetime.datetime.strptime(summary["generated"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        samples["netpath_audit_timestamp_seconds"].append("netpath_audit_timestamp_seconds %d"
                                                          % int(generated.timestamp()))
    except (TypeError, ValueError):
        pass
    for host, entry in sorted(report["hosts"].items()):
        samples["netpath_audit_success"].append(
            sample("netpath_audit_success", [("host", host)], 0 if host in summary["errors"] else 1))
        facts = entry["facts"]
        for name, iface in sorted((facts.get("interfaces") or {}).items()):
            if isinstance(iface, dict) and is_number(iface.get("mtu")):
                samples["netpath_interface_mtu"].append(
                    sample("netpath_interface_mtu", [("host", host), ("interface", name)], iface["mtu"]))
        counters = facts.get("counters") or {}
        for name, values in sorted((counters.get("interfaces") or {}).items()):
            for direction in ("rx", "tx"):
                value = (values or {}).get("%s_dropped" % direction)
                if is_number(value):
                    samples["netpath_interface_drops_total"].append(sample(
                        "netpath_interface_drops_total",
                        [("host", host), ("interface", name), ("direction", direction)], value))
        for name, wg in sorted((facts.get("wireguard") or {}).items()):
            for peer in (wg or {}).get("peers") or []:
                age = (peer or {}).get("handshake_age")
                if is_number(age):
                    samples["netpath_wireguard_handshake_age_seconds"].append(sample(
                        "netpath_wireguard_handshake_age_seconds",
                        [("host", host), ("interface", name), ("peer_endpoint", peer.get("endpoint") or "")], age))
        udp = counters.get("udp") or {}
        for key, kind in (("RcvbufErrors", "rcvbuf"), ("SndbufErrors", "sndbuf")):
            if is_number(udp.get(key)):
                samples["netpath_udp_buffer_errors_total"].append(
                    sample("netpath_udp_buffer_errors_total", [("host", host), ("kind", kind)], udp[key]))
        counts = {}
        for finding in entry["findings"]:
            key = (str(finding.get("severity", "")), str(finding.get("id", "")))
            counts[key] = counts.get(key, 0) + 1
        for (severity, fid), count in sorted(counts.items()):
            samples["netpath_findings"].append(
                sample("netpath_findings", [("host", host), ("severity", severity), ("id", fid)], count))
        for probe in entry.get("probes") or []:
            add_probe_samples(samples, host, probe)
    lines = []
    for name, kind, help_text in METRICS:
        lines.append("# HELP %s %s" % (name, help_text))
        lines.append("# TYPE %s %s" % (name, kind))
        lines.extend(samples[name])
    return "\n".join(lines) + "\n"
