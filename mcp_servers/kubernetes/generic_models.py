"""What the generic tools return: `kubectl get` rows by default, whole (redacted) objects on request."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ResourceRow(BaseModel):
    namespace: str | None = None
    name: str
    cells: list[str] = Field(default_factory=list, description="One value per column, as `kubectl get` prints them.")


class ResourceList(BaseModel):
    kind: str
    api_version: str
    resource: str = Field(description="The resource type resolved from `kind`, e.g. 'deployments.apps'.")
    namespaced: bool
    namespace: str | None = Field(None, description="The namespace listed; None for all allowed or cluster-scoped.")
    columns: list[str] = Field(description="The server's printer columns (what `kubectl get` shows).")
    rows: list[ResourceRow] = Field(default_factory=list)
    objects: list[dict[str, Any]] | None = Field(
        None, description="With full=true: the whole objects, managedFields dropped and secrets redacted."
    )
    truncated: bool = Field(description="True when more objects matched, or bytes were cut, than were returned.")
    redactions: int = Field(0, description="How many secret-like values were replaced by [REDACTED].")


class ResourceDetail(BaseModel):
    kind: str
    api_version: str
    resource: str
    namespace: str | None = None
    name: str
    columns: list[str]
    cells: list[str]
    object: dict[str, Any] | None = Field(
        None, description="With full=true: the whole object, managedFields dropped and secrets redacted."
    )
    truncated: bool = Field(False, description="True when a long cell was cut or the object was too large to return.")
    redactions: int = 0


class NamespaceInfo(BaseModel):
    name: str
    status: str
    created_at: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class NamespaceList(BaseModel):
    namespaces: list[NamespaceInfo]
    truncated: bool
