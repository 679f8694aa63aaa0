"""docs/*.md as the RST pages of the antsibull-docs docsite (docs/docsite/rst/, extra-docs.yml).

The Markdown in docs/ is the one text: Galaxy's docs view and GitHub show it as it is;
antsibull-docs (and docs.ansible.com) take only RST in docs/docsite/rst/, so the pages there are
made from it here and never edited by hand. tests/unit/test_docsite.py checks they are up to date;
`NETPATH_WRITE_DOCS=1 pytest tests/unit/test_docsite.py` writes them.

The converter knows the Markdown the docs use (CommonMark and tables): headings, paragraphs,
lists, fenced code, tables, inline code, bold and links. A link to another page of docs/ becomes a
reference to its page (or to the heading its #anchor names), a link to any other file of the
repository a link to it on GitHub. Anything else fails the conversion rather than being dropped.
"""

import json
import posixpath
import re

from markdown_it import MarkdownIt

COLLECTION = "netpath.mtu"
REPOSITORY = "https://github.com/netpath/netpath.mtu"
BRANCH = "main"
LABEL = "ansible_collections.%s.docsite." % COLLECTION
# Heading underlines by level (h1 the page title).
UNDERLINES = "=-~^\"'"
# Characters that may stand right before inline markup / right after it (docutils' rules); next
# to anything else the markup needs an escaped space.
BEFORE = set(" \t\n'\"([{<-/:")
AFTER = set(" \t\n'\")]}>-/:.,;!?\\")
# The start of a paragraph that RST would read as a list item, a comment or a directive.
LOOKS_LIKE_MARKUP = re.compile(r"^(\S{1,6}[.)]|\(\S{1,6}\)|[-+*]|\.\.)(\s|$)")
# The sections of the docsite's index, by the page names of docs/.
SECTIONS = (
    ("Runbooks", lambda name: name == "runbooks" or name.startswith("runbook-")),
    ("Role guides", lambda name: name.startswith("role-")),
    ("References", lambda name: True),
)


class ConversionError(ValueError):
    pass


def parse(text):
    return MarkdownIt("commonmark").enable("table").parse(text)


def anchor(title, seen):
    """GitHub's anchor for a heading (a number after a repeated one), as the Markdown links use."""
    slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    count = seen.get(slug, 0)
    seen[slug] = count + 1
    return slug if not count else "%s-%d" % (slug, count)


def page_label(page, slug=None):
    return LABEL + page + ("." + slug if slug else "")


def is_json(text):
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def escape(text):
    return re.sub(r"([\\`*|_])", r"\\\1", text)


