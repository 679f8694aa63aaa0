"""cloud-init user_data for netpath.mtu's fixes: options, the plan (from mss_clamp and encap), our
cloud-config, telling a user_data to join apart, MIME multi-parts, and the same bytes every time."""

import base64
import email
import gzip
import json

import pytest
import yaml

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init as c
from ansible_collections.netpath.mtu.plugins.module_utils import encap, mss_clamp

SEED_SCRIPT = """#!/bin/bash
# seed 002's ASG node: join the swarm (the MTU fix is netpath.mtu's part now)
exec >> /var/log/swarm-setup.log 2>&1
echo "Joining swarm at ${MANAGER} advertising ${FLOATING_IP}..."
From here on the node is a worker.
"""
USER_CLOUD_CONFIG = """#cloud-config
write_files:
  - path: /etc/user.conf
    content: hello
runcmd:
  - [touch, /root/user-runcmd]
"""


def render(fixes=("mss_clamp",), merge_with=None, name=None, **options):
    return c.render(list(fixes), options, merge_with, name)


def ours_of(text):
    """Our cloud-config (a dict) from a #cloud-config or from the last part of a MIME multi-part."""
    if text.startswith("#cloud-config"):
        return yaml.safe_load(text)
    part = email.message_from_string(text).get_payload()[-1]
    return yaml.safe_load(part.get_payload(decode=True))


def plan_of(text):
    return json.loads(ours_of(text)["write_files"][0]["content"])


# --- options ----------------------------------------------------------------------------------


def test_defaults():
    opts = c.check_options({})
    assert opts["mss_clamp_mss"] is None  # pmtu
    assert opts["wireguard_mtu"] is None and opts["docker_mtu"] is None  # auto
    assert opts["wireguard_config"] == "/etc/wireguard/wg0.conf"
    assert opts["mss_clamp_backend"] == "iptables" and opts["program_encoding"] == "gzip"


@pytest.mark.parametrize(("options", "message"), [
    ({"mss_clamp_mss": 100}, "cloud_init_mss_clamp_mss=100 is outside 536..65495"),
    ({"mss_clamp_mss": 1200, "mss_clamp_family": "ipv6"}, "cloud_init_mss_clamp_mss=1200 is outside 1220..65475"),
    ({"mss_clamp_mss": "lots"}, "cloud_init_mss_clamp_mss='lots' is not allowed: use pmtu or a number"),
    ({"mss_clamp_mss": True}, "cloud_init_mss_clamp_mss=True is not allowed"),
    ({"mss_clamp_chain": "BOGUS"}, "cloud_init_mss_clamp_chain='BOGUS' is not a chain a TCPMSS clamp can go in"),
    ({"mss_clamp_out_interface": "eth0;reboot"}, "cloud_init_mss_clamp_out_interface='eth0;reboot' is not a valid"),
    ({"mss_clamp_backend": "auto"}, "cloud_init_mss_clamp_backend='auto' is not one of iptables, nftables"),
    ({"mss_clamp_family": "ipv5"}, "cloud_init_mss_clamp_family='ipv5' is not one of ipv4, ipv6, both"),
    ({"mss_clamp_persist": "maybe"}, "cloud_init_mss_clamp_persist='maybe' is not a boolean"),
    ({"mss_clamp_nftables_file": "netpath.nft"}, "cloud_init_mss_clamp_nftables_file='netpath.nft' is not an absolute"),
    ({"wireguard_mtu": 1000}, "cloud_init_wireguard_mtu=1000 is outside 1280..65535"),
    ({"wireguard_mtu": "big"}, "cloud_init_wireguard_mtu='big' is not allowed: use auto or a number"),
    ({"wireguard_interface": "wg0 up"}, "cloud_init_wireguard_interface='wg0 up' is not an interface name"),
    ({"docker_mtu": 70000}, "cloud_init_docker_mtu=70000 is outside 1280..65535"),
    ({"docker_mtu": 600}, "cloud_init_docker_mtu=600 is outside 1280..65535"),
    ({"docker_daemon_json": "/etc/docker/\ndaemon.json"}, "cloud_init_docker_daemon_json="),
    ({"log": "relative.log"}, "cloud_init_log='relative.log' is not an absolute path"),
    ({"python": "python3; reboot"}, "cloud_init_python='python3; reboot' is not a program name or path"),
    ({"format": "yaml"}, "cloud_init_format='yaml' is not one of auto, cloud-config, mime"),
    ({"program_encoding": "zstd"}, "cloud_init_program_encoding='zstd' is not one of gzip, text"),
    ({"docker_mtus": 1450}, "unknown option cloud_init_docker_mtus; known: "),
])
def test_bad_options_name_the_variable(options, message):
    with pytest.raises(c.CloudInitError) as exc:
        c.check_options(options, "cloud_init_")
    assert message in str(exc.value)


