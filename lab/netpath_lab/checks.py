"""Measure each topology's checks with real traffic and say what they show.

A transfer is bounded by TRANSFER_SECONDS: on a healthy lab path 20 MB takes well under a
second, so one that has not finished by then is stalled, and the bytes it moved say how far
it got.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from . import docker
from .model import Check, Topology

TRANSFER_SECONDS = 5


@dataclass
class Result:
    topology: str
    check: str
    kind: str
    source: str
    outcome: object
    as_built: object
    detail: str
    fixed: object = None

    @property
    def as_expected(self) -> bool:
        return self.outcome == self.as_built

    @property
    def as_fixed(self) -> bool:
        return self.outcome == self.fixed

    def to_dict(self) -> dict:
        return asdict(self) | {"as_expected": self.as_expected, "as_fixed": self.as_fixed}


def _in_pod(check: Check, argv: list[str]) -> list[str]:
    return ["ip", "netns", "exec", f"pod-{check.pod}", *argv] if check.pod else argv


def ping(check: Check) -> tuple[object, str]:
    # with a size: that many bytes of IP packet, not to be fragmented (20 IP + 8 ICMP header bytes)
    size = ["-M", "do", "-s", str(check.size - 28)] if check.size else []
    proc = docker.exec_in(check.source,
                          _in_pod(check, ["ping", "-c", "3", "-i", "0.2", "-W", "1", *size, check.to]),
                          check=False, timeout=15)
    summary = next((line for line in proc.stdout.splitlines() if "packets transmitted" in line), "no reply")
    return ("works" if proc.returncode == 0 else "fails"), summary


def http_get(check: Check) -> tuple[object, str]:
    proc = docker.exec_in(check.source, ["curl", "-s", "-o", "/dev/null", "--max-time", str(TRANSFER_SECONDS),
                                         "-w", "%{http_code} %{size_download} %{time_total}", check.url],
                          check=False, timeout=TRANSFER_SECONDS + 10)
    code, size, seconds = (proc.stdout.split() + ["000", "0", "0"])[:3]
    moved = int(size)
    done = code == "200" and moved == check.size
    rate = f", {moved * 8 / float(seconds) / 1e6:.0f} Mbit/s" if done and moved >= 1e6 and float(seconds) > 0 else ""
    detail = f"{moved} of {check.size} bytes in {float(seconds):.2f} s (HTTP {code}{rate})"
    return ("completes" if done else "stalls"), detail


def http_post(check: Check) -> tuple[object, str]:
    started = time.monotonic()
    proc = docker.exec_in(check.source, ["curl", "-s", "--max-time", str(TRANSFER_SECONDS), "-X", "POST",
                                         "-H", "Content-Type: application/octet-stream",
                                         "--data-binary", "@-", "-w", " %{http_code}", check.url],
                          check=False, input="x" * check.size, timeout=TRANSFER_SECONDS + 10)
    elapsed = time.monotonic() - started
    parts = proc.stdout.split()
    code = parts[-1] if parts else "000"
    echoed = parts[0] if len(parts) == 2 else "nothing"
    done = code == "200" and echoed == str(check.size)
    if done:
        return "completes", f"HTTP 200, the service received {echoed} of {check.size} bytes ({elapsed:.2f} s)"
    return "stalls", f"no answer in {elapsed:.1f} s (curl exit {proc.returncode}, HTTP {code})"


def pod_mtu(check: Check) -> tuple[object, str]:
    mtu = docker.exec_in(check.source, _in_pod(check, ["cat", "/sys/class/net/eth0/mtu"])).stdout.strip()
    env = docker.exec_in(check.source, ["cat", "/run/flannel/subnet.env"], check=False).stdout
    flannel_mtu = next((line.split("=", 1)[1] for line in env.splitlines() if line.startswith("FLANNEL_MTU=")), "?")
    vxlan = docker.exec_in(check.source, ["cat", "/sys/class/net/flannel.1/mtu"], check=False).stdout.strip()
    return int(mtu), f"pod eth0 {mtu}, flannel.1 {vxlan or '?'}, FLANNEL_MTU={flannel_mtu}"


MEASURE = {"ping": ping, "http_get": http_get, "http_post": http_post, "pod_mtu": pod_mtu}


def run(topologies: list[Topology]) -> list[Result]:
    results = []
    for topo in topologies:
        for check in topo.checks:
            outcome, detail = MEASURE[check.kind](check)
            results.append(Result(topology=topo.name, check=check.name, kind=check.kind, source=check.source,
                                  outcome=outcome, as_built=check.as_built, detail=detail,
                                  fixed=check.expected_fixed))
    return results
