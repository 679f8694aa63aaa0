"""The paths an audit measured: per host in report.json, report.md and report.html, and the summary's
"no path was measured" (issue 21: an audit that probed nothing must say so, not look complete).
On the report filters' sample (tests/conftest.py report_sample): wg-site-a measured its WireGuard
endpoint, co-node one target of two, healthy-a its mesh peer, and k3s-server probed nothing."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import report


@pytest.fixture
def built(report_sample):
    return report.build_report(report_sample["hostvars"], report_sample["hosts"], report_sample["generated"])


def test_each_host_lists_the_paths_it_measured_and_those_without_an_answer(built):
    hosts = built["hosts"]
    assert hosts["wg-site-a"]["paths"] == {"measured": ["10.2.0.2"], "unanswered": [], "note": None}
    assert hosts["co-node"]["paths"]["measured"] == ["10.5.0.2"]
    assert hosts["co-node"]["paths"]["unanswered"] == ["co-service.example"]
    assert hosts["healthy-a"]["paths"]["measured"] == ["healthy-b"]
    assert hosts["k3s-server"]["paths"] == {"measured": [], "unanswered": [], "note": "nothing was probed: no target"}


def test_the_summary_names_the_hosts_without_a_measured_path(built):
    summary = built["summary"]
    assert summary["hosts_without_measured_path"] == ["k3s-server"]
    assert summary["probes"]["measured"] == 3
    assert summary["paths_note"].startswith("no path was measured from k3s-server: give each host addresses to "
                                            "probe in netpath_probe_targets")


def test_an_audit_that_measured_no_path_says_so_first(report_sample):
    hostvars = report_sample["hostvars"]
    for host in report_sample["hosts"]:
        hostvars[host]["netpath_probes"] = []
    hostvars["k3s-server"]["netpath_probe_note"] = "this host has no default gateway"
    built = report.build_report(hostvars, report_sample["hosts"], report_sample["generated"])
    assert built["summary"]["paths_note"].startswith("no path was measured: give each host")
    assert built["hosts"]["k3s-server"]["paths"]["note"] == "nothing was probed: this host has no default gateway"
    md = report.render_markdown(built)
    # before the summary table, in bold, and on each host
    assert md.index("**no path was measured: give each host") < md.index("## Summary")
    assert md.count("**No path was measured:**") == 4
    assert "| `k3s-server` | 1 | 1 | 0 | `flannel_over_tunnel`, `udp_buffer_errors` | none |" in md
    html = report.render_html(built)
    assert html.index('<div class="alert" id="no-path"><strong>no path was measured') < html.index("<table>")
    assert html.count('<div class="alert no-path"><strong>No path was measured:</strong>') == 4


def test_every_host_with_a_measured_path_leaves_the_summary_quiet(report_sample):
    built = report.build_report(report_sample["hostvars"], ["wg-site-a", "healthy-a"], report_sample["generated"])
    assert built["summary"]["paths_note"] is None
    assert built["summary"]["hosts_without_measured_path"] == []
    assert "no path was measured" not in report.render_markdown(built).lower()
    assert "no path was measured" not in report.render_html(built).lower()


def test_a_gateway_that_answers_no_echo_is_not_a_black_hole():
    probes = [{"dest": "10.0.0.1", "kind": "gateway", "family": "ipv4", "failed": True,
               "msg": "no answer to 3 echo requests of 68 bytes in 2.0 s"},
              {"dest": "10.0.0.20", "kind": "peer", "peer": "db-1", "pmtu": 1450, "route_mtu": 1450,
               "blackhole": False, "failed": False}]
    hostvars = {"web-1": {"netpath_findings": [], "netpath_probes": probes, "ansible_facts": {"netpath_mtu": {}}}}
    built = report.build_report(hostvars, ["web-1"], "2026-05-10T09:30:00Z")
    assert built["hosts"]["web-1"]["paths"] == {"measured": ["peer db-1 (10.0.0.20)"],
                                                "unanswered": ["gateway 10.0.0.1"], "note": None}
    assert built["summary"]["probes"]["blackholes"] == 0
    md = report.render_markdown(built)
    assert "Paths measured: peer db-1 (10.0.0.20)." in md
    assert "gateway 10.0.0.1 | no answer |" in md
    assert "the gateway answers no echo request (many routers do not): this is not a black hole" in md
    html = report.render_html(built)
    assert "black hole</span>" not in html
    assert "this is not a black hole; probe a host beyond it with netpath_probe_targets" in html


def test_a_host_whose_probes_all_went_unanswered_says_which():
    probes = [{"dest": "fe80::1%eth0", "kind": "gateway", "family": "ipv6", "failed": True, "msg": "no answer"}]
    hostvars = {"web-1": {"netpath_findings": [], "netpath_probes": probes, "ansible_facts": {"netpath_mtu": {}}}}
    built = report.build_report(hostvars, ["web-1"], "2026-05-10T09:30:00Z")
    assert built["hosts"]["web-1"]["paths"]["note"] == "no probe was answered (gateway fe80::1%eth0)"
    assert built["summary"]["hosts_without_measured_path"] == ["web-1"]


def test_a_report_written_before_paths_were_kept_still_renders(built):
    for entry in built["hosts"].values():
        del entry["paths"]
    for key in ("paths_note", "hosts_without_measured_path"):
        del built["summary"][key]
    assert "## k3s-server" in report.render_markdown(report.checked_report(built, "report_markdown"))
