"""module_utils/schema.py: the shapes the filters check their input against, and docs/schema.md."""

import copy
import importlib.util
import os
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import findings, schema

HERE = Path(__file__).parent
DOC = HERE.parents[3] / "docs" / "schema.md"


def _facts():
    spec = importlib.util.spec_from_file_location("netpath_replay_facts_schema", HERE / "test_facts.py")
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)
    return dict((p.stem, replay.facts_of(p.stem)[0]) for p in sorted((HERE / "fixtures" / "facts").glob("*.json")))


FACTS = _facts()


def error_of(value, shape, name):
    with pytest.raises(schema.SchemaError) as exc:
        schema.check(value, shape, name)
    return str(exc.value)


def test_docs_schema_md_is_what_the_schema_says():
    if os.environ.get("NETPATH_WRITE_DOCS") == "1":
        DOC.write_text(schema.markdown(), encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == schema.markdown(), \
        "docs/schema.md is out of date: NETPATH_WRITE_DOCS=1 pytest tests/unit/plugins/module_utils/test_schema.py " \
        "tests/unit/test_docsite.py (the second writes its page of the docsite)"


@pytest.mark.parametrize("host", sorted(FACTS))
def test_the_facts_of_every_lab_host_fit(host):
    assert schema.check(FACTS[host], schema.FACTS, "facts") is FACTS[host]


def test_the_findings_of_every_lab_host_fit():
    probe = {"dest": "10.2.0.2", "pmtu": 1400, "blackhole": True, "interface": "eth0"}
    made = [f for host, facts in FACTS.items() for f in findings.evaluate(facts, [probe], host)]
    assert {f["id"] for f in made} >= {"pmtu_blackhole", "mtu_exceeds_underlay", "docker_mtu_exceeds_uplink"}
    schema.check(made, schema.FINDINGS, "findings")


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f["interfaces"]["eth0"].pop("kind"), "facts.interfaces.eth0.kind: missing"),
    (lambda f: f["interfaces"]["eth0"].update(mtu=True), "facts.interfaces.eth0.mtu: expected an integer "
                                                         "0..4294967295, got True"),
    (lambda f: f["flannel"].update(present="yes"), "facts.flannel.present: expected true or false, got 'yes'"),
    (lambda f: f["interfaces"]["eth0"].update(mtu=-1), "facts.interfaces.eth0.mtu: -1 is below 0"),
    (lambda f: f["interfaces"]["eth0"].update(mtu=float("nan")), "facts.interfaces.eth0.mtu: expected an integer "
                                                                 "0..4294967295, got nan (float)"),
    (lambda f: f["interfaces"]["wg0"].update(underlay="eth9"),
     "facts.interfaces.wg0.underlay: 'eth9' is not an interface of facts.interfaces"),
    (lambda f: f["interfaces"]["wg0"].update(overhead=None),
     "facts.interfaces.wg0.overhead: null is not allowed (required when underlay is set)"),
    (lambda f: f["chains"][0][1].pop("overhead"), "facts.chains[0][1].overhead: missing"),
    (lambda f: f["sysctl"]["rp_filter"].update(eth0="1"), "facts.sysctl.rp_filter.eth0: expected an integer 0..2"),
    (lambda f: f["sysctl"].update({"net.core.rmem_max": [1]}),
     "facts.sysctl['net.core.rmem_max']: expected an integer or a string or null, got [1] (list)"),
    (lambda f: f["wireguard"]["wg0"]["peers"][0].update(endpoint=5),
     "facts.wireguard.wg0.peers[0].endpoint: expected a string or null, got 5 (int)"),
    (lambda f: f.update(version=2), "facts.version: 2 is not one of 1"),
    (lambda f: f.update(routes=None), "facts.routes: null is not allowed; expected a mapping"),
    (lambda f: f["interfaces"].update({7: {"mtu": 1500, "kind": "veth"}}), "facts.interfaces: key 7 (int) is not a "
                                                                           "string"),
])
def test_bad_facts_are_named_by_their_path(change, message):
    facts = copy.deepcopy(FACTS["wg-site-a"])
    change(facts)
    assert error_of(facts, schema.FACTS, "facts").startswith(message)


def test_extra_keys_and_missing_parts_are_allowed():
    facts = copy.deepcopy(FACTS["wg-site-a"])
    facts["interfaces"]["eth0"]["new_in_a_later_version"] = [1, 2]
    del facts["docker"], facts["routes"]
    schema.check(facts, schema.FACTS, "facts")
    schema.check({}, schema.FACTS, "facts")


@pytest.mark.parametrize(("finding", "message"), [
    ({"id": "fifo_qdisc", "severity": "fatal", "interface": "eth0"},
     "findings[0].severity: 'fatal' is not one of error, warning, info"),
    ({"severity": "error"}, "findings[0].id: missing"),
    ({"id": "fifo_qdisc", "severity": "warning", "interface": None},
     "findings[0].interface: null is not allowed; expected a non-empty string"),
    ({"id": "icmp_too_big_blocked", "severity": "error", "evidence": {"families": ["ipv5"]}},
     "findings[0].evidence.families[0]: 'ipv5' is not one of ipv4, ipv6"),
    ({"id": "udp_buffer_errors", "severity": "warning", "fix": "raise it"},
     "findings[0].fix: expected a mapping or null, got 'raise it'"),
])
def test_bad_findings_are_named_by_their_path(finding, message):
    assert error_of([finding], schema.FINDINGS, "findings") == message


def test_a_black_hole_needs_its_path_mtu():
    assert error_of([{"dest": "x", "blackhole": True}], schema.PROBES, "probes") == \
        "probes[0].pmtu: missing (required when blackhole is set)"
    schema.check([{"dest": "x", "blackhole": False}], schema.PROBES, "probes")


def test_the_error_names_the_filter_when_asked():
    class FilterError(Exception):
        pass

    with pytest.raises(FilterError, match=r"^report_gate: report: expected a mapping, got 3 \(int\)$"):
        schema.check(3, schema.REPORT, "report", FilterError, "report_gate")


def test_long_values_are_cut_short_in_messages():
    message = error_of("x" * 500, schema.FACTS, "facts")
    assert len(message) < 120 and message.endswith("...")


def test_the_cases_name_real_finding_ids():
    assert set(schema.FINDING_CASES) <= set(findings.IDS)
    assert set(schema.INTERFACE_FINDINGS) <= set(findings.IDS)
