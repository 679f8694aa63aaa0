# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit report of netpath.mtu: the report dict, and its Markdown, HTML and metrics renderings.

Filters (documented in the YAML files next to this one):

* ``netpath.mtu.probe_results``: registered results of a ``pmtu_probe`` loop -> list of probe results
* ``netpath.mtu.report``: hostvars + list of audited hosts -> the report dict (report.json)
* ``netpath.mtu.report_markdown``, ``netpath.mtu.report_html``, ``netpath.mtu.report_metrics``:
  the report dict -> report.md, report.html, a node_exporter textfile
* ``netpath.mtu.report_gate``: the report dict + netpath_fail_on -> what fails the gate

The functions are plain Python on plain data (dicts, lists, strings, numbers), unit-tested
without Ansible; the filters at the end of the file only wrap them.
"""

import datetime
import html
import json
import math
import re
from collections.abc import Mapping

from ansible_collections.netpath.mtu.plugins.module_utils.limits import SEVERITIES, severity_rank

FAIL_ON = {"none": (), "warning": ("error", "warning"), "error": ("error",)}

# What a pmtu_probe result holds (its RETURN), kept in a probe result; Ansible's own keys are not.
PROBE_KEYS = (
    "pmtu", "route_mtu", "blackhole", "icmp_too_big", "icmp_too_big_from", "recommended_mss",
    "probes_sent", "rounds", "converged", "elapsed_ms", "rtt_ms", "wait_ms", "address", "family",
    "interface", "cached_pmtu", "bottleneck", "hops",
)

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


def sorted_findings(findings):
    return sorted(findings, key=lambda f: (severity_rank(f.get("severity")), str(f.get("id", "")),
                                           str(f.get("interface") or "")))


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Probe results


def probe_results(registered, peers=False):
    """Registered results of a loop of netpath.mtu.pmtu_probe -> a list of probe results.

    Each probe result holds ``dest`` (what was probed, as given to the module), the module's
    return values (PROBE_KEYS), ``failed`` and, for a failed probe, ``msg``. With ``peers``, the
    loop items are inventory host names: each result also holds ``peer`` (that name). Skipped
    items are left out.
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
        if peers:
            probe["peer"] = plain(item.get("peer") if isinstance(item, Mapping) else item)
        for key in PROBE_KEYS:
            if key in result:
                probe[key] = plain(result[key])
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
    if error:
        return {"findings": [], "facts": {}, "probes": []}, str(plain(error))
    if findings is None:
        return {"findings": [], "facts": {}, "probes": []}, NO_RESULT
    facts = (hv.get("ansible_facts") or {}).get("netpath_mtu") or {}
    findings = plain(findings)
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise ReportError("netpath_findings of %s must be a list of findings (dicts)" % host)
    return {
        "findings": sorted_findings(findings),
        "facts": plain(facts),
        "probes": plain(hv.get("netpath_probes") or []),
    }, None


def build_report(hostvars, hosts, generated=None):
    """hostvars + the names of the audited hosts -> {"hosts": {...}, "summary": {...}}."""
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
    return {"hosts": entries, "summary": summarize(entries, errors, generated or utc_now())}


def summarize(entries, errors, generated):
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_id = {}
    by_host = {}
    probes = {"total": 0, "failed": 0, "blackholes": 0}
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
    }


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
# Shared formatting


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


def fix_parts(fix):
    """([(label, [(var, value)])], [other (key, value)]) of a finding's fix (remediation.fix_for's shape).

    Each action's label is "role NAME" or "module NAME"; a fix a human must do is ("manual", text).
    """
    if not isinstance(fix, dict):
        return [], ([] if fix in (None, "") else [("fix", scalar_text(fix))])
    actions = []
    for action in fix.get("actions") if isinstance(fix.get("actions"), list) else []:
        if isinstance(action, dict):
            kind = "role" if action.get("role") else "module"
            actions.append(("%s %s" % (kind, scalar_text(action.get(kind))), kv_pairs(action.get("vars"))))
    other = [(k, v) for k, v in kv_pairs(fix) if k not in ("actions", "manual")]
    if fix.get("manual"):
        other.insert(0, ("manual", scalar_text(fix["manual"])))
    return actions, other


