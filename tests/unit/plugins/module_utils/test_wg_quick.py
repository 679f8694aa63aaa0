"""The one wg-quick parser and renderer: structure without keys, rewrites that keep every other
byte, the problems that make a text not a wg-quick config, keys hidden in what is shown."""

import json

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import wg_quick

PRIVATE = "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM="
PUBLIC = "GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU="
PSK = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="

CONFIG = """# site A
[Interface]
PrivateKey = %s
Address = 10.20.0.1/24
ListenPort = 51820
MTU = 1420  # the default
Table = off

[Peer]
PublicKey = %s
PresharedKey = %s
Endpoint = 10.2.0.2:51820
AllowedIPs = 10.20.0.2/32
PersistentKeepalive = 15
[peer]
publickey = %s
endpoint = [fd00:2::2]:51820
allowedips = 10.20.0.3/32
""" % (PRIVATE, PUBLIC, PSK, PUBLIC)


def test_parse_finds_sections_mtu_keepalives_and_endpoints():
    parsed = wg_quick.parse(CONFIG)
    assert [(s["name"], s["line"], s["last"]) for s in parsed["sections"]] == [
        ("interface", 1, 6), ("peer", 8, 13), ("peer", 14, 17)]
    assert parsed["mtu"] == "1420"
    assert parsed["mtu_lines"] == [5]
    assert [(p["keepalive"], p["endpoint"]) for p in parsed["peers"]] == [
        ("15", "10.2.0.2:51820"), (None, "[fd00:2::2]:51820")]
    assert wg_quick.problems(parsed) == []


def test_parse_never_returns_a_key():
    text = json.dumps(wg_quick.parse(CONFIG))
    for key in (PRIVATE, PUBLIC, PSK):
        assert key not in text


@pytest.mark.parametrize(("text", "problem"), [
    ("[Peer]\nAllowedIPs = 10.20.0.2/32\n", "it has no [Interface] section"),
    ("[Interface]\nMTU = 1\n[Interface]\n", "it has 2 [Interface] sections, wg-quick takes one"),
    ("[Interface]\nListenPort = 51820\nthis is not a setting\n",
     "line 3 is neither a [Section], a Key = value in a section, nor a comment"),
    ("MTU = 1420\n[Interface]\n", "line 1 is neither"),
    ("[Interface]\n[Wat]\n", "unknown section [Wat] (wg-quick knows [Interface] and [Peer])"),
])
def test_problems_name_what_is_wrong(text, problem):
    assert any(problem in found for found in wg_quick.problems(wg_quick.parse(text)))
    with pytest.raises(wg_quick.WgQuickError, match="does not parse as a wg-quick config"):
        wg_quick.render(text, mtu=1400)


def test_render_sets_the_value_and_keeps_every_other_byte():
    new = wg_quick.render(CONFIG, mtu=1340, keepalive=25)
    assert new == CONFIG.replace("MTU = 1420  # the default", "MTU = 1340  # the default").replace(
        "PersistentKeepalive = 15", "PersistentKeepalive = 25").replace(
        "allowedips = 10.20.0.3/32\n", "allowedips = 10.20.0.3/32\nPersistentKeepalive = 25\n")
    assert wg_quick.render(new, mtu=1340, keepalive=25) == new
    assert wg_quick.render(CONFIG) == CONFIG


def test_render_adds_a_missing_mtu_after_the_sections_last_setting_and_keeps_crlf():
    text = "[Interface]\r\nPrivateKey = %s\r\n\r\n[Peer]\r\nPublicKey = %s\r\n" % (PRIVATE, PUBLIC)
    new = wg_quick.render(text, mtu=1380)
    assert new == "[Interface]\r\nPrivateKey = %s\r\nMTU = 1380\r\n\r\n[Peer]\r\nPublicKey = %s\r\n" % (PRIVATE, PUBLIC)
    assert wg_quick.parse(new)["mtu"] == "1380"


