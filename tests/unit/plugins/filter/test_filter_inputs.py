"""Every public filter against malformed input: a result, or an AnsibleFilterError naming the field.

The inputs are the real ones: facts replayed from the lab's captures (module_utils/fixtures/facts),
the findings the rules make of them, a pmtu_probe loop, the hostvars of report_input.json and the
report built from them. Two passes mutate them:

* an exhaustive one-field pass, deterministic: every node of each input replaced by each value of
  BAD, every key of each dict dropped, an extra key added to each dict;
* Hypothesis, for what a single field does not reach: several fields at once, any JSON-like value.

Each call must return or raise AnsibleFilterError whose message holds a field path (or the argument
it names); any other exception is a bug at the input boundary (module_utils/schema.py).
"""

import copy
import importlib
import importlib.util
import inspect
import json
import math
import os
import re
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init as cloud_init_utils
from ansible_collections.netpath.mtu.plugins.module_utils import encap, parsers
from ansible_collections.netpath.mtu.plugins.module_utils import report as report_utils

HERE = Path(__file__).parent
MODULE_UTILS_TESTS = HERE.parent / "module_utils"
FILTERS = {name: importlib.import_module("ansible_collections.netpath.mtu.plugins.filter." + name).FilterModule()
           .filters()[name]
           for name in ("inner_mtu", "findings", "wireguard_endpoints", "docker_daemon_json",
                        "docker_networks_too_big", "docker_network_recreate", "remediation_plan", "probe_results",
                        "report", "report_markdown", "report_html", "report_metrics", "report_gate",
                        "cloud_init_user_data", "cloud_init_parts", "k3s_config_set")}

# What replaces a field: the wrong type, null, out of range, not a number, text, empty containers.
BAD = (None, True, -1, 2 ** 64, 1.5, float("nan"), "", "x", "1500", [], {}, [None])
EXTRA_KEY = "zz_extra"


def _replay():
    """The facts of each lab host, as test_facts.py replays them from the captures."""
    spec = importlib.util.spec_from_file_location("netpath_replay_facts", MODULE_UTILS_TESTS / "test_facts.py")
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)
    facts = dict((path.stem, replay.facts_of(path.stem)[0])
                 for path in sorted((MODULE_UTILS_TESTS / "fixtures" / "facts").glob("*.json")))
    return facts, replay.BLACKHOLE_PROBE


FACTS, BLACKHOLE_PROBE = _replay()
FAILED_PROBE = {"dest": "10.9.9.9", "failed": True, "msg": "no answer"}
CLEAN_PROBE = {"dest": "10.1.0.1", "address": "10.1.0.1", "pmtu": 1500, "route_mtu": 1500, "blackhole": False,
               "icmp_too_big": None, "icmp_too_big_from": None, "recommended_mss": 1460, "probes_sent": 12,
               "rounds": 3, "converged": True, "elapsed_ms": 12.5, "rtt_ms": 0.2, "wait_ms": 50.0,
               "family": "ipv4", "interface": "eth0", "cached_pmtu": None, "failed": False}
PROBES = [BLACKHOLE_PROBE, CLEAN_PROBE, FAILED_PROBE]
FINDINGS = [f for host, facts in sorted(FACTS.items())
            for f in FILTERS["findings"](facts, [BLACKHOLE_PROBE] if host == "wg-site-a" else [], host)]
REGISTERED = {"results": [
    dict(BLACKHOLE_PROBE, item="10.2.0.2", changed=False, invocation={"module_args": {"dest": "10.2.0.2"}}),
    dict(CLEAN_PROBE, item={"dest": "10.1.0.1", "peer": "healthy-b"}, changed=False),
    {"item": "10.9.9.9", "failed": True, "msg": "no answer", "invocation": {"module_args": {"dest": "10.9.9.9"}}},
    {"item": "10.8.8.8", "skipped": True},
]}
SAMPLE = json.loads((HERE / "fixtures" / "report_input.json").read_text())
# and a host whose audit did not complete
SAMPLE["hostvars"]["wg-router"] = {"inventory_hostname": "wg-router", "netpath_audit_error": "Gather MTU facts: boom"}
SAMPLE["hosts"].append("wg-router")
REPORT = report_utils.build_report(SAMPLE["hostvars"], SAMPLE["hosts"], SAMPLE["generated"])
DOCKER_NETWORKS = parsers.docker_networks(
    (MODULE_UTILS_TESTS / "fixtures" / "docker_network_inspect.json").read_text())
