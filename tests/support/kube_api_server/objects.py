"""Where each served resource's objects come from: the snapshot, synthesized, or nowhere."""

from __future__ import annotations

import datetime
import sys
import uuid
from pathlib import Path
from typing import cast

from mcp_servers.kubernetes.backends.base import KubeObject, NotFoundError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.resources import ResourceName
from mcp_servers.kubernetes.selectors import matches, parse_field_selector, parse_label_selector

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
    if resource.source == "snapshot":
        # The backend caps at `limit`; pagination is done by the caller over the whole set.
        page = backend.list(
            cast("ResourceName", resource.name),
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=sys.maxsize,
        )
        return page.items
    if resource.source == "namespaces":
        labels, fields = parse_label_selector(label_selector), parse_field_selector(field_selector)
        return [ns for ns in _namespaces(backend) if matches(ns, labels, fields)]
    return []


def get_object(backend: SnapshotBackend, resource: ServedResource, namespace: str | None, name: str) -> KubeObject:
    if resource.source == "snapshot":
        try:
            return backend.get(cast("ResourceName", resource.name), namespace, name)
        except NotFoundError:
            pass
    elif resource.source == "namespaces":
        found = next((ns for ns in _namespaces(backend) if ns["metadata"]["name"] == name), None)
        if found is not None:
            return found
    raise ApiError.not_found(resource.name, resource.group, name)


def _namespaces(backend: SnapshotBackend) -> list[KubeObject]:
    return [_namespace(backend.directory / name) for name in backend.namespaces()]


def _namespace(folder: Path) -> KubeObject:
    """A Namespace for a snapshot folder; stable uid and age so repeated reads agree."""
    created = datetime.datetime.fromtimestamp(folder.stat().st_mtime, datetime.UTC)
    return {
        "metadata": {
            "name": folder.name,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, folder.resolve().as_uri())),
            "resourceVersion": "1",
            "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "labels": {"kubernetes.io/metadata.name": folder.name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
