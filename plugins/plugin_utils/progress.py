# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bookkeeping of the netpath.mtu.progress callback, as plain data: when each host started
each task, how many hosts finished it out of how many run it, and the line that says so.

The callback feeds it Ansible's events; nothing here imports Ansible, so the unit tests drive it
with names and clock readings alone."""

from __future__ import annotations


class TaskProgress:
    """Hosts done out of all, per task, for any strategy.

    ``active`` is the hosts the play still runs tasks on: a host leaves it when it fails (not
    ignored) or is unreachable, and comes back when it starts another task (a rescue block). The
    total of a task is the active hosts when its first host started it (1 for run_once), and
    never fewer than the hosts that did start it."""

    def __init__(self, clock):
        self._clock = clock
        self.active = set()
        self._started = {}
        self._totals = {}
        self._done = {}

    def play_started(self, hosts):
        self.active = set(hosts)

    def started(self, task_id, host, run_once=False):
        self.active.add(host)
        starts = self._started.setdefault(task_id, {})
        starts.setdefault(host, self._clock())
        if task_id not in self._totals:
            self._totals[task_id] = 1 if run_once else max(len(self.active), 1)
        self._totals[task_id] = max(self._totals[task_id], len(starts))

    def finished(self, task_id, host, left_play=False):
        """Count host as done with the task once; (done, total, seconds or None) of that task."""
        done = self._done.setdefault(task_id, set())
        started = self._started.get(task_id, {}).get(host)
        done.add(host)
        if left_play:
            self.active.discard(host)
        # a result without a start event (none is sent for some internal tasks) counts the play's hosts
        total = max(self._totals.setdefault(task_id, len(self.active)), len(done))
        seconds = None if started is None else max(self._clock() - started, 0.0)
        return len(done), total, seconds


def progress_line(host, task_name, status, done=None, total=None, seconds=None, count_min_hosts=2):
    """``[12/50] wg-site-a: Probe the paths: ok 0.8 s``: the count only on a task of at least
    count_min_hosts hosts (0: never), the time only when known."""
    prefix = ""
    if count_min_hosts and total is not None and total >= count_min_hosts:
        width = len(str(total))
        prefix = "[%*d/%d] " % (width, done, total)
    timing = "" if seconds is None else " %.1f s" % seconds
    return "%s%s: %s: %s%s" % (prefix, host, task_name, status, timing)
