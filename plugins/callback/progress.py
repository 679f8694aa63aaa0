# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: progress
type: stdout
short_description: One line per host and task as it finishes, with hosts done out of all
version_added: 0.2.0
description:
  - >-
    ansible-core's default output, with each task's banner and per-host status replaced by one
    line per host as it finishes the task, for example
    C([12/50] wg-site-a: Probe the path MTU to each target: ok 0.8 s) - the hosts done with that
    task out of the hosts that run it, the host, the task, its status (C(ok), C(changed),
    C(skipped), C(FAILED), C(UNREACHABLE)) and the seconds the host spent on it.
  - >-
    On a long task (a probe of 50 hosts, a remediate step) the count says how far the run has got;
    it counts right with any number of forks and with the P(ansible.builtin.free#strategy)
    strategy, where hosts finish tasks in their own order.
  - >-
    What the default output shows in full it still shows in full, after the host's line - failures
    and unreachable hosts (C(fatal: ... FAILED! => ...)), the messages of C(debug) tasks and any
    result shown at C(-v), warnings, deprecations and C(--diff)'s diffs - and the play banners and
    the recap are the default's.
  - >-
    Loop items are not listed one by one (the task's line stands for them) unless they fail or
    C(-v) is given; C(included:) lines only at C(-v).
  - Colour as the default output has it, none when E(NO_COLOR) or E(ANSIBLE_NOCOLOR) is set.
  - >-
    It also imports the collection's filters once, when the playbook starts, as
    P(netpath.mtu.preload#callback) does: the workers Ansible forks for each task and host then
    inherit them instead of each importing them anew (version 0.2.0).
  - >-
    Select it with C(stdout_callback = netpath.mtu.progress) in C([defaults]) of C(ansible.cfg) or
    with E(ANSIBLE_STDOUT_CALLBACK=netpath.mtu.progress). Under ansible-runner (AWX, AAP) set
    E(ANSIBLE_STDOUT_CALLBACK) in the job environment: the runner wraps it.
author:
  - netpath.mtu developers (@netpath)
extends_documentation_fragment:
  - default_callback
  - result_format_callback
requirements:
  - Set as the stdout callback (see the description).
options:
  count_min_hosts:
    description:
      - The C([done/total]) count starts each line of a task run on at least this many hosts.
      - V(0) never shows it.
    type: int
    default: 2
    version_added: 0.2.0
    env:
      - name: NETPATH_PROGRESS_COUNT_MIN_HOSTS
    ini:
      - section: callback_netpath_progress
        key: count_min_hosts
  show_duration:
    description:
      - End each line with the seconds the host spent on the task.
    type: bool
    default: true
    version_added: 0.2.0
    env:
      - name: NETPATH_PROGRESS_SHOW_DURATION
    ini:
      - section: callback_netpath_progress
        key: show_duration
"""

import os
import time

from ansible import constants as C
from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallbackModule

from ansible_collections.netpath.mtu.plugins.plugin_utils.preload import collection_package_of, preload_filters
from ansible_collections.netpath.mtu.plugins.plugin_utils.progress import TaskProgress, progress_line


# ansible-core 2.19 names a result's parts task/result/host; 2.16 to 2.18 only _task/_result/_host.
def _task(result):
    return getattr(result, "task", None) or result._task


def _data(result):
    data = getattr(result, "result", None)
    return data if data is not None else result._result


def _host_name(result):
    return (getattr(result, "host", None) or result._host).get_name()


class CallbackModule(DefaultCallbackModule):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "netpath.mtu.progress"

    def __init__(self):
        super().__init__()
        self._progress = TaskProgress(time.monotonic)
        # Hosts whose line a task's diff already brought forward (the diff comes before the result).
        self._reported = set()

    def v2_playbook_on_start(self, playbook):
        super().v2_playbook_on_start(playbook)
        # What netpath.mtu.preload does, for runs that fork many workers (docs/fleet.md).
        for name, why in preload_filters(collection_package_of(__name__)).items():
            self._display.warning("netpath.mtu.progress: could not import %s (%s)" % (name, why))

    # -- the default's banners: play banners stay, task banners give way to the host lines
    def _print_task_banner(self, task):
        self._last_task_banner = task._uuid

    def v2_playbook_on_play_start(self, play):
        super().v2_playbook_on_play_start(play)
        self._progress.play_started(self._play_hosts(play))

    @staticmethod
    def _play_hosts(play):
        # The hosts of this play (of this serial batch: the inventory is restricted to it).
        try:
            inventory = play.get_variable_manager()._inventory
            return [host.get_name() for host in inventory.get_hosts(play.hosts)]
        except Exception:  # pylint: disable=broad-except  # a count from the starts is still right
            return []

    def v2_runner_on_start(self, host, task):
        super().v2_runner_on_start(host, task)
        # run_once runs on one host, but on every host under the free strategies (ansible warns).
        free = self._play is not None and str(self._play.strategy).rsplit(".", 1)[-1] in ("free", "host_pinned")
        self._progress.started(task._uuid, host.get_name(), run_once=bool(task.run_once) and not free)

    # -- one line per host and task
    def _say(self, result, status, color, left_play=False):
        task, host = _task(result), _host_name(result)
        key = (task._uuid, host)
        if key in self._reported:
            self._reported.discard(key)
            return
        done, total, seconds = self._progress.finished(task._uuid, host, left_play=left_play)
        if not self._own_option("show_duration", True):
            seconds = None
        name = task.get_name().strip()
        if task.check_mode and self.get_option("check_mode_markers"):
            name += " [CHECK MODE]"
        line = progress_line(host, name, status, done, total, seconds, self._own_option("count_min_hosts", 2))
        self._display.display(line, color=None if os.environ.get("NO_COLOR") else color)

    def _own_option(self, name, default):
        # ansible-runner (AWX, AAP) subclasses the stdout callback as its own awx_display, whose
        # documentation has only the default callback's options: this plugin's take their defaults.
        try:
            return self.get_option(name)
        except KeyError:
            return default

    def _handle_warnings_of(self, result):
        if hasattr(self, "_handle_warnings_and_exception"):  # ansible-core 2.19 and later
            self._handle_warnings_and_exception(result)
        else:
            self._handle_warnings(_data(result))

    def v2_runner_on_ok(self, result):
        if isinstance(_task(result), TaskInclude):
            return
        changed = _data(result).get("changed", False)
        if changed or self.get_option("display_ok_hosts"):
            self._say(result, "changed" if changed else "ok", C.COLOR_CHANGED if changed else C.COLOR_OK)
        else:
            self._progress.finished(_task(result)._uuid, _host_name(result))
        if self._run_is_verbose(result):
            # A debug task's message, or any result at -v: the default's block, in full.
            super().v2_runner_on_ok(result)
        else:
            self._handle_warnings_of(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._say(result, "FAILED (ignored)" if ignore_errors else "FAILED", C.COLOR_ERROR,
                  left_play=not ignore_errors)
        super().v2_runner_on_failed(result, ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._say(result, "UNREACHABLE", C.COLOR_UNREACHABLE, left_play=not _task(result).ignore_unreachable)
        super().v2_runner_on_unreachable(result)

    def v2_runner_on_skipped(self, result):
        if self.get_option("display_skipped_hosts"):
            self._say(result, "skipped", C.COLOR_SKIP)
            if self._run_is_verbose(result):
                super().v2_runner_on_skipped(result)
        else:
            self._progress.finished(_task(result)._uuid, _host_name(result))

    def v2_on_file_diff(self, result):
        data = _data(result)
        items = data.get("results") if _task(result).loop and "results" in data else [data]
        if any(item.get("diff") and item.get("changed") for item in items):
            # The diff arrives before the task's result: the host's line first, then its diff.
            self._say(result, "changed", C.COLOR_CHANGED)
            self._reported.add((_task(result)._uuid, _host_name(result)))
        super().v2_on_file_diff(result)

    # -- loop items and includes: the task's line stands for them unless -v or an item failed
    def v2_runner_item_on_ok(self, result):
        if self._run_is_verbose(result):
            super().v2_runner_item_on_ok(result)

    def v2_runner_item_on_skipped(self, result):
        if self._run_is_verbose(result):
            super().v2_runner_item_on_skipped(result)

    def v2_playbook_on_include(self, included_file):
        if self._display.verbosity:
            super().v2_playbook_on_include(included_file)
