# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""k3s's config file, as plain functions for the flannel_iface role.

The config is edited as text, one line, so that comments, order and every other key stay as the
user wrote them (a YAML round trip would lose them); the caller checks the result with a YAML
parser (netpath.mtu.k3s_config_set does).
"""

import re

# Plain YAML scalars that would not read back as the same string.
_YAML_SPECIAL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
                           r"|null|Null|NULL|~|[-+]?[0-9][0-9_.:eE+-]*)$")
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+@-]*$")


def yaml_scalar(value):
    """`value` as a YAML scalar that reads back as the same string."""
    value = str(value)
    if _PLAIN.match(value) and not _YAML_SPECIAL.match(value):
        return value
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def set_config_key(text, key, value):
    """`text` with the top-level `key` set to `value`; every other line as it was.

    An existing `key:` line keeps its trailing comment and line ending; a missing key is added at
    the end. Raises ValueError when the key is given more than once (which value k3s reads would
    depend on its YAML library) or is a block (a list or mapping, not a setting k3s reads as one
    string).
    """
    lines = text.splitlines(True)
    found = [i for i, line in enumerate(lines) if re.match(r"^%s\s*:(\s|$)" % re.escape(key), line)]
    if len(found) > 1:
        lines_found = ", ".join(str(i + 1) for i in found)
        raise ValueError("%s is set %d times (lines %s); leave one" % (key, len(found), lines_found))
    rendered = "%s: %s" % (key, yaml_scalar(value))
    if not found:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += "\n"
        return "".join(lines) + rendered + "\n"
    index = found[0]
    line = lines[index]
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    rest = body.split(":", 1)[1]
    if not rest.strip() and index + 1 < len(lines) and re.match(r"^(\s+|-)", lines[index + 1]):
        raise ValueError("%s (line %d) is a list or a mapping; k3s takes one interface name" % (key, index + 1))
    comment = re.search(r"\s+#.*$", rest)
    lines[index] = rendered + (comment.group(0) if comment else "") + (ending or "\n")
    return "".join(lines)
