"""docs/reference is what scripts/refdocs makes from ansible-doc now.

The pages are generated from the plugins' DOCUMENTATION / RETURN / EXAMPLES and the roles'
meta/argument_specs.yml; this test makes them again in a temporary directory (three ansible-doc
calls, a few seconds) and fails when the committed ones differ, missing or extra pages included.
"""

import importlib.machinery
import importlib.util
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "refdocs"
COMMITTED = REPO / "docs" / "reference"
OUT_OF_DATE = "docs/reference is out of date: run scripts/refdocs"


def _refdocs():
    if not SCRIPT.is_file():
        pytest.skip("scripts/refdocs is not in this tree (a built collection leaves scripts/ out)")
    loader = importlib.machinery.SourceFileLoader("netpath_refdocs", str(SCRIPT))
    spec = importlib.util.spec_from_loader("netpath_refdocs", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def refdocs():
    return _refdocs()


@pytest.fixture(scope="module")
def pages(refdocs):
    ansible_doc = refdocs.find_ansible_doc()
    if ansible_doc is None:
        pytest.skip("ansible-doc not found (no .venv, NETPATH_VENV or ansible-doc on PATH)")
    return refdocs.render_all(ansible_doc)


@pytest.fixture(scope="module")
def generated(refdocs, pages, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    refdocs.write(pages, out)
    return out


def _pages(root):
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.md"))}


def test_committed_reference_is_up_to_date(generated):
    want, have = _pages(generated), _pages(COMMITTED) if COMMITTED.is_dir() else {}
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    differ = sorted(name for name in set(want) & set(have) if want[name] != have[name])
    problems = ["missing: " + ", ".join(missing)] if missing else []
    problems += ["no longer generated: " + ", ".join(extra)] if extra else []
    problems += ["differ: " + ", ".join(differ)] if differ else []
    assert not problems, "%s (%s)" % (OUT_OF_DATE, "; ".join(problems))


def test_every_plugin_has_a_page(refdocs, generated):
    found = refdocs.names()
    assert found["module"] and found["filter"] and found["role"]
    for kind, plugins in found.items():
        for name in plugins:
            assert (generated / refdocs.KINDS[kind] / ("%s.md" % name)).is_file(), (kind, name)
            assert "[`netpath.mtu.%s`](%s/%s.md)" % (name, refdocs.KINDS[kind], name) in (
                generated / "README.md").read_text(encoding="utf-8")


def test_links_between_pages_resolve(generated):
    for page in generated.rglob("*.md"):
        where = (COMMITTED / page.relative_to(generated)).parent  # the guides are outside the reference
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text(encoding="utf-8")):
            assert any(Path(os.path.normpath(base / target)).is_file() for base in (page.parent, where)), (
                "%s links to %s, which does not exist" % (page.relative_to(generated), target))


def test_a_second_write_changes_nothing(refdocs, pages, generated):
    assert refdocs.write(pages, generated) == []


@pytest.mark.parametrize("text, page", [
    ("C(mtu) and V(auto\\)) and O(netpath.mtu.pmtu_probe#module:dest)", "`mtu` and `auto)` and `dest`"),
    ("M(netpath.mtu.link_mtu), M(ansible.builtin.copy)",
     "[`netpath.mtu.link_mtu`](../modules/link_mtu.md), `ansible.builtin.copy`"),
    ("P(netpath.mtu.findings#filter) R(the report,ansible_collections.netpath.mtu.report_filter)",
     "[`netpath.mtu.findings`](findings.md) [`the report`](report.md)"),
    ("a <b> *c* _d", "a &lt;b&gt; \\*c\\* \\_d"),
    ("L(RFC 8899,https://www.rfc-editor.org/rfc/rfc8899) U(https://example.org)",
     "[RFC 8899](https://www.rfc-editor.org/rfc/rfc8899) <https://example.org>"),
])
def test_markup(refdocs, text, page):
    assert refdocs.markdown(text, "filters") == page