def test_numbers_may_come_as_strings_and_null_takes_the_default():
    opts = c.check_options({"mss_clamp_mss": "1360", "docker_mtu": " 1450 ", "wireguard_mtu": None,
                            "mss_clamp_persist": "false"})
    assert (opts["mss_clamp_mss"], opts["docker_mtu"], opts["wireguard_mtu"]) == (1360, 1450, None)
    assert opts["mss_clamp_persist"] is False


@pytest.mark.parametrize(("fixes", "message"), [
    ([], "fixes=[]: name one or more of mss_clamp, wireguard_mtu, docker_mtu"),
    (["mss_clamp", "bogus"], "fixes: 'bogus' not known"),
    (["docker_mtu", "docker_mtu"], "fixes: docker_mtu named twice"),
    ({"mss_clamp": True}, "fixes={'mss_clamp': True}: name one or more"),
])
def test_bad_fixes(fixes, message):
    with pytest.raises(c.CloudInitError, match=message.replace("[", r"\[").replace("]", r"\]")):
        c.check_fixes(fixes)


# --- the plan ---------------------------------------------------------------------------------


def test_iptables_plan_runs_what_the_mss_clamp_module_writes():
    opts = c.check_options({"mss_clamp_family": "both"})
    step = c.build_plan(["mss_clamp"], opts)["steps"][0]
    request = mss_clamp.spec("FORWARD", "both")
    assert [r["family"] for r in step["rules"]] == ["ipv4", "ipv6"]
    for rule in step["rules"]:
        module_add = mss_clamp.iptables_commands({"delete": [], "add": [mss_clamp.build_rule(
            "iptables", request, rule["family"])]})[0][1]
        assert rule["add"] == [mss_clamp.SAVE_TOOLS[rule["family"]][0], "-w"] + module_add
        assert rule["check"] == rule["add"][:4] + ["-C"] + rule["add"][5:]
    assert step["rules"][0]["saved"] == (
        '-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "netpath.mtu" -j TCPMSS '
        '--clamp-mss-to-pmtu')
    assert step["install"]["debian"]["packages"] == ["iptables-persistent"]
    assert "iptables-persistent iptables-persistent/autosave_v4 boolean true" in step["install"]["debian"]["debconf"]
    assert step["save"]["debian"]["commands"] == [["netfilter-persistent", "save"]]
    assert step["persist"] is True


def test_iptables_plan_without_persistence_installs_and_saves_nothing():
    step = c.build_plan(["mss_clamp"], c.check_options({"mss_clamp_persist": False, "mss_clamp_mss": 1360}))["steps"][0]
    assert step["install"] == {} and step["save"] == {}
    assert step["rules"][0]["add"][-2:] == ["--set-mss", "1360"]
    assert "not kept across reboots" in step["describe"]


