"""Make this checkout importable as ansible_collections.netpath.mtu for the tests (unit and browser).

ansible-test does this by running from an ansible_collections/netpath/mtu tree; a plain pytest
run from the repository gets the same through a symlink in .cache/ (made here when missing).
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / ".cache" / "collections"


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
