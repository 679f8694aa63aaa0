# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: output_file_problem
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: Why a file on the controller cannot be written, or null
description:
  - Looks at the controller's file system. Null when the file's directory exists (and, with
    O(check_permission), can be written by the controller's user) and the path is not a directory;
    otherwise what is wrong, as a phrase to follow the path.
  - The audit checks its metrics file (C(netpath_metrics_textfile)) with it before anything runs.
positional: check_permission
options:
  _input:
    description: The file (C(~) is expanded, a relative path is taken from the current directory).
    type: str
    required: true
  check_permission:
    description: Whether the directory must be writable by the controller's user (false for a file
      written with become).
    type: bool
    default: true
"""

EXAMPLES = r"""
problem: "{{ '/var/lib/node_exporter/textfile/netpath.prom' | netpath.mtu.output_file_problem(false) }}"
"""

RETURN = r"""
_value:
  description: What is wrong, or null.
  type: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import output_paths

output_file_problem = output_paths.output_file_problem


class FilterModule:
    def filters(self):
        return {"output_file_problem": output_file_problem}
