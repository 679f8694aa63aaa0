"""What the tests share: this checkout importable as ansible_collections.netpath.mtu, and the HTML page parser.

ansible-test makes the checkout importable by running from an ansible_collections/netpath/mtu
tree; a plain pytest run from the repository gets the same through a symlink in .cache/ (made
here when missing).
"""

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / ".cache" / "collections"
REPORT_INPUT = REPO / "tests" / "unit" / "plugins" / "filter" / "fixtures" / "report_input.json"


def _link_collection():
    if (REPO.parent.name, REPO.parent.parent.name) == ("netpath", "ansible_collections"):
        root = REPO.parent.parent.parent
    else:
        link = COLLECTIONS / "ansible_collections" / "netpath" / "mtu"
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(REPO)
        root = COLLECTIONS
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


_link_collection()


class HtmlElements(HTMLParser):
    """The start tags of a page, in document order, each {tag, attrs, text, parents}: text is all
    the text the element holds, parents the tags it is inside."""

    VOID = {"meta", "br", "path", "rect", "link", "img", "input", "hr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": [el["tag"] for el in self.stack]}
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        if any(el["tag"] == tag for el in self.stack):
            while self.stack.pop()["tag"] != tag:
                pass

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data

    def find(self, tag=None, **attrs):
        """Elements of tag (any when None) whose attributes have these values (data_host: data-host)."""
        return [el for el in self.elements if (tag is None or el["tag"] == tag)
                and all(el["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def layers(self, host=None):
        """The MTU cascade layers (g.layer) of the report, or of one host's section, in document order;
        each element also has the ``host`` of its section."""
        found, section = [], None
        for el in self.elements:
            if el["tag"] == "section":
                section = el["attrs"].get("data-host")
            if el["tag"] == "g" and "layer" in el["attrs"].get("class", "").split() and host in (None, section):
                found.append(dict(el, host=section))
        return found


@pytest.fixture
def html_elements():
    """HtmlElements: html_elements(page) parses a page."""
    return HtmlElements


@pytest.fixture
def report_sample():
    """A fresh copy of the report filters' sample input (REPORT_INPUT: four lab hosts' hostvars)."""
    return json.loads(REPORT_INPUT.read_text())
