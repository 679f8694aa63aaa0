"""The remediate plan: which fix answers which finding, in which order, and what is left to a human."""

import importlib
import json
import shlex
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.netpath.mtu.plugins.module_utils import findings, remediation


def f(fid, interface=None, **evidence):
    return {"id": fid, "interface": interface, "evidence": evidence}


def test_the_lab_hosts():
    # wg-site-a (seed 001): the tunnel over a black hole
    assert remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0")])["steps"] == {
        "wireguard_mtu": {"wireguard_mtu_interface": "wg0", "wireguard_mtu": "auto"}}
    # wg-router: its firewall drops the too-big messages
    assert remediation.plan([f("icmp_too_big_blocked", families=["ipv4", "ipv6"])])["steps"] == {
        "mss_clamp": {"mss_clamp_allow_icmp_too_big": True, "mss_clamp_family": "both"}}
    assert remediation.plan([f("icmp_too_big_blocked", families=["ipv6"])])["steps"]["mss_clamp"][
        "mss_clamp_family"] == "ipv6"
    # co-node (seed 002): the clamp, and daemon.json for the next restart of Docker
    plan = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450),
                             f("missing_mss_clamp", "docker0")])
    assert list(plan["steps"]) == ["mss_clamp", "docker_mtu"]
    assert plan["steps"]["mss_clamp"] == {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}
    assert plan["steps"]["docker_mtu"] == {"docker_mtu": 1450, "docker_mtu_restart": False}
    assert plan["covers"]["mss_clamp"] == ["docker_mtu_exceeds_uplink@docker0", "missing_mss_clamp@docker0"]


def test_order_is_safe_first():
    findings = [f("flannel_over_tunnel", "flannel.1", physical="eth0"), f("fifo_qdisc", "eth0"),
                f("rp_filter_strict", "wg0"), f("udp_buffer_errors")]
    plan = remediation.plan(findings)
    assert list(plan["steps"]) == ["sysctl", "qdisc", "flannel_iface"]
    assert plan["steps"]["sysctl"] == {"net.ipv4.conf.wg0.rp_filter": "2", "net.core.rmem_max": "8388608",
                                       "net.core.wmem_max": "8388608"}
    assert plan["steps"]["flannel_iface"] == {"flannel_iface": "eth0"}


def test_manual_and_left_out():
    plan = remediation.plan([f("softirq_single_core"), f("fifo_qdisc", "eth0"), f("rp_filter_strict", "eth1")],
                            skip=["fifo_qdisc"])
    assert plan["manual"][0]["finding"] == "softirq_single_core@host"
    assert "irqbalance" in plan["manual"][0]["what"]
    assert plan["left"] == ["fifo_qdisc@eth0"]
    assert list(plan["steps"]) == ["sysctl"]
    assert remediation.plan([f("fifo_qdisc", "eth0"), f("rp_filter_strict", "eth1")], only=["fifo_qdisc"])["left"] == [
        "rp_filter_strict@eth1"]


def test_restart_allowed_and_two_tunnels():
    plan = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1400)], allow_restart=True)
    assert plan["steps"]["docker_mtu"]["docker_mtu_restart"] is True
    plan = remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0"), f("pmtu_blackhole", "wg1", tunnel="wg1")])
    assert plan["steps"]["wireguard_mtu"]["wireguard_mtu_interface"] == "wg0"
    assert plan["manual"] == [{"finding": "pmtu_blackhole@wg1", "what": "run the wireguard_mtu role for wg1 as well"}]


def test_qdisc_interfaces_merge():
    plan = remediation.plan([f("fifo_qdisc", "eth1"), f("fifo_qdisc", "eth0")])
    assert plan["steps"]["qdisc"] == {"qdisc_interfaces": ["eth0", "eth1"]}


def test_udp_buffers_that_a_container_cannot_raise_need_a_human():
    plan = remediation.plan([f("udp_buffer_errors", None, RcvbufErrors=2084, read_only=["net.core.rmem_max"])])
    assert plan["steps"] == {}
    assert plan["manual"][0]["finding"] == "udp_buffer_errors@host"
    assert "machine that hosts" in plan["manual"][0]["what"]


