"""netpath.mtu.wireguard_config run by ansible-playbook on localhost against a config in a
temporary directory: check mode writes nothing, the diff hides every key, the write keeps mode and
symlink and makes a backup, a second run changes nothing, and a bad file fails naming it."""

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRIVATE = "oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM="
PUBLIC = "GtL7fZc/bLnqZldpVofMCD6hDjrK28SsdLxevJ+qtKU="
CONFIG = (f"[Interface]\nPrivateKey = {PRIVATE}\nListenPort = 51820\nMTU = 1420 # seed\n\n"
          f"[Peer]\nPublicKey = {PUBLIC}\nEndpoint = 10.2.0.2:51820\nAllowedIPs = 10.20.0.2/32\n")

pytestmark = pytest.mark.skipif(shutil.which("ansible") is None, reason="needs ansible")


def module(args, check=False, diff=False):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    argv = ["ansible", "localhost", "-m", "netpath.mtu.wireguard_config", "-a", json.dumps(args)]
    argv += (["--check"] if check else []) + (["--diff"] if diff else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return result, done.stdout + done.stderr


@pytest.fixture
def config(tmp_path):
    real = tmp_path / "wg0.conf"
    real.write_text(CONFIG)
    real.chmod(0o600)
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    return link


def test_read_returns_the_structure_and_no_key(config):
    result, said = module({"path": str(config)})
    assert not result["changed"]
    assert result["mtu"] == "1420" and result["previous_mtu"] == "1420"
    assert result["peers"] == [{"line": 6, "endpoint": "10.2.0.2:51820", "keepalive": None}]
    assert result["mode"] == "0600"
    assert PRIVATE not in said and PUBLIC not in said


def test_check_mode_and_diff_then_the_write(config):
    result, said = module({"path": str(config), "mtu": 1340, "keepalive": 25, "backup": True}, check=True, diff=True)
    assert result["changed"] and "backup_file" not in result
    assert "MTU = 1420 # seed" in result["diff"]["before"]
    assert "MTU = 1340 # seed" in result["diff"]["after"] and "PersistentKeepalive = 25" in result["diff"]["after"]
    assert "PrivateKey = <hidden>" in result["diff"]["before"]
    assert PRIVATE not in said and PUBLIC not in said
    assert config.read_text() == CONFIG

    result, said = module({"path": str(config), "mtu": 1340, "keepalive": 25, "backup": True})
    assert result["changed"] and result["previous_mtu"] == "1420" and result["mtu"] == "1340"
    assert PRIVATE not in said
    assert config.is_symlink()
    assert config.read_text() == CONFIG.replace("1420 # seed", "1340 # seed").replace(
        "AllowedIPs = 10.20.0.2/32\n", "AllowedIPs = 10.20.0.2/32\nPersistentKeepalive = 25\n")
    assert stat.S_IMODE(config.resolve().stat().st_mode) == 0o600
    backup = Path(result["backup_file"])
    assert backup.read_text() == CONFIG and stat.S_IMODE(backup.stat().st_mode) == 0o600

    result, _said = module({"path": str(config), "mtu": 1340, "keepalive": 25, "backup": True})
    assert not result["changed"] and "backup_file" not in result


@pytest.mark.parametrize(("text", "args", "problem"), [
    (None, {}, "does not exist"),
    (f"[Peer]\nPublicKey = {PUBLIC}\n", {}, "does not parse as a wg-quick config: it has no [Interface] section"),
    (CONFIG + "junk\n", {"mtu": 1400}, "line 10 is neither a [Section]"),
    (CONFIG, {"mtu": 20}, "mtu is 20; allowed: a whole number 68..65535"),
    (CONFIG, {"keepalive": 70000}, "keepalive is 70000; allowed: a whole number 0..65535"),
])
def test_bad_input_fails_naming_it_and_changes_nothing(tmp_path, text, args, problem):
    path = tmp_path / "wg0.conf"
    if text is not None:
        path.write_text(text)
    result, said = module(dict(args, path=str(path)))
    assert result.get("failed"), said
    assert problem in result["problem"]
    assert problem in result["msg"] and result["msg"].endswith("Nothing was changed.")
    assert "allowed" in problem or result["msg"].startswith(str(path))
    assert PRIVATE not in said
    assert (path.read_text() if text is not None else None) == text


def test_the_live_interface_is_read_with_the_config_in_check_mode_too(config):
    result, said = module({"path": str(config), "interface": "lo"}, check=True)
    assert result["check_mode"] is True and not result["changed"]
    live = result["live"]
    assert live["exists"] and live["mtu"] == int(Path("/sys/class/net/lo/mtu").read_text())
    assert not live["wireguard"] and live["peers"] == [] and live["public_key_id"] is None
    assert PRIVATE not in said and PUBLIC not in said

    result, _said = module({"path": str(config), "interface": "netpath-none0"})
    assert result["check_mode"] is False
    assert result["live"]["exists"] is False and result["live"]["mtu"] is None

    result, said = module({"path": str(config), "interface": "wg0/evil"})
    assert result.get("failed"), said
    assert result["msg"].startswith('interface "wg0/evil" is not a valid interface name: 1 to 15 of letters')
    assert result["msg"].endswith("Nothing was changed.")
