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
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

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
_END = "==== END logs for container {container} of pod {namespace}/{pod} ===="
# What kubectl writes inside a block instead of logs when it could not fetch them
# (kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go), e.g. for a container still waiting.
_DUMP_LOG_ERRORS = ("Request log error: ", "Create log request error: ")


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
        end = _END.format(container=container, namespace=namespace, pod=pod)
        kind = "previous terminated container" if previous else "container"
        if not path.is_file():
            raise LogsUnavailableError(f"no logs for {kind} {container!r} of pod {namespace}/{pod}")
        with path.open(encoding="utf-8", errors="replace") as handle:
            if not any(line.rstrip("\n") == start for line in handle):
                raise LogsUnavailableError(f"no logs for {kind} {container!r} of pod {namespace}/{pod}")
            lines: deque[str] = deque(maxlen=max(tail_lines, 0))
            first, count = "", 0
            for line in _block_lines(handle, end):
                count += 1
                first = first or line
                lines.append(line)
        if count == 1 and first.startswith(_DUMP_LOG_ERRORS):
            raise LogsUnavailableError(
                f"no logs for {kind} {container!r} of pod {namespace}/{pod}: the dump recorded {first.strip()!r}"
            )
        return "".join(lines)

    def check_connection(self, namespace: str | None) -> None:
        self.list("pods", namespace, limit=1)


def _block_lines(handle: TextIO, end: str) -> Iterator[str]:
    """The remaining lines of a block whose START line has been read, up to its END marker."""
    for line in handle:
        text = line.rstrip("\n")
        if text.endswith(end):
            # kubectl appends the END marker right after the log bytes, so a log without a
            # trailing newline shares its last line with the marker. Only this block's own
            # marker ends it: a log line may well quote another one.
            if len(text) > len(end):
                yield text[: -len(end)] + "\n"
            return
        yield line
