# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: docker_daemon_json
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: Docker's daemon.json with C(mtu) set, every other setting kept
description:
  - Takes the text of Docker's C(daemon.json) (or null when there is none) and an MTU, and
    returns the text to write - the same settings in the same order, with C(mtu) set (added at
    the end, or replaced where it is) - and what changed.
  - A file whose C(mtu) is already that number is left as it is (C(content) is its own text,
    whatever its layout). An empty file counts as C({}), as for dockerd.
  - A file dockerd cannot read either - not JSON, a key twice in one object, a top level that
    is not an object - gives C(error) and C(changed=false), and nothing to write.
positional: mtu
options:
  _input:
    description: The text of daemon.json, or null when there is no file.
    type: str
    required: true
  mtu:
    description: The MTU, 1280..65535.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Merge the MTU into daemon.json
  ansible.builtin.set_fact:
    daemon_json: "{{ (slurped.content | b64decode) | netpath.mtu.docker_daemon_json(1450) }}"
"""

RETURN = r"""
_value:
  description: What to write and why.
  type: dict
  contains:
    changed:
      description: Whether the file's C(mtu) differs from the MTU (or is a string, which dockerd refuses).
      type: bool
    content:
      description: The text to write (2-space indented JSON and a newline), or the file's own text when nothing changes.
      type: str
    settings:
      description: The file's settings as read; null when it cannot be read.
      type: dict
    previous_mtu:
      description: The file's C(mtu) before, null when it had none.
      type: raw
    error:
      description: Why the file cannot be changed (with the line and column of a syntax error); null when it can.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import docker_mtu
from ansible_collections.netpath.mtu.plugins.plugin_utils import docker_filter_inputs as inputs


def docker_daemon_json(text, mtu):
    if text is not None and not isinstance(text, str):
        raise AnsibleFilterError("docker_daemon_json: expected the text of daemon.json (or null: no file), got %s"
                                 % type(text).__name__)
    return docker_mtu.daemon_json_change(text, inputs.checked_mtu(mtu, "docker_daemon_json"))


class FilterModule:
    def filters(self):
        return {"docker_daemon_json": docker_daemon_json}