def test_nftables_plan():
    opts = c.check_options({"mss_clamp_backend": "nftables", "mss_clamp_out_interface": "docker0",
                            "mss_clamp_nftables_conf": "/etc/my-nft.conf"})
    step = c.build_plan(["mss_clamp"], opts)["steps"][0]
    assert step["rules"] == ['meta nfproto ipv4 oifname "docker0" tcp flags syn / syn,rst tcp option maxseg size '
                             'set rt mtu comment "netpath.mtu"']
    assert step["table"] == "inet netpath_mtu" and step["file"] == "/etc/nftables.d/netpath-mtu.nft"
    request = mss_clamp.spec("FORWARD", "ipv4", None, "docker0")
    assert step["content"].endswith(mss_clamp.nft_table_file(request, "ipv4"))
    assert step["conf"] == {"default": "/etc/my-nft.conf"} and step["services"] == ["nftables.service"]
    default = c.build_plan(["mss_clamp"], c.check_options({"mss_clamp_backend": "nftables"}))["steps"][0]
    assert default["conf"] == {"debian": "/etc/nftables.conf", "redhat": "/etc/sysconfig/nftables.conf"}


def test_wireguard_and_docker_plans_take_the_overhead_from_encap():
    opts = c.check_options({"wireguard_interface": "wg1", "docker_mtu": 1450, "docker_restart": True})
    wg, docker = c.build_plan(["wireguard_mtu", "docker_mtu"], opts)["steps"]
    assert wg == {"fix": "wireguard_mtu", "interface": "wg1", "config": "/etc/wireguard/wg1.conf", "mtu": None,
                  "overhead": {"ipv4": encap.overhead("wireguard", 4), "ipv6": encap.overhead("wireguard", 6),
                               "unknown": encap.overhead("wireguard", None)},
                  "mtu_min": 1280, "describe": wg["describe"]}
    assert wg["overhead"] == {"ipv4": 60, "ipv6": 80, "unknown": 80}
    assert docker["mtu"] == 1450 and docker["restart"] is True and docker["daemon_json"] == "/etc/docker/daemon.json"


def test_plan_json_is_json_with_argv_on_one_line():
    plan = c.build_plan(["mss_clamp", "docker_mtu"], c.check_options({}))
    text = c.plan_json(plan)
    assert json.loads(text) == plan
    assert '"add": ["iptables", "-w", "-t", "mangle", "-A", "FORWARD",' in text
    assert text.endswith("}\n")


# --- our cloud-config -------------------------------------------------------------------------


def test_standalone_cloud_config():
    text = render(["mss_clamp", "docker_mtu"], docker_mtu=1450, program_encoding="text")
    assert text.startswith("#cloud-config\n# netpath.mtu.cloud_init: ")
    assert "#   mss_clamp: TCPMSS clamp to the path MTU in FORWARD for IPv4, iptables, kept across reboots\n" in text
    config = yaml.safe_load(text)
    assert list(config) == ["write_files", "runcmd"]
    assert config["runcmd"] == [["python3", c.PROGRAM_PATH, c.PLAN_PATH]]
    assert "- [python3, /usr/local/lib/netpath-mtu/first_boot.py, /etc/netpath-mtu/first-boot.json]\n" in text
    plan_file, program = config["write_files"]
    assert plan_file["path"] == c.PLAN_PATH and program["path"] == c.PROGRAM_PATH
    assert program["content"] == c.program_text()
    assert "  content: |\n    {\n" in text  # literal blocks, readable
    assert [s["fix"] for s in json.loads(plan_file["content"])["steps"]] == ["mss_clamp", "docker_mtu"]


def test_gzip_program_is_the_same_program_and_smaller():
    text = render()
    program = yaml.safe_load(text)["write_files"][1]
    assert program["encoding"] == "gz+b64"
    assert gzip.decompress(base64.b64decode(program["content"])).decode() == c.program_text()
    assert len(text) < len(render(program_encoding="text")) / 2
    assert len(text.encode()) < 16384  # EC2's limit, with room for the user's own


