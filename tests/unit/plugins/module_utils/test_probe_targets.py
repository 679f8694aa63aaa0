"""Probe targets as users write them -> {dest, protocol, port}, and the bad ones named."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import probe_targets


def test_plain_destinations_and_dicts_take_the_defaults_they_do_not_name():
    targets = ["10.0.0.5", {"dest": "db1", "protocol": "tcp", "port": 5432}, {"dest": "dns1", "protocol": "udp"},
               {"dest": "web1"}]
    assert probe_targets.normalise(targets, protocol="tcp", port=443) == [
        {"dest": "10.0.0.5", "protocol": "tcp", "port": 443},
        {"dest": "db1", "protocol": "tcp", "port": 5432},
        {"dest": "dns1", "protocol": "udp", "port": 443},
        {"dest": "web1", "protocol": "tcp", "port": 443},
    ]
    # With the default protocol, icmp, the default port is not used.
    assert probe_targets.normalise(["10.0.0.5", {"dest": "db1", "protocol": "tcp"}], port=5432) == [
        {"dest": "10.0.0.5", "protocol": "icmp", "port": None}, {"dest": "db1", "protocol": "tcp", "port": 5432}]
    assert probe_targets.normalise(None) == []
    assert probe_targets.normalise([{"dest": "a", "protocol": "tcp", "port": "22"}])[0]["port"] == 22


@pytest.mark.parametrize(("targets", "defaults", "message"), [
    ([{"dest": "db1", "protocol": "tcp", "port": 0}], {}, "netpath_probe_targets[0] (db1): port=0 is outside 1..65535"),
    (["a", {"dest": "db1", "protocol": "tcp", "port": 70000}], {}, "[1] (db1): port=70000 is outside 1..65535"),
    ([{"dest": "db1", "protocol": "tcp", "port": "http"}], {}, "port='http' is not a port number, 1..65535"),
    ([{"dest": "db1", "protocol": "tcp", "port": True}], {}, "port=True is not a port number"),
    ([{"dest": "db1", "protocol": "sctp", "port": 80}], {}, "protocol='sctp' is not one of icmp, tcp, udp"),
    ([{"dest": "db1", "port": 80}], {}, "port=80 is given but protocol is icmp"),
    ([{"dest": "db1", "protocol": "tcp"}], {}, "(db1): protocol tcp needs a port"),
    (["db1"], {"protocol": "udp"}, "(db1): protocol udp needs a port"),
    ([{"dest": "db1", "prot": "tcp"}], {}, "unknown key prot"),
    ([{"protocol": "tcp", "port": 1}], {}, "[0]: dest=None is not an address or host name"),
    ([""], {}, "dest='' is not"),
    ("db1", {}, "must be a list"),
    (["db1"], {"protocol": "gre"}, "the default protocol 'gre'"),
    (["db1"], {"protocol": "tcp", "port": 0}, "the default port: port=0 is outside 1..65535"),
])
def test_a_bad_target_is_named_with_what_is_allowed(targets, defaults, message):
    """Each bad target fails naming it (its index and destination) and what is allowed."""
    with pytest.raises(probe_targets.TargetError) as raised:
        probe_targets.normalise(targets, **defaults)
    assert message in str(raised.value)


def test_the_missing_port_names_the_default_beside_the_targets():
    with pytest.raises(probe_targets.TargetError, match="or set mss_clamp_probe_port$"):
        probe_targets.normalise([{"dest": "db1", "protocol": "tcp"}], name="mss_clamp_probe_targets")
