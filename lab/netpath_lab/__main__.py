"""Command line of the lab: python -m netpath_lab COMMAND [TOPOLOGY ...] (run from lab/)."""

from __future__ import annotations

import argparse
import json
import sys
import time

import yaml

from . import build, checks, docker, model
from . import story as story_table


def _host_vars(topo: model.Topology, host: model.Host) -> dict:
    """What the roles need to prove a fix on the host: the far end of its first tunnel to probe
    across, and the bulk download that stalls as built (the remediate playbook's proof)."""
    found = {}
    for wg in host.wireguard[:1]:
        found["wireguard_mtu_verify_peer"] = wg["peers"][0]["allowed_ips"][0].split("/")[0]
    for check in topo.checks:
        if check.source == host.name and check.kind == "http_get" and check.as_built == "stalls":
            found["netpath_remediate_verify_url"] = check.url
    return found


def _inventory(lab: model.Lab, topologies: list[model.Topology]) -> dict:
    groups = {}
    for topo in topologies:
        groups[topo.name] = {"hosts": {name: _host_vars(topo, host) for name, host in topo.hosts.items() if host.audit}}
        workloads = {name: {} for name, host in topo.hosts.items() if not host.audit}
        if workloads:
            groups[f"{topo.name}_workloads"] = {"hosts": workloads}
        # k3s-ansible's groups, so that the flannel_iface playbook runs on the lab as on a cluster
        nodes = {name: host.flannel["service"] for name, host in topo.hosts.items() if host.flannel}
        if nodes:
            groups["k3s_cluster"] = {
                "vars": {"flannel_iface_kubeconfig": build.KUBECONFIG},
                "children": {role: {"hosts": {n: {} for n, s in nodes.items() if s == unit}}
                             for role, unit in (("server", "k3s"), ("agent", "k3s-agent"))},
            }
    lab_group = {"children": groups}
    if len(topologies) > 1:
        # Each topology is a network of its own: the audit's automatic targets (the other hosts of
        # the play) would be mostly out of reach across several.
        lab_group["vars"] = {"netpath_probe_auto": False}
    # Pipelining: one `docker exec` per task instead of four (docs/remediate.md, "Where the time goes").
    return {"all": {"vars": {"ansible_connection": "community.docker.docker",
                             "ansible_python_interpreter": "/usr/bin/python3", "ansible_pipelining": True},
                    "children": {"lab": lab_group}}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netpath_lab", description=__doc__)
    parser.add_argument("--description", default=str(model.DEFAULT_DESCRIPTION),
                        help="the lab description (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check the description and list its topologies")
    sub.add_parser("image", help="build the lab image if its package list changed; print its tag")
    for name, text in (("up", "bring topologies up (idempotent; re-plugs cables after a restart)"),
                       ("down", "remove the topologies' containers (idempotent)"),
                       ("check", "measure each topology's checks with real traffic"),
                       ("inventory", "print an Ansible inventory of the lab hosts (YAML)")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("topologies", nargs="*", metavar="TOPOLOGY", help="default: all")
        if name == "check":
            cmd.add_argument("--json", action="store_true", help="print the results as JSON")
            cmd.add_argument("--expect-as-built", action="store_true",
                             help="exit 1 unless every check shows what the description says it shows as built")
            cmd.add_argument("--expect-fixed", action="store_true",
                             help="exit 1 unless every check shows what it shows once netpath.mtu.remediate ran")
    story = sub.add_parser("story", help="print the before/after table of the main job (scripts/demo)")
    for name in ("checks_before", "checks_after", "report_before", "report_after"):
        story.add_argument(name, help="JSON: `check --json` output or an audit's report.json")
    args = parser.parse_args(argv)

    try:
        lab = model.load(args.description)
        if args.command == "validate":
            for topo in lab.topologies.values():
                print(f"{topo.name}: seed {topo.seed}, hosts {', '.join(topo.hosts)}, {len(topo.checks)} checks")
            return 0
        if args.command == "image":
            print(docker.ensure_image(lab.image_suite, lab.image_packages, log=_stderr))
            return 0
        if args.command == "story":
            return story_table.main([args.checks_before, args.checks_after, args.report_before, args.report_after])
        selected = lab.select(args.topologies)
        if args.command == "inventory":
            print(yaml.safe_dump(_inventory(lab, selected), sort_keys=False), end="")
        elif args.command == "up":
            image = docker.ensure_image(lab.image_suite, lab.image_packages, log=_stderr)
            for topo in selected:
                started = time.monotonic()
                changes = build.up([topo], image, log=_stderr)[topo.name]
                state = f"{len(changes)} changes" if changes else "already up, nothing changed"
                print(f"{topo.name}: up in {time.monotonic() - started:.1f} s, {state}")
                for change in changes:
                    print(f"  changed: {change}")
        elif args.command == "down":
            for topo, names in build.down(selected).items():
                print(f"{topo}: removed {', '.join(names)}" if names else f"{topo}: already down")
        elif args.command == "check":
            return _check(selected, args.json, args.expect_as_built, args.expect_fixed)
    except model.LabError as exc:
        print(f"netpath_lab: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _check(selected: list[model.Topology], as_json: bool, expect_as_built: bool, expect_fixed: bool) -> int:
    results = checks.run(selected)
    if as_json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for topo in selected:
            print(f"\n{topo.name} (seed {topo.seed})")
            for r in (r for r in results if r.topology == topo.name):
                mark = ""
                if expect_fixed and not r.as_fixed:
                    mark = f"   <-- fixed it {r.fixed}"
                elif not expect_fixed and not r.as_expected:
                    mark = f"   <-- as built it {r.as_built}"
                print(f"  {r.check:<52} {str(r.outcome).upper():<9} {r.detail}{mark}")
    if expect_as_built and not all(r.as_expected for r in results):
        return 1
    if expect_fixed and not all(r.as_fixed for r in results):
        return 1
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
