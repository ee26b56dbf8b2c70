"""What a backend is (the contract the live and snapshot backends keep): raw Kubernetes objects in,
nothing interpreted.

Backends return objects exactly as the API serves them (JSON dicts, camelCase), so every
interpretation lives once in the tool layer and the live and snapshot backends cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mcp_servers.kubernetes.resources import ResourceName

KubeObject = dict[str, Any]


class BackendError(Exception):
    """The cluster could not answer; the message is meant for a person."""


class NotFoundError(BackendError):
    def __init__(self, kind: str, name: str, namespace: str | None = None) -> None:
        self.kind, self.name, self.namespace = kind, name, namespace
        where = f"{namespace}/{name}" if namespace else name
        super().__init__(f"{kind} {where} not found")


class ForbiddenError(BackendError):
    """The service account may not read this; say what and where."""


class LogsUnavailableError(BackendError):
    """The container exists but has no logs of the kind asked (e.g. no previous instance)."""


@dataclass
class ListPage:
    items: list[KubeObject] = field(default_factory=list)
    truncated: bool = False


class Backend(Protocol):
    name: str

    def list(
        self,
        resource: ResourceName,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        """Objects ordered by namespace then name, at most `limit` of them."""
        ...

    def get(self, resource: ResourceName, namespace: str | None, name: str) -> KubeObject:
        """One object; NotFoundError when it does not exist."""
        ...

    def logs(self, namespace: str, pod: str, container: str, *, tail_lines: int, previous: bool) -> str:
        """The last `tail_lines` lines of one container's log (LogsUnavailableError if none)."""
        ...

    def check_connection(self, namespace: str | None) -> None:
        """Raise BackendError with a clear message when the cluster cannot be read."""
        ...
