"""playbooks/vars/argument_specs.yml, which the audit and remediate playbooks check their variables
with, offers the collection's own lists: mtu_facts' parts and the finding ids."""

from pathlib import Path

import yaml

from ansible_collections.netpath.mtu.plugins.module_utils import findings, gather

SPEC = Path(__file__).resolve().parents[2] / "playbooks" / "vars" / "argument_specs.yml"


def test_the_spec_choices_are_the_collections_own_lists():
    spec = yaml.safe_load(SPEC.read_text())
    parts = ("all",) + gather.PARTS
    assert spec["netpath_audit_host_spec"]["netpath_gather_subset"]["choices"] == list(parts) + ["!" + p for p in parts]
    for name in ("netpath_remediate_only", "netpath_remediate_skip"):
        assert spec["netpath_remediate_spec"][name]["choices"] == list(findings.IDS)
    assert spec["netpath_audit_spec"]["netpath_report_dir"]["default"] == \
        spec["netpath_remediate_spec"]["netpath_remediate_report_dir"]["default"]


def test_the_audit_variables_remediate_sets_are_those_of_its_imports_of_the_audit():
    spec = yaml.safe_load(SPEC.read_text())
    plays = yaml.safe_load((SPEC.parents[1] / "remediate.yml").read_text())
    imports = [play for play in plays if play.get("ansible.builtin.import_playbook") == "audit.yml"]
    assert len(imports) == 2
    for play in imports:
        # the "__" variables are remediate's own, for its imports only (no user sets them)
        internal = {name for name in play["vars"] if name.startswith("__")}
        set_for_audit = sorted(set(play["vars"]) - internal
                               - {"netpath_variables_checked", "netpath_host_variables_checked"})
        assert set_for_audit == sorted(spec["netpath_remediate_sets_for_audit"])
        assert set(set_for_audit) <= set(spec["netpath_audit_spec"])


def test_the_audit_plays_that_load_no_spec_default_to_its_hosts():
    spec = yaml.safe_load(SPEC.read_text())
    plays = yaml.safe_load((SPEC.parents[1] / "audit.yml").read_text())
    # remediate's audit after the fixes gives the controller's plays no host when nothing was fixed
    controller = "{{ __netpath_audit_controller | default('localhost') }}"
    assert [play["name"] for play in plays if play.get("hosts") == controller] == [
        "Check the audit's variables",
        "Plan each host's probes to the other hosts of the audit or to its default gateway",
        "Derive the findings of each host",
        "Write the audit report"]
    host_plays = [play for play in plays if play.get("hosts", controller) not in ("localhost", controller)]
    without_spec = [play for play in host_plays if "vars_files" not in play]
    assert len(without_spec) == 2
    default = spec["netpath_audit_spec"]["netpath_audit_hosts"]["default"]
    of_the_audit = [play for play in without_spec if "netpath_audit_hosts" in play["hosts"]]
    assert [play["name"] for play in of_the_audit] == ["Gather MTU facts on each host"]
    for play in of_the_audit:
        assert play["hosts"] == "{{ netpath_audit_hosts | default('%s') }}" % default
    # the probe play: only the hosts whose plan (made on localhost from the audit's hosts) has a probe
    assert [play["hosts"] for play in without_spec if play not in of_the_audit][0].startswith(
        "{{ hostvars['localhost'].netpath_audit_probe_plans")
