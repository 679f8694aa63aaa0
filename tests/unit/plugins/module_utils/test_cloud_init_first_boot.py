"""The first-boot program: each fix against a fake host (its commands answered from a table, its
files in a temporary directory), with the plans the cloud_init module_utils build. Runs again
change nothing; failures are logged and make the exit status 1."""

import json

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init as c
from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init_first_boot as fb

IPT_SAVED = '-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "netpath.mtu" -j TCPMSS ' \
            '--clamp-mss-to-pmtu'


class FakeHost(fb.Runner):
    """Answers commands from `answers` ({argv prefix tuple: (rc, stdout) or a list of them, used in
    turn}); anything else exits 0. Records every command with its env and stdin."""

    def __init__(self, log_path, answers=None, missing=()):
        super().__init__(log_path)
        self.answers = dict(answers or {})
        self.missing = set(missing)
        self.commands = []

    def which(self, name):
        return None if name in self.missing else "/usr/bin/" + name

    def execute(self, argv, env, data, timeout):
        self.commands.append((list(argv), env, data))
        for length in range(len(argv), 0, -1):
            answer = self.answers.get(tuple(argv[:length]))
            if answer is not None:
                if isinstance(answer, list):
                    answer = answer.pop(0) if len(answer) > 1 else answer[0]
                return answer[0], answer[1], ""
        return 0, "", ""

    def ran(self, *prefix):
        return [argv for argv, _env, _data in self.commands if tuple(argv[:len(prefix)]) == prefix]


def plan(tmp_path, fixes, **options):
    options.setdefault("log", str(tmp_path / "log"))
    return c.build_plan(fixes, c.check_options(options))


def steps(tmp_path, plan_):
    """The plan with its host paths moved under tmp_path."""
    text = json.dumps(plan_)
    for path in ("/etc/iptables/rules.v4", "/etc/iptables/rules.v6", "/etc/nftables.d/netpath-mtu.nft",
                 "/etc/nftables.conf", "/etc/wireguard/wg0.conf", "/etc/docker/daemon.json"):
        text = text.replace(path, str(tmp_path) + path)
    return json.loads(text)


def log(tmp_path):
    return (tmp_path / "log").read_text()


# --- mss_clamp, iptables ----------------------------------------------------------------------


def test_iptables_on_a_fresh_debian_node(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"]))
    host = FakeHost(str(tmp_path / "log"), {
        ("dpkg-query",): (1, "dpkg-query: no packages found matching iptables-persistent"),
        ("apt-get", "install"): [(100, "E: Unable to locate package iptables-persistent"), (0, "")],
        ("iptables", "-w", "-t", "mangle", "-C"): (1, ""),
        ("systemctl", "is-enabled"): (1, "disabled"),
    })
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    debconf = host.commands[[argv for argv, _e, _d in host.commands].index(["debconf-set-selections"])]
    assert "iptables-persistent iptables-persistent/autosave_v4 boolean true\n" in debconf[2]
    installs = [(argv, env) for argv, env, _data in host.commands if argv[:2] == ["apt-get", "install"]]
    assert len(installs) == 2 and installs[0][1]["DEBIAN_FRONTEND"] == "noninteractive"
    assert installs[0][0][-1] == "iptables-persistent" and "DPkg::Lock::Timeout=300" in installs[0][0]
    assert host.ran("apt-get", "update")
    assert host.ran("iptables", "-w", "-t", "mangle", "-A") == [p["steps"][0]["rules"][0]["add"]]
    assert host.ran("netfilter-persistent", "save") and host.ran("systemctl", "enable", "netfilter-persistent.service")
    text = log(tmp_path)
    assert "mss_clamp: $ DEBIAN_FRONTEND=noninteractive apt-get install -y -q" in text
    assert "mss_clamp: installed iptables-persistent" in text
    assert "mss_clamp: added the ipv4 clamp rule" in text
    assert "mss_clamp: saved the rules for the next boot" in text
    assert text.splitlines()[-1].endswith("mss_clamp: CHANGED")


def test_iptables_again_changes_nothing(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"]))
    (tmp_path / "etc/iptables").mkdir(parents=True)
    (tmp_path / "etc/iptables/rules.v4").write_text("*mangle\n%s\nCOMMIT\n" % IPT_SAVED)
    host = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (0, "install ok installed"),
                                            ("systemctl", "is-enabled"): (0, "enabled\n")})
    assert fb.apply(p, host) == {"mss_clamp": "ok"}
    assert not host.ran("iptables", "-w", "-t", "mangle", "-A") and not host.ran("netfilter-persistent")
    assert not host.ran("apt-get") and not host.ran("systemctl", "enable")
    assert "the rules saved for the next boot hold the clamp already" in log(tmp_path)


