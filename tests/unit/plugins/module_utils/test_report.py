"""The audit report: the report dict, its Markdown, HTML and metrics, the gate, and probe results.

The sample (tests/unit/plugins/filter/fixtures/report_input.json) is what play 1 of
playbooks/audit.yml leaves in hostvars for four lab hosts: wg-site-a (pmtu_blackhole on wg0 over eth0), co-node
(docker_mtu_exceeds_uplink and missing_mss_clamp on docker0 over eth0 at 1450), k3s-server
(flannel_over_tunnel on flannel.1 over tailscale0 over eth0; udp_buffer_errors, host-wide) and
healthy-a (no findings).
"""

import copy
import html
import json
import re
from collections import UserDict
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import remediation, report

HOSTILE = '"><script>alert(1)</script>'


@pytest.fixture
def sample(report_sample):
    return report_sample


@pytest.fixture
def built(sample):
    return report.build_report(sample["hostvars"], sample["hosts"], sample["generated"])


# ----------------------------------------------------------------------------------------------
# The report dict


def test_report_has_exactly_hosts_and_summary(built, sample):
    assert set(built) == {"hosts", "summary"}
    assert list(built["hosts"]) == sample["hosts"]
    for entry in built["hosts"].values():
        assert set(entry) == {"findings", "facts", "probes", "paths"}
    # What report.json holds survives JSON.
    assert json.loads(json.dumps(built)) == built


def test_report_takes_facts_probes_and_findings_from_hostvars(built, sample):
    entry = built["hosts"]["k3s-server"]
    assert entry["facts"] == sample["hostvars"]["k3s-server"]["ansible_facts"]["netpath_mtu"]
    assert [f["id"] for f in entry["findings"]] == ["flannel_over_tunnel", "udp_buffer_errors"]
    assert built["hosts"]["wg-site-a"]["probes"][0]["dest"] == "10.2.0.2"
    assert built["hosts"]["healthy-a"]["findings"] == []


def test_summary_counts(built):
    summary = built["summary"]
    assert summary["generated"] == "2026-05-10T09:30:00Z"
    assert summary["hosts_audited"] == 4
    assert summary["hosts_with_errors"] == []
    assert summary["errors"] == {}
    assert summary["findings"] == 5
    assert summary["by_severity"] == {"error": 3, "warning": 2, "info": 0}
    assert summary["by_id"] == {"docker_mtu_exceeds_uplink": 1, "flannel_over_tunnel": 1, "missing_mss_clamp": 1,
                                "pmtu_blackhole": 1, "udp_buffer_errors": 1}
    assert summary["by_host"]["co-node"] == {"error": 1, "warning": 1, "info": 0}
    assert summary["by_host"]["healthy-a"] == {"error": 0, "warning": 0, "info": 0}
    assert summary["probes"] == {"total": 4, "failed": 1, "blackholes": 1, "measured": 3}


def test_findings_are_sorted_errors_first(sample):
    hv = sample["hostvars"]["co-node"]
    hv["netpath_findings"] = list(reversed(hv["netpath_findings"])) + [
        {"id": "fifo_qdisc", "severity": "info", "interface": "eth0"}]
    built = report.build_report(sample["hostvars"], ["co-node"], "2026-05-10T09:30:00Z")
    assert [f["severity"] for f in built["hosts"]["co-node"]["findings"]] == ["error", "warning", "info"]


