"""Every resource this server answers for, per snapshot, and how it answers.

A snapshot serves what the product's snapshot backend serves (`SnapshotResources.resource_types`:
the built-in table of well-known kinds, the metrics API when the snapshot has metrics files, and
the custom resources its `customresourcedefinitions.json` defines), so discovery here and the
snapshot backend's own resolution agree. Secrets are visible in discovery yet forbidden, as under
the product's RBAC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.kinds import ResourceType, field_labels

Source = Literal["snapshot", "forbidden"]


@dataclass(frozen=True)
class ServedResource:
    type: ResourceType
    source: Source

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def kind(self) -> str:
        return self.type.kind

    @property
    def group_version(self) -> str:
        return self.type.group_version

    @property
    def namespaced(self) -> bool:
        return self.type.namespaced

    @property
    def group(self) -> str:
        return self.type.group

    @property
    def short_names(self) -> tuple[str, ...]:
        return self.type.short_names

    @property
    def categories(self) -> tuple[str, ...]:
        return self.type.categories

    @property
    def field_labels(self) -> frozenset[str]:
        return field_labels(self.type)


def catalog(backend: SnapshotBackend) -> list[ServedResource]:
    return [ServedResource(t, "forbidden" if t.is_secret else "snapshot") for t in backend.resources.resource_types()]


def group_versions(backend: SnapshotBackend) -> list[str]:
    return list(dict.fromkeys(r.group_version for r in catalog(backend)))


def served(backend: SnapshotBackend, group_version: str, name: str) -> ServedResource | None:
    return next((r for r in catalog(backend) if r.group_version == group_version and r.name == name), None)


def served_in(backend: SnapshotBackend, group_version: str) -> list[ServedResource]:
    return [r for r in catalog(backend) if r.group_version == group_version]