for _net in DOCKER_NETWORKS:
    if _net["driver"] == "bridge":
        _net["bridge"], _net["link_mtu"] = "br-" + _net["id"][:12], 1500


# ---------------------------------------------------------------------------------------------
# Mutations


def node_paths(value, path=()):
    """The path of every node under value (value itself included), parents first."""
    yield path
    if isinstance(value, dict):
        for key in value:
            yield from node_paths(value[key], path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from node_paths(item, path + (index,))


def get_at(value, path):
    for key in path:
        value = value[key]
    return value


def mutated(value, path, action, bad=None):
    """value with one change at path: ("set", bad) or ("drop",).

    Only the containers along the path are copied: the rest is shared with value, which is why
    test_the_filters_change_nothing_they_are_given checks that no filter writes into its input.
    """
    if not path:
        return bad
    top = copy.copy(value)
    if len(path) > 1:
        top[path[0]] = mutated(value[path[0]], path[1:], action, bad)
    elif action == "set":
        top[path[0]] = bad
    else:
        del top[path[0]]
    return top


def one_field_mutations(value):
    """Every one-field mutation of value: (description, mutated value)."""
    for path in node_paths(value):
        for bad in BAD:
            yield ("set %s = %r" % (list(path), bad)), mutated(value, path, "set", bad)
        if path and isinstance(get_at(value, path[:-1]), dict):
            yield "drop %s" % list(path), mutated(value, path, "drop")
        if isinstance(get_at(value, path), dict):
            with_extra = dict(get_at(value, path), **{EXTRA_KEY: "x"})
            yield "extra key under %s" % list(path), mutated(value, path, "set", with_extra)


# A message names a field path: a root name, then .key, [index] or [repr of the key] ('k' or "k'"
# as Python's repr quotes it), then ": ".
FIELD_PATH = re.compile(r"\b(facts|probes|findings|registered|report|hostvars|network|networks|docker|generated|"
                        r"host|uplink|swarm_manager)"
                        r"(\.[\w-]+|\[\d+\]|\['(?:[^'\\]|\\.)*'\]|\[\"(?:[^\"\\]|\\.)*\"\])*: ")


def outcome(name, *args, **kwargs):
    """'ok', 'error' (AnsibleFilterError) or the raw exception of one filter call."""
    try:
        result = FILTERS[name](*args, **kwargs)
    except AnsibleFilterError as exc:
        return "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - any other exception is what this test looks for
        return "raw", "%s: %s" % (type(exc).__name__, exc)
    return "ok", result


def _calls():
    """kind of input -> ({label: input}, [(filter, (input, label) -> (args, kwargs)), ...])."""
    facts = FACTS["wg-site-a"]
    return {
        "facts": (FACTS, [
            ("findings", lambda v, host: ((v, [BLACKHOLE_PROBE] if host == "wg-site-a" else [], host), {})),
            ("wireguard_endpoints", lambda v, host: ((v,), {})),
        ]),
        "probes": ({"wg-site-a": PROBES}, [("findings", lambda v, _h: ((facts, v, "wg-site-a"), {}))]),
        "findings": ({"all": FINDINGS}, [
            ("remediation_plan", lambda v, _h: ((v,), {})),
            ("remediation_plan", lambda v, _h: ((v,), {"allow_restart": True})),
        ]),
        "registered": ({"loop": REGISTERED}, [
            ("probe_results", lambda v, _h: ((v,), {})),
            ("probe_results", lambda v, _h: ((v,), {"peers": True})),
        ]),
        "hostvars": ({"sample": SAMPLE["hostvars"]}, [
            ("report", lambda v, _h: ((v, SAMPLE["hosts"], SAMPLE["generated"]), {})),
        ]),
        "report": ({"built": REPORT}, [
            ("report_markdown", lambda v, _h: ((v,), {})),
            ("report_html", lambda v, _h: ((v,), {})),
            ("report_metrics", lambda v, _h: ((v,), {})),
            ("report_gate", lambda v, _h: ((v, "warning"), {})),
        ]),
        "networks": ({"inspect": DOCKER_NETWORKS}, [
            ("docker_networks_too_big", lambda v, _h: ((v, 1400, "eth0"), {})),
            ("docker_network_recreate", lambda v, _h: ((v[0] if isinstance(v, list) and v else v, 1400, v), {})),
        ]),
        "docker": ({"co-node": dict(FACTS["co-node"]["docker"], networks=DOCKER_NETWORKS)}, [
            ("docker_networks_too_big", lambda v, _h: ((v, 1400), {})),
        ]),
    }


CALLS = _calls()

# The exhaustive pass takes the facts of four hosts (a tunnel with a black hole, Docker, k3s over
# Tailscale, a firewall); the hostvars of two (the black hole with its probes, the longest cascade)
# and the report of the first, both with the host whose audit failed, and with only the parts of
# the facts the report reads (the other parts go through the same schema in the facts' own pass):
# all of it would take minutes.
EXHAUSTIVE_FACTS = ("wg-site-a", "co-node", "k3s-server", "wg-router")
EXHAUSTIVE_HOSTVARS_HOSTS = ("wg-site-a", "k3s-server", "wg-router")
EXHAUSTIVE_REPORT_HOSTS = ("wg-site-a", "wg-router")
RENDERED_PARTS = ("version", "interfaces", "chains", "counters", "wireguard")


def _rendered_only(hosts_and_facts, facts_of, hosts):
    trimmed = copy.deepcopy(dict((host, entry) for host, entry in hosts_and_facts.items() if host in hosts))
    for entry in trimmed.values():
        facts = facts_of(entry)
        for part in [p for p in facts if p not in RENDERED_PARTS]:
            del facts[part]
    return trimmed


def exhaustive_inputs(kind, inputs):
    if kind == "facts":
        return dict((host, inputs[host]) for host in EXHAUSTIVE_FACTS)
    if kind == "report":
        return {"built": dict(REPORT, hosts=_rendered_only(REPORT["hosts"], lambda entry: entry["facts"],
                                                           EXHAUSTIVE_REPORT_HOSTS))}
    if kind == "hostvars":
        return {"sample": _rendered_only(SAMPLE["hostvars"],
                                         lambda hv: (hv.get("ansible_facts") or {}).get("netpath_mtu") or {},
                                         EXHAUSTIVE_HOSTVARS_HOSTS)}
    return inputs


def run_mutation(kind, label, value, calls, raws):
    """Run one mutated input through its filters; count calls; collect raw exceptions and bad messages."""
    count = 0
    for name, build in calls:
        args, kwargs = build(value, label)
        status, detail = outcome(name, *args, **kwargs)
        count += 1
        if status == "raw":
            raws.append((kind, label, name, detail))
        elif status == "error" and not FIELD_PATH.search(detail):
            raws.append((kind, label, name, "message names no field: " + detail))
    return count


def test_the_inputs_pass_as_they_are():
    for kind, (inputs, calls) in CALLS.items():
        for label, value in inputs.items():
            for name, build in calls:
                args, kwargs = build(value, label)
                assert outcome(name, *args, **kwargs)[0] == "ok", (kind, label, name, outcome(name, *args, **kwargs))


def test_the_filters_change_nothing_they_are_given():
    for kind, (inputs, calls) in CALLS.items():
        for label, value in inputs.items():
            before = copy.deepcopy(value)
            for name, build in calls:
                args, kwargs = build(value, label)
                outcome(name, *args, **kwargs)
            assert value == before, (kind, label)


def test_every_one_field_mutation_gives_a_result_or_a_named_error(capsys):
    mutations = calls_made = 0
    problems = []
    for kind, (inputs, calls) in CALLS.items():
        for label, value in exhaustive_inputs(kind, inputs).items():
            for description, changed in one_field_mutations(value):
                mutations += 1
                found = []
                calls_made += run_mutation(kind, label, changed, calls, found)
                problems.extend(problem + (description,) for problem in found)
    raw = [p for p in problems if not p[3].startswith("message names no field")]
    with capsys.disabled():
        print("\none-field mutations: %d, filter calls: %d, raw exceptions: %d, errors naming no field: %d"
              % (mutations, calls_made, len(raw), len(problems) - len(raw)))
    assert problems == [], "\n".join(map(str, problems[:40]))


# ---------------------------------------------------------------------------------------------
# Hypothesis: several fields at once, any JSON-like value


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6)
# NETPATH_HYPOTHESIS_EXAMPLES=5000 for a deeper search than the suite's (which stays under a minute).
EXAMPLES = int(os.environ.get("NETPATH_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    database=None)


@st.composite
def several_mutations(draw, value):
    """value with 1..4 fields replaced by JSON-like values or dropped."""
    for _mutation in range(draw(st.integers(1, 4))):
        paths = list(node_paths(value))
        path = draw(st.sampled_from(paths))
        if path and draw(st.booleans()) and isinstance(get_at(value, path[:-1]), dict):
            value = mutated(value, path, "drop")
        else:
            value = mutated(value, path, "set", draw(JSON_LIKE))
    return value


def _hypothesis_case(kind, label):
    inputs, calls = CALLS[kind]

    @SETTINGS
    @given(several_mutations(inputs[label]))
    def case(value):
        raws = []
        run_mutation(kind, label, value, calls, raws)
        assert raws == [], raws

    return case


@pytest.mark.parametrize(("kind", "label"), [
    ("facts", "wg-site-a"), ("facts", "co-node"), ("facts", "k3s-server"), ("facts", "wg-router"),
    ("probes", "wg-site-a"), ("findings", "all"), ("registered", "loop"), ("hostvars", "sample"),
    ("report", "built"), ("networks", "inspect"), ("docker", "co-node"),
])
def test_several_mutations_give_a_result_or_a_named_error(kind, label):
    _hypothesis_case(kind, label)()


@SETTINGS
@given(st.lists(JSON_LIKE, min_size=1, max_size=4))
def test_any_arguments_give_a_result_or_an_error(args):
    """Arguments that are not even close: every filter, each of its arguments anything."""
    raws = []
    for name in sorted(FILTERS):
        for count in range(1, len(args) + 1):
            try:
                inspect.signature(FILTERS[name]).bind(*args[:count])
            except TypeError:
                continue  # a call Jinja refuses itself (an argument missing or too many)
            status, detail = outcome(name, *args[:count])
            if status == "raw":
                raws.append((name, args[:count], detail))
    assert raws == []


@SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(cloud_init_utils.OPTIONS) + ["variable_prefix", "merge_with",
                                                                           "merge_with_b64", "merge_with_name"]),
                       JSON_LIKE, max_size=3),
       st.sampled_from([["mss_clamp"], ["wireguard_mtu", "docker_mtu"], "docker_mtu"]) | JSON_LIKE)