def test_iptables_saves_a_rule_that_is_running_but_not_saved(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"]))
    host = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (0, "install ok installed")})
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    assert host.ran("netfilter-persistent", "save") and not host.ran("iptables", "-w", "-t", "mangle", "-A")


def test_iptables_on_the_rhel_family(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_family="both"))
    host = FakeHost(str(tmp_path / "log"), {("rpm",): (1, ""), ("iptables", "-w", "-t", "mangle", "-C"): (1, ""),
                                            ("ip6tables", "-w", "-t", "mangle", "-C"): (1, ""),
                                            ("systemctl", "is-enabled"): (1, "disabled")},
                    missing={"apt-get", "yum"})
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    assert host.ran("dnf", "-y", "install", "iptables-services")
    assert host.ran("ip6tables", "-w", "-t", "mangle", "-A")
    assert host.ran("/usr/libexec/iptables/iptables.init", "save") and host.ran("/usr/libexec/iptables/ip6tables.init")
    assert host.ran("systemctl", "enable", "iptables.service") and host.ran("systemctl", "enable", "ip6tables.service")


def test_iptables_failures_are_logged(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_persist=False))
    host = FakeHost(str(tmp_path / "log"), {("iptables", "-w", "-t", "mangle", "-C"): (1, ""),
                                            ("iptables", "-w", "-t", "mangle", "-A"): (4, "")})
    assert fb.apply(p, host) == {"mss_clamp": "failed"}
    assert "mss_clamp: FAILED: could not add the ipv4 clamp rule" in log(tmp_path)
    assert not host.ran("apt-get") and not host.ran("netfilter-persistent")
    host = FakeHost(str(tmp_path / "log"), missing={"iptables"})
    assert fb.apply(p, host) == {"mss_clamp": "failed"}
    assert "FAILED: iptables is not installed: install iptables, or use the nftables backend" in log(tmp_path)
    host = FakeHost(str(tmp_path / "log"), missing={"apt-get", "dnf", "yum"})
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"]))
    assert fb.apply(p, host) == {"mss_clamp": "failed"}
    assert "cannot install what the iptables backend needs to keep the rules across reboots here" in log(tmp_path)


# --- mss_clamp, nftables ----------------------------------------------------------------------


def test_nftables_on_a_fresh_node(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_backend="nftables"))
    step = p["steps"][0]
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/nftables.conf").write_text("#!/usr/sbin/nft -f\n\nflush ruleset\n")
    host = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (0, "install ok installed"),
                                            ("nft", "list", "table"): (1, "")})
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    assert (tmp_path / "etc/nftables.d/netpath-mtu.nft").read_text() == step["content"]
    assert host.ran("nft", "-f", step["file"])
    assert (tmp_path / "etc/nftables.conf").read_text() == (
        '#!/usr/sbin/nft -f\n\nflush ruleset\ninclude "%s"\n' % step["file"])
    assert len(host.ran("nft", "-c", "-f")) == 2  # the file and the configuration, before writing them
    assert host.ran("systemctl", "enable", "nftables.service")
    # and again: the table lists our rule, the files are there
    listed = "table inet netpath_mtu {\n\tchain forward {\n\t\t%s\n\t}\n}\n" % step["rules"][0]
    again = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (0, "install ok installed"),
                                             ("nft", "list", "table"): (0, listed),
                                             ("systemctl", "is-enabled"): (0, "enabled")})
    assert fb.apply(p, again) == {"mss_clamp": "ok"}
    assert not again.ran("nft", "-f") and not again.ran("nft", "-c")


