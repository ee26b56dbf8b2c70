"""What one sweep read (Inventory) and the top workload of each object in it (Owners), for the checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from mcp_servers.kubernetes import summaries
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.models import ObjectRef


@dataclass
class Inventory:
    """Everything read for one sweep, by resource name, plus what could not be read."""

    objects: dict[str, list[KubeObject]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False

    def __getitem__(self, resource: str) -> list[KubeObject]:
        return self.objects.get(resource, [])


class Owners:
    """The top workload of a pod or ReplicaSet or Job, from the lists already read."""

    def __init__(self, inventory: Inventory) -> None:
        self._parents: dict[tuple[str, str, str], ObjectRef] = {}
        for resource, kind in (("replicasets", "ReplicaSet"), ("jobs", "Job")):
            for obj in inventory[resource]:
                ref = summaries.controller_ref(obj)
                if ref is not None:
                    meta = obj.get("metadata") or {}
                    self._parents[(meta.get("namespace", ""), kind, meta.get("name", ""))] = ref

    def top(self, namespace: str, ref: ObjectRef | None) -> ObjectRef | None:
        for _ in range(3):
            if ref is None:
                return None
            parent = self._parents.get((namespace, ref.kind, ref.name))
            if parent is None:
                return ref
            ref = parent
        return ref

    def of(self, obj: KubeObject) -> ObjectRef | None:
        return self.top((obj.get("metadata") or {}).get("namespace", ""), summaries.controller_ref(obj))