def test_cloud_init_user_data_options_give_a_result_or_an_error(options, fixes):
    status, detail = outcome("cloud_init_user_data", fixes, **options)
    assert status != "raw", detail
    if status == "ok":
        assert FILTERS["cloud_init_parts"](detail)


K3S_CONFIG = "node-ip: 10.0.0.1\nflannel-iface: tailscale0\nwrite-kubeconfig-mode: '0644'\n"


@SETTINGS
@given(st.text(max_size=40) | st.sampled_from([K3S_CONFIG, "", "# nothing\n"]), JSON_LIKE | st.sampled_from(
    ["flannel-iface", "node-ip"]), JSON_LIKE | st.sampled_from(["eth0", "wg0"]))
def test_k3s_config_set_gives_a_result_or_an_error(text, key, value):
    status, detail = outcome("k3s_config_set", text, key, value)
    assert status != "raw", detail


@SETTINGS
@given(st.text(max_size=40) | st.sampled_from(['{"mtu": 1500}', '{"mtu": NaN}', '{"mtu": 1, "mtu": 2}', "[]", None]),
       JSON_LIKE | st.integers(1200, 9300))
def test_docker_daemon_json_gives_a_result_or_an_error(text, mtu_value):
    status, detail = outcome("docker_daemon_json", text, mtu_value)
    assert status != "raw", detail


