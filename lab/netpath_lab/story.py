"""The main job's before/after table: each seed's case, measured before netpath.mtu.remediate and after.

Reads what `python -m netpath_lab check --json` printed before and after, and the audit's
report.json before and after; prints one table per topology, like the tables of the field reports.
"""

from __future__ import annotations

import json
from pathlib import Path

# The interfaces whose MTU tells each case's story, per topology: (host, interface).
MTU_ROWS = {
    "wg_blackhole": [("wg-site-a", "wg0"), ("wg-site-b", "wg0")],
    "cloud_overlay": [("co-node", "eth0"), ("co-node", "docker0")],
    "k3s_double_tunnel": [("k3s-server", "flannel.1"), ("k3s-server", "cni0"), ("k3s-agent", "flannel.1"),
                          ("k3s-agent", "cni0")],
}


def _findings(report: dict, hosts: set[str]) -> str:
    found = [f"{host}: {f['id']}" + (f"({f['interface']})" if f.get("interface") else "")
             + (" [info]" if f.get("severity") == "info" else "")
             for host, data in sorted(report.get("hosts", {}).items()) if host in hosts
             for f in data.get("findings") or []]
    return "; ".join(found) or "none"


def _mtu(report: dict, host: str, iface: str) -> str:
    facts = (report.get("hosts", {}).get(host) or {}).get("facts") or {}
    link = (facts.get("interfaces") or {}).get(iface)
    return str(link["mtu"]) if link else "-"


def _clamp(report: dict, host: str) -> str:
    facts = (report.get("hosts", {}).get(host) or {}).get("facts") or {}
    rules = facts.get("mss_clamp") or []
    kinds = {f"{r.get('chain')} {r.get('family')} {r.get('mss') or 'to PMTU'}" for r in rules}
    return ", ".join(sorted(kinds)) or "none"


def render(checks_before: list[dict], checks_after: list[dict], report_before: dict, report_after: dict) -> str:
    after = {(c["topology"], c["check"]): c for c in checks_after}
    lines = []
    for topology in dict.fromkeys(c["topology"] for c in checks_before):
        hosts = {c["source"] for c in checks_before if c["topology"] == topology}
        hosts |= {host for host, _iface in MTU_ROWS.get(topology, [])}
        rows = [("findings", _findings(report_before, hosts), _findings(report_after, hosts))]
        rows += [(f"{host} {iface} MTU", _mtu(report_before, host, iface), _mtu(report_after, host, iface))
                 for host, iface in MTU_ROWS.get(topology, [])]
        if topology == "cloud_overlay":
            rows.append(("co-node MSS clamp", _clamp(report_before, "co-node"), _clamp(report_after, "co-node")))
        for check in (c for c in checks_before if c["topology"] == topology):
            late = after.get((topology, check["check"]), {})
            rows.append((check["check"], f"{str(check['outcome']).upper()}: {check['detail']}",
                         f"{str(late.get('outcome', '?')).upper()}: {late.get('detail', 'not measured')}"))
        width = max(len(r[0]) for r in rows)
        lines += [f"\n{topology}", f"  {'':<{width}}  before  ->  after"]
        lines += [f"  {name:<{width}}  {old}\n  {'':<{width}}  -> {new}" for name, old, new in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    before, after, report_before, report_after = (json.loads(Path(p).read_text()) for p in argv)
    print(render(before, after, report_before, report_after), end="")
    return 0
