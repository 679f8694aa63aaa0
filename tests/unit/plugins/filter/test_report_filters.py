"""The report filters: each is its module_utils/report.py function, its errors AnsibleFilterError.

The functions themselves are tested in tests/unit/plugins/module_utils/test_report.py.
"""

import importlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import report

FILTERS = {name: importlib.import_module("ansible_collections.netpath.mtu.plugins.filter." + name).FilterModule()
           .filters()[name]
           for name in ("probe_results", "report", "report_markdown", "report_html", "report_metrics", "report_gate")}


@pytest.fixture
def built(report_sample):
    return report.build_report(report_sample["hostvars"], report_sample["hosts"], report_sample["generated"])


def test_the_filters():
    assert set(FILTERS) == {"probe_results", "report", "report_markdown", "report_html", "report_metrics",
                            "report_gate"}


def test_the_filters_render_what_the_functions_render(built, report_sample):
    hostvars, hosts = report_sample["hostvars"], report_sample["hosts"]
    assert FILTERS["report"](hostvars, hosts, generated="2026-05-10T09:30:00Z") == built
    assert FILTERS["report_html"](built) == report.render_html(built)
    assert FILTERS["report_markdown"](built) == report.render_markdown(built)
    assert FILTERS["report_metrics"](built) == report.render_metrics(built)
    assert FILTERS["report_gate"](built, "error") == report.gate(built, "error")
    assert FILTERS["report_gate"](built) == []
    assert FILTERS["probe_results"]({"pmtu": 1380, "invocation": {"module_args": {"dest": "pp"}}}) == [
        {"dest": "pp", "pmtu": 1380, "failed": False}]


def test_the_filters_fail_with_ansible_errors(built):
    with pytest.raises(AnsibleFilterError, match="allowed: none, warning, error"):
        FILTERS["report_gate"](built, "critical")
    with pytest.raises(AnsibleFilterError, match="^report_html: report.summary: missing$"):
        FILTERS["report_html"]({"hosts": {}})
    with pytest.raises(AnsibleFilterError, match="list of inventory host names"):
        FILTERS["report"]({}, "all")
    with pytest.raises(AnsibleFilterError, match="^probe_results: registered: expected a mapping or a list or null"):
        FILTERS["probe_results"]("10.2.0.2")