def chain_layers(chain):
    """A chain (top layer first, physical link last, as mtu_facts gives it) -> layers, physical first."""
    layers = []
    for layer in reversed(chain if isinstance(chain, list) else []):
        if isinstance(layer, dict):
            layers.append(layer)
    return layers


def as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def room_above(lower, layer):
    """MTU the lower layer leaves for this layer (lower MTU - this layer's overhead), or None."""
    lower_mtu = as_int(lower.get("mtu"))
    if lower_mtu is None:
        return None
    return lower_mtu - (as_int(layer.get("overhead")) or 0)


def probe_columns(probe):
    """Cells of one probe row: destination, path MTU, route MTU, interface, black hole, ICMP, MSS."""
    dest = scalar_text(probe.get("dest"))
    if probe.get("peer") and str(probe.get("peer")) != dest:
        dest = "%s (%s)" % (probe.get("peer"), dest)
    if probe.get("failed"):
        return [dest, "no answer", "", "", "", "", scalar_text(probe.get("msg", ""))]
    icmp = probe.get("icmp_too_big")
    return [
        dest,
        scalar_text(probe.get("pmtu")),
        scalar_text(probe.get("route_mtu")),
        scalar_text(probe.get("interface", "")),
        "yes" if probe.get("blackhole") else "no",
        "none" if icmp is None else scalar_text(icmp),
        scalar_text(probe.get("recommended_mss")),
    ]


PROBE_HEADERS = ["destination", "path MTU", "route MTU", "interface", "black hole", "ICMP too big", "MSS"]


# ---------------------------------------------------------------------------------------------
# Markdown


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


def md_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def md_fix(fix):
    actions, other = fix_parts(fix)
    parts = []
    for label, variables in actions:
        kind, _sep, name = label.partition(" ")
        parts.append("%s %s" % (kind, md_code(name)))
        parts.extend(md_code("%s: %s" % pair) for pair in variables)
    parts.extend(md_text("%s: %s" % pair) for pair in other)
    return "<br>".join(parts) if parts else "-"


def render_markdown(report):
    summary = report["summary"]
    sev = summary["by_severity"]
    lines = [
        "# netpath.mtu audit report",
        "",
        "Generated %s. %d host%s audited; findings: %d error%s, %d warning%s, %d info." % (
            summary["generated"], summary["hosts_audited"], "" if summary["hosts_audited"] == 1 else "s",
            sev.get("error", 0), "" if sev.get("error", 0) == 1 else "s",
            sev.get("warning", 0), "" if sev.get("warning", 0) == 1 else "s", sev.get("info", 0)),
    ]
    if summary["hosts_with_errors"]:
        lines.append("Hosts the audit could not complete: %s." % ", ".join(
            md_code(h) for h in summary["hosts_with_errors"]))
    lines += ["", "## Summary", ""]
    rows = []
    for host, entry in report["hosts"].items():
        counts = summary["by_host"].get(host, {})
        ids = ", ".join(md_code(f.get("id")) for f in entry["findings"]) or (
            "audit failed" if host in summary["errors"] else "none")
        rows.append([md_code(host)] + [str(counts.get(s, 0)) for s in SEVERITIES] + [ids])
    lines += md_table(["host", "errors", "warnings", "info", "findings"], rows)

    for host, entry in report["hosts"].items():
        lines += ["", "## " + md_text(host), ""]
        if host in summary["errors"]:
            lines += ["**Audit failed:** " + md_text(summary["errors"][host]), ""]
        chains = entry["facts"].get("chains") or []
        for chain in chains:
            layers = chain_layers(chain)
            if layers:
                lines.append("MTU cascade: " + " → ".join(
                    "%s %s %s%s" % (md_code(layer.get("interface", "?")), md_text(layer.get("kind", "?")),
                                    md_text(scalar_text(layer.get("mtu"))),
                                    " (+%s)" % md_text(layer.get("overhead")) if layer.get("overhead") else "")
                    for layer in layers) + "  ")
        if chains:
            lines.append("")
        if entry["findings"]:
            rows = []
            for finding in entry["findings"]:
                evidence = "<br>".join(md_code("%s: %s" % pair) for pair in kv_pairs(finding.get("evidence")))
                rows.append([
                    md_text(finding.get("severity", "")),
                    md_code(finding.get("id", "")),
                    md_code(finding["interface"]) if finding.get("interface") else "-",
                    evidence or "-",
                    md_fix(finding.get("fix")),
                ])
            lines += md_table(["severity", "finding", "interface", "evidence", "fix"], rows)
            lines.append("")
            for finding in entry["findings"]:
                if finding.get("explanation"):
                    lines.append("- %s: %s" % (md_code(finding.get("id", "")), md_text(finding["explanation"])))
        elif host not in summary["errors"]:
            lines.append("No findings.")
        if entry["probes"]:
            lines += ["", "Path MTU probes:", ""]
            lines += md_table(PROBE_HEADERS, [
                [md_text(cell) for cell in probe_columns(probe)] for probe in entry["probes"]])
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# HTML


