"""netpath.mtu.progress on synthetic results, through ansible's callback API: a real Play, Hosts,
Tasks and task results fed to the callback's v2_* methods as the strategies feed them, the output
read from stdout. The clock is the test's, so the seconds on each line are known."""

import pytest
from ansible import constants as C
from ansible.inventory.host import Host
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play import Play
from ansible.playbook.task import Task
from ansible.plugins.loader import callback_loader
from ansible.vars.manager import VariableManager

from ansible_collections.netpath.mtu.plugins.callback import progress
from ansible_collections.netpath.mtu.plugins.plugin_utils.progress import TaskProgress, progress_line

try:  # ansible-core 2.19 and later
    from ansible.executor.task_result import CallbackTaskResult as Result
except ImportError:  # 2.16 to 2.18
    from ansible.executor.task_result import TaskResult as Result

HOSTS = ["wg-site-a", "wg-site-b", "wg-hub"]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make_callback(clock, **options):
    callback_loader._load_config_defs("netpath.mtu.progress", progress, progress.__file__)
    callback = progress.CallbackModule()
    callback._load_name = "netpath.mtu.progress"
    callback.set_options(direct=options)
    callback._progress = TaskProgress(clock)
    return callback


def start_play(callback, strategy="linear", check_mode=False):
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=",".join(HOSTS) + ",")
    play = Play.load({"name": "Probe the paths of each host", "hosts": "all", "gather_facts": False,
                      "strategy": strategy, "check_mode": check_mode},
                     variable_manager=VariableManager(loader=loader, inventory=inventory), loader=loader)
    callback.v2_playbook_on_play_start(play)
    return play


def make_task(name, action="netpath.mtu.pmtu_probe", **fields):
    task = Task()
    task.name, task.action = name, action
    for key, value in fields.items():
        setattr(task, key, value)
    return task


def result(host, task, **data):
    return Result(Host(host), task, data, {})


def lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_one_line_per_host_with_the_count_and_the_seconds(clock, capsys):
    callback = make_callback(clock)
    start_play(callback)
    task = make_task("Probe the path MTU to each target")
    callback.v2_playbook_on_task_start(task, is_conditional=False)
    for host in HOSTS:
        callback.v2_runner_on_start(Host(host), task)
    clock.now += 0.8
    callback.v2_runner_on_ok(result("wg-hub", task, changed=False))
    clock.now += 0.5
    callback.v2_runner_on_ok(result("wg-site-a", task, changed=True))
    callback.v2_runner_on_skipped(result("wg-site-b", task, skipped=True))
    out = lines(capsys)
    assert out[-3:] == ["[1/3] wg-hub: Probe the path MTU to each target: ok 0.8 s",
                        "[2/3] wg-site-a: Probe the path MTU to each target: changed 1.3 s",
                        "[3/3] wg-site-b: Probe the path MTU to each target: skipped 1.3 s"]
    # the play's banner stays; no task banner, no ok: [host] lines
    assert any(line.startswith("PLAY [Probe the paths of each host]") for line in out)
    assert not [line for line in out if line.startswith(("TASK [", "ok: [", "changed: [", "skipping: ["))]


def test_failures_and_the_playbooks_messages_are_shown_in_full(clock, capsys):
    callback = make_callback(clock)
    start_play(callback)
    task = make_task("Gate on netpath_fail_on", action="ansible.builtin.fail")
    say = make_task("Say what was found and where the report is", action="ansible.builtin.debug")
    for host in HOSTS[:2]:
        callback.v2_runner_on_start(Host(host), task)
    callback.v2_runner_on_failed(result("wg-site-a", task, failed=True, msg="wg-site-a: 1 finding at error"))
    callback.v2_runner_on_failed(result("wg-site-b", task, failed=True, msg="ignored here"), ignore_errors=True)
    callback.v2_runner_on_start(Host("wg-hub"), say)
    callback.v2_runner_on_ok(result("wg-hub", say, changed=False, _ansible_verbose_always=True,
                                    msg=["wg-site-a: wireguard_blackhole (wg0)", "Report: /tmp/report.html"]))
    out = "\n".join(lines(capsys))
    assert "wg-site-a: Gate on netpath_fail_on: FAILED 0.0 s" in out
    assert 'fatal: [wg-site-a]: FAILED! => {' in out and '"msg": "wg-site-a: 1 finding at error"' in out
    assert "wg-site-b: Gate on netpath_fail_on: FAILED (ignored)" in out and "...ignoring" in out
    assert "wg-hub: Say what was found and where the report is: ok" in out
    assert '"wg-site-a: wireguard_blackhole (wg0)",' in out and '"Report: /tmp/report.html"' in out


def test_a_diff_follows_its_hosts_line_once(clock, capsys):
    callback = make_callback(clock)
    start_play(callback, check_mode=True)
    task = make_task("Set the tunnel MTU in the wg-quick config", action="netpath.mtu.wireguard_config",
                     check_mode=True)
    callback.v2_runner_on_start(Host("wg-site-a"), task)
    diff = {"before": "MTU = 1420\n", "after": "MTU = 1340\n", "before_header": "wg0.conf",
            "after_header": "wg0.conf"}
    done = result("wg-site-a", task, changed=True, diff=diff)
    callback.v2_on_file_diff(done)
    callback.v2_runner_on_ok(done)
    out = lines(capsys)
    at = out.index("[1/3] wg-site-a: Set the tunnel MTU in the wg-quick config: changed 0.0 s")
    assert "-MTU = 1420" in out[at + 1:] and "+MTU = 1340" in out[at + 1:]
    assert sum("wg-site-a: Set the tunnel MTU" in line for line in out) == 1


