# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: output_dir_problem
version_added: 0.2.0
author: netpath.mtu developers (@netpath)
short_description: Why a directory on the controller cannot take a playbook's output, or null
description:
  - Looks at the controller's file system. Null when the directory exists and can be written, or does not
    exist and can be made (its nearest existing parent is a directory the controller's user can write);
    otherwise what is wrong, as a phrase to follow the path (C(cannot be made - no write permission on /srv)).
  - The audit and remediate playbooks check their report directory with it before anything runs.
options:
  _input:
    description: The directory (C(~) is expanded, a relative path is taken from the current directory).
    type: str
    required: true
"""

EXAMPLES = r"""
problem: "{{ 'netpath-report' | netpath.mtu.output_dir_problem }}"
# null
"""

RETURN = r"""
_value:
  description: What is wrong, or null.
  type: str
"""

from ansible_collections.netpath.mtu.plugins.module_utils import output_paths

output_dir_problem = output_paths.output_dir_problem


class FilterModule:
    def filters(self):
        return {"output_dir_problem": output_dir_problem}
