"""Any resource type of a snapshot directory, for the generic tools and the test API server.

Where a type's objects live (the convention in the README's Backends section):
`DIR/<ns>/<plural>.json` for a namespaced type, `DIR/<plural>.json` for a cluster-scoped one,
each a Kubernetes List. A type whose plural an earlier type already uses (events.k8s.io's
`events`, a custom resource named like a built-in one) is read from `<plural>.<group>.json`
instead, and a custom resource may always use that name. Metrics are `DIR/<ns>/pod-metrics.json`
and `DIR/node-metrics.json`; replication controllers keep kubectl's `replication-controllers.json`.

Served types: the built-in `WELL_KNOWN` table (metrics only when a metrics file exists) and the
custom resources that `DIR/customresourcedefinitions.json` defines. Namespaces come from
`DIR/namespaces.json` when present, else one Active Namespace per folder, with a stable uid and
the folder's modification time as its creation time.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from mcp_servers.kubernetes import printers
from mcp_servers.kubernetes.backend import KubeObject, ListPage, NotFoundError
from mcp_servers.kubernetes.backends.generic import QueryRefusedError, TablePage, TableRow
from mcp_servers.kubernetes.backends.snapshot_files import ReadObjects, first_matching, read_list
from mcp_servers.kubernetes.kinds import CRDS, NAMESPACES, WELL_KNOWN, ResourceType, custom_resource_types, field_labels
from mcp_servers.kubernetes.kinds import printer_columns as crd_printer_columns
from mcp_servers.kubernetes.resources import RESOURCES
from mcp_servers.kubernetes.selectors import parse_field_selector, parse_label_selector


class SnapshotResources:
    def __init__(self, directory: Path, namespaces: Callable[[], list[str]], builtin_objects: ReadObjects) -> None:
        """`namespaces` and `builtin_objects` are the snapshot backend's cached readers."""
        self.directory = directory
        self._namespaces = namespaces
        self._builtin_objects = builtin_objects
        self._cache: dict[tuple[ResourceType, str | None], list[KubeObject]] = {}
        self._lock = threading.Lock()
        self._types: list[ResourceType] | None = None

    # -- served types -------------------------------------------------------------------

    def _definitions(self) -> list[KubeObject]:
        return self._read(CRDS, None)

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        if self._types is None:
            candidates = [*WELL_KNOWN, *custom_resource_types(self._definitions())]
            self._types = [t for t in candidates if not t.optional or self._has_files(t, candidates)]
        return self._types

    def _file_names(self, resource: ResourceType, candidates: list[ResourceType] | None = None) -> list[str]:
        if resource.snapshot_file:
            return [resource.snapshot_file]
        # Built-in types first: the list of served types needs the CRDs' own file read first.
        candidates = candidates or self._types or list(WELL_KNOWN)
        first = next((t for t in candidates if t.name == resource.name), resource)
        names = [f"{resource.name}.{resource.group}.json"] if resource.group else []
        return names + ([f"{resource.name}.json"] if first == resource else [])

    def _has_files(self, resource: ResourceType, candidates: list[ResourceType]) -> bool:
        names = self._file_names(resource, candidates)
        folders = [self.directory, *(self.directory / ns for ns in self._namespaces())]
        return any((folder / name).is_file() for folder in folders for name in names)

    def printer_columns(self, resource: ResourceType) -> list[dict] | None:
        """A custom resource's additionalPrinterColumns; None for a built-in type."""
        if any(t == resource for t in WELL_KNOWN):
            return None
        for definition in self._definitions():
            spec = definition.get("spec") or {}
            if spec.get("group") == resource.group and (spec.get("names") or {}).get("plural") == resource.name:
                return crd_printer_columns(definition, resource.version)
        return None

    # -- objects ------------------------------------------------------------------------

    def _read(self, resource: ResourceType, namespace: str | None) -> list[KubeObject]:
        """One folder's objects of a type (the top folder when `namespace` is None), sorted by name."""
        builtin = RESOURCES.get(resource.name)
        if builtin is not None and builtin.group_version == resource.group_version:
            return self._builtin_objects(builtin.name, namespace)
        key = (resource, namespace)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        folder = self.directory / namespace if namespace else self.directory
        path = next((folder / n for n in self._file_names(resource) if (folder / n).is_file()), None)
        objects = read_list(path) if path else []
        if resource == NAMESPACES and path is None:
            objects = [self._namespace(name) for name in self._namespaces()]
        for obj in objects:
            if namespace:
                obj.setdefault("metadata", {}).setdefault("namespace", namespace)
        objects.sort(key=lambda o: (o.get("metadata") or {}).get("name", ""))
        with self._lock:
            self._cache[key] = objects
        return objects

    def objects(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector)
        for requirement in fields:
            if requirement.key not in field_labels(resource):
                raise QueryRefusedError(f"field label not supported: {requirement.key}")
        if resource.namespaced:
            folders: list[str | None] = [namespace] if namespace else list(self._namespaces())
        else:
            folders = [None]
        return first_matching((self._read(resource, folder) for folder in folders), labels, fields, limit)

    def object(self, resource: ResourceType, namespace: str | None, name: str) -> KubeObject:
        folder = namespace if resource.namespaced else None
        for obj in self._read(resource, folder):
            if (obj.get("metadata") or {}).get("name") == name:
                return obj
        raise NotFoundError(resource.kind, name, folder)

    def _namespace(self, name: str) -> KubeObject:
        """A Namespace for a snapshot folder with a stable uid, as old as its oldest pod (else the oldest
        node, else the folder) so that its age reads the same at every call."""
        folder = self.directory / name
        stamps = [(p.get("metadata") or {}).get("creationTimestamp") for p in self._builtin_objects("pods", name)]
        if not any(stamps):
            stamps = [(n.get("metadata") or {}).get("creationTimestamp") for n in self._builtin_objects("nodes", None)]
        modified = datetime.datetime.fromtimestamp(folder.stat().st_mtime, datetime.UTC)
        created = min((s for s in stamps if s), default=None) or modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "metadata": {
                "name": name,
                "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, folder.resolve().as_uri())),
                "resourceVersion": "1",
                "creationTimestamp": created,
                "labels": {"kubernetes.io/metadata.name": name},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    # -- tables -------------------------------------------------------------------------

    def table_of(self, resource: ResourceType, objects: list[KubeObject]) -> TablePage:
        """The Table a real API server would answer for these objects."""
        columns, cells = printers.columns_and_cells(resource, self.printer_columns(resource))
        rows = []
        for obj in objects:
            metadata = obj.get("metadata") or {}
            rows.append(TableRow(metadata.get("namespace"), metadata.get("name", ""), cells(obj)))
        return TablePage([c.name for c in columns], rows)

    def table(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        name: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> TablePage:
        if name is not None:
            return self.table_of(resource, [self.object(resource, namespace, name)])
        page = self.objects(
            resource, namespace, label_selector=label_selector, field_selector=field_selector, limit=limit
        )
        table = self.table_of(resource, page.items)
        table.truncated = page.truncated
        return table
