# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The load tests of a report (netpath.mtu.diagnose): their entries in report.json and their drawings.

load_entries keeps what report.json holds of each pair's netpath.mtu.load_probe result; load_view works
out what report.html draws - throughput with one flow and with several, and each core's busy and
softirq shares during each run - as inline SVG geometry (report_templates/report.html.j2).
"""

from collections.abc import Mapping

# What a load_probe result holds (its RETURN) and the pair it measured; Ansible's own keys are not kept.
LOAD_KEYS = ("from", "to", "dest", "address", "error", "verdict", "evidence", "advice", "throughput", "route",
             "probe", "bitrate", "tcp_mtu_probing", "runs", "offload", "commands")

BAR_X = 150
BAR_MAX_W = 420
ROW_H = 24
BAR_H = 16


def load_entries(results, plain):
    """diagnose's netpath_load_results -> the report's `load` list (plain data only)."""
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, Mapping) for r in results):
        raise ValueError("load: netpath_load_results must be a list of load_probe results (dicts)")
    return [dict((key, plain(result[key])) for key in LOAD_KEYS if key in result) for result in results]


def rate_text(bits_per_second):
    value = float(bits_per_second or 0)
    for unit, size in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if value >= size:
            return "%.1f %s" % (value / size, unit)
    return "%.0f bit/s" % value


def _run_label(run):
    flows = run.get("streams", 1)
    return "%s, %s flow%s" % (run.get("direction", "?"), flows, "" if flows == 1 else "s")


def throughput_drawing(runs, label):
    """One bar per run, as long as its rate is large against the fastest."""
    fastest = max([float(r.get("bits_per_second") or 0) for r in runs] or [0]) or 1.0
    bars = []
    for index, run in enumerate(runs):
        rate = float(run.get("bits_per_second") or 0)
        bars.append({"label": _run_label(run), "y": 8 + index * ROW_H, "x": BAR_X,
                     "width": max(2, round(BAR_MAX_W * rate / fastest)), "height": BAR_H,
                     "text": rate_text(rate) + (" - %s" % run["error"] if run.get("error") else ""),
                     "failed": bool(run.get("error")) or not rate})
    return {"label": label, "width": BAR_X + BAR_MAX_W + 190, "height": 16 + len(runs) * ROW_H, "bars": bars}


def softirq_drawing(runs, label):
    """Per run, per core: the busy share (pale) with the softirq share over it."""
    rows, y = [], 8
    for run in runs:
        rows.append({"heading": _run_label(run), "y": y + 12})
        y += ROW_H
        for core in (run.get("counters") or {}).get("cpu") or []:
            busy, softirq = float(core.get("busy") or 0), float(core.get("softirq") or 0)
            rows.append({"label": "cpu%s" % core.get("cpu"), "y": y, "x": BAR_X, "height": BAR_H,
                         "busy": round(BAR_MAX_W * min(busy, 1.0)), "softirq": round(BAR_MAX_W * min(softirq, 1.0)),
                         "text": "busy %.0f %%, softirq %.0f %%" % (busy * 100, softirq * 100),
                         "saturated": busy >= 0.9})
            y += ROW_H
    return {"label": label, "width": BAR_X + BAR_MAX_W + 190, "height": y + 8, "rows": rows}


def load_view(entry, index):
    """What report.html and report.md show of one pair."""
    runs = entry.get("runs") or []
    name = "%s \u2192 %s (%s)" % (entry.get("from"), entry.get("to"), entry.get("dest"))
    return {
        "name": name, "anchor": "load-%d" % index, "verdict": entry.get("verdict") or "failed",
        "error": entry.get("error"), "advice": entry.get("advice") or [],
        "evidence": [e for e in entry.get("evidence") or [] if e.get("fired")],
        "runs": [{"label": _run_label(r), "rate": rate_text(r.get("bits_per_second")), "error": r.get("error"),
                  "retransmits": (r.get("counters") or {}).get("tcp", {}).get("retransmits")} for r in runs],
        "throughput": throughput_drawing(runs, "Throughput of %s, one flow and several" % name) if runs else None,
        "softirq": softirq_drawing(runs, "CPU per core during each run of %s" % name) if runs else None,
        "probe": entry.get("probe") or {},
        "route": entry.get("route") or {},
    }