def e(value):
    """Escape for HTML text and attribute values (SVG inline in HTML included)."""
    return html.escape(value if isinstance(value, str) else scalar_text(value), quote=True)


CSS = """
:root { --error: #c62828; --warning: #a15c00; --info: #1565c0; --ok: #2e7d32; --muted: #5f6670;
        --line: #d7dbe0; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
       "DejaVu Sans", sans-serif; color: #1d2329; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
h2 code { font-size: 17px; }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.cards { display: flex; gap: 12px; margin: 16px 0 20px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 120px;
        background: var(--bg); }
.card .n { font-size: 24px; font-weight: 700; }
.card.error .n { color: var(--error); } .card.warning .n { color: var(--warning); }
.card.info .n { color: var(--info); }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
.scroll { overflow-x: auto; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--bg); }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600;
       color: #fff; background: var(--muted); white-space: nowrap; }
.sev.error { background: var(--error); } .sev.warning { background: var(--warning); }
.sev.info { background: var(--info); } .sev.ok { background: var(--ok); }
section.host { border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 20px 0; }
section.host.failed { border-color: var(--error); }
.alert { border-left: 4px solid var(--error); background: #fdecea; padding: 8px 12px; margin: 10px 0; }
.kv { margin: 0; padding: 0; list-style: none; }
.kv li { margin: 0 0 2px; } .kv .k { color: var(--muted); }
.explain { max-width: 48em; }
figure { margin: 6px 0 14px; } figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
svg.cascade { max-width: 100%; height: auto; display: block; }
svg.cascade .box { fill: #eef3f8; stroke: #7a8794; stroke-width: 1.2; }
svg.cascade .layer.fault .box { fill: #fdecea; stroke: var(--error); stroke-width: 2.5; }
svg.cascade .name { font: 700 13px "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: #1d2329; }
svg.cascade .meta { font: 12px system-ui, "DejaVu Sans", sans-serif; fill: #3d4650; }
svg.cascade .layer.fault .name { fill: var(--error); }
svg.cascade .link { stroke: #7a8794; stroke-width: 1.5; fill: none; }
svg.cascade .arrow { fill: #7a8794; }
svg.cascade .step { font: 12px system-ui, "DejaVu Sans", sans-serif; fill: var(--muted); }
svg.cascade .step.over { fill: var(--error); font-weight: 700; }
svg.cascade .tag rect { fill: var(--error); }
svg.cascade .tag.warning rect { fill: var(--warning); } svg.cascade .tag.info rect { fill: var(--info); }
svg.cascade .tag text { font: 600 12px "DejaVu Sans Mono", Menlo, Consolas, monospace; fill: #fff; }
.legend { font-size: 12px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px;
          margin-right: 4px; border: 1px solid #7a8794; background: #eef3f8; }
.swatch.fault { border: 2px solid var(--error); background: #fdecea; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
"""

BOX_X = 16
BOX_MAX_W = 520
BOX_MIN_W = 270
BOX_H = 46
STEP_H = 34
TAG_H = 20
MONO_CHAR_W = 7.4


