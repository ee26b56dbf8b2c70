"""Where each served resource's objects come from: the product's snapshot reader, for every type."""

from __future__ import annotations

import sys

from mcp_servers.kubernetes.backend import KubeObject, NotFoundError
from mcp_servers.kubernetes.backends.generic import QueryRefusedError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from .catalog import ServedResource
from .status import ApiError


def list_objects(
    backend: SnapshotBackend,
    resource: ServedResource,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector: str | None,
) -> list[KubeObject]:
    """All matching objects, ordered by namespace then name."""
    try:
        # The reader caps at `limit`; pagination is done by the caller over the whole set.
        page = backend.resources.objects(
            resource.type, namespace, label_selector=label_selector, field_selector=field_selector, limit=sys.maxsize
        )
    except QueryRefusedError as exc:
        raise ApiError.bad_request(str(exc)) from None
    return page.items


def get_object(backend: SnapshotBackend, resource: ServedResource, namespace: str | None, name: str) -> KubeObject:
    try:
        return backend.resources.object(resource.type, namespace, name)
    except NotFoundError:
        raise ApiError.not_found(resource.name, resource.group, name) from None
