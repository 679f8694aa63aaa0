# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Import a collection's filter plugins once, in the controller's main process.

Ansible forks a worker for each task and host. A worker that templates a collection's filter
finds it by importing the collection's filter files in order until one provides it, and compiles
each from source (the collection loader keeps no bytecode); with this collection's filters and the
module_utils they import, that is 0.1 to 0.2 s of CPU per task and host. Imported once before the
first fork, the modules are in every worker's sys.modules and the loader takes them from there.
"""

from __future__ import annotations

import importlib
import pkgutil


def filter_modules(collection_package):
    """The dotted names of the filter files of a collection, given its package
    (``ansible_collections.netpath.mtu``)."""
    package = importlib.import_module(collection_package + ".plugins.filter")
    return [collection_package + ".plugins.filter." + info.name
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name)
            if not info.ispkg]


def preload_filters(collection_package, import_module=importlib.import_module):
    """Import each filter file of the collection; {module name: why it failed} for those that did
    not import (the worker that needs one then fails with Ansible's own message)."""
    failed = {}
    for name in filter_modules(collection_package):
        try:
            import_module(name)
        except Exception as exc:  # pylint: disable=broad-except  # a worker reports it where it matters
            failed[name] = "%s: %s" % (type(exc).__name__, exc)
    return failed


def collection_package_of(module_name):
    """``ansible_collections.NS.NAME`` of a plugin's module name."""
    return ".".join(module_name.split(".")[:3])
