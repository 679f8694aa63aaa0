# Copyright: netpath.mtu developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The attributes every netpath.mtu module shares; a module adds its own details on top
    # (ansible-doc merges a module's attribute keys over the fragment's). The descriptions of the
    # attributes come from ansible.builtin.action_common_attributes, which every module also names.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  platform:
    platforms: linux
    details: Linux only - the module reads and changes the kernel's network state through
      C(/proc), C(/sys) and the system's tools (see the module's requirements).
"""

    # For the modules that only read (facts, probes): nothing to show in diff mode.
    READ_ONLY = r"""
attributes:
  diff_mode:
    support: none
    details: The module changes nothing.
"""