def test_same_input_same_bytes():
    for merge in (None, SEED_SCRIPT, USER_CLOUD_CONFIG):
        assert render(merge_with=merge, name="u.sh") == render(merge_with=merge, name="u.sh")
    assert render() != render(mss_clamp_mss=1360)


def test_python_and_log_options():
    text = render(python="/usr/libexec/platform-python", log="/var/log/mtu.log")
    assert ours_of(text)["runcmd"] == [["/usr/libexec/platform-python", c.PROGRAM_PATH, c.PLAN_PATH]]
    assert plan_of(text)["log"] == "/var/log/mtu.log"


def test_format_cloud_config_cannot_join():
    with pytest.raises(c.CloudInitError, match="cloud_init_format=cloud-config cannot join /tmp/u.sh"):
        c.render(["mss_clamp"], {"format": "cloud-config"}, SEED_SCRIPT, "/tmp/u.sh", "cloud_init_")


def test_format_mime_alone():
    text = render(format="mime")
    parts = c.parts(text)
    assert [(p["content_type"], p["filename"]) for p in parts] == [("text/cloud-config", c.PART_NAME)]


# --- joining ----------------------------------------------------------------------------------


def test_join_a_script():
    text = render(merge_with=SEED_SCRIPT, name="/srv/heat/asg node.sh")
    assert text.startswith('Content-Type: multipart/mixed; boundary="netpath-mtu-')
    msg = email.message_from_string(text)
    user, ours = msg.get_payload()
    assert user.get_content_type() == "text/x-shellscript" and user.get_filename() == "asg_node.sh"
    assert user.get_payload(decode=True).decode() == SEED_SCRIPT  # "From here" is not mangled to ">From"
    assert ours.get_content_type() == "text/cloud-config" and ours.get_filename() == c.PART_NAME
    assert ours["Merge-Type"] == c.MERGE_TYPE
    assert ours["Content-Transfer-Encoding"] == "7bit"
    assert msg.get_boundary() == "netpath-mtu-" + msg.get_boundary()[12:] and len(msg.get_boundary()) == 52


def test_join_a_cloud_config_appends_our_lists():
    text = render(merge_with=USER_CLOUD_CONFIG, name="user-data")
    parts = c.parts(text)
    assert [(p["content_type"], p["filename"], p["merge_type"]) for p in parts] == [
        ("text/cloud-config", "user-data", None), ("text/cloud-config", c.PART_NAME, c.MERGE_TYPE)]
    assert parts[0]["content"] == USER_CLOUD_CONFIG


def test_join_a_mime_keeps_its_parts_and_replaces_ours():
    once = render(merge_with=SEED_SCRIPT, name="asg.sh")
    twice = render(merge_with=once, name="user-data.mime")
    assert twice == once
    other = render(["docker_mtu"], merge_with=once, name="user-data.mime")
    assert [p["filename"] for p in c.parts(other)] == ["asg.sh", c.PART_NAME]
    assert [s["fix"] for s in plan_of(other)["steps"]] == ["docker_mtu"]


def test_join_a_mime_made_by_make_mime():
    # as `cloud-init devel make-mime -a seed.sh:x-shellscript -a user.yaml:cloud-config` writes it
    made = (
        'Content-Type: multipart/mixed; boundary="===============4291038100093149247=="\n'
        "MIME-Version: 1.0\n\n"
        "--===============4291038100093149247==\n"
        'Content-Type: text/x-shellscript; charset="utf-8"\nMIME-Version: 1.0\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="seed.sh"\n\n'
        + base64.encodebytes(SEED_SCRIPT.encode()).decode() + "\n"
        "--===============4291038100093149247==\n"
        'Content-Type: text/cloud-config; charset="utf-8"\nMIME-Version: 1.0\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="user.yaml"\n\n'
        + base64.encodebytes(USER_CLOUD_CONFIG.encode()).decode() + "\n"
        "--===============4291038100093149247==--\n")
    text = render(merge_with=made.encode(), name="made.mime")
    parts = c.parts(text)
    assert [(p["content_type"], p["filename"]) for p in parts] == [
        ("text/x-shellscript", "seed.sh"), ("text/cloud-config", "user.yaml"), ("text/cloud-config", c.PART_NAME)]
    assert parts[0]["content"] == SEED_SCRIPT and parts[1]["content"] == USER_CLOUD_CONFIG