def test_docker_waiting_for_a_restart_is_left_alone_unless_restarts_are_allowed():
    waiting = dict(f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450), severity="info")
    assert remediation.plan([waiting])["steps"] == {}
    assert remediation.plan([waiting], allow_restart=True)["steps"]["docker_mtu"]["docker_mtu_restart"] is True


def test_a_black_hole_the_tunnel_already_fits_needs_no_role():
    plan = remediation.plan([dict(f("pmtu_blackhole", "wg0", tunnel="wg0"), severity="info")])
    assert plan["steps"] == {} and "already fits" in plan["manual"][0]["what"]


def test_keepalive_keeps_the_mtu_unless_a_black_hole_asks_for_auto():
    keepalive = f("wireguard_no_keepalive", "wg0", mtu=1380)
    assert remediation.plan([keepalive])["steps"]["wireguard_mtu"] == {
        "wireguard_mtu_interface": "wg0", "wireguard_mtu_keepalive": 25, "wireguard_mtu": 1380}
    both = remediation.plan([f("pmtu_blackhole", "wg0", tunnel="wg0"), keepalive])["steps"]["wireguard_mtu"]
    assert both["wireguard_mtu"] == "auto" and both["wireguard_mtu_keepalive"] == 25
    assert remediation.plan([f("wireguard_stale_handshake", "wg0")])["steps"] == {}


def test_keepalive_on_a_tunnel_below_what_the_role_takes_sizes_it_from_the_path():
    plan = remediation.plan([f("wireguard_no_keepalive", "wg0", mtu=1200)])
    assert plan["steps"]["wireguard_mtu"]["wireguard_mtu"] == "auto"


# --- the one table: the report's fix is the plan's ------------------------------------------------

# A finding of every id, in each shape the rules give it (findings.py), with the evidence fix_for reads.
SAMPLES = [
    ("pmtu_blackhole", "error", "wg0", {"tunnel": "wg0", "pmtu": 1400}),
    ("pmtu_blackhole", "error", "eth0", {"pmtu": 1400, "recommended_mss": 1360}),
    ("pmtu_blackhole", "info", "wg0", {"tunnel": "wg0", "pmtu": 1400}),
    ("mtu_exceeds_underlay", "error", "wg0", {"kind": "wireguard", "max_inner_mtu": 1340}),
    ("mtu_exceeds_underlay", "error", "vxlan0", {"kind": "vxlan", "max_inner_mtu": 1400}),
    ("flannel_over_tunnel", "error", "flannel.1", {"physical": "eth0"}),
    ("flannel_over_tunnel", "error", "flannel.1", {"physical": None}),
    ("double_encapsulation", "warning", "wg1", {"chain": ["wg1", "wg0", "eth0"]}),
    ("docker_mtu_exceeds_uplink", "error", "docker0", {"uplink_mtu": 1450}),
    ("docker_mtu_exceeds_uplink", "info", "docker0", {"uplink_mtu": 1450, "daemon_mtu": 1450}),
    ("missing_mss_clamp", "warning", "docker0", {"bridge": "docker0"}),
    ("mss_clamp_exceeds_path", "error", "eth0", {"path_mss": 1410, "family": "ipv4", "traffic": ["forwarded"]}),
    ("mss_clamp_exceeds_path", "warning", "eth0", {"path_mss": 1340, "family": "ipv6", "traffic": ["local"]}),
    ("icmp_too_big_blocked", "error", None, {"families": ["ipv4"]}),
    ("icmp_too_big_blocked", "error", None, {"families": ["ipv4", "ipv6"]}),
    ("rp_filter_strict", "warning", "eth0", {"interface": "eth0"}),
    ("softirq_single_core", "warning", None, {"cpu": 0}),
    ("udp_buffer_errors", "warning", None, {"RcvbufErrors": 12}),
    ("udp_buffer_errors", "warning", None, {"RcvbufErrors": 12, "read_only": ["net.core.rmem_max"]}),
    ("conntrack_drops", "warning", None, {"drop": 3}),
    ("fifo_qdisc", "warning", "eth0", {"qdisc": "pfifo_fast"}),
    ("wireguard_stale_handshake", "warning", "wg0", {"endpoint": "203.0.113.7:51820"}),
    ("wireguard_no_keepalive", "info", "wg0", {"endpoint": "203.0.113.7:51820", "mtu": 1420}),
    ("wireguard_no_keepalive", "info", "wg0", {"endpoint": "203.0.113.7:51820", "mtu": 1200}),
]
ROLES = Path(__file__).parents[4] / "roles"


