# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters probe_results, report, report_markdown, report_html, report_metrics and report_gate (documented in the
.yml files of the same names); the report itself is module_utils/report.py and its templates."""

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports


def _unsafe(function, *args):
    """function(*args), marked unsafe: text made from gathered facts must never be templated again
    (ansible-core < 2.19 templates strings stored with set_fact when they are read back)."""
    try:
        return wrap_var(function(*args))
    except reports.ReportError as exc:
        raise AnsibleFilterError(str(exc)) from None


def _of_report(name, function, report, *args):
    return _unsafe(lambda: function(reports.checked_report(report, name), *args))


def probe_results(registered, peers=False):
    return _unsafe(lambda: reports.probe_results(reports.checked_registered(registered, "probe_results"), peers))


def report(hostvars, hosts, generated=None, load=None):
    def build():
        reports.checked_report_input(hostvars, hosts, generated, "report")
        return reports.build_report(hostvars, hosts, generated, load)
    return _unsafe(build)


def report_markdown(report):
    return _of_report("report_markdown", reports.render_markdown, report)


def report_html(report):
    return _of_report("report_html", reports.render_html, report)


def report_metrics(report):
    return _of_report("report_metrics", reports.render_metrics, report)


def report_gate(report, fail_on="none"):
    return _of_report("report_gate", reports.gate, report, fail_on)


class FilterModule:
    def filters(self):
        return {
            "probe_results": probe_results,
            "report": report,
            "report_markdown": report_markdown,
            "report_html": report_html,
            "report_metrics": report_metrics,
            "report_gate": report_gate,
        }
