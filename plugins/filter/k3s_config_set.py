# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: k3s_config_set
version_added: 0.1.0
author: netpath.mtu developers (@netpath)
short_description: Set one top-level key of k3s's config.yaml, keeping the rest of the file
description:
  - Returns the text of a k3s config file (C(/etc/rancher/k3s/config.yaml)) with one top-level
    key set, every other line, comment and blank line kept as it was. A missing key is added at
    the end.
  - Fails naming the file when the text is not YAML, when its top level is not a mapping, when
    the key is set more than once or is a list or a mapping, or when the change would alter
    any other setting.
positional: key, value, path
options:
  _input:
    description: The file's text.
    type: str
    required: true
  key:
    description: The setting, for example V(flannel-iface).
    type: str
    required: true
  value:
    description: Its new value, a string (quoted in the file when YAML would read it otherwise).
    type: str
    required: true
  path:
    description: The file's path, for error messages.
    type: str
    default: the k3s config
"""

EXAMPLES = r"""
# "node-ip: 100.64.0.1\nflannel-iface: tailscale0  # mesh\n" ->
# "node-ip: 100.64.0.1\nflannel-iface: eth0  # mesh\n"
new_config: "{{ old_config | netpath.mtu.k3s_config_set('flannel-iface', 'eth0', '/etc/rancher/k3s/config.yaml') }}"
"""

RETURN = r"""
_value:
  description: The new text of the file.
  type: str
"""

import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import k3s, schema


def _settings(text, path):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnsibleFilterError("%s is not YAML: %s" % (path, " ".join(str(exc).split()))) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnsibleFilterError("%s is not a k3s config: its top level is a %s, not a mapping of settings"
                                 % (path, type(data).__name__))
    return data


def k3s_config_set(text, key, value, path="the k3s config"):
    if not isinstance(text, str):
        raise AnsibleFilterError("k3s_config_set: expected the file's text, got %s" % type(text).__name__)
    schema.check(key, schema.K3S_CONFIG_KEY, "key", AnsibleFilterError, "k3s_config_set")
    schema.check(value, schema.K3S_CONFIG_VALUE, "value", AnsibleFilterError, "k3s_config_set")
    schema.check(path, schema.TEXT, "path", AnsibleFilterError, "k3s_config_set")
    before = _settings(text, path)
    try:
        changed = k3s.set_config_key(text, key, value)
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (path, exc)) from None
    after = _settings(changed, path)
    expected = dict(before, **{key: str(value)})
    if after != expected:
        raise AnsibleFilterError("%s: setting %s to %r would change other settings; edit it by hand"
                                 % (path, key, value))
    return changed


class FilterModule:
    def filters(self):
        return {"k3s_config_set": k3s_config_set}