def reported(sample):
    """The finding as the report carries it: made by findings.finding, like every rule's."""
    fid, severity, interface, evidence = sample
    return findings.finding(fid, severity, interface, evidence, "why")


def steps_of(actions):
    steps = {}
    for action in actions:
        if action.get("module") == "netpath.mtu.link_mtu":
            steps.setdefault("link_mtu", {})[action["vars"]["name"]] = action["vars"]["mtu"]
        elif "module" in action:
            steps.setdefault("sysctl", {})[action["vars"]["name"]] = action["vars"]["value"]
        else:
            steps.setdefault(action["role"].split(".")[-1], {}).update(action["vars"])
    return steps


def test_every_finding_id_has_a_sample():
    assert sorted(set(s[0] for s in SAMPLES)) == sorted(findings.IDS)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: "%s-%s-%s" % (s[0], s[1], s[2]))
@pytest.mark.parametrize("allow_restart", [False, True])
def test_the_reports_fix_is_the_plans(sample, allow_restart):
    finding = reported(sample)
    fix = remediation.fix_for(finding, allow_restart)
    if not allow_restart:
        assert finding["fix"] == fix  # what report.json, report.md and report.html show
    plan = remediation.plan([finding], allow_restart=allow_restart)
    assert plan["steps"] == steps_of(fix["actions"])
    assert [m["what"] for m in plan["manual"]] == ([fix["manual"]] if fix["manual"] else [])
    assert bool(fix["actions"]) != bool(fix["manual"])  # an action or a human, never both nor neither


def test_the_fixes_that_used_to_differ():
    # a black hole without a tunnel: the FORWARD clamp to the path MTU, as remediate applies it
    assert reported(SAMPLES[1])["fix"]["actions"] == [
        {"role": "netpath.mtu.mss_clamp", "vars": {"mss_clamp_chain": "FORWARD", "mss_clamp_mss": "pmtu"}}]
    # conntrack drops: a human's, in the report as in remediate
    conntrack = reported(("conntrack_drops", "warning", None, {"drop": 3}))["fix"]
    assert conntrack["actions"] == [] and "nf_conntrack_max" in conntrack["manual"]
    # an interface that is no tunnel of ours: link_mtu where its manager keeps it (persist=auto
    # refuses a link nothing manages, so its maker cannot undo the fix behind our back)
    vxlan = reported(SAMPLES[4])["fix"]
    assert vxlan["actions"] == [{"module": "netpath.mtu.link_mtu",
                                 "vars": {"name": "vxlan0", "mtu": 1400, "persist": "auto"}}]
    assert remediation.plan([reported(SAMPLES[4])])["steps"] == {"link_mtu": {"vxlan0": 1400}}
    unknown = reported(("mtu_exceeds_underlay", "error", "vxlan0", {"kind": "vxlan"}))["fix"]
    assert unknown["actions"] == [] and "netpath.mtu.link_mtu" in unknown["manual"]


