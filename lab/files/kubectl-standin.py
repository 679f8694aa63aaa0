#!/usr/bin/python3
"""LAB MOCK of kubectl: the few calls the flannel_iface role makes, answered from a recording.

There is no Kubernetes cluster in the lab (k3s cannot run here, see k3s-flannel-standin), so the
k3s nodes of the k3s_double_tunnel topology get this stand-in as /usr/local/bin/kubectl. Its
answers come from /etc/netpath-lab/kube-recording.json, written by the lab from the topology in
the shape of `kubectl get ... -o json` (a hand-made recording: the pods of the Tailscale operator
and its proxies, and the cluster's nodes).

What it does for real, so that the role can be tested end to end:
* `get node NAME -o json`: Ready is True when the k3s / k3s-agent unit of this host is active
  and flannel has written subnet.env (other nodes: as recorded);
* `delete pod`: logs the call to /var/log/netpath-lab/kubectl.log and, as the pod's StatefulSet
  would, recreates it: a pod of this node gets a new uid and, when the lab made it as a network
  namespace, a new veth at the MTU flannel now announces (k3s-flannel-standin --recreate-pods).
Anything else fails with exit code 2 and says it is not recorded.
"""

import json
import subprocess
import sys
import uuid
from pathlib import Path

RECORDING = Path("/etc/netpath-lab/kube-recording.json")
STATE = Path("/run/netpath-lab/kube-state.json")
LOG = Path("/var/log/netpath-lab/kubectl.log")
SUBNET_ENV = Path("/run/flannel/subnet.env")


def load():
    if STATE.exists():
        return json.loads(STATE.read_text())
    return json.loads(RECORDING.read_text())


def save(state):
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2) + "\n")


def log(line):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a") as handle:
        handle.write(line + "\n")


def hostname():
    return Path("/etc/hostname").read_text().strip()


def parse(argv):
    """(positional words, options) from kubectl's argument forms: --flag=value, --flag value, -n value."""
    words, options, takes_value = [], {}, {"-n", "--namespace", "-o", "--output", "-l", "--selector",
                                           "--field-selector", "--kubeconfig", "--wait"}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg.startswith("-"):
            name, sep, value = arg.partition("=")
            if not sep and name in takes_value:
                value = args.pop(0) if args else ""
            options[{"-n": "--namespace", "-o": "--output", "-l": "--selector"}.get(name, name)] = value
        else:
            words.append(arg)
    return words, options


def matches(pod, options):
    meta = pod["metadata"]
    if options.get("--namespace", "default") != meta["namespace"]:
        return False
    for term in filter(None, options.get("--selector", "").split(",")):
        key, _sep, value = term.partition("=")
        if meta.get("labels", {}).get(key) != value:
            return False
    for term in filter(None, options.get("--field-selector", "").split(",")):
        key, _sep, value = term.partition("=")
        if key != "spec.nodeName":
            not_recorded(f"field selector {key}")
        if pod["spec"]["nodeName"] != value:
            return False
    return True


def node_ready(name, state):
    for node in state["nodes"]:
        if node["metadata"]["name"] != name:
            continue
        if name == hostname():
            service = node["metadata"]["annotations"]["netpath.lab/service"]
            active = subprocess.run(["systemctl", "is-active", "--quiet", service]).returncode == 0
            ready = "True" if active and SUBNET_ENV.exists() else "False"
            node["status"]["conditions"] = [{"type": "Ready", "status": ready}]
        return node
    print(f'Error from server (NotFound): nodes "{name}" not found', file=sys.stderr)
    sys.exit(1)


def delete_pods(names, options, state):
    found = {p["metadata"]["name"]: p for p in state["pods"] if matches(p, {**options, "--selector": ""})}
    missing = [name for name in names if name not in found]
    if missing:
        print(f'Error from server (NotFound): pods "{missing[0]}" not found', file=sys.stderr)
        sys.exit(1)
    for name in names:
        pod = found[name]
        log(f"delete pod {options.get('--namespace', 'default')}/{name}")
        print(f'pod "{name}" deleted')
        pod["metadata"]["uid"] = str(uuid.uuid4())
        netns = pod["metadata"].get("annotations", {}).get("netpath.lab/netns")
        if netns and pod["spec"]["nodeName"] == hostname():
            subprocess.run(["ip", "netns", "del", netns], check=True)
            subprocess.run(["/usr/local/sbin/k3s-flannel-standin", "--recreate-pods"], check=True,
                           capture_output=True)
    save(state)


def not_recorded(what):
    print(f"kubectl (LAB MOCK): {what} is not recorded; see /usr/local/bin/kubectl", file=sys.stderr)
    sys.exit(2)


def main(argv):
    words, options = parse(argv)
    state = load()
    if options.get("--kubeconfig") and not Path(options["--kubeconfig"]).exists():
        print(f"error: stat {options['--kubeconfig']}: no such file or directory", file=sys.stderr)
        sys.exit(1)
    if words[:2] == ["get", "node"] and len(words) == 3 and options.get("--output") == "json":
        print(json.dumps(node_ready(words[2], state), indent=2))
    elif words[:2] in (["get", "pods"], ["get", "pod"]) and len(words) == 2 and options.get("--output") == "json":
        items = [p for p in state["pods"] if matches(p, options)]
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}}, indent=2))
    elif words[:2] in (["delete", "pod"], ["delete", "pods"]) and len(words) > 2:
        delete_pods(words[2:], options, state)
    else:
        not_recorded(" ".join(argv) or "no arguments")


if __name__ == "__main__":
    main(sys.argv[1:])
