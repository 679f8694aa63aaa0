"""still_found: the covered findings that the audit after the fixes still finds."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.still_found import still_found
from ansible_collections.netpath.mtu.plugins.module_utils import remediation
from ansible_collections.netpath.mtu.plugins.module_utils import remediation_outcome as outcome

COVERS = {"mss_clamp": ["missing_mss_clamp@docker0", "pmtu_blackhole@eth0"],
          "sysctl": ["rp_filter_strict@eth0", "udp_buffer_errors@host"],
          "wireguard_mtu": ["pmtu_blackhole@eth0"]}


def finding(id_, interface=None, severity="error"):
    return {"id": id_, "severity": severity, "interface": interface}


def test_still_found_keeps_the_plans_order_once_each_and_skips_info():
    after = [finding("udp_buffer_errors", severity="warning"), finding("pmtu_blackhole", "eth0"),
             finding("missing_mss_clamp", "docker0", severity="info"), finding("fifo_qdisc", "eth0")]
    assert outcome.still_found(COVERS, after) == ["pmtu_blackhole@eth0", "udp_buffer_errors@host"]
    assert outcome.still_found(COVERS, []) == []
    assert outcome.still_found(COVERS, None) == []


def test_still_found_uses_the_plans_keys():
    findings = [finding("missing_mss_clamp", "docker0", severity="warning"),
                finding("udp_buffer_errors", severity="warning")]
    covers = remediation.plan(findings)["covers"]
    assert sorted(outcome.still_found(covers, findings)) == ["missing_mss_clamp@docker0", "udp_buffer_errors@host"]


@pytest.mark.parametrize(("covers", "findings", "message"), [
    ([], [], "still_found: covers must be the plan's covers"),
    ({"mss_clamp": "x@y"}, [], "still_found: covers.mss_clamp must be a list"),
    (COVERS, {"id": "x"}, "still_found: findings must be a list, got dict"),
    (COVERS, [{"severity": "error"}], r"still_found: findings\[0\].id: missing"),
])
def test_bad_input_names_the_field(covers, findings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        still_found(covers, findings)
