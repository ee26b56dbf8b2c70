"""A cluster read from a directory in the layout `kubectl cluster-info dump -o json` writes.

Layout: DIR/nodes.json; DIR/<ns>/<resource>.json (List objects); DIR/<ns>/<pod>/logs.txt
with one block per container between START/END marker lines, and our optional
DIR/<ns>/<pod>/logs.previous.txt in the same format for the previous container instance.

Files are parsed on first use and kept; logs are streamed and tailed, never held whole, so
a dump with large logs costs memory in proportion to the lines asked for.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path

from mcp_servers.kubernetes.backends.base import (
    BackendError,
    KubeObject,
    ListPage,
    LogsUnavailableError,
    NotFoundError,
)
from mcp_servers.kubernetes.resources import RESOURCES, ResourceName
from mcp_servers.kubernetes.selectors import matches, parse_field_selector, parse_label_selector

_START = "==== START logs for container {container} of pod {namespace}/{pod} ===="
_END_PREFIX = "==== END logs for container "


class SnapshotBackend:
    name = "snapshot"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise BackendError(f"snapshot directory {self.directory} does not exist or is not a directory")
        self._cache: dict[tuple[ResourceName, str | None], list[KubeObject]] = {}
        self._lock = threading.Lock()

    def namespaces(self) -> list[str]:
        return sorted(p.name for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith("."))

    def _objects(self, resource: ResourceName, namespace: str | None) -> list[KubeObject]:
        key = (resource, namespace)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        spec = RESOURCES[resource]
        folder = self.directory / namespace if spec.namespaced and namespace else self.directory
        objects = self._read_list(folder / spec.snapshot_file)
        if spec.namespaced and namespace:
            for obj in objects:
                obj.setdefault("metadata", {}).setdefault("namespace", namespace)
        objects.sort(key=lambda o: o.get("metadata", {}).get("name", ""))
        with self._lock:
            self._cache[key] = objects
        return objects

    @staticmethod
    def _read_list(path: Path) -> list[KubeObject]:
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

    def list(
        self,
        resource: ResourceName,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector)
        if not RESOURCES[resource].namespaced:
            namespaces: list[str | None] = [None]
        else:
            namespaces = [namespace] if namespace else list(self.namespaces())
        page = ListPage()
        for ns in namespaces:
            for obj in self._objects(resource, ns):
                if not matches(obj, labels, fields):
                    continue
                if len(page.items) == limit:
                    page.truncated = True
                    return page
                page.items.append(obj)
        return page

    def get(self, resource: ResourceName, namespace: str | None, name: str) -> KubeObject:
        spec = RESOURCES[resource]
        for obj in self._objects(resource, namespace if spec.namespaced else None):
            if obj.get("metadata", {}).get("name") == name:
                return obj
        raise NotFoundError(spec.kind, name, namespace if spec.namespaced else None)

    def logs(self, namespace: str, pod: str, container: str, *, tail_lines: int, previous: bool) -> str:
        path = self.directory / namespace / pod / ("logs.previous.txt" if previous else "logs.txt")
        start = _START.format(container=container, namespace=namespace, pod=pod)
        lines: deque[str] = deque(maxlen=max(tail_lines, 0))
        found = False
        if path.is_file():
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if not found:
                        found = line.rstrip("\n") == start
                        continue
                    end = line.find(_END_PREFIX)
                    if end >= 0:
                        # kubectl appends the END marker right after the log bytes, so a log
                        # without a trailing newline shares its last line with the marker.
                        if end > 0:
                            lines.append(line[:end] + "\n")
                        break
                    lines.append(line)
        if not found:
            kind = "previous terminated container" if previous else "container"
            raise LogsUnavailableError(f"no logs for {kind} {container!r} of pod {namespace}/{pod}")
        return "".join(lines)

    def check_connection(self, namespace: str | None) -> None:
        self.list("pods", namespace, limit=1)
