"""The generic read tools' meaning: any served type by any kubectl spelling, bounded and redacted.

`list_resources` and `get_resource` resolve `kind` against the backend's served types
(`kinds.resolve`; Secrets refused in every spelling), honour the namespace allow-list of the
`ClusterReader` they extend (all allowed namespaces when none is given; a cluster-scoped type
ignores the namespace, as kubectl does, and Namespaces themselves are filtered by the list), and
return the server's printer columns, or with `full` the whole objects cleaned by
`object_redaction` and bounded to `MAX_OBJECT_BYTES` of JSON. Every cell goes through redaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from common.redaction import redact_text
from mcp_servers.kubernetes.backend import BackendError, KubeObject
from mcp_servers.kubernetes.backends.generic import Cell, QueryRefusedError, ResourceSource, TablePage
from mcp_servers.kubernetes.cluster import ClusterReader, InvalidArgumentError
from mcp_servers.kubernetes.generic_models import (
    NamespaceInfo,
    NamespaceList,
    ResourceDetail,
    ResourceList,
    ResourceRow,
)
from mcp_servers.kubernetes.kinds import NAMESPACES, ResourceType, UnknownKindError, parse_kind, refuse_secrets, resolve
from mcp_servers.kubernetes.object_redaction import clean_object
from mcp_servers.kubernetes.selectors import parse_field_selector, parse_label_selector

MAX_OBJECT_BYTES = 262_144  # of JSON: whole objects, or all the rows of a table
MAX_CELL_CHARS = 512  # a long event message is cut, and `truncated` says so


class GenericReader:
    def __init__(self, cluster: ClusterReader) -> None:
        self._cluster = cluster  # may be a proxy for the reader of the call's context: read it at each call

    @property
    def source(self) -> ResourceSource:
        resources: ResourceSource | None = getattr(self._cluster.backend, "resources", None)
        if resources is None:
            raise BackendError(f"the {self._cluster.backend.name} backend cannot read arbitrary resource types")
        return resources

    def resolve(self, kind: str) -> ResourceType:
        try:
            query = parse_kind(kind)
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from exc
        refuse_secrets(query)
        try:
            return resolve(query, self.source.resource_types())
        except UnknownKindError:
            # A type installed since discovery was read (a new CRD) is found on a fresh read.
            return resolve(query, self.source.resource_types(refresh=True))

    def _allowed(self, resource: ResourceType, name: str) -> bool:
        allowed = self._cluster.allowed_namespaces
        return allowed is None or resource.qualified_name != NAMESPACES.qualified_name or name in allowed

    # -- list_resources -----------------------------------------------------------------

    def list_resources(
        self,
        kind: str,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        limit: int,
        full: bool,
    ) -> ResourceList:
        resource = self.resolve(kind)
        # Parsed here so a bad selector reads the same whichever backend would have refused it.
        parse_label_selector(label_selector)
        parse_field_selector(field_selector)
        namespaces = self._cluster._namespaces(namespace) if resource.namespaced else [None]
        result = ResourceList(
            kind=resource.kind,
            api_version=resource.group_version,
            resource=resource.qualified_name,
            namespaced=resource.namespaced,
            namespace=namespace if resource.namespaced else None,
            columns=[],
            truncated=False,
        )
        with _refusals():
            if full:
                self._list_objects(result, resource, namespaces, label_selector, field_selector, limit)
            else:
                self._list_rows(result, resource, namespaces, label_selector, field_selector, limit)
        return result

    def _list_rows(
        self,
        result: ResourceList,
        resource: ResourceType,
        namespaces: list[str | None],
        label_selector: str | None,
        field_selector: str | None,
        limit: int,
    ) -> None:
        size = 0
        for ns in namespaces:
            page = self.source.table(
                resource, ns, label_selector=label_selector, field_selector=field_selector, limit=limit
            )
            result.columns = result.columns or page.columns
            for row in page.rows:
                if not self._allowed(resource, row.name):
                    continue
                cells, count, cut = _redacted_cells(row.cells)
                size += sum(len(cell) for cell in cells) + len(row.name)
                if len(result.rows) == limit or size > MAX_OBJECT_BYTES:
                    result.truncated = True
                    return
                result.rows.append(ResourceRow(namespace=row.namespace, name=row.name, cells=cells))
                result.redactions += count
                result.truncated = result.truncated or cut
            result.truncated = result.truncated or page.truncated

    def _list_objects(
        self,
        result: ResourceList,
        resource: ResourceType,
        namespaces: list[str | None],
        label_selector: str | None,
        field_selector: str | None,
        limit: int,
    ) -> None:
        result.objects, size = [], 0
        for ns in namespaces:
            page = self.source.objects(
                resource, ns, label_selector=label_selector, field_selector=field_selector, limit=limit
            )
            result.truncated = result.truncated or page.truncated
            for obj in page.items:
                metadata = obj.get("metadata") or {}
                if not self._allowed(resource, metadata.get("name", "")):
                    continue
                cleaned, count = clean_object(_typed(obj, resource), config_map=_is_config_map(resource))
                size += len(json.dumps(cleaned))
                if len(result.objects) == limit or size > MAX_OBJECT_BYTES:
                    result.truncated = True
                    return
                result.objects.append(cleaned)
                result.redactions += count
                result.rows.append(ResourceRow(namespace=metadata.get("namespace"), name=metadata.get("name", "")))

    # -- get_resource -------------------------------------------------------------------

    def get_resource(self, kind: str, name: str, namespace: str | None, full: bool) -> ResourceDetail:
        resource = self.resolve(kind)
        if resource.namespaced:
            if not namespace:
                raise InvalidArgumentError(f"{resource.kind} is namespaced: give the namespace of {name!r}")
            self._cluster._check_namespace(namespace)
        else:
            namespace = None
            if not self._allowed(resource, name):
                self._cluster._check_namespace(name)
        with _refusals():
            table: TablePage = self.source.table(resource, namespace, name=name)
            obj: KubeObject | None = self.source.object(resource, namespace, name) if full else None
        cells, redactions, cut = _redacted_cells(table.rows[0].cells if table.rows else [])
        detail = ResourceDetail(
            kind=resource.kind,
            api_version=resource.group_version,
            resource=resource.qualified_name,
            namespace=namespace,
            name=name,
            columns=table.columns,
            cells=cells,
            redactions=redactions,
            truncated=cut,
        )
        if obj is not None:
            cleaned, count = clean_object(_typed(obj, resource), config_map=_is_config_map(resource))
            detail.redactions += count
            if len(json.dumps(cleaned)) > MAX_OBJECT_BYTES:
                detail.truncated = True
            else:
                detail.object = cleaned
        return detail

    # -- list_namespaces ----------------------------------------------------------------

    def list_namespaces(self, limit: int) -> NamespaceList:
        namespaces: list[NamespaceInfo] = []
        page = self.source.objects(NAMESPACES, None, limit=self._cluster.limits.max_list)
        for obj in page.items:
            metadata = obj.get("metadata") or {}
            if not self._allowed(NAMESPACES, metadata.get("name", "")):
                continue
            namespaces.append(
                NamespaceInfo(
                    name=metadata.get("name", ""),
                    status=str((obj.get("status") or {}).get("phase", "")),
                    created_at=metadata.get("creationTimestamp"),
                    labels=metadata.get("labels") or {},
                )
            )
        return NamespaceList(namespaces=namespaces[:limit], truncated=page.truncated or len(namespaces) > limit)


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A query the API server refused becomes an argument error that says so."""
    try:
        yield
    except QueryRefusedError as exc:
        raise InvalidArgumentError(f"the API server refused the query: {exc}") from exc


def _typed(obj: KubeObject, resource: ResourceType) -> KubeObject:
    """The object with its apiVersion and kind first, whether its source left them in (a GET) or not (a list)."""
    rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": resource.group_version, "kind": resource.kind, **rest}


def _redacted_cells(cells: list[Cell]) -> tuple[list[str], int, bool]:
    """The cells as text, redacted and at most MAX_CELL_CHARS each; redactions; whether one was cut."""
    texts, total, cut = [], 0, False
    for cell in cells:
        text, count = redact_text(_cell_text(cell))
        if len(text) > MAX_CELL_CHARS:
            text, cut = text[: MAX_CELL_CHARS - 1] + "…", True
        texts.append(text)
        total += count
    return texts, total, cut


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return "<none>"
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)


def _is_config_map(resource: ResourceType) -> bool:
    return resource.group == "" and resource.name == "configmaps"
