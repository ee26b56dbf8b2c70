"""A cluster read from a directory in the layout `kubectl cluster-info dump -o json` writes.

Layout: DIR/nodes.json; DIR/<ns>/<resource>.json (List objects); DIR/<ns>/<pod>/logs.txt
with one block per container between START/END marker lines, and our optional
DIR/<ns>/<pod>/logs.previous.txt in the same format for the previous container instance.

Files are parsed on first use and kept; logs are read backwards from the end of their file, so a
dump with large logs costs time and memory in proportion to the lines asked for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mcp_servers.kubernetes.backend import (
    BackendError,
    KubeObject,
    ListPage,
    LogsUnavailableError,
    NotFoundError,
)
from mcp_servers.kubernetes.backends.snapshot_files import first_matching, read_list
from mcp_servers.kubernetes.backends.snapshot_resources import SnapshotResources
from mcp_servers.kubernetes.resources import RESOURCES, ResourceName
from mcp_servers.kubernetes.selectors import matches, parse_field_selector, parse_label_selector

_START = "==== START logs for container {container} of pod {namespace}/{pod} ===="
_END = "==== END logs for container {container} of pod {namespace}/{pod} ===="
# What kubectl writes inside a block instead of logs when it could not fetch them
# (kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go), e.g. for a container still waiting.
_DUMP_LOG_ERRORS = ("Request log error: ", "Create log request error: ")
_CHUNK_BYTES = 64 * 1024


class SnapshotBackend:
    name = "snapshot"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise BackendError(f"snapshot directory {self.directory} does not exist or is not a directory")
        self._cache: dict[tuple[ResourceName, str | None], list[KubeObject]] = {}
        self._lock = threading.Lock()
        # any other resource type, for the generic tools
        self.resources = SnapshotResources(self.directory, self.namespaces, self._objects)

    def namespaces(self) -> list[str]:
        return sorted(p.name for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith("."))

    def _objects(self, resource: ResourceName, namespace: str | None) -> list[KubeObject]:
        key = (resource, namespace)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        objects = self._load(resource, namespace)
        with self._lock:
            self._cache[key] = objects
        return objects

    def _load(self, resource: ResourceName, namespace: str | None) -> list[KubeObject]:
        spec = RESOURCES[resource]
        folder = self.directory / namespace if spec.namespaced and namespace else self.directory
        objects = read_list(folder / spec.snapshot_file)
        if spec.namespaced and namespace:
            for obj in objects:
                obj.setdefault("metadata", {}).setdefault("namespace", namespace)
        objects.sort(key=lambda o: o.get("metadata", {}).get("name", ""))
        return objects

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
        return first_matching((self._objects(resource, ns) for ns in namespaces), labels, fields, limit)

    def pages(
        self,
        resource: ResourceName,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> Iterator[ListPage]:
        """`list` one namespace at a time; a file not read before is parsed for this page and not
        kept, so a sweep of a big snapshot holds one namespace's objects at a time."""
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector)
        namespaces = [None] if not RESOURCES[resource].namespaced else [namespace] if namespace else self.namespaces()
        seen = 0
        for ns in namespaces:
            with self._lock:
                cached = self._cache.get((resource, ns))
            objects = cached if cached is not None else self._load(resource, ns)
            items = [obj for obj in objects if matches(obj, labels, fields)]
            if seen + len(items) > limit:
                yield ListPage(items[: limit - seen], truncated=True)
                return
            seen += len(items)
            yield ListPage(items)

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
        unavailable = f"no logs for {kind} {container!r} of pod {namespace}/{pod}"
        if not path.is_file():
            raise LogsUnavailableError(unavailable)
        with path.open("rb") as handle:
            block = _tail_of_block(handle, start, end, max(tail_lines, 0))
        if block is None:
            raise LogsUnavailableError(unavailable)
        lines, whole = block
        if whole and len(lines) == 1 and lines[0].startswith(_DUMP_LOG_ERRORS):
            raise LogsUnavailableError(f"{unavailable}: the dump recorded {lines[0].strip()!r}")
        return "".join(line + "\n" for line in (lines[-tail_lines:] if tail_lines else []))

    def check_connection(self, namespace: str | None) -> None:
        self.list("pods", namespace, limit=1)


def _tail_of_block(handle: BinaryIO, start: str, end: str, tail_lines: int) -> tuple[list[str], bool] | None:
    """The last lines (at least two when there are) of the block between `start` and `end`, oldest
    first, and whether that is the whole block; None when the file has no such block.

    The file is read backwards from its end, so a multi-megabyte log costs the bytes of the
    lines asked for (plus any blocks after this one), never the whole file. A block without its
    END marker runs to the end of the file, as a forward reader would see it.
    """
    keep = max(tail_lines, 2)
    since_eof: list[str] = []  # newest first: the file's last lines, for a block that never ends
    block: list[str] | None = None  # newest first, once this block's END marker is seen
    for raw in _lines_backwards(handle):
        line = raw.decode("utf-8", errors="replace")
        if line == start:
            found = since_eof if block is None else block
            return found[::-1], True
        if block is None:
            if len(since_eof) < keep:
                since_eof.append(line)
            if line.endswith(end):
                # kubectl appends the END marker right after the log bytes, so a log without a
                # trailing newline shares its last line with the marker. Only this block's own
                # marker ends it: a log line may well quote another one.
                block = [line[: -len(end)]] if len(line) > len(end) else []
        elif len(block) < keep:
            block.append(line)
        else:
            return block[::-1], False
    return None


def _lines_backwards(handle: BinaryIO) -> Iterator[bytes]:
    """The file's lines from the last to the first, without line endings, read in chunks from the end."""
    position = handle.seek(0, os.SEEK_END)
    rest: bytes | None = None  # the start of a line that began in an earlier chunk
    while position > 0:
        size = min(_CHUNK_BYTES, position)
        position -= size
        handle.seek(position)
        data = handle.read(size) + (rest or b"")
        lines = data.split(b"\n")
        # The text after the file's last newline, if any, is a line; an empty one is not.
        tail = lines[1:] if rest is not None or lines[-1] else lines[1:-1]
        rest = lines[0]
        for line in reversed(tail):
            yield line.removesuffix(b"\r")
    if rest is not None:
        yield rest.removesuffix(b"\r")
