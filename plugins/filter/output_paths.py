# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters output_dir_problem and output_file_problem (documented in their .yml files); the logic is
module_utils/output_paths.py. They look at the controller's file system, where the playbooks
write their reports."""

from ansible_collections.netpath.mtu.plugins.module_utils import output_paths


class FilterModule:
    def filters(self):
        return {"output_dir_problem": output_paths.output_dir_problem,
                "output_file_problem": output_paths.output_file_problem}
