# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the report filters share: their output marked unsafe, their errors as Ansible's."""

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports


def unsafe(function):
    """function(), marked unsafe: text made from gathered facts must never be templated again
    (ansible-core < 2.19 templates strings stored with set_fact when they are read back)."""
    try:
        return wrap_var(function())
    except reports.ReportError as exc:
        raise AnsibleFilterError(str(exc)) from None


def of_report(name, function, report, *args):
    """function(report, *args) for the filter `name`, once the report has the shape of report.json."""
    return unsafe(lambda: function(reports.checked_report(report, name), *args))
