# Copyright: netpath.mtu developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The filters that read many hosts' variables in one task on the controller take hostvars.
    DOCUMENTATION = r"""
options:
  hostvars:
    description:
      - C(hostvars). The filter reads each host's variables once.
    type: raw
    required: true
"""