def test_nftables_makes_a_missing_configuration_and_installs_nft(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_backend="nftables"))
    host = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (1, ""), ("nft", "list", "table"): (1, "")})
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    assert host.ran("apt-get", "install")[0][-1] == "nftables"
    conf = (tmp_path / "etc/nftables.conf").read_text()
    assert conf.startswith("#!/usr/sbin/nft -f\n") and conf.endswith('include "%s"\n' % p["steps"][0]["file"])


def test_nftables_without_persistence_loads_from_stdin(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_backend="nftables", mss_clamp_persist=False))
    host = FakeHost(str(tmp_path / "log"), {("nft", "list", "table"): (1, "")})
    assert fb.apply(p, host) == {"mss_clamp": "changed"}
    loads = [(argv, data) for argv, _env, data in host.commands if argv[:2] == ["nft", "-f"]]
    assert loads == [(["nft", "-f", "-"], p["steps"][0]["content"])]
    assert not (tmp_path / "etc").exists()


def test_nftables_refuses_a_configuration_nft_rejects(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["mss_clamp"], mss_clamp_backend="nftables"))
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/nftables.conf").write_text("broken {\n")
    host = FakeHost(str(tmp_path / "log"), {("dpkg-query",): (0, "install ok installed"),
                                            ("nft", "list", "table"): (1, ""), ("nft", "-c"): [(0, ""), (1, "")]})
    assert fb.apply(p, host) == {"mss_clamp": "failed"}
    assert (tmp_path / "etc/nftables.conf").read_text() == "broken {\n"
    assert "rejects %s/etc/nftables.conf as it would be written: left as it is" % tmp_path in log(tmp_path)


# --- wireguard_mtu ----------------------------------------------------------------------------

WG = """[Interface]
PrivateKey = x
Address = 10.9.0.1/24
%s
[Peer]
PublicKey = y
Endpoint = %s
AllowedIPs = 10.9.0.0/24
"""


def wg_file(tmp_path, text, mode=0o600):
    path = tmp_path / "etc/wireguard/wg0.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def test_wireguard_sets_the_mtu_in_the_interface_section(tmp_path):
    path = wg_file(tmp_path, WG % ("", "203.0.113.9:51820"))
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"], wireguard_mtu=1390))
    host = FakeHost(str(tmp_path / "log"), {("ip", "-j", "link", "show"): (0, '[{"ifname": "wg0", "mtu": 1420}]')})
    assert fb.apply(p, host) == {"wireguard_mtu": "changed"}
    # after the section's last setting, every other line as it was
    assert path.read_text() == WG % ("MTU = 1390\n", "203.0.113.9:51820")
    assert path.stat().st_mode & 0o777 == 0o600
    assert host.ran("ip", "link", "set", "dev", "wg0", "mtu", "1390")
    host = FakeHost(str(tmp_path / "log"), {("ip", "-j", "link", "show"): (0, '[{"ifname": "wg0", "mtu": 1390}]')})
    assert fb.apply(p, host) == {"wireguard_mtu": "ok"}


def test_wireguard_replaces_the_last_mtu_and_drops_the_earlier(tmp_path):
    path = wg_file(tmp_path, WG % ("mtu=1420\nMTU = 1300 # old\n", "[fd00::9]:51820"))
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"], wireguard_mtu=1380))
    host = FakeHost(str(tmp_path / "log"), {("ip", "-j", "link", "show"): (1, "")})
    assert fb.apply(p, host) == {"wireguard_mtu": "changed"}
    text = path.read_text()
    # wg-quick takes the last MTU: it gets the value, keeping its comment; the dead one goes
    assert "MTU = 1380 # old\n" in text and "1420" not in text and "1300" not in text
    assert "no link wg0 now: wg-quick gives it MTU 1380 when it brings it up" in log(tmp_path)


@pytest.mark.parametrize(("endpoint", "route", "mtu", "why"), [
    ("203.0.113.9:51820", ("ip", "-j", "route", "get", "203.0.113.9"), 1390,
     "1450 (eth0, the route to 203.0.113.9) - 60"),
    ("[fd00::9]:51820", ("ip", "-j", "route", "get", "fd00::9"), 1370, "1450 (eth0, the route to fd00::9) - 80"),
    ("vpn.example.net:51820", ("ip", "-j", "route", "show", "default"), 1370, "1450 (eth0, the default route) - 80"),
])
def test_wireguard_auto(tmp_path, endpoint, route, mtu, why):
    path = wg_file(tmp_path, WG % ("", endpoint))
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"]))
    host = FakeHost(str(tmp_path / "log"), {route: (0, '[{"dst": "x", "dev": "eth0"}]'),
                                            ("ip", "-j", "link", "show", "dev", "eth0"): (0, '[{"mtu": 1450}]'),
                                            ("ip", "-j", "link", "show", "dev", "wg0"): (1, "")})
    assert fb.apply(p, host) == {"wireguard_mtu": "changed"}
    assert "MTU = %d\n" % mtu in path.read_text()
    assert "MTU %d = %s" % (mtu, why) in log(tmp_path)


def test_wireguard_auto_takes_a_smaller_route_mtu(tmp_path):
    wg_file(tmp_path, WG % ("", "203.0.113.9:51820"))
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"]))
    host = FakeHost(str(tmp_path / "log"), {
        ("ip", "-j", "route", "get"): (0, '[{"dev": "eth0", "metrics": [{"mtu": 1400}]}]'),
        ("ip", "-j", "link", "show", "dev", "eth0"): (0, '[{"mtu": 1500}]'),
        ("ip", "-j", "link", "show", "dev", "wg0"): (1, "")})
    assert fb.apply(p, host) == {"wireguard_mtu": "changed"}
    assert "MTU 1340 = 1400" in log(tmp_path)


def test_wireguard_skips_a_missing_config_and_fails_without_interface(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"], wireguard_mtu=1400))
    assert fb.apply(p, FakeHost(str(tmp_path / "log"))) == {"wireguard_mtu": "skipped"}
    assert "SKIPPED: no wg-quick config at %s/etc/wireguard/wg0.conf" % tmp_path in log(tmp_path)
    wg_file(tmp_path, "[Peer]\nPublicKey = y\n")
    assert fb.apply(p, FakeHost(str(tmp_path / "log"))) == {"wireguard_mtu": "failed"}
    assert "has no [Interface] section: left as it is" in log(tmp_path)


def test_wireguard_auto_without_a_route_fails(tmp_path):
    wg_file(tmp_path, WG % ("", "vpn.example.net:51820"))
    p = steps(tmp_path, plan(tmp_path, ["wireguard_mtu"]))
    assert fb.apply(p, FakeHost(str(tmp_path / "log"), {("ip",): (0, "[]")})) == {"wireguard_mtu": "failed"}
    assert "no route by default (IPv4 or IPv6), so no uplink MTU to start from" in log(tmp_path)


# --- docker_mtu -------------------------------------------------------------------------------


def test_docker_keeps_the_other_keys(tmp_path):
    path = tmp_path / "etc/docker/daemon.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"log-driver": "json-file", "mtu": 1500}')
    p = steps(tmp_path, plan(tmp_path, ["docker_mtu"], docker_mtu=1450))
    host = FakeHost(str(tmp_path / "log"), {("systemctl", "is-active"): (3, "inactive")})
    assert fb.apply(p, host) == {"docker_mtu": "changed"}
    assert json.loads(path.read_text()) == {"log-driver": "json-file", "mtu": 1450}
    assert 'set "mtu": 1450 in %s (was 1500; kept log-driver)' % path in log(tmp_path)
    assert fb.apply(p, host) == {"docker_mtu": "ok"}


def test_docker_running(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["docker_mtu"], docker_mtu=1450))
    host = FakeHost(str(tmp_path / "log"), {("systemctl", "is-active"): (0, "active\n")})
    assert fb.apply(p, host) == {"docker_mtu": "changed"}
    assert json.loads((tmp_path / "etc/docker/daemon.json").read_text()) == {"mtu": 1450}
    assert "NOTE: docker.service is running and reads the mtu only when it starts" in log(tmp_path)
    assert not host.ran("systemctl", "restart")
    (tmp_path / "etc/docker/daemon.json").unlink()
    p = steps(tmp_path, plan(tmp_path, ["docker_mtu"], docker_mtu=1450, docker_restart=True))
    host = FakeHost(str(tmp_path / "log"), {("systemctl", "is-active"): (0, "active\n")})
    assert fb.apply(p, host) == {"docker_mtu": "changed"}
    assert host.ran("systemctl", "restart", "docker.service")


def test_docker_auto_and_bad_json(tmp_path):
    p = steps(tmp_path, plan(tmp_path, ["docker_mtu"]))
    host = FakeHost(str(tmp_path / "log"), {("ip", "-j", "route", "show", "default"): (0, '[{"dev": "ens3"}]'),
                                            ("ip", "-j", "link"): (0, '[{"mtu": 1450}]')})
    assert fb.apply(p, host) == {"docker_mtu": "changed"}
    assert json.loads((tmp_path / "etc/docker/daemon.json").read_text()) == {"mtu": 1450}
    (tmp_path / "etc/docker/daemon.json").write_text("{not json")
    assert fb.apply(p, host) == {"docker_mtu": "failed"}
    assert (tmp_path / "etc/docker/daemon.json").read_text() == "{not json"
    (tmp_path / "etc/docker/daemon.json").write_text("[1]")
    assert fb.apply(p, host) == {"docker_mtu": "failed"}
    assert "is JSON but not an object: left as it is" in log(tmp_path)


# --- the program ------------------------------------------------------------------------------


def test_main(tmp_path, capsys):
    plan_path = tmp_path / "plan.json"
    the_plan = plan(tmp_path, ["docker_mtu", "wireguard_mtu"], docker_mtu=1450, wireguard_mtu=1400)
    plan_path.write_text(c.plan_json(steps(tmp_path, the_plan)))

    def runner(log_path):
        return FakeHost(log_path, {("systemctl", "is-active"): (3, "")})

    assert fb.main([str(plan_path)], runner) == 0
    lines = log(tmp_path).splitlines()
    assert lines[0].endswith("start: netpath.mtu first boot, plan %s: docker_mtu, wireguard_mtu" % plan_path)
    assert lines[-1].endswith("done: docker_mtu changed, wireguard_mtu skipped; 0 failed")
    assert "docker_mtu: CHANGED" in capsys.readouterr().out
    (tmp_path / "etc/docker/daemon.json").write_text("[]")
    assert fb.main([str(plan_path)], runner) == 1
    assert log(tmp_path).splitlines()[-1].endswith("done: docker_mtu failed, wireguard_mtu skipped; 1 failed")


def test_the_rendered_program_runs_alone_with_wg_quick_inlined(tmp_path):
    """The program as cloud-init writes it, run by a Python that cannot import the collection."""
    import subprocess
    import sys
    program = tmp_path / "first_boot.py"
    program.write_text(c.program_text())
    assert "from ansible_collections" not in program.read_text()
    config = wg_file(tmp_path, WG % ("MTU = 1420\n", "203.0.113.9:51820"))
    plan_path = tmp_path / "plan.json"
    the_plan = plan(tmp_path, ["wireguard_mtu"], wireguard_mtu=1400, wireguard_interface="npt-none0",
                    wireguard_config=str(config))
    plan_path.write_text(c.plan_json(the_plan))
    done = subprocess.run([sys.executable, "-I", str(program), str(plan_path)], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert config.read_text() == WG % ("MTU = 1400\n", "203.0.113.9:51820")
    assert "set MTU = 1400 in the [Interface] of %s (was 1420)" % config in done.stdout


@pytest.mark.parametrize("content", ["{", '{"version": 2, "steps": []}', '{"version": 1, "steps": [{"fix": "x"}]}'])
def test_main_refuses_a_bad_plan(tmp_path, capsys, content):
    (tmp_path / "plan.json").write_text(content)
    assert fb.main([str(tmp_path / "plan.json")]) == 2
    assert "cannot read the plan" in capsys.readouterr().err
    assert fb.main([]) == 2


def test_the_real_runner_logs_commands(tmp_path):
    run = fb.Runner(str(tmp_path / "sub/log"))
    assert run.run("t", ["true"])[0] == 0
    assert run.run("t", ["sh", "-c", "echo boom >&2; exit 3"])[0] == 3
    assert run.run("t", ["/nonexistent/program"])[0] == 127
    text = (tmp_path / "sub/log").read_text()
    assert "t: $ true -> exit 0\n" in text and "t: $ sh -c echo boom >&2; exit 3 -> exit 3: boom\n" in text
