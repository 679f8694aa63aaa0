"""One documented plugin per filter file, as Galaxy, ansible-doc and antsibull-docs list them.

Galaxy's importer lists a filter for every .py in plugins/filter (named after the file) and one
for every documentation file ansible-doc reports (a sidecar .yml is a second entry): a .py
hosting several filters shows as a filter without docs, a .py with a sidecar shows twice. So each
.py here exposes exactly the filter it is named after, with DOCUMENTATION, EXAMPLES and RETURN in
it, and nothing else in the directory documents a filter.
"""

import importlib
from pathlib import Path

import pytest
import yaml
from ansible.parsing.plugin_docs import read_docstring

FILTER_DIR = Path(__file__).resolve().parents[4] / "plugins" / "filter"
FILES = sorted(path for path in FILTER_DIR.glob("*.py") if path.name != "__init__.py")


def test_the_directory_holds_filter_plugins_only():
    assert FILES
    others = sorted(path.name for path in FILTER_DIR.iterdir()
                    if path.suffix != ".py" and path.name != "__pycache__")
    assert others == [], "documentation or files that are no filter (Galaxy lists each as one): %s" % others


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_file_is_one_documented_filter_named_after_it(path):
    module = importlib.import_module("ansible_collections.netpath.mtu.plugins.filter." + path.stem)
    assert list(module.FilterModule().filters()) == [path.stem], \
        "%s must expose exactly the filter %s" % (path.name, path.stem)
    docs = read_docstring(str(path))
    assert docs["doc"] and docs["doc"]["name"] == path.stem, "%s: DOCUMENTATION missing or not named %s" \
        % (path.name, path.stem)
    assert docs["doc"].get("short_description") and docs["doc"].get("version_added")
    assert yaml.safe_load(docs["plainexamples"] or ""), "%s: no EXAMPLES" % path.name
    assert "_value" in (docs["returndocs"] or {}), "%s: RETURN does not describe _value" % path.name