# ---------------------------------------------------------------------------------------------
# inner_mtu


LAYER = st.sampled_from(encap.ENCAPSULATIONS + ["wireguard/ipv6", "vxlan4", "gre/ipv4"]) | JSON_LIKE


@settings(max_examples=EXAMPLES * 3, deadline=None, database=None)
@given(st.integers(-10, 70000) | JSON_LIKE, st.lists(LAYER, max_size=4) | LAYER)
def test_inner_mtu_is_an_integer_of_68_or_more_or_a_clear_error(outer, layers):
    status, detail = outcome("inner_mtu", outer, layers)
    assert status != "raw", detail
    if status == "ok":
        assert isinstance(detail, int) and not isinstance(detail, bool)
        assert encap.MIN_MTU <= detail <= encap.MAX_LINK_MTU
    else:
        assert detail.startswith("inner_mtu: ")


@pytest.mark.parametrize(("outer", "layers", "message"), [
    (40, ["vxlan", "wireguard"], "the MTU 40 is outside 68..65536"),
    (150, ["vxlan", "wireguard"], "150 less vxlan (50) and wireguard (80) leaves 20, below 68"),
    (True, ["vxlan"], "the MTU must be a whole number of bytes, 68..65536, got True (bool)"),
    (1500.5, ["vxlan"], "got 1500.5 (float)"),
    (1500, ["vxlan", 7], "layers[1] is 7 (int)"),
    (1500, ["vxlan", "mpls"], "layers[1]: unknown encapsulation 'mpls'"),
    (1500, [{"kind": "vxlan", "family": ["ipv4"]}], "unknown outer family"),
    (1500, [{"kind": "vxlan", "family": True}], "unknown outer family"),
    (1500, 5, "layers must be a list of encapsulations"),
])
def test_inner_mtu_names_what_is_wrong(outer, layers, message):
    with pytest.raises(AnsibleFilterError) as exc:
        FILTERS["inner_mtu"](outer, layers)
    assert message in str(exc.value)


