"""netpath.mtu.preload: every filter file of the collection is imported in the process that runs
the callback (the controller's main process, before Ansible forks its workers), and a file that
does not import is named instead of failing the run."""

import sys
from pathlib import Path

from ansible_collections.netpath.mtu.plugins.callback import preload as preload_callback
from ansible_collections.netpath.mtu.plugins.plugin_utils.preload import (
    collection_package_of,
    filter_modules,
    preload_filters,
)

COLLECTION = "ansible_collections.netpath.mtu"
FILTER_DIR = Path(__file__).resolve().parents[4] / "plugins" / "filter"


def test_lists_every_filter_file_in_order():
    on_disk = sorted(p.stem for p in FILTER_DIR.glob("*.py") if p.stem != "__init__")
    assert [name.rsplit(".", 1)[1] for name in filter_modules(COLLECTION)] == on_disk
    assert len(on_disk) > 20


def test_imports_each_filter_file_into_this_process():
    for name in filter_modules(COLLECTION):
        sys.modules.pop(name, None)
    assert preload_filters(COLLECTION) == {}
    assert all(name in sys.modules for name in filter_modules(COLLECTION))


def test_a_file_that_does_not_import_is_named_and_the_rest_still_load():
    broken = COLLECTION + ".plugins.filter.findings"
    imported = []

    def import_module(name):
        if name == broken:
            raise SyntaxError("invalid syntax")
        imported.append(name)

    failed = preload_filters(COLLECTION, import_module=import_module)
    assert failed == {broken: "SyntaxError: invalid syntax"}
    assert len(imported) == len(filter_modules(COLLECTION)) - 1


def test_the_callback_finds_its_own_collection():
    assert collection_package_of(preload_callback.__name__) == COLLECTION
    assert preload_callback.CallbackModule.CALLBACK_NEEDS_ENABLED is True