def argument_spec_of(module):
    """The argument_spec a module hands AnsibleModule, caught before anything runs."""
    class Caught(Exception):
        pass

    def catch(self, argument_spec=None, **_kwargs):
        raise Caught(argument_spec)

    loaded = importlib.import_module("ansible_collections.%s.plugins.modules.%s" % tuple(module.rsplit(".", 1)))
    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = catch
    try:
        loaded.main()
    except Caught as caught:
        return caught.args[0]
    finally:
        basic.AnsibleModule.__init__ = original
    raise AssertionError("%s did not make an AnsibleModule" % module)


def declared(action):
    if "module" in action:
        return set(argument_spec_of(action["module"]))
    namespace, collection, role = action["role"].split(".")
    assert (namespace, collection) == ("netpath", "mtu")
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())
    return set(specs["argument_specs"]["main"]["options"])


def test_every_variable_a_fix_names_is_declared():
    for allow_restart in (False, True):
        for sample in SAMPLES:
            for action in remediation.fix_for(reported(sample), allow_restart)["actions"]:
                assert ("role" in action) != ("module" in action)
                undeclared = set(action["vars"]) - declared(action)
                assert not undeclared, "%s: %s names %s, not in its argument spec" % (
                    sample[0], action.get("role") or action.get("module"), sorted(undeclared))


REPO = Path(__file__).parents[4]


def test_every_finding_id_has_its_runbook_and_the_index_agrees():
    assert sorted(remediation.RUNBOOKS) == sorted(findings.IDS)
    index = (REPO / "docs" / "runbooks.md").read_text()
    for fid, page in remediation.RUNBOOKS.items():
        assert (REPO / "docs" / ("runbook-%s.md" % page)).is_file(), page
        (row,) = [line for line in index.splitlines() if "`%s`" % fid in line and "| [" in line]
        assert "(runbook-%s.md)" % page in row, "%s: the runbook index gives another page than %s" % (fid, page)


def test_runbook_links_are_the_published_docs():
    documentation = yaml.safe_load((REPO / "galaxy.yml").read_text())["documentation"]
    # galaxy.yml names the docs folder (tree/...); a file in it is at blob/... on the same branch
    assert documentation.replace("/tree/", "/blob/") + "/runbook-%s.md" == remediation.RUNBOOK_URL


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: "%s-%s-%s" % (s[0], s[1], s[2]))
def test_every_fix_names_its_runbook_and_a_command_that_runs_as_given(sample):
    finding = dict(reported(sample), host="node 1")  # a name that needs quoting
    fix = remediation.fix_for(finding)
    assert fix["runbook"] == remediation.RUNBOOK_URL % remediation.RUNBOOKS[sample[0]]
    if fix["actions"]:
        argv = shlex.split(fix["command"])
        assert argv[:4] == ["ansible-playbook", "-i", "<inventory>", "netpath.mtu.remediate"]
        assert argv[argv.index("--limit") + 1] == "node 1,localhost"
        assert json.loads(argv[argv.index("-e") + 1]) == {"netpath_remediate_only": [sample[0]]}
        assert argv[-2:] == ["--check", "--diff"]
    elif fix["command"]:
        assert shlex.split(fix["command"])[-2:] == ["--check", "--diff"]


def test_the_commands_of_fixes_no_role_applies():
    # a VXLAN over its underlay: remediate applies link_mtu (persisted where the link's manager keeps it)
    vxlan = remediation.fix_for(dict(reported(SAMPLES[4]), host="n1"))
    assert vxlan["actions"][0]["module"] == "netpath.mtu.link_mtu"
    assert json.loads(shlex.split(vxlan["command"])[-3]) == {"netpath_remediate_only": ["mtu_exceeds_underlay"]}
    assert set(argument_spec_of("netpath.mtu.link_mtu")) >= {"name", "mtu", "persist"}
    # Docker waiting for a restart: the remediate run that allows it
    waiting = remediation.fix_for(findings.finding("docker_mtu_exceeds_uplink", "info", "docker0",
                                                   {"uplink_mtu": 1450}, "why"))
    argv = shlex.split(waiting["command"])
    assert json.loads(argv[argv.index("-e") + 1]) == {
        "netpath_remediate_only": ["docker_mtu_exceeds_uplink"], "netpath_remediate_allow_restart": True}
    assert "--limit '<host>,localhost'" in waiting["command"]  # no host known: the placeholder
    # a pinned core: nothing of ours runs it, the runbook says what to do
    assert remediation.fix_for(reported(("softirq_single_core", "warning", None, {"cpu": 0})))["command"] is None


