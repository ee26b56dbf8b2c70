"""What a backend offers the generic tools: discovery, Table rows and whole objects of any type.

`ResourceSource` is the generic counterpart of `Backend`: the live one asks the API server
(discovery, `as=Table` lists), the snapshot one reads its files and computes the same Table with
`printers`. Both answer in these shapes, so the tool layer cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mcp_servers.kubernetes.backend import KubeObject, ListPage
from mcp_servers.kubernetes.kinds import ResourceType

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class TableRow:
    namespace: str | None
    name: str
    cells: list[Cell]


@dataclass
class TablePage:
    columns: list[str] = field(default_factory=list)  # the priority-0 columns, as the server names them
    rows: list[TableRow] = field(default_factory=list)
    truncated: bool = False


class QueryRefusedError(Exception):
    """The API server refused a list's query (a field label it does not support, a bad selector)."""


class ResourceSource(Protocol):
    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        """Every served type, in discovery order (the core group first); `refresh` re-reads discovery."""
        ...

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
        """`kubectl get` rows of a list (or of one object when `name` is given)."""
        ...

    def objects(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        """Whole objects, ordered by namespace then name."""
        ...

    def object(self, resource: ResourceType, namespace: str | None, name: str) -> KubeObject:
        """One whole object; NotFoundError names it when missing."""
        ...
