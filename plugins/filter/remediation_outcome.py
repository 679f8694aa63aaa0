# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter still_found (documented in still_found.yml); the logic is module_utils/remediation_outcome.py."""

from ansible_collections.netpath.mtu.plugins.module_utils import remediation_outcome
from ansible_collections.netpath.mtu.plugins.plugin_utils.filter_errors import named_filter

still_found = named_filter("still_found", remediation_outcome.still_found, remediation_outcome.OutcomeError)


class FilterModule:
    def filters(self):
        return {"still_found": still_found}
