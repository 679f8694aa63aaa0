# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: cloud_init_parts
version_added: 0.1.0
author:
  - netpath.mtu developers (@netpath)
short_description: The parts of a cloud-init user_data
positional: _input, name
description:
  - Splits a user_data - a C(#cloud-config), a C(#!) script or a MIME multi-part - into its
    parts, each decoded, so that each cloud-config part can be checked with
    C(cloud-init schema) (which takes no MIME) or looked at.
  - A user_data that is none of those raises an error naming O(name) and the problem, as
    R(netpath.mtu.cloud_init_user_data,ansible_collections.netpath.mtu.cloud_init_user_data_filter)
    does for a user_data to join.
options:
  _input:
    description: The user_data (text).
    type: str
    required: true
  name:
    description: What to call it in messages (a file name).
    type: str
    default: user_data
"""

EXAMPLES = r"""
- name: Check each cloud-config part with cloud-init
  ansible.builtin.command:
    argv: [cloud-init, schema, --config-file, /dev/stdin]
    stdin: "{{ item.content }}"
  loop: "{{ user_data | netpath.mtu.cloud_init_parts | selectattr('content_type', 'equalto', 'text/cloud-config') }}"
  changed_when: false
"""

RETURN = r"""
_value:
  description: The parts, in order.
  type: list
  elements: dict
  contains:
    content_type:
      description:
        - The part's type - V(text/cloud-config), V(text/x-shellscript), ... (for C(text/plain)
          parts, the type cloud-init tells from the first bytes).
      type: str
    filename:
      description: The file name of its C(Content-Disposition), or null.
      type: str
    merge_type:
      description: Its C(Merge-Type) header, or null.
      type: str
    content:
      description: The decoded content.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init


def cloud_init_parts(user_data, name="user_data"):
    if not isinstance(user_data, (str, bytes)):
        raise AnsibleFilterError("cloud_init_parts: expected a user_data (text), got %s" % type(user_data).__name__)
    try:
        return cloud_init.parts(user_data, str(name))
    except cloud_init.CloudInitError as exc:
        raise AnsibleFilterError("cloud_init_parts: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"cloud_init_parts": cloud_init_parts}