def svg_cascade(chain, findings, label):
    """One chain as an SVG: physical link at the top, each layer a box as wide as its MTU is large.

    A layer named by a finding's ``interface`` is drawn red with a tag per finding id; between two
    layers, what the lower one leaves for the upper one (its MTU less the upper one's overhead).
    """
    layers = chain_layers(chain)
    by_interface = {}
    for finding in findings:
        if finding.get("interface"):
            by_interface.setdefault(str(finding["interface"]), []).append(finding)
    mtus = [as_int(layer.get("mtu")) for layer in layers]
    widest = max([m for m in mtus if m] or [1500])
    parts = []
    y = 8
    right = 0
    for index, layer in enumerate(layers):
        name = str(layer.get("interface", "?"))
        kind = str(layer.get("kind", "?"))
        mtu = as_int(layer.get("mtu"))
        overhead = as_int(layer.get("overhead")) or 0
        faults = by_interface.get(name, [])
        width = BOX_MAX_W if mtu is None else max(BOX_MIN_W, round(BOX_MAX_W * mtu / widest))
        if index:
            lower = layers[index - 1]
            room = room_above(lower, layer)
            over = room is not None and mtu is not None and mtu > room
            if room is None:
                step = "%s on %s" % (name, lower.get("interface", "?"))
            elif overhead:
                step = "%s adds %d B: room %s \u2212 %d = %d" % (name, overhead, lower.get("mtu"), overhead, room)
            else:
                step = "room on %s: %d" % (lower.get("interface", "?"), room)
            if over:
                step += " < MTU %d" % mtu
            x = BOX_X + 26
            parts.append('<path class="link" d="M%d %d V%d"/>' % (x, y, y + STEP_H - 8))
            parts.append('<path class="arrow" d="M%d %d l-5 -8 h10 z"/>' % (x, y + STEP_H))
            parts.append('<text class="step%s" x="%d" y="%d">%s</text>' % (
                " over" if over else "", x + 14, y + STEP_H / 2 + 4, e(step)))
            y += STEP_H
        height = max(BOX_H, TAG_H * len(faults) + 8 * (len(faults) + 1) - 4)
        meta = "%s · MTU %s" % (kind, "?" if mtu is None else mtu)
        meta += " · overhead %d B" % overhead if overhead else " · no overhead"
        ids = " ".join(str(f.get("id", "")) for f in faults)
        tooltip = "%s (%s), MTU %s%s" % (name, kind, "?" if mtu is None else mtu,
                                         ", overhead %d B" % overhead if overhead else "")
        for finding in faults:
            tooltip += "\n%s (%s): %s" % (finding.get("id", ""), finding.get("severity", ""),
                                          finding.get("explanation", ""))
        parts.append('<g class="layer%s" data-interface="%s" data-kind="%s" data-mtu="%s" data-overhead="%d"%s>' % (
            " fault" if faults else "", e(name), e(kind), "" if mtu is None else mtu, overhead,
            ' data-findings="%s"' % e(ids) if faults else ""))
        parts.append("<title>%s</title>" % e(tooltip))
        parts.append('<rect class="box" x="%d" y="%d" width="%d" height="%d" rx="6"/>' % (BOX_X, y, width, height))
        parts.append('<text class="name" x="%d" y="%d">%s</text>' % (BOX_X + 12, y + 19, e(name)))
        parts.append('<text class="meta" x="%d" y="%d">%s</text>' % (BOX_X + 12, y + 36, e(meta)))
        tag_y = y + (height - (TAG_H * len(faults) + 8 * (len(faults) - 1))) / 2
        for finding in faults:
            text = str(finding.get("id", ""))
            severity = str(finding.get("severity", ""))
            tag_w = round(len(text) * MONO_CHAR_W + 18)
            tag_x = BOX_X + width + 14
            parts.append('<g class="tag %s" data-finding="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="10"/>'
                         '<text x="%d" y="%d">%s</text></g>' % (
                             e(severity), e(text), tag_x, tag_y, tag_w, TAG_H, tag_x + 9, tag_y + 14, e(text)))
            right = max(right, tag_x + tag_w)
            tag_y += TAG_H + 8
        parts.append("</g>")
        right = max(right, BOX_X + width)
        y += height
    total_w = max(640, right + 16)
    total_h = y + 8
    return ('<svg class="cascade" xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" '
            'viewBox="0 0 %d %d" aria-label="%s"><title>%s</title>%s</svg>' % (
                total_w, total_h, total_w, total_h, e(label), e(label), "".join(parts)))


def html_kv(pairs):
    if not pairs:
        return "-"
    return '<ul class="kv">%s</ul>' % "".join(
        '<li><span class="k">%s:</span> <code>%s</code></li>' % (e(k), e(v)) for k, v in pairs)


