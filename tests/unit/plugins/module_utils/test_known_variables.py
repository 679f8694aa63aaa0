"""The netpath_* variables a playbook is given but does not take (issue 21: wrong variables pass
silently), named with the name meant, over the names of playbooks/vars/argument_specs.yml."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.netpath.mtu.plugins.module_utils import known_variables

SPECS = yaml.safe_load((Path(__file__).resolve().parents[4] / "playbooks" / "vars" / "argument_specs.yml").read_text())
AUDIT = list(SPECS["netpath_audit_spec"]) + list(SPECS["netpath_audit_host_spec"])
REMEDIATE = (list(SPECS["netpath_remediate_spec"]) + list(SPECS["netpath_audit_host_spec"])
             + [n for n in SPECS["netpath_audit_spec"] if n not in SPECS["netpath_remediate_sets_for_audit"]])


@pytest.mark.parametrize(("known", "given", "meant"), [
    (REMEDIATE, "netpath_report_dir", "netpath_remediate_report_dir"),
    (REMEDIATE, "netpath_audit_hosts", "netpath_remediate_hosts"),
    (AUDIT, "netpath_probe_target", "netpath_probe_targets"),
    (AUDIT, "netpath_gather_subsets", "netpath_gather_subset"),
    (AUDIT, "netpath_remediate_report_dir", "netpath_report_dir"),
    (AUDIT, "netpath_bogus", None),
    (REMEDIATE, "netpath_fail_on", None),
])
def test_an_unknown_name_is_named_with_the_closest_known_one(known, given, meant):
    assert known_variables.unknown_variables({"web-1": [given, "ansible_host"]}, known) == [
        {"name": given, "suggestion": meant, "hosts": ["web-1"]}]


def test_the_names_a_playbook_takes_and_other_prefixes_pass():
    # remediate passes the audit's host variables and metrics through to the audit it runs
    given = ["netpath_probe_targets", "netpath_metrics_textfile", "netpath_strict", "netpathx", "mss_clamp_mss"]
    assert known_variables.unknown_variables({"web-1": given}, REMEDIATE) == []


def test_a_message_says_where_the_name_is_set_and_what_was_meant():
    unknown = known_variables.unknown_variables(
        {"a": ["netpath_report_dir"], "b": ["netpath_report_dir"], "c": ["netpath_report_dir", "netpath_zzz"]},
        REMEDIATE)
    assert [known_variables.message(u, "netpath.mtu.remediate", ["a", "b", "c"]) for u in unknown] == [
        "netpath.mtu.remediate does not take netpath_report_dir (set for every host (extra vars, or group_vars of "
        "all)), which does nothing here: did you mean netpath_remediate_report_dir?",
        "netpath.mtu.remediate does not take netpath_zzz (set for c), which does nothing here."]
    many = {"name": "netpath_x", "suggestion": None, "hosts": ["a", "b", "c", "d", "e"]}
    assert "(set for a, b, c and 2 more)" in known_variables.message(many, "p", ["a", "b", "c", "d", "e", "f"])


def test_the_names_of_the_other_playbooks_pass_but_those_remediate_sets_for_the_audit_do_not():
    # an inventory shared by the playbooks holds remediate's per-host proof URL; the audit lets it be
    given = {"web-1": ["netpath_remediate_verify_url", "netpath_flannel_hosts", "netpath_probe_target"]}
    assert [u["name"] for u in known_variables.unknown_variables(
        given, AUDIT, list(SPECS["netpath_remediate_spec"]) + list(SPECS["netpath_flannel_spec"]))] == [
        "netpath_probe_target"]
    # remediate's elsewhere is flannel_iface's only: netpath_report_dir, which it sets for the audit, is named
    given = {"web-1": ["netpath_report_dir", "netpath_flannel_hosts"]}
    assert [u["name"] for u in known_variables.unknown_variables(
        given, REMEDIATE, list(SPECS["netpath_flannel_spec"]))] == ["netpath_report_dir"]