def test_the_side_effects_name_what_the_roles_install_enable_and_write():
    for family, keep in remediation.IPTABLES_PERSISTENCE.items():
        role_vars = yaml.safe_load((ROLES / "mss_clamp" / "vars" / (family + ".yml")).read_text())
        assert keep["packages"] == role_vars["__mss_clamp_iptables_packages"]
        assert keep["services"] == role_vars["__mss_clamp_iptables_services"]
        assert keep["files"] == role_vars["__mss_clamp_iptables_files"]
        assert keep["debconf"] == [answer["question"] for answer in role_vars["__mss_clamp_debconf"]]
        assert keep["nftables_conf"] == role_vars["__mss_clamp_nftables_conf_default"]
    for name, value in remediation.ROLE_DEFAULTS.items():
        role = next(r for r in ("mss_clamp", "docker_mtu", "qdisc", "flannel_iface") if name.startswith(r))
        assert yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())[name] == value, name
    playbook = (ROLES.parent / "playbooks" / "remediate.yml").read_text()
    assert "sysctl_file: %s" % remediation.SYSCTL_FILE in playbook


def test_the_plan_lists_its_side_effects_in_order():
    plan = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450),
                             f("rp_filter_strict", "eth0")], os_family="Debian")
    effects = plan["side_effects"]
    assert effects[0] == "write /etc/sysctl.d/90-netpath-mtu.conf (net.ipv4.conf.eth0.rp_filter=2) and apply it live"
    assert effects[1].startswith("add a TCPMSS rule to FORWARD")
    (iptables,) = [e for e in effects if "iptables-persistent" in e]
    assert "preseed debconf iptables-persistent/autosave_v4" in iptables and "enable netfilter-persistent" in iptables
    assert "/etc/iptables/rules.v4" in iptables and "sysconfig" not in " ".join(effects)
    assert effects[-1] == "no restart of Docker: it takes the MTU when it next starts"
    restart = remediation.plan([f("docker_mtu_exceeds_uplink", "docker0", uplink_mtu=1450)], allow_restart=True)
    assert any(e.startswith("restart Docker") for e in restart["side_effects"])
    # a family the table does not know: both are listed, each named
    assert any(e.startswith("on RedHat, ") for e in restart["side_effects"])
    assert remediation.plan([])["side_effects"] == []
    flannel = remediation.plan([f("flannel_over_tunnel", "flannel.1", physical="eth0")])["side_effects"]
    assert flannel[0] == "write flannel-iface: eth0 to /etc/rancher/k3s/config.yaml" and "restart k3s" in flannel[1]


def test_a_measured_mss_wins_over_a_clamp_to_pmtu_and_the_lower_of_two():
    def f(fid, interface, **evidence):
        return findings.finding(fid, "error", interface, evidence, "why")
    hole = f("pmtu_blackhole", "eth0", pmtu=1450, recommended_mss=1410)
    wrong = f("mss_clamp_exceeds_path", "eth0", path_mss=1410, family="ipv4", traffic=["forwarded"])
    for order in ([hole, wrong], [wrong, hole]):
        assert remediation.plan(order)["steps"]["mss_clamp"] == {
            "mss_clamp_chain": "FORWARD", "mss_clamp_mss": 1410, "mss_clamp_family": "ipv4"}
    narrower = f("mss_clamp_exceeds_path", "eth1", path_mss=1360, family="ipv4", traffic=["local"])
    step = remediation.plan([wrong, narrower])["steps"]["mss_clamp"]
    assert (step["mss_clamp_mss"], step["mss_clamp_chain"]) == (1360, "POSTROUTING")
