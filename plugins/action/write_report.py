# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netpath.mtu.write_report: the report's files (or remediate's summary) written on the controller,
in this process.

Three `copy` tasks cost the audit about 2.5 s per run (each runs the stat and copy modules in a
Python of their own); the files are rendered and written here instead (docs/fleet.md)."""

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

from ansible_collections.netpath.mtu.plugins.module_utils import report as reports

ARGUMENT_SPEC = {
    "report": {"type": "dict"},
    "remediation": {"type": "dict"},
    "dest": {"type": "path", "required": True},
    "formats": {"type": "list", "elements": "str", "default": list(reports.REPORT_FILES),
                "choices": list(reports.REPORT_FILES)},
}


def _current(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _replace(path, data, mode=0o644):
    """Write data to path atomically: a reader sees the old file or the new one, never a part."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".%s." % os.path.basename(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("report", "remediation")],
                                           required_one_of=[("report", "remediation")])[1]
        dest = args["dest"]
        try:
            if args["remediation"] is not None:
                files = {reports.REMEDIATION_FILE: reports.as_json_file(args["remediation"])}
            else:
                files = reports.render_files(args["report"], args["formats"])
        except reports.ReportError as exc:
            raise AnsibleActionFail("write_report: %s" % exc) from None
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise AnsibleActionFail("write_report: dest %s exists and is not a directory" % dest)
        changed = [name for name, text in files.items() if _current(os.path.join(dest, name)) != to_bytes(text)]
        if changed and not self._task.check_mode:
            try:
                os.makedirs(dest, mode=0o755, exist_ok=True)
                for name in changed:
                    _replace(os.path.join(dest, name), to_bytes(files[name]))
            except OSError as exc:
                raise AnsibleActionFail("write_report: cannot write in %s: %s" % (dest, exc)) from None
        result.update(changed=bool(changed), dest=dest, files=sorted(files), changed_files=changed)
        return result
