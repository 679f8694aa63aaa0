# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters cloud_init_user_data and cloud_init_parts (documented in the .yml files of the same names)."""

import base64
import binascii

from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init, schema


def cloud_init_user_data(fixes, merge_with=None, merge_with_b64=None, merge_with_name=None, variable_prefix="",
                         **options):
    schema.check(merge_with, schema.USER_DATA, "merge_with", AnsibleFilterError, "cloud_init_user_data")
    for name, value in (("merge_with_b64", merge_with_b64), ("merge_with_name", merge_with_name),
                        ("variable_prefix", variable_prefix)):
        schema.check(value, schema.TEXT, name, AnsibleFilterError, "cloud_init_user_data")
    for name in sorted(set(options) & set(cloud_init.OPTIONS)):
        # the role's variable name: cloud_init_mss_clamp_family
        schema.check(options[name], schema.CLOUD_INIT_OPTION, str(variable_prefix or "") + name, AnsibleFilterError,
                     "cloud_init_user_data")
    if merge_with is not None and merge_with_b64 is not None:
        raise AnsibleFilterError("cloud_init_user_data: give merge_with or merge_with_b64, not both")
    data = merge_with
    if merge_with_b64 is not None:
        try:
            data = base64.b64decode(str(merge_with_b64), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AnsibleFilterError("cloud_init_user_data: merge_with_b64 is not base64 (%s)" % exc) from None
    try:
        return cloud_init.render(fixes, options, data, merge_with_name, str(variable_prefix or ""))
    except cloud_init.CloudInitError as exc:
        raise AnsibleFilterError("cloud_init_user_data: %s" % exc) from None


def cloud_init_parts(user_data, name="user_data"):
    if not isinstance(user_data, (str, bytes)):
        raise AnsibleFilterError("cloud_init_parts: expected a user_data (text), got %s" % type(user_data).__name__)
    try:
        return cloud_init.parts(user_data, str(name))
    except cloud_init.CloudInitError as exc:
        raise AnsibleFilterError("cloud_init_parts: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"cloud_init_user_data": cloud_init_user_data, "cloud_init_parts": cloud_init_parts}