def test_check_mode_marker_when_asked(clock, capsys):
    callback = make_callback(clock, check_mode_markers=True)
    start_play(callback, check_mode=True)
    task = make_task("Clamp TCP MSS", action="netpath.mtu.mss_clamp", check_mode=True)
    callback.v2_runner_on_start(Host("wg-hub"), task)
    callback.v2_runner_on_ok(result("wg-hub", task, changed=True))
    assert lines(capsys)[-1] == "[1/3] wg-hub: Clamp TCP MSS [CHECK MODE]: changed 0.0 s"


def test_free_strategy_counts_each_task_apart(clock, capsys):
    callback = make_callback(clock, show_duration=False)
    start_play(callback, strategy="free")
    gather, probe = make_task("Gather MTU facts"), make_task("Probe the paths")
    # hosts run at their own pace: the results of both tasks interleave
    callback.v2_runner_on_start(Host("wg-site-a"), gather)
    callback.v2_runner_on_start(Host("wg-hub"), gather)
    callback.v2_runner_on_ok(result("wg-site-a", gather))
    callback.v2_runner_on_start(Host("wg-site-a"), probe)
    callback.v2_runner_on_ok(result("wg-site-a", probe))
    callback.v2_runner_on_ok(result("wg-hub", gather))
    callback.v2_runner_on_start(Host("wg-site-b"), gather)
    callback.v2_runner_on_ok(result("wg-site-b", gather))
    assert lines(capsys)[-4:] == ["[1/3] wg-site-a: Gather MTU facts: ok", "[1/3] wg-site-a: Probe the paths: ok",
                                  "[2/3] wg-hub: Gather MTU facts: ok", "[3/3] wg-site-b: Gather MTU facts: ok"]


def test_hidden_skips_still_count_and_loop_items_stay_quiet(clock, capsys):
    callback = make_callback(clock, display_skipped_hosts=False, show_duration=False)
    start_play(callback)
    task = make_task("Write the qdisc", loop=["eth0", "wg0"])
    callback.v2_runner_on_skipped(result("wg-hub", task, skipped=True))
    callback.v2_runner_item_on_ok(result("wg-site-a", task, changed=False, item="eth0"))
    callback.v2_runner_on_ok(result("wg-site-a", task, changed=False, results=[]))
    assert lines(capsys)[-1:] == ["[2/3] wg-site-a: Write the qdisc: ok"]


def test_count_min_hosts_zero_drops_the_count(clock, capsys):
    callback = make_callback(clock, count_min_hosts=0, show_duration=False)
    start_play(callback)
    task = make_task("Probe the paths")
    callback.v2_runner_on_start(Host("wg-hub"), task)
    callback.v2_runner_on_ok(result("wg-hub", task))
    assert lines(capsys)[-1] == "wg-hub: Probe the paths: ok"


def test_a_run_once_task_counts_one_host(clock, capsys):
    callback = make_callback(clock, show_duration=False)
    start_play(callback)
    task = make_task("Build the report", run_once=True)
    callback.v2_runner_on_start(Host("wg-hub"), task)
    callback.v2_runner_on_ok(result("wg-hub", task))
    assert lines(capsys)[-1] == "wg-hub: Build the report: ok"


@pytest.mark.parametrize("no_color, expected", [("1", None), ("", C.COLOR_OK)])
def test_no_colour_with_no_color(clock, monkeypatch, no_color, expected):
    monkeypatch.setenv("NO_COLOR", no_color)
    callback = make_callback(clock)
    shown = []
    monkeypatch.setattr(callback._display, "display", lambda msg, color=None, **kw: shown.append((msg, color)))
    task = make_task("Probe the paths")
    callback.v2_runner_on_ok(result("wg-hub", task))
    assert shown == [("wg-hub: Probe the paths: ok", expected)]


def test_the_total_follows_hosts_that_leave_and_come_back(clock):
    track = TaskProgress(clock)
    track.play_started(HOSTS)
    track.started("gather", "wg-hub")
    assert track.finished("gather", "wg-hub", left_play=True) == (1, 3, 0.0)
    # the next task runs on the two hosts left; a rescue brings wg-hub back
    track.started("probe", "wg-site-a")
    track.started("probe", "wg-site-b")
    track.started("probe", "wg-hub")
    assert [track.finished("probe", h)[:2] for h in ("wg-site-a", "wg-site-b", "wg-hub")] == [(1, 3), (2, 3), (3, 3)]
    # a host reported twice (a diff, then its result) counts once
    assert track.finished("probe", "wg-hub")[:2] == (3, 3)


def test_progress_line_pads_the_count():
    assert progress_line("h", "T", "ok", 3, 50, 0.84) == "[ 3/50] h: T: ok 0.8 s"
    assert progress_line("h", "T", "ok", 1, 1, None) == "h: T: ok"
