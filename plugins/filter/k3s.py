# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter k3s_config_set (documented in k3s_config_set.yml)."""

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
