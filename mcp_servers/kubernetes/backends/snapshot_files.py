"""One Kubernetes List file of a snapshot directory, read as its items.

Shared by the snapshot backend (the nine built-in resources) and `SnapshotResources` (any other
type), which is given the backend's cached reader instead of importing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from mcp_servers.kubernetes.backend import BackendError, KubeObject, ListPage
from mcp_servers.kubernetes.resources import ResourceName
from mcp_servers.kubernetes.selectors import Requirement, matches

# A cached read of one built-in resource in one namespace (None: cluster-scoped or every folder).
ReadObjects = Callable[[ResourceName, "str | None"], list[KubeObject]]


def read_list(path: Path) -> list[KubeObject]:
    """The items of the List at `path`; none when the file does not exist."""
    if not path.is_file():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackendError(f"snapshot file {path} is not readable JSON: {exc}") from exc
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise BackendError(f"snapshot file {path} is not a Kubernetes List (no 'items' array)")
    return [item for item in items if isinstance(item, dict)]


def first_matching(
    folders: Iterable[list[KubeObject]], labels: tuple[Requirement, ...], fields: tuple[Requirement, ...], limit: int
) -> ListPage:
    """The first `limit` objects, folder after folder, that match both selectors; `truncated` if more do."""
    page = ListPage()
    for objects in folders:
        for obj in objects:
            if not matches(obj, labels, fields):
                continue
            if len(page.items) == limit:
                page.truncated = True
                return page
            page.items.append(obj)
    return page