def test_generated_defaults_to_now_in_utc(sample):
    built = report.build_report(sample["hostvars"], ["healthy-a"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", built["summary"]["generated"])


def test_hosts_whose_audit_did_not_complete(sample):
    hostvars = sample["hostvars"]
    hostvars["wg-router"] = {"netpath_audit_run": "x", "netpath_audit_error": "Gather MTU facts: ip: not found",
                             "netpath_findings": None, "ansible_facts": {"netpath_mtu": {"chains": []}}}
    # Facts in a fact cache from an earlier run, but no findings in this one: not taken.
    hostvars["stale"] = {"netpath_audit_run": "x", "netpath_findings": None,
                         "ansible_facts": {"netpath_mtu": {"interfaces": {"eth0": {"mtu": 9000}}}}}
    built = report.build_report(hostvars, sample["hosts"] + ["wg-router", "stale", "not-in-hostvars"],
                                "2026-05-10T09:30:00Z")
    summary = built["summary"]
    assert summary["hosts_audited"] == 4
    assert summary["hosts_with_errors"] == ["not-in-hostvars", "stale", "wg-router"]
    assert summary["errors"]["wg-router"] == "Gather MTU facts: ip: not found"
    assert summary["errors"]["stale"] == report.NO_RESULT
    for host in ("wg-router", "stale", "not-in-hostvars"):
        assert built["hosts"][host] == {"findings": [], "facts": {}, "probes": [], "paths": {
            "measured": [], "unanswered": [], "note": "nothing was probed: the audit of this host did not complete"}}


def test_a_host_listed_twice_is_reported_once(sample):
    built = report.build_report(sample["hostvars"], ["co-node", "co-node"], "2026-05-10T09:30:00Z")
    assert list(built["hosts"]) == ["co-node"]
    assert built["summary"]["findings"] == 2


@pytest.mark.parametrize("hosts", ["co-node", None, {"co-node": 1}])
def test_the_host_list_must_be_a_list(sample, hosts):
    with pytest.raises(report.ReportError, match="list of inventory host names"):
        report.build_report(sample["hostvars"], hosts)


def test_findings_must_be_a_list_of_dicts(sample):
    sample["hostvars"]["co-node"]["netpath_findings"] = "docker_mtu_exceeds_uplink"
    with pytest.raises(report.ReportError, match="netpath_findings of co-node"):
        report.build_report(sample["hostvars"], ["co-node"])


def test_plain_turns_mappings_and_sequences_into_dicts_and_lists():
    class Text(str):
        pass

    data = UserDict({"a": (1, 2.5, True, None), "b": UserDict({"c": Text("x")}), "d": b"\xff"})
    assert report.plain(data) == {"a": [1, 2.5, True, None], "b": {"c": "x"}, "d": "\ufffd"}
    assert report.plain(data)["b"]["c"].__class__ is str


# ----------------------------------------------------------------------------------------------
# Probe results


def loop_result(*results):
    return {"changed": False, "msg": "All items completed", "results": list(results), "skipped": False}


def test_probe_results_keep_what_the_module_returned():
    ok = {"pmtu": 1400, "route_mtu": 1500, "blackhole": True, "icmp_too_big": None, "recommended_mss": 1360,
          "address": "10.2.0.2", "interface": "eth0", "family": "ipv4", "changed": False, "failed": False,
          "invocation": {"module_args": {"dest": "site-b", "family": "auto"}}, "item": "site-b",
          "ansible_loop_var": "item"}
    bad = {"failed": True, "msg": "10.9.9.9 (10.9.9.9) does not answer: no reply", "changed": False,
           "invocation": {"module_args": {"dest": "10.9.9.9", "protocol": "tcp", "port": 5432}},
           "item": {"dest": "10.9.9.9", "protocol": "tcp", "port": 5432}, "ansible_loop_var": "item"}
    probes = report.probe_results(loop_result(ok, bad))
    assert probes == [
        {"dest": "site-b", "pmtu": 1400, "route_mtu": 1500, "blackhole": True, "icmp_too_big": None,
         "recommended_mss": 1360, "address": "10.2.0.2", "family": "ipv4", "interface": "eth0", "failed": False},
        # A failed probe returns no protocol: the one it was asked to probe with is kept.
        {"dest": "10.9.9.9", "protocol": "tcp", "port": 5432, "failed": True,
         "msg": "10.9.9.9 (10.9.9.9) does not answer: no reply"},
    ]
    assert [report.probe_view(probe)["cells"][-1] for probe in probes] == ["icmp", "tcp 5432"]


def test_probe_results_of_a_mesh_name_the_peer():
    ok = {"pmtu": 1500, "route_mtu": 1500, "blackhole": False, "failed": False,
          "invocation": {"module_args": {"dest": "10.9.0.3"}}, "item": "healthy-b"}
    # A failure before the module ran (a variable that did not template) has no invocation.
    early = {"failed": True, "msg": "undefined variable", "item": "healthy-c"}
    probes = report.probe_results([ok, early], peers=True)
    assert probes[0]["dest"] == "10.9.0.3" and probes[0]["peer"] == "healthy-b"
    assert probes[1] == {"dest": "healthy-c", "peer": "healthy-c", "failed": True, "msg": "undefined variable"}


@pytest.mark.parametrize("registered", [
    None,
    {"changed": False, "results": [], "skipped": True, "skipped_reason": "No items in the list"},
    loop_result({"skipped": True, "item": "x", "false_condition": "False"}),
])
def test_probe_results_of_nothing(registered):
    assert report.probe_results(registered) == []


def test_probe_results_of_a_single_task():
    single = {"pmtu": 1380, "failed": False, "invocation": {"module_args": {"dest": "pp-honest"}}}
    assert report.probe_results(single) == [{"dest": "pp-honest", "pmtu": 1380, "failed": False}]


def test_probe_results_reject_what_is_not_a_registered_result():
    with pytest.raises(report.ReportError, match="registered result"):
        report.probe_results("10.2.0.2")
    with pytest.raises(report.ReportError, match="each result must be a dict"):
        report.probe_results(["10.2.0.2"])


# ----------------------------------------------------------------------------------------------
# The gate


def test_gate_none_never_fails(built):
    assert report.gate(built, "none") == []


def test_gate_error(built):
    assert report.gate(built, "error") == [
        "wg-site-a: pmtu_blackhole (error)",
        "co-node: docker_mtu_exceeds_uplink (error)",
        "k3s-server: flannel_over_tunnel (error)",
    ]


def test_gate_warning(built):
    assert report.gate(built, "warning") == [
        "wg-site-a: pmtu_blackhole (error)",
        "co-node: docker_mtu_exceeds_uplink (error), missing_mss_clamp (warning)",
        "k3s-server: flannel_over_tunnel (error), udp_buffer_errors (warning)",
    ]


def test_gate_passes_a_healthy_fleet(sample):
    built = report.build_report(sample["hostvars"], ["healthy-a"], "2026-05-10T09:30:00Z")
    assert report.gate(built, "warning") == []


def test_gate_fails_hosts_whose_audit_did_not_complete(sample):
    built = report.build_report(sample["hostvars"], ["healthy-a", "gone"], "2026-05-10T09:30:00Z")
    assert report.gate(built, "error") == ["gone: audit failed (%s)" % report.NO_RESULT]
    assert report.gate(built, "none") == []


def test_gate_names_a_bad_threshold_and_the_allowed_ones(built):
    with pytest.raises(report.ReportError, match=r"netpath_fail_on is 'errors'; allowed: none, warning, error"):
        report.gate(built, "errors")


# ----------------------------------------------------------------------------------------------
# Markdown


def test_markdown_has_a_summary_and_a_table_per_host(built):
    md = report.render_markdown(built)
    assert md.startswith("# netpath.mtu audit report\n")
    assert "4 hosts audited; findings: 3 errors, 2 warnings, 0 info." in md
    assert "| `co-node` | 1 | 1 | 0 | `docker_mtu_exceeds_uplink`, `missing_mss_clamp` |" in md
    assert "| `healthy-a` | 0 | 0 | 0 | none |" in md
    for host in ("wg-site-a", "co-node", "k3s-server", "healthy-a"):
        assert "\n## %s\n" % host in md
    # The finding row: severity, id, interface, evidence, fix (role and variables).
    row = next(line for line in md.splitlines() if line.startswith("| error | `pmtu_blackhole`"))
    assert "`wg0`" in row and "`pmtu: 1400`" in row and "role `netpath.mtu.wireguard_mtu`" in row
    assert "`wireguard_mtu_interface: wg0`" in row and "`wireguard_mtu: auto`" in row
    assert "MTU cascade: `eth0` physical 1500 → `tailscale0` wireguard 1280 (+80) → `flannel.1` vxlan 1230 (+50) → " \
           "`cni0` bridge 1230" in md
    assert "No findings." in md.split("## healthy-a")[1]
    assert "| co-service.example | no answer |" in md
    assert md.endswith("|\n")


def test_markdown_table_rows_have_as_many_cells_as_their_header(built):
    md = report.render_markdown(built)
    rows = [line for line in md.splitlines() if line.startswith("|")]
    header_cells = None
    for line in rows:
        cells = len(re.split(r"(?<!\\)\|", line)) - 2
        if line.startswith("|---") or line.startswith("|-"):
            continue
        if header_cells is None or line.startswith("| severity") or line.startswith("| host") or \
                line.startswith("| destination"):
            header_cells = cells
        assert cells == header_cells, line


def test_markdown_escapes_what_hosts_report(sample):
    hv = sample["hostvars"]["co-node"]
    hv["netpath_findings"][0]["evidence"]["bridge"] = "a|b `c` <img src=x>"
    hv["netpath_findings"][0]["explanation"] = "Line one\nline two | <script>x</script> *bold*"
    md = report.render_markdown(report.build_report(sample["hostvars"], ["co-node"], "2026-05-10T09:30:00Z"))
    # Markdown shows code spans verbatim, so markup in them is text; outside them, none is left.
    assert "<script>" not in re.sub(r"(`+).*?\1", "", md) and "<img" not in re.sub(r"(`+).*?\1", "", md)
    assert "``bridge: a\\|b `c` <img src=x>``" in md
    assert "Line one line two \\| \\<script\\>x\\</script\\> \\*bold\\*" in md


# ----------------------------------------------------------------------------------------------
# HTML


def test_html_is_self_contained(built, html_elements):
    page = report.render_html(built)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    dom = html_elements(page)
    assert not dom.find("script") and not dom.find("link") and not dom.find("img") and not dom.find("iframe")
    assert not [el for el in dom.elements if "src" in el["attrs"]]
    hrefs = [el["attrs"]["href"] for el in dom.elements if "href" in el["attrs"]]
    assert hrefs and all(href.startswith("#") for href in hrefs)
    assert "url(" not in page and "@import" not in page
    # The only URL is the SVG namespace, which is a name, not a fetch.
    assert set(re.findall(r"https?://[^\s\"']+", page)) == {"http://www.w3.org/2000/svg"}


def test_html_draws_each_chain_physical_link_first(built, html_elements):
    dom = html_elements(report.render_html(built))
    layers = dom.layers("k3s-server")
    assert [(el["attrs"]["data-interface"], el["attrs"]["data-kind"], el["attrs"]["data-mtu"],
             el["attrs"]["data-overhead"]) for el in layers] == [
        ("eth0", "physical", "1500", "0"),
        ("tailscale0", "wireguard", "1280", "80"),
        ("flannel.1", "vxlan", "1230", "50"),
        ("cni0", "bridge", "1230", "0"),
    ]
    # Each box shows its name, kind, MTU and overhead.
    assert "flannel.1" in layers[2]["text"] and "vxlan · MTU 1230 · overhead 50 B" in layers[2]["text"]
    assert "MTU 1500 · no overhead" in layers[0]["text"]


def test_html_marks_the_faulty_layer_with_the_finding_id(built, html_elements):
    dom = html_elements(report.render_html(built))
    marked = {host: [(el["attrs"]["data-interface"], el["attrs"].get("data-findings"))
                     for el in dom.layers(host) if "fault" in el["attrs"]["class"].split()]
              for host in ("wg-site-a", "co-node", "k3s-server", "healthy-a")}
    assert marked == {
        "wg-site-a": [("wg0", "pmtu_blackhole")],
        "co-node": [("docker0", "docker_mtu_exceeds_uplink missing_mss_clamp")],
        "k3s-server": [("flannel.1", "flannel_over_tunnel")],
        "healthy-a": [],
    }
    tags = [el for el in dom.elements if el["tag"] == "g" and "tag" in el["attrs"].get("class", "").split()]
    assert {(el["attrs"]["data-finding"], el["attrs"]["class"], el["text"]) for el in tags} == {
        ("pmtu_blackhole", "tag error", "pmtu_blackhole"),
        ("docker_mtu_exceeds_uplink", "tag error", "docker_mtu_exceeds_uplink"),
        ("missing_mss_clamp", "tag warning", "missing_mss_clamp"),
        ("flannel_over_tunnel", "tag error", "flannel_over_tunnel"),
    }


def test_html_shows_what_each_layer_leaves_for_the_next(built):
    page = report.render_html(built)
    assert "tailscale0 adds 80 B: room 1500 \u2212 80 = 1420" in page
    assert "flannel.1 adds 50 B: room 1280 \u2212 50 = 1230" in page
    # docker0 at 1500 on a 1450 uplink: the step is drawn as too much.
    assert '<text class="step over"' in page and "room on eth0: 1450 &lt; MTU 1500" in page


def test_html_box_width_follows_the_mtu(built):
    page = report.render_html(built)
    section = page.split('data-host="k3s-server"')[1].split("</section>")[0]
    widths = [int(w) for w in re.findall(r'<rect class="box" x="\d+" y="\d+" width="(\d+)"', section)]
    assert widths[0] > widths[1] > widths[2] == widths[3]


def test_html_lists_findings_not_on_a_layer(built):
    page = report.render_html(built)
    section = page.split('data-host="k3s-server"')[1].split("</section>")[0]
    assert "Not on a layer drawn above: <code>udp_buffer_errors</code> (host-wide)" in section


def test_html_findings_table_and_probes(built, html_elements):
    dom = html_elements(report.render_html(built))
    rows = dom.find("tr", data_finding="pmtu_blackhole")
    assert len(rows) == 1
    text = rows[0]["text"]
    assert "error" in text and "wg0" in text and "pmtu:" in text and "1400" in text
    assert "role netpath.mtu.wireguard_mtu" in text and "wireguard_mtu_interface: wg0" in text
    assert "Path MTU probes" in dom.find("section", data_host="co-node")[0]["text"]
    assert "no answer" in dom.find("section", data_host="co-node")[0]["text"]
    assert "no findings" in dom.find("section", data_host="healthy-a")[0]["text"]


def test_html_escapes_a_hostile_interface_name_and_evidence(sample, html_elements):
    hv = sample["hostvars"]["k3s-server"]
    chain = hv["ansible_facts"]["netpath_mtu"]["chains"][0]
    chain[1]["interface"] = HOSTILE
    hv["netpath_findings"][0]["interface"] = HOSTILE
    hv["netpath_findings"][0]["evidence"]["interface"] = HOSTILE
    hv["netpath_findings"][0]["explanation"] = "<b onmouseover=alert(1)>hi</b> & more"
    hv["netpath_findings"][0]["id"] = "flannel_over_tunnel<svg onload=alert(1)>"
    page = report.render_html(report.build_report(sample["hostvars"], ["k3s-server"], "2026-05-10T09:30:00Z"))
    assert "<script" not in page and "<svg onload" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;" in page and "&#34;&gt;" in page
    # Parsed back, the name is exactly what the host reported: escaped, neither lost nor doubled.
    dom = html_elements(page)
    layers = dom.layers("k3s-server")
    assert layers[2]["attrs"]["data-interface"] == HOSTILE
    assert "fault" in layers[2]["attrs"]["class"]
    assert HOSTILE in layers[2]["text"]
    assert not dom.find("script")


def test_html_of_a_host_whose_audit_failed(sample, html_elements):
    sample["hostvars"]["wg-router"] = {"netpath_audit_error": "Gather MTU facts: <ip> not found"}
    page = report.render_html(report.build_report(sample["hostvars"], ["wg-router"], "2026-05-10T09:30:00Z"))
    dom = html_elements(page)
    section = dom.find("section", data_host="wg-router")[0]
    assert "failed" in section["attrs"]["class"]
    assert "Gather MTU facts: <ip> not found" in section["text"]
    assert "&lt;ip&gt;" in page


def test_html_copes_with_odd_chains(sample, html_elements):
    facts = sample["hostvars"]["healthy-a"]["ansible_facts"]["netpath_mtu"]
    facts["chains"] = [[{"interface": "eth0", "kind": "physical", "mtu": None, "overhead": None}],
                       [], "not a chain", [{"interface": "x"}, {"interface": "wg9", "mtu": "1420", "overhead": 60}]]
    page = report.render_html(report.build_report(sample["hostvars"], ["healthy-a"], "2026-05-10T09:30:00Z"))
    dom = html_elements(page)
    assert [el["attrs"]["data-mtu"] for el in dom.layers("healthy-a")] == ["", "1420", ""]


# ----------------------------------------------------------------------------------------------
# Metrics


def parse_metrics(text):
    """{(name, labels tuple): value} and the declared types; fails on a sample of an undeclared metric."""
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split(" ")[2:]
            types[name] = kind
        elif line.startswith("# HELP "):
            continue
        else:
            match = re.fullmatch(r'([a-z_]+)(?:\{(.*)\})? (\S+)', line)
            assert match, line
            name, labels, value = match.groups()
            assert name in types, "sample before its # TYPE: %s" % line
            pairs = tuple(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', labels or ""))
            assert (name, pairs) not in samples, "duplicate series: %s" % line
            samples[(name, pairs)] = float(value)
    return types, samples


def test_metrics_in_textfile_format(built):
    text = report.render_metrics(built)
    assert text.endswith("\n")
    types, samples = parse_metrics(text)
    assert types == {
        "netpath_audit_success": "gauge", "netpath_audit_timestamp_seconds": "gauge",
        "netpath_interface_mtu": "gauge", "netpath_interface_drops_total": "counter",
        "netpath_wireguard_handshake_age_seconds": "gauge", "netpath_udp_buffer_errors_total": "counter",
        "netpath_findings": "gauge", "netpath_path_mtu_bytes": "gauge", "netpath_path_blackhole": "gauge",
        "netpath_probe_duration_seconds": "gauge",
    }
    for name in types:
        assert "# HELP %s " % name in text
    assert samples[("netpath_interface_mtu", (("host", "k3s-server"), ("interface", "flannel.1")))] == 1230
    assert samples[("netpath_interface_mtu", (("host", "co-node"), ("interface", "eth0")))] == 1450
    assert samples[("netpath_interface_drops_total",
                    (("host", "wg-site-a"), ("interface", "wg0"), ("direction", "tx")))] == 31
    assert samples[("netpath_wireguard_handshake_age_seconds",
                    (("host", "wg-site-a"), ("interface", "wg0"), ("peer_endpoint", "10.2.0.2:51820")))] == 12
    # A peer that never completed a handshake (age null) is left out.
    assert [k for k in samples if k[0] == "netpath_wireguard_handshake_age_seconds" and k[1][0][1] == "healthy-a"] \
        == [("netpath_wireguard_handshake_age_seconds",
             (("host", "healthy-a"), ("interface", "wg0"), ("peer_endpoint", "10.9.0.3:51820")))]
    assert samples[("netpath_udp_buffer_errors_total", (("host", "k3s-server"), ("kind", "rcvbuf")))] == 3
    assert samples[("netpath_findings",
                    (("host", "co-node"), ("severity", "warning"), ("id", "missing_mss_clamp")))] == 1
    assert samples[("netpath_audit_success", (("host", "healthy-a"),))] == 1
    assert samples[("netpath_audit_timestamp_seconds", ())] == 1778405400
    path = (("host", "wg-site-a"), ("dest", "10.2.0.2"), ("family", "ipv4"))
    assert samples[("netpath_path_mtu_bytes", path + (("protocol", "icmp"), ("interface", "eth0")))] == 1400
    assert samples[("netpath_path_blackhole", path)] == 1
    assert samples[("netpath_path_blackhole", (("host", "co-node"), ("dest", "10.5.0.2"), ("family", "ipv4")))] == 0
    assert samples[("netpath_probe_duration_seconds", (("host", "wg-site-a"), ("dest", "10.2.0.2"),
                                                       ("protocol", "icmp")))] == pytest.approx(0.1042)
    # A failed probe measured nothing: no path series for it.
    assert not [k for k in samples if ("dest", "co-service.example") in k[1]]


def test_metrics_say_which_protocol_measured_the_path(sample):
    probes = sample["hostvars"]["co-node"]["netpath_probes"]
    probes[0].update(protocol="tcp", port=5432)
    built = report.build_report(sample["hostvars"], ["co-node"], "2026-05-10T09:30:00Z")
    _types, samples = parse_metrics(report.render_metrics(built))
    assert samples[("netpath_path_mtu_bytes", (("host", "co-node"), ("dest", "10.5.0.2"), ("family", "ipv4"),
                                               ("protocol", "tcp"), ("interface", "eth0")))] == 1450
    assert "tcp 5432" in report.render_markdown(built) and "tcp 5432" in report.render_html(built)


def test_metrics_escape_label_values(sample):
    facts = sample["hostvars"]["healthy-a"]["ansible_facts"]["netpath_mtu"]
    facts["interfaces"]['we"ird\\na\nme'] = {"mtu": 1400, "kind": "other"}
    text = report.render_metrics(report.build_report(sample["hostvars"], ["healthy-a"], "2026-05-10T09:30:00Z"))
    assert 'netpath_interface_mtu{host="healthy-a",interface="we\\"ird\\\\na\\nme"} 1400' in text
    parse_metrics(text)


def test_metrics_of_a_host_whose_audit_failed(sample):
    built = report.build_report(sample["hostvars"], ["healthy-a", "gone"], "2026-05-10T09:30:00Z")
    _types, samples = parse_metrics(report.render_metrics(built))
    assert samples[("netpath_audit_success", (("host", "gone"),))] == 0
    assert not [k for k in samples if ("host", "gone") in k[1] and k[0] != "netpath_audit_success"]


def test_rendering_does_not_change_the_report(built):
    before = copy.deepcopy(built)
    report.render_html(built)
    report.render_markdown(built)
    report.render_metrics(built)
    assert built == before


# ----------------------------------------------------------------------------------------------
# The templates


def cards(dom):
    """{label: (number, class)} of the summary cards at the top of a page."""
    elements = dom.elements
    found = {}
    for index, el in enumerate(elements):
        if el["tag"] == "div" and el["attrs"].get("class", "").split()[:1] == ["card"]:
            number = elements[index + 1]["text"]
            found[" ".join(el["text"][len(number):].split())] = (number, el["attrs"]["class"])
    return found


def test_html_cards_count_hosts_not_audited_apart_from_error_findings(sample, html_elements):
    sample["hostvars"]["wg-router"] = {"netpath_audit_error": "Gather MTU facts: ip: not found"}
    built = report.build_report(sample["hostvars"], sample["hosts"] + ["wg-router", "gone"], "2026-05-10T09:30:00Z")
    assert cards(html_elements(report.render_html(built))) == {
        "hosts audited": ("4", "card"),
        "hosts not audited unreachable, or the audit failed": ("2", "card error"),
        "error findings": ("3", "card error"),
        "warning findings": ("2", "card warning"),
        "info findings": ("0", "card"),
    }
    healthy = report.build_report(sample["hostvars"], ["healthy-a"], "2026-05-10T09:30:00Z")
    healthy_cards = cards(html_elements(report.render_html(healthy)))
    assert healthy_cards["hosts not audited unreachable, or the audit failed"] == ("0", "card")


@pytest.mark.parametrize("name", [HOSTILE, "it's \"quoted\" & <b>bold</b>", "</title><script>x</script>"])
def test_html_autoescapes_a_host_and_an_interface_name(sample, name, html_elements):
    """Whatever a host or an interface is called, the page shows it as text and runs nothing."""
    hostvars = {name: copy.deepcopy(sample["hostvars"]["wg-site-a"])}
    hv = hostvars[name]
    hv["ansible_facts"]["netpath_mtu"]["chains"][0][0]["interface"] = name
    hv["netpath_findings"][0]["interface"] = name
    page = report.render_html(report.build_report(hostvars, [name], "2026-05-10T09:30:00Z"))
    for raw in ("<script", "<b>", "</title><", "it's", '"quoted"'):
        assert raw not in page
    dom = html_elements(page)
    assert not dom.find("script") and not dom.find("b")
    section = dom.find("section", data_host=name)
    assert len(section) == 1
    layer = dom.layers(name)[1]
    assert layer["attrs"]["data-interface"] == name and "fault" in layer["attrs"]["class"]
    assert layer["text"].startswith(name)
    assert [el["text"] for el in dom.find("code") if el["text"] == name]
    row = dom.find("tr", data_finding="pmtu_blackhole")[0]
    assert name in row["text"]


def test_markdown_escapes_a_host_and_an_interface_name(sample):
    name = "</code><script>x</script>|"
    hostvars = {name: copy.deepcopy(sample["hostvars"]["wg-site-a"])}
    hostvars[name]["netpath_findings"][0]["interface"] = name
    md = report.render_markdown(report.build_report(hostvars, [name], "2026-05-10T09:30:00Z"))
    assert "\n## \\</code\\>\\<script\\>x\\</script\\>\\|\n" in md
    assert "<script>" not in re.sub(r"(`+).*?\1", "", md)


def test_html_includes_the_stylesheet_inline():
    page = report.render_html(report.build_report({}, [], "2026-05-10T09:30:00Z"))
    css = (Path(report.TEMPLATES) / "report.css").read_text()
    assert "<style>\n%s</style>" % css in page


def test_fix_view_is_each_action_module_or_role_and_what_a_human_must_do():
    sysctl = {"actions": [{"module": "ansible.posix.sysctl", "vars": {"name": name, "value": "8388608"}}
                          for name in ("net.core.rmem_max", "net.core.wmem_max")], "manual": None}
    assert report.fix_view(sysctl) == {"actions": [
        {"kind": "module", "name": "ansible.posix.sysctl", "vars": [("name", name), ("value", "8388608")]}
        for name in ("net.core.rmem_max", "net.core.wmem_max")], "command": None, "runbook": None, "other": []}
    role = {"actions": [{"role": "netpath.mtu.docker_mtu", "vars": {"docker_mtu": 1450}}], "manual": None}
    assert report.fix_view(role)["actions"] == [
        {"kind": "role", "name": "netpath.mtu.docker_mtu", "vars": [("docker_mtu", "1450")]}]
    manual = {"actions": [], "manual": "raise net.netfilter.nf_conntrack_max <after> checking"}
    assert report.fix_view(manual) == {"actions": [], "command": None, "runbook": None, "other": [
        ("manual", "raise net.netfilter.nf_conntrack_max <after> checking")]}
    assert report.fix_view("see the runbook")["other"] == [("fix", "see the runbook")]
    assert report.fix_view(None) == {"actions": [], "command": None, "runbook": None, "other": []}
    # a runbook that is no http(s) URL is never a link: text, like any other value
    sneaky = report.fix_view({"actions": [], "runbook": "javascript:alert(1)"})
    assert sneaky["runbook"] is None and sneaky["other"] == [("runbook", "javascript:alert(1)")]


def test_both_pages_show_each_action_of_a_fix(sample, html_elements):
    hostvars = {"wg-site-a": copy.deepcopy(sample["hostvars"]["wg-site-a"])}
    hostvars["wg-site-a"]["netpath_findings"][0]["fix"] = {
        "actions": [{"module": "ansible.posix.sysctl", "vars": {"name": name, "value": "8388608"}}
                    for name in ("net.core.rmem_max", "net.core.wmem_max")], "manual": None}
    built = report.build_report(hostvars, ["wg-site-a"], "2026-05-10T09:30:00Z")
    md = report.render_markdown(built)
    assert ("module `ansible.posix.sysctl`<br>`name: net.core.rmem_max`<br>`value: 8388608`<br>"
            "module `ansible.posix.sysctl`<br>`name: net.core.wmem_max`<br>`value: 8388608`") in md
    page = report.render_html(built)
    assert page.count("<div>module <code>ansible.posix.sysctl</code></div>") == 2
    hostvars["wg-site-a"]["netpath_findings"][0]["fix"] = {"actions": [], "manual": "raise <after> checking"}
    built = report.build_report(hostvars, ["wg-site-a"], "2026-05-10T09:30:00Z")
    assert "manual: raise \\<after\\> checking" in report.render_markdown(built)
    assert "raise &lt;after&gt; checking" in report.render_html(built)


def test_both_pages_give_the_command_and_link_the_runbook(sample):
    hostvars = {"wg-site-a": copy.deepcopy(sample["hostvars"]["wg-site-a"])}
    finding = hostvars["wg-site-a"]["netpath_findings"][0]
    finding["fix"] = remediation.fix_for(dict(finding, host="wg-site-a"))
    built = report.build_report(hostvars, ["wg-site-a"], "2026-05-10T09:30:00Z")
    command, runbook = finding["fix"]["command"], finding["fix"]["runbook"]
    assert "--limit wg-site-a,localhost" in command and runbook.startswith("https://")
    md = report.render_markdown(built)
    assert "run: %s" % report.md_code(command) in md and "[runbook](%s)" % runbook in md
    page = report.render_html(built)
    assert '<a href="%s">runbook</a>' % runbook in page
    (shown,) = re.findall(r"run: <code>(.*?)</code>", page)
    assert html.unescape(shown) == command and "<inventory>" not in shown


# ----------------------------------------------------------------------------------------------
# The MTU cascade drawing


def finding(fid, severity, interface):
    return report.finding_view({"id": fid, "severity": severity, "interface": interface, "explanation": "why"})


def test_cascade_geometry_of_a_chain(sample):
    chain = sample["hostvars"]["co-node"]["ansible_facts"]["netpath_mtu"]["chains"][0]
    drawing = report.cascade(chain, [finding("docker_mtu_exceeds_uplink", "error", "docker0"),
                                     finding("missing_mss_clamp", "warning", "docker0"),
                                     finding("udp_buffer_errors", "warning", None)])
    eth0, docker0 = drawing["layers"]
    assert (eth0["interface"], eth0["step"], eth0["tags"], eth0["y"]) == ("eth0", None, [], 8)
    assert docker0["step"]["text"] == "room on eth0: 1450 < MTU 1500" and docker0["step"]["over"]
    # The widest MTU gets the widest box; two tags make the box taller, stacked beside it.
    assert docker0["width"] == report.BOX_MAX_W and eth0["width"] == round(report.BOX_MAX_W * 1450 / 1500)
    assert docker0["y"] == eth0["y"] + eth0["height"] + report.STEP_H
    assert docker0["height"] == 2 * report.TAG_H + 3 * report.TAG_GAP - 4
    first, second = docker0["tags"]
    assert (first["id"], first["severity"], second["severity"]) == ("docker_mtu_exceeds_uplink", "error", "warning")
    assert first["x"] == second["x"] == report.BOX_X + docker0["width"] + 14
    assert second["y"] == first["y"] + report.TAG_H + report.TAG_GAP
    assert docker0["findings"] == "docker_mtu_exceeds_uplink missing_mss_clamp"
    assert drawing["width"] == first["x"] + first["width"] + 16
    assert drawing["height"] == docker0["y"] + docker0["height"] + 8
    numbers = [v for layer in drawing["layers"] for part in [layer, layer["step"] or {}, *layer["tags"]]
               for v in part.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert numbers and all(isinstance(v, int) for v in numbers)


def _load_result(verdict, rates, error=None):
    runs = [{"direction": "forward", "streams": flows, "bits_per_second": rate, "error": error,
             "counters": {"cpu": [{"cpu": 0, "busy": 0.97, "softirq": 0.41}, {"cpu": 1, "busy": 0.2, "softirq": 0.0}],
                          "tcp": {"retransmits": 3}}} for flows, rate in rates]
    return {"from": "wg-site-a", "to": "wg-site-b", "dest": "10.20.0.2", "verdict": verdict, "runs": runs,
            "evidence": [{"check": "mtu", "fired": True, "measure": "path MTU (pmtu_probe)", "value": 1328,
                          "threshold": "< 1420"}], "advice": ["Fix the path MTU first"],
            "invocation": {"module_args": {}}, "changed": False}


def test_load_tests_go_into_the_report_and_are_drawn(sample):
    built = report.build_report(sample, ["wg-site-a"], "2026-05-10T09:30:00Z",
                                load=[_load_result("mtu", [(1, 2.0e5), (4, 3.1e5)])])
    (entry,) = built["load"]
    assert "invocation" not in entry and entry["verdict"] == "mtu"
    assert report.checked_report(built, "t") == built
    html = report.render_html(built)
    assert 'data-verdict="mtu"' in html and '<svg class="load"' in html
    assert "forward, 4 flows" in html and "310.0 kbit/s" in html
    assert 'class="core saturated"' in html  # cpu0 at 97 %
    assert "## Load tests" in report.render_markdown(built)
    # without load tests the report is as before
    assert "load" not in report.build_report(sample, ["wg-site-a"], "2026-05-10T09:30:00Z")
    with pytest.raises(report.ReportError, match="netpath_load_results must be a list"):
        report.build_report(sample, ["wg-site-a"], None, load="mtu")
