"""docs/docsite/ (the antsibull-docs pages of the role guides, runbooks and references) is what
tests/unit/docsite_rst.py makes from docs/*.md: nothing missing, nothing stale, nothing extra.
`NETPATH_WRITE_DOCS=1 pytest tests/unit/test_docsite.py` writes it."""

import os
from pathlib import Path

import pytest

pytest.importorskip("markdown_it")

import docsite_rst  # noqa: E402  (only where markdown_it is)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SITE = DOCS / "docsite"


def expected():
    return docsite_rst.docsite({path.stem: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")})


def test_every_page_of_docs_is_a_page_of_the_docsite():
    files = expected()
    if os.environ.get("NETPATH_WRITE_DOCS"):
        for old in (SITE / "rst").glob("*.rst"):
            old.unlink()
        for name, text in files.items():
            (SITE / name).parent.mkdir(parents=True, exist_ok=True)
            (SITE / name).write_text(text, encoding="utf-8")
    present = {str(path.relative_to(SITE)): path.read_text(encoding="utf-8")
               for path in [*(SITE / "rst").glob("*.rst"), SITE / "extra-docs.yml"] if path.exists()}
    stale = sorted(name for name in files if present.get(name) != files[name])
    extra = sorted(set(present) - set(files))
    assert not stale and not extra, (
        "docs/docsite differs from docs/*.md (stale or missing: %s; no Markdown behind: %s); run "
        "NETPATH_WRITE_DOCS=1 pytest tests/unit/test_docsite.py" % (stale, extra))


def test_links_between_pages_become_references_and_others_github_links():
    page = docsite_rst.Page("runbooks", "# Runbooks\n\nSee [the audit](audit.md#the-report), [a role]"
                            "(../roles/qdisc/README.md), [`x`](https://example.org/) and **bold**s.\n",
                            {"runbooks", "audit"})
    assert page.rst().splitlines()[-1] == (
        "See :ref:`the audit <ansible_collections.netpath.mtu.docsite.audit.the-report>`, "
        "`a role <https://github.com/netpath/netpath.mtu/blob/main/roles/qdisc/README.md>`__, "
        "`x <https://example.org/>`__ and **bold**\\ s.")


def test_markdown_it_cannot_convert_fails_the_conversion():
    with pytest.raises(docsite_rst.ConversionError, match="no RST for"):
        docsite_rst.Page("x", "# X\n\n> a quote\n", {"x"}).rst()


def test_every_page_is_where_galaxy_reads_it():
    """Galaxy's documentation view shows the .md files of docs/ itself, none deeper."""
    assert sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md") if path.parent != DOCS) == []
