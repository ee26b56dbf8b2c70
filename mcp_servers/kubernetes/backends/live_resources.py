"""Any resource type of a live cluster: discovery, `as=Table` lists and whole objects, over raw GETs.

Discovery reads /api/v1, /apis and each group's preferred version (a group whose list fails,
e.g. an aggregated API that is down, is left out as kubectl leaves it out), and is kept for
`DISCOVERY_TTL_SECONDS`; a name that resolves to nothing refreshes it (at most every
`REFRESH_MIN_SECONDS`), so a CRD installed meanwhile is found. Lists ask for the server's
Table (what `kubectl get` prints) and page with `limit`/`continue`; a server that answers a
plain list instead is printed with `printers`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from mcp_servers.kubernetes import printers
from mcp_servers.kubernetes.backend import BackendError, ForbiddenError, KubeObject, ListPage, NotFoundError
from mcp_servers.kubernetes.backends.generic import QueryRefusedError, TablePage, TableRow
from mcp_servers.kubernetes.backends.live_http import JSON, TABLE, ApiGetter, ApiStatusError, Query, segment
from mcp_servers.kubernetes.kinds import ResourceType

DISCOVERY_TTL_SECONDS = 300.0
# A name that resolves to nothing reads discovery again, but not more often than this: a client
# trying kinds that do not exist must not turn every call into a full discovery.
REFRESH_MIN_SECONDS = 30.0
_PAGE_SIZE = 500


class LiveResources:
    def __init__(self, http: ApiGetter) -> None:
        self._http = http
        self._types: list[ResourceType] | None = None
        self._discovered_at = 0.0
        self._lock = threading.Lock()

    def _get(self, path: str, query: Query = (), *, accept: str = JSON) -> Any:
        return self._http.json(path, query, accept=accept, what=path)

    # -- discovery ----------------------------------------------------------------------

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        with self._lock:
            age = time.monotonic() - self._discovered_at
            if self._types is not None and age < (REFRESH_MIN_SECONDS if refresh else DISCOVERY_TTL_SECONDS):
                return self._types
        types = self._discover()
        with self._lock:
            self._types, self._discovered_at = types, time.monotonic()
        return types

    def _discover(self) -> list[ResourceType]:
        try:
            types = _types_of("", "v1", self._get("/api/v1"))
            for group in self._get("/apis").get("groups") or []:
                preferred = (group.get("preferredVersion") or {}).get("version")
                if not preferred:
                    continue
                try:
                    document = self._get(f"/apis/{group['name']}/{preferred}")
                except (ApiStatusError, BackendError):
                    continue  # an aggregated API that is down: the rest of the cluster still answers
                types += _types_of(group["name"], preferred, document)
        except ApiStatusError as exc:
            raise BackendError(f"discovery failed: HTTP {exc.status}: {exc.message}") from exc
        return types

    # -- reads --------------------------------------------------------------------------

    def _paged(
        self, resource: ResourceType, namespace: str | None, query: list[tuple[str, str]], limit: int, accept: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """Pages of a list until `limit` items (rows of a Table, or objects); whether more were left."""
        path, documents, token, count = _path(resource, namespace), [], None, 0
        while count < limit:
            page_query = [*query, ("limit", str(min(_PAGE_SIZE, limit - count)))]
            if token:
                page_query.append(("continue", token))
            document = self._read(resource, namespace, None, path, page_query, accept)
            documents.append(document)
            count += len(document.get("rows" if document.get("kind") == "Table" else "items") or [])
            token = (document.get("metadata") or {}).get("continue")
            if not token:
                return documents, False
        return documents, True

    def _read(
        self,
        resource: ResourceType,
        namespace: str | None,
        name: str | None,
        path: str,
        query: list[tuple[str, str]],
        accept: str,
    ) -> dict[str, Any]:
        where = f" in namespace {namespace}" if namespace else ""
        what = f"{resource.kind} {namespace + '/' if namespace else ''}{name}" if name else f"{resource.name}{where}"
        try:
            return self._get(path, query, accept=accept)
        except ApiStatusError as exc:
            if exc.status == 404 and name:
                raise NotFoundError(resource.kind, name, namespace) from exc
            if exc.status == 403:
                raise ForbiddenError(f"not allowed to read {what}: HTTP 403: {exc.message}") from exc
            if exc.status == 400:
                raise QueryRefusedError(exc.message) from exc
            raise BackendError(f"reading {what} failed: HTTP {exc.status}: {exc.message}") from exc

    def objects(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        documents, more = self._paged(resource, namespace, _selectors(label_selector, field_selector), limit, JSON)
        items = [item for document in documents for item in document.get("items") or []]
        return ListPage(items[:limit], more or len(items) > limit)

    def object(self, resource: ResourceType, namespace: str | None, name: str) -> KubeObject:
        namespace = namespace if resource.namespaced else None
        return self._read(resource, namespace, name, f"{_path(resource, namespace)}/{segment(name)}", [], JSON)

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
            namespace = namespace if resource.namespaced else None
            path = f"{_path(resource, namespace)}/{segment(name)}"
            documents, more = [self._read(resource, namespace, name, path, [], TABLE)], False
        else:
            query = _selectors(label_selector, field_selector)
            documents, more = self._paged(resource, namespace, query, limit, TABLE)
        pages = [_table_page(resource, document) for document in documents]
        rows = [row for page in pages for row in page.rows]
        return TablePage(pages[0].columns if pages else [], rows[:limit], more or len(rows) > limit)


def _types_of(group: str, version: str, document: dict[str, Any]) -> list[ResourceType]:
    types = []
    for entry in document.get("resources") or []:
        if "/" in entry.get("name", "") or not {"get", "list"} & set(entry.get("verbs") or []):
            continue
        types.append(
            ResourceType(
                group,
                version,
                entry["name"],
                entry.get("kind", ""),
                bool(entry.get("namespaced")),
                tuple(entry.get("shortNames") or ()),
                entry.get("singularName") or "",
                categories=tuple(entry.get("categories") or ()),
            )
        )
    return types


def _path(resource: ResourceType, namespace: str | None) -> str:
    if resource.namespaced and namespace:
        return f"{resource.api_prefix}/namespaces/{segment(namespace)}/{resource.name}"
    return f"{resource.api_prefix}/{resource.name}"


def _selectors(label_selector: str | None, field_selector: str | None) -> list[tuple[str, str]]:
    query = [("labelSelector", label_selector)] if label_selector else []
    return query + ([("fieldSelector", field_selector)] if field_selector else [])


def _table_page(resource: ResourceType, document: dict[str, Any]) -> TablePage:
    """A Table's priority-0 columns and rows; a plain object or list is printed here instead."""
    if document.get("kind") != "Table":
        objects = document.get("items") if "items" in document else [document]
        columns, cells = printers.columns_and_cells(resource)
        rows = [_row(obj.get("metadata") or {}, cells(obj)) for obj in objects or []]
        return TablePage([c.name for c in columns], rows)
    shown = [i for i, c in enumerate(document.get("columnDefinitions") or []) if not c.get("priority")]
    names = [document["columnDefinitions"][i].get("name", "") for i in shown]
    rows = []
    for row in document.get("rows") or []:
        cells = row.get("cells") or []
        rows.append(_row((row.get("object") or {}).get("metadata") or {}, [cells[i] for i in shown if i < len(cells)]))
    return TablePage(names, rows)


def _row(metadata: dict[str, Any], cells: list[Any]) -> TableRow:
    return TableRow(metadata.get("namespace"), metadata.get("name", ""), cells)