class Page:
    """One docs/NAME.md as RST; `pages` are the names of all pages of docs/ (links between them)."""

    def __init__(self, name, text, pages):
        self.name, self.pages, self.seen = name, pages, {}
        self.tokens = parse(text)

    # inline

    def inline(self, children):
        parts = []  # (is_markup, text)
        index = 0
        while index < len(children):
            token = children[index]
            if token.type == "text":
                parts.append((False, escape(token.content)))
            elif token.type in ("softbreak", "hardbreak"):
                parts.append((False, " "))
            elif token.type == "code_inline":
                parts.append((True, "``%s``" % token.content if token.content.strip() else "\\ "))
            elif token.type == "strong_open":
                end = self._close(children, index, "strong_close")
                parts.append((True, "**%s**" % self._plain(children[index + 1:end]).replace("*", "\\*")))
                index = end
            elif token.type == "em_open":
                end = self._close(children, index, "em_close")
                parts.append((True, "*%s*" % self._plain(children[index + 1:end]).replace("*", "\\*")))
                index = end
            elif token.type == "link_open":
                end = self._close(children, index, "link_close")
                parts.append((True, self.link(token.attrs["href"], self._plain(children[index + 1:end]))))
                index = end
            else:
                raise ConversionError("%s.md: no RST for the inline %s" % (self.name, token.type))
            index += 1
        out = ""
        for position, (markup, text) in enumerate(parts):
            if markup and out and out[-1] not in BEFORE:
                out += "\\ "
            out += text
            following = parts[position + 1][1][:1] if position + 1 < len(parts) else ""
            if markup and following and following not in AFTER:
                out += "\\ "
        return out.strip()

    @staticmethod
    def _close(children, start, kind):
        return next(i for i in range(start, len(children)) if children[i].type == kind)

    @staticmethod
    def _plain(children):
        return "".join(c.content if c.type in ("text", "code_inline") else " " if "break" in c.type else ""
                       for c in children)

    def link(self, href, text):
        label_text = text.replace("<", "\\<").replace("`", "\\`")
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            return "`%s <%s>`__" % (label_text, href) if text != href else href
        target, fragment = href.partition("#")[::2]
        path = posixpath.normpath(posixpath.join("docs", target)) if target else "docs/%s.md" % self.name
        page = posixpath.basename(path)[:-3] if path.startswith("docs/") and path.endswith(".md") else None
        if page is not None and page in self.pages and posixpath.dirname(path) == "docs":
            return ":ref:`%s <%s>`" % (label_text, page_label(page, fragment or None))
        kind = "tree" if not posixpath.splitext(path)[1] else "blob"
        url = "%s/%s/%s/%s%s" % (REPOSITORY, kind, BRANCH, path, "#" + fragment if fragment else "")
        return "`%s <%s>`__" % (label_text, url)

    # blocks

    def blocks(self, start, end, indent=""):
        """RST lines of the block tokens start..end (exclusive)."""
        lines, index = [], start
        while index < end:
            token = self.tokens[index]
            if token.type == "heading_open":
                title = self.tokens[index + 1]
                text = self.inline(title.children)
                level = int(token.tag[1])
                lines += [".. _%s:" % page_label(self.name, anchor(title.content, self.seen)), ""]
                if level == 1:
                    lines += [".. _%s:" % page_label(self.name), ""]
                lines += [text, UNDERLINES[level - 1] * max(len(text), 4), ""]
                index += 3
            elif token.type == "paragraph_open":
                text = self.inline(self.tokens[index + 1].children)
                if LOOKS_LIKE_MARKUP.match(text):
                    text = "\\" + text  # text, not the list or comment RST would read there
                lines += [indent + text, ""]
                index += 3
            elif token.type == "fence":
                language = token.info.strip() or "text"
                if language == "json" and not is_json(token.content):
                    language = "javascript"  # JSON shortened with `...`: RST checkers would reject it as JSON
                lines += [indent + ".. code-block:: " + language, ""]
                lines += [(indent + "  " + line).rstrip() for line in token.content.rstrip("\n").split("\n")]
                lines += [""]
                index += 1
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                close = self._matching(index)
                lines += self.list(index, close, indent)
                index = close + 1
            elif token.type == "table_open":
                close = self._matching(index)
                lines += self.table(index, close, indent)
                index = close + 1
            elif token.type == "html_block" and token.content.lstrip().startswith("<!--"):
                index += 1  # a comment for whoever edits the Markdown
            else:
                line = token.map[0] + 1 if token.map else "?"
                raise ConversionError("%s.md line %s: no RST for %s" % (self.name, line, token.type))
        return lines

    def _matching(self, index):
        opening = self.tokens[index]
        depth = 0
        for position in range(index, len(self.tokens)):
            if self.tokens[position].type == opening.type:
                depth += 1
            elif self.tokens[position].type == opening.type.replace("_open", "_close"):
                depth -= 1
                if depth == 0:
                    return position
        raise ConversionError("%s.md: %s not closed" % (self.name, opening.type))

    def list(self, start, close, indent):
        ordered = self.tokens[start].type == "ordered_list_open"
        number = int(self.tokens[start].attrs.get("start", 1)) if ordered else 0
        lines, index = [], start + 1
        while index < close:
            item_close = self._matching(index)
            marker = "%d. " % number if ordered else "- "
            body = self.blocks(index + 1, item_close, indent + " " * len(marker))
            while body and body[-1] == "":
                body.pop()
            body[0] = indent + marker + body[0][len(indent) + len(marker):]
            lines += body + [""]
            number += 1
            index = item_close + 1
        return lines

    def table(self, start, close, indent):
        rows, row = [], None
        for token in self.tokens[start:close]:
            if token.type == "tr_open":
                row = []
            elif token.type == "inline":
                row.append(self.inline(token.children))
            elif token.type == "tr_close":
                rows.append(row)
        lines = [indent + ".. list-table::", indent + "  :header-rows: 1", ""]
        for row in rows:
            for column, cell in enumerate(row):
                lines.append(indent + ("  * - " if column == 0 else "    - ") + cell if cell
                             else indent + ("  * -" if column == 0 else "    -"))
        return lines + [""]

    def rst(self):
        lines = [
            "..",
            "  Made from docs/%s.md by tests/unit/docsite_rst.py; do not edit. Edit the Markdown, then run"
            % self.name,
            "  NETPATH_WRITE_DOCS=1 pytest tests/unit/test_docsite.py",
            "",
        ]
        lines += self.blocks(0, len(self.tokens))
        while lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + "\n"


def title(text):
    """The text of a page's first heading."""
    tokens = parse(text)
    return next(tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open")


def docsite(markdown):
    """{relative path under docs/docsite/: text} for {page name: Markdown text}: an RST page per
    Markdown page, and extra-docs.yml listing them all in the index's sections."""
    pages = set(markdown)
    files = {"rst/%s.rst" % name: Page(name, text, pages).rst() for name, text in sorted(markdown.items())}
    placed, sections = set(), []
    for heading, belongs in SECTIONS:
        # a section's own index page (docs/runbooks.md) first
        names = sorted((name for name in pages - placed if belongs(name)),
                       key=lambda name: (name != heading.lower(), name))  # the section's index page first
        placed.update(names)
        if names:
            sections.append((heading, names))
    index = ["---", "# Made by tests/unit/docsite_rst.py from the pages of docs/; do not edit.", "sections:"]
    for heading, names in sections:
        index += ["  - title: %s" % heading, "    toctree:"]
        for name in names:
            # JSON's quoting is YAML's too
            page_title = title(markdown[name]).replace("`", "")
            index += ["      - ref: %s" % name, "        title: %s" % json.dumps(page_title)]
    files["extra-docs.yml"] = "\n".join(index) + "\n"
    return files