def test_inner_mtu_at_the_bounds():
    assert FILTERS["inner_mtu"](68, []) == 68
    assert FILTERS["inner_mtu"](198, ["vxlan", "wireguard"]) == 68
    assert FILTERS["inner_mtu"](65536, ["wireguard"]) == 65456
    assert FILTERS["inner_mtu"](" 1500 ", "vxlan") == 1450
    assert not math.isnan(FILTERS["inner_mtu"](1500, []))


@pytest.mark.parametrize(("name", "args", "kwargs", "message"), [
    # found by Hypothesis: a list reached mss_clamp's family lookup (unhashable type: 'list')
    ("cloud_init_user_data", (["mss_clamp"],), {"mss_clamp_family": [], "variable_prefix": "cloud_init_"},
     "cloud_init_user_data: cloud_init_mss_clamp_family: expected a string"),
    ("cloud_init_user_data", (["mss_clamp"],), {"merge_with": []}, "cloud_init_user_data: merge_with: expected"),
    ("k3s_config_set", ("", None, "eth0"), {}, "k3s_config_set: key: null is not allowed; expected a k3s setting name"),
    ("k3s_config_set", ("", "a b", "eth0"), {}, "k3s_config_set: key: 'a b' is not a k3s setting name"),
    ("k3s_config_set", ("", "flannel-iface", ["eth0"]), {}, "k3s_config_set: value: expected"),
    ("remediation_plan", ([],), {"allow_restart": "maybe"}, "remediation_plan: allow_restart='maybe' is not a boolean"),
    ("probe_results", ({"results": [{"pmtu": "1400"}]},), {},
     "probe_results: registered.results[0].pmtu: expected an integer 0..4294967295 or null, got '1400'"),
])
def test_arguments_are_named(name, args, kwargs, message):
    with pytest.raises(AnsibleFilterError) as exc:
        FILTERS[name](*args, **kwargs)
    assert str(exc.value).startswith(message)


def test_allow_restart_takes_the_strings_of_extra_vars():
    docker = [f for f in FINDINGS if f["id"] == "docker_mtu_exceeds_uplink"]
    assert FILTERS["remediation_plan"](docker, allow_restart="false")["steps"]["docker_mtu"]["docker_mtu_restart"] \
        is False
    assert FILTERS["remediation_plan"](docker, allow_restart="true")["steps"]["docker_mtu"]["docker_mtu_restart"] \
        is True


def test_a_host_whose_audit_failed_is_not_checked():
    """Its facts may be another version's, from a fact cache: the report takes nothing of them."""
    hostvars = copy.deepcopy(SAMPLE["hostvars"])
    hostvars["wg-router"]["ansible_facts"] = {"netpath_mtu": {"version": 0, "interfaces": []}}
    hostvars["co-node"].pop("netpath_findings")
    hostvars["co-node"]["ansible_facts"]["netpath_mtu"]["interfaces"] = "old"
    built = FILTERS["report"](hostvars, SAMPLE["hosts"], SAMPLE["generated"])
    assert sorted(built["summary"]["errors"]) == ["co-node", "wg-router"]
    hostvars["k3s-server"]["ansible_facts"]["netpath_mtu"]["interfaces"] = "old"
    with pytest.raises(AnsibleFilterError, match=r"^report: hostvars.k3s-server.ansible_facts.netpath_mtu.interfaces"):
        FILTERS["report"](hostvars, SAMPLE["hosts"], SAMPLE["generated"])