def html_fix(fix):
    actions, other = fix_parts(fix)
    out = []
    for label, variables in actions:
        kind, _sep, name = label.partition(" ")
        out.append("<div>%s <code>%s</code></div>" % (e(kind), e(name)))
        if variables:
            out.append(html_kv(variables))
    if other:
        out.append(html_kv(other))
    return "".join(out) or "-"


def html_counts(counts):
    badges = ['<span class="sev %s">%d %s</span>' % (s, counts.get(s, 0), s) for s in SEVERITIES if counts.get(s)]
    return " ".join(badges) or '<span class="sev ok">no findings</span>'


def render_html(report):
    summary = report["summary"]
    sev = summary["by_severity"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing is loaded from anywhere and nothing runs: the page is its own inline CSS and SVG.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>netpath.mtu audit report - %s</title>" % e(summary["generated"]),
        "<style>%s</style></head><body>" % CSS,
        "<header><h1>netpath.mtu audit report</h1>",
        '<div class="muted">generated %s</div></header>' % e(summary["generated"]),
        '<div class="cards">',
        '<div class="card"><div class="n">%d</div>hosts audited</div>' % summary["hosts_audited"],
    ]
    for s in SEVERITIES:
        out.append('<div class="card%s"><div class="n">%d</div>%s</div>' % (
            " " + s if sev.get(s, 0) else "", sev.get(s, 0), s))
    out.append('<div class="card%s"><div class="n">%d</div>hosts with errors</div>' % (
        " error" if summary["hosts_with_errors"] else "", len(summary["hosts_with_errors"])))
    out.append("</div>")

    anchors = {host: "host-%d" % index for index, host in enumerate(report["hosts"], 1)}
    out.append('<div class="scroll"><table><thead><tr><th>host</th><th>findings</th><th>ids</th></tr></thead><tbody>')
    for host, entry in report["hosts"].items():
        if host in summary["errors"]:
            badges = '<span class="sev error">audit failed</span>'
        else:
            badges = html_counts(summary["by_host"].get(host, {}))
        ids = ", ".join("<code>%s</code>" % e(f.get("id", "")) for f in entry["findings"]) or "-"
        out.append('<tr><td><a href="#%s"><code>%s</code></a></td><td>%s</td><td>%s</td></tr>' % (
            anchors[host], e(host), badges, ids))
    out.append("</tbody></table></div>")

    for host, entry in report["hosts"].items():
        failed = host in summary["errors"]
        out.append('<section class="host%s" id="%s" data-host="%s">' % (" failed" if failed else "", anchors[host],
                                                                        e(host)))
        counts = '<span class="sev error">audit failed</span>' if failed else html_counts(
            summary["by_host"].get(host, {}))
        out.append("<h2><code>%s</code> %s</h2>" % (e(host), counts))
        if failed:
            out.append('<div class="alert">%s</div>' % e(summary["errors"][host]))
        chains = [c for c in (entry["facts"].get("chains") or []) if chain_layers(c)]
        if chains:
            out.append("<h3>MTU cascade</h3>")
            chained = {str(layer.get("interface")) for c in chains for layer in chain_layers(c)}
            legend = '<span class="swatch"></span>layer, as wide as its MTU is large'
            if any(f.get("interface") and str(f["interface"]) in chained for f in entry["findings"]):
                legend += ' &nbsp; <span class="swatch fault"></span>layer named by a finding'
            out.append('<div class="legend">%s</div>' % legend)
            for chain in chains:
                names = [str(layer.get("interface", "?")) for layer in chain_layers(chain)]
                label = "MTU cascade of %s: %s" % (host, " \u2192 ".join(names))
                out.append("<figure><figcaption>%s</figcaption>%s</figure>" % (
                    e(" \u2192 ".join(names)), svg_cascade(chain, entry["findings"], label)))
            elsewhere = [f for f in entry["findings"] if not f.get("interface") or str(f["interface"]) not in chained]
            if elsewhere:
                out.append('<div class="legend">Not on a layer drawn above: %s</div>' % ", ".join(
                    "<code>%s</code>%s" % (e(f.get("id", "")), " (%s)" % e(f["interface"]) if f.get("interface")
                                           else " (host-wide)") for f in elsewhere))
        elif not failed:
            out.append('<p class="muted">No encapsulation chains were gathered on this host.</p>')
        if entry["findings"]:
            out.append('<h3>Findings</h3><div class="scroll"><table><thead><tr><th>severity</th><th>finding</th>'
                       "<th>interface</th>"
                       "<th>evidence</th><th>explanation</th><th>fix</th></tr></thead><tbody>")
            for finding in entry["findings"]:
                severity = str(finding.get("severity", ""))
                out.append(
                    '<tr class="finding" data-finding="%s"><td><span class="sev %s">%s</span></td>'
                    "<td><code>%s</code></td><td>%s</td><td>%s</td><td class=\"explain\">%s</td><td>%s</td></tr>" % (
                        e(finding.get("id", "")), e(severity), e(severity), e(finding.get("id", "")),
                        "<code>%s</code>" % e(finding["interface"]) if finding.get("interface") else "-",
                        html_kv(kv_pairs(finding.get("evidence"))), e(finding.get("explanation", "")),
                        html_fix(finding.get("fix"))))
            out.append("</tbody></table></div>")
        elif not failed:
            out.append('<p><span class="sev ok">no findings</span></p>')
        if entry["probes"]:
            out.append('<h3>Path MTU probes</h3><div class="scroll"><table><thead><tr>%s</tr></thead><tbody>' % "".join(
                '<th%s>%s</th>' % (' class="num"' if index in (1, 2, 5, 6) else "", e(h))
                for index, h in enumerate(PROBE_HEADERS)))
            for probe in entry["probes"]:
                cells = probe_columns(probe)
                row = ["<td><code>%s</code></td>" % e(cells[0])]
                if probe.get("failed"):
                    row.append('<td colspan="6"><span class="sev warning">no answer</span> %s</td>' % e(cells[6]))
                else:
                    row += ['<td class="num">%s</td>' % e(c) for c in cells[1:3]]
                    row.append("<td><code>%s</code></td>" % e(cells[3]))
                    row.append("<td>%s</td>" % ('<span class="sev error">black hole</span>' if probe.get("blackhole")
                                                else "no"))
                    row += ['<td class="num">%s</td>' % e(c) for c in cells[5:]]
                out.append("<tr>%s</tr>" % "".join(row))
            out.append("</tbody></table></div>")
        out.append("</section>")
    out.append("<footer>netpath.mtu audit; report.json holds the same data with every fact gathered.</footer>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


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
    lines = []
    for name, kind, help_text in METRICS:
        lines.append("# HELP %s %s" % (name, help_text))
        lines.append("# TYPE %s %s" % (name, kind))
        lines.extend(samples[name])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The filters


def _check_report(report, name):
    if not isinstance(report, Mapping) or "hosts" not in report or "summary" not in report:
        raise ReportError("%s expects the report dict made by netpath.mtu.report (with 'hosts' and 'summary')"
                          % name)
    return plain(report)


def _filter(function, unsafe=True):
    def run(*args, **kwargs):
        from ansible.errors import AnsibleFilterError

        try:
            result = function(*args, **kwargs)
        except ReportError as exc:
            raise AnsibleFilterError(str(exc)) from exc
        if unsafe:
            # Text made from gathered facts must never be templated again (ansible-core < 2.19
            # templates strings stored with set_fact when they are read back).
            from ansible.utils.unsafe_proxy import wrap_var

            result = wrap_var(result)
        return result

    run.__name__ = function.__name__
    run.__doc__ = function.__doc__
    return run


def _report(hostvars, hosts, generated=None):
    return build_report(hostvars, hosts, generated)


def _report_markdown(report):
    return render_markdown(_check_report(report, "report_markdown"))


def _report_html(report):
    return render_html(_check_report(report, "report_html"))


def _report_metrics(report):
    return render_metrics(_check_report(report, "report_metrics"))


def _report_gate(report, fail_on="none"):
    return gate(_check_report(report, "report_gate"), fail_on)


class FilterModule:
    """netpath.mtu report filters."""

    def filters(self):
        return {
            "probe_results": _filter(probe_results),
            "report": _filter(_report),
            "report_markdown": _filter(_report_markdown),
            "report_html": _filter(_report_html),
            "report_metrics": _filter(_report_metrics),
            "report_gate": _filter(_report_gate),
        }