def test_join_a_non_ascii_script():
    script = "#!/bin/sh\necho 'Grüße' > /root/hello\n"
    text = render(merge_with=script.encode(), name="hello.sh")
    part = email.message_from_string(text).get_payload()[0]
    assert part["Content-Transfer-Encoding"] == "base64"
    assert c.parts(text)[0]["content"] == script


BROKEN_MIME = (
    'Content-Type: multipart/mixed; boundary="XYZ"\nMIME-Version: 1.0\n\n'
    "--XYZ\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho hi\n")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "u is empty: there is nothing to join"),
    (b"hello world\n", "u is plain text, not user_data cloud-init runs"),
    (gzip.compress(SEED_SCRIPT.encode(), mtime=0), "u is gzip-compressed data"),
    (b"\x00\x01\x02binary", "u is binary data (it holds NUL bytes)"),
    (b"#!/bin/sh\n\xff\xfe\n", "u is binary data, not text (byte 10 is not UTF-8)"),
    (BROKEN_MIME.encode(), "u is a broken MIME multi-part: A start boundary was found, but not the corresponding "
                           "close boundary"),
    (b"#cloud-config\n- one\n- two\n", "u is #cloud-config but its YAML is a list, not a mapping"),
    (b"#cloud-config\njust words\n", "u is #cloud-config but its YAML is a string, not a mapping"),
    (b"#cloud-config\nruncmd: [\n", "u is #cloud-config but not valid YAML: "),
    (b"#cloud-config\n", "u is #cloud-config with nothing in it"),
    (b"#cloud-boothook\n#!/bin/sh\necho hi\n", "u starts with #cloud-boothook (text/cloud-boothook): the role joins"),
    (b"MIME-Version: 1.0\n\nhello\n", "u, part 1 is text/plain with no #cloud-config, #! or other cloud-init start"),
    (b'Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: image/png\n\nPNG\n--B--\n',
     "u, part 1 has Content-Type image/png, which cloud-init has no handler for"),
    (b'Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/cloud-config\n'
     b'Content-Disposition: attachment; filename="a.yaml"\n\n#cloud-config\n[1, 2]\n--B--\n',
     "u, part 1 (a.yaml) is #cloud-config but its YAML is a list, not a mapping"),
])
def test_bad_user_data_to_join(data, message):
    with pytest.raises(c.CloudInitError) as exc:
        c.classify(data, "u")
    assert message in str(exc.value)
    with pytest.raises(c.CloudInitError):
        render(merge_with=data, name="u")


def test_a_mime_that_is_only_ours_has_nothing_to_join():
    with pytest.raises(c.CloudInitError, match="holds nothing but netpath.mtu's own part"):
        render(merge_with=render(format="mime"), name="u")


def test_a_single_part_mime_is_taken():
    data = b"MIME-Version: 1.0\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho hi\n"
    assert c.classify(data, "u")["kind"] == "mime"
    assert [p["content_type"] for p in c.parts(render(merge_with=data, name="u"))] == [
        "text/x-shellscript", "text/cloud-config"]


def test_parts_of_a_cloud_config_and_a_script():
    assert c.parts(USER_CLOUD_CONFIG) == [{"content_type": "text/cloud-config", "filename": None, "merge_type": None,
                                           "content": USER_CLOUD_CONFIG}]
    assert c.parts(SEED_SCRIPT)[0]["content_type"] == "text/x-shellscript"
    with pytest.raises(c.CloudInitError, match="plain text"):
        c.parts("hello")
