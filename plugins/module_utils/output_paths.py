# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Can the playbooks write their output where they are asked to? Checked on the controller before
anything is written, so that a report directory or a metrics file that cannot be written fails
the run at its start, naming the path, rather than after the audit (or a remediation) ran."""

import os


def _resolved(path):
    return os.path.abspath(os.path.expanduser(path))


def _nearest_existing(path):
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def _writable(directory):
    return os.access(directory, os.W_OK | os.X_OK)


def output_dir_problem(path):
    """None when the directory is there and writable or can be made (its nearest existing
    ancestor is a writable directory); else what is wrong, as a phrase after the path."""
    if not isinstance(path, str) or not path.strip():
        return "is not a directory path"
    full = _resolved(path)
    if os.path.exists(full):
        if not os.path.isdir(full):
            return "is not a directory (%s)" % full
        if not _writable(full):
            return "cannot be written: no write permission on %s" % full
        return None
    base = _nearest_existing(os.path.dirname(full))
    if not os.path.isdir(base):
        return "cannot be made: %s is not a directory" % base
    if not _writable(base):
        return "cannot be made: no write permission on %s" % base
    return None


def output_file_problem(path, check_permission=True):
    """None when the file can be written where it is (its directory exists, and is writable unless
    check_permission is false, for a file written with become); else what is wrong."""
    if not isinstance(path, str) or not path.strip():
        return "is not a file path"
    full = _resolved(path)
    directory = os.path.dirname(full)
    if os.path.isdir(full):
        return "is a directory (%s)" % full
    if not os.path.isdir(directory):
        return "is in a directory that does not exist (%s)" % directory
    if check_permission and not _writable(directory):
        return "cannot be written: no write permission on %s" % directory
    return None