def test_render_keeps_only_the_last_mtu_which_wg_quick_takes():
    new = wg_quick.render("[Interface]\nmtu=1420\nMTU = 1300 # old\nListenPort = 1\n", mtu=1380)
    assert new == "[Interface]\nMTU = 1380 # old\nListenPort = 1\n"


def test_render_keeps_unknown_keys_and_comments():
    text = "# top\n[Interface]\n# note\nPostUp = echo a=b # x\nFwMark = 0x1\n"
    assert wg_quick.render(text, mtu=1400) == text.replace("0x1\n", "0x1\nMTU = 1400\n")


@pytest.mark.parametrize(("mtu", "keepalive"), [(67, None), (65536, None), ("1400", None), (True, None),
                                                (None, -1), (None, 65536)])
def test_render_refuses_numbers_out_of_range(mtu, keepalive):
    with pytest.raises(wg_quick.WgQuickError, match="allowed: a whole number"):
        wg_quick.render(CONFIG, mtu=mtu, keepalive=keepalive)


def test_redact_hides_every_key_and_secrets_lists_the_private_ones():
    shown = wg_quick.redact(CONFIG + "# old key %s\n" % PRIVATE)
    for key in (PRIVATE, PUBLIC, PSK):
        assert key not in shown
    assert "PrivateKey = <hidden>\n" in shown and "# old key <hidden>\n" in shown
    assert "MTU = 1420  # the default" in shown
    assert wg_quick.secrets(CONFIG) == [PRIVATE, PSK]


@pytest.mark.parametrize(("endpoint", "host"), [("10.2.0.2:51820", "10.2.0.2"), ("[fd00:2::2]:51820", "fd00:2::2"),
                                                ("vpn.example.net:51820", "vpn.example.net"), ("", None),
                                                (None, None), ("fd00::2", "fd00::2"),
                                                (" 10.2.0.2:51820 ", "10.2.0.2"),
                                                ("vpn.example.com", "vpn.example.com")])
def test_endpoint_host(endpoint, host):
    assert wg_quick.endpoint_host(endpoint) == host


def test_parse_refuses_what_is_not_text():
    with pytest.raises(wg_quick.WgQuickError, match="is text, not bytes"):
        wg_quick.parse(b"[Interface]")


def test_keepalive_changes_from_wg_show():
    shown = "%s\t25\nAAAA\toff\n\nnot a line with three fields\n" % PUBLIC
    assert wg_quick.keepalive_changes(shown, 25) == [{"key": "AAAA", "previous": "off"}]
    assert wg_quick.keepalive_changes(shown, 0) == [{"key": PUBLIC, "previous": "25"}]
    assert wg_quick.keepalive_changes("", 25) == []
    with pytest.raises(wg_quick.WgQuickError, match="keepalive is 70000"):
        wg_quick.keepalive_changes(shown, 70000)


def test_live_key_ids_from_wg_show_all_dump_match_across_hosts_and_show_no_key():
    dump = ("wg0\t%s\t%s\t51820\toff\n"
            "wg0\t%s\t(none)\t10.2.0.2:51820\t10.20.0.2/32\t0\t0\t0\t25\n"
            "wg1\t%s\tAAAA\t51821\toff\n" % (PRIVATE, PUBLIC, PSK, PRIVATE))
    ids = wg_quick.live_key_ids(dump, "wg0")
    # The far end sees this host's key as a peer's key: the ids match.
    assert ids["public_key_id"] == wg_quick.key_id(PUBLIC)
    assert ids["peer_key_ids"] == [wg_quick.key_id(PSK)]
    assert len(ids["public_key_id"]) == 16 and ids["public_key_id"] != wg_quick.key_id(PRIVATE)
    assert not any(key in json.dumps(ids) for key in (PRIVATE, PUBLIC, PSK))
    assert wg_quick.live_key_ids(dump, "wg9") == {"public_key_id": None, "peer_key_ids": []}
    assert wg_quick.live_key_ids("", "wg0") == {"public_key_id": None, "peer_key_ids": []}
