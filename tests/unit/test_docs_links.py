"""Every relative link in the collection's Markdown resolves: the file exists and, for a link
into a Markdown file with #anchor, the file has a heading with that anchor (GitHub's and Galaxy's
rendering). Links inside code are not links and are not checked."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

markdown_it = pytest.importorskip("markdown_it")

from docsite_rst import anchor  # noqa: E402  (only where markdown_it is)

REPO = Path(__file__).resolve().parents[2]
# Not the collection's: dot-directories (.git, .cache and the venvs scripts/bootstrap and
# scripts/release make in a checkout: .venv, .venv-release, .venv-ansible-*) and these.
SKIP = {"node_modules", "output", "__pycache__"}


def markdown_files():
    return sorted(path for path in REPO.rglob("*.md")
                  if not any(part.startswith(".") or part in SKIP for part in path.relative_to(REPO).parts[:-1]))


def tokens(path):
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))


def anchors(path):
    found, seen, stream = set(), {}, tokens(path)
    for index, token in enumerate(stream):
        if token.type == "heading_open":
            found.add(anchor(stream[index + 1].content, seen))
    return found


def links(path):
    for token in tokens(path):
        for child in token.children or []:
            if child.type == "link_open":
                yield child.attrs["href"]


def broken_links(path):
    broken = []
    for href in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            continue  # http:, https:, mailto:
        target, fragment = href.partition("#")[::2]
        resolved = (path.parent / unquote(target)).resolve() if target else path
        if not resolved.exists():
            broken.append("%s: no such file" % href)
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append("%s: no heading with that anchor in %s" % (href, resolved.relative_to(REPO)))
    return broken


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_relative_links_resolve(path):
    assert broken_links(path) == []
