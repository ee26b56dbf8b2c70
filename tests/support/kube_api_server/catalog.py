"""Every resource this server answers for, and how it answers.

The snapshot's resources come from the shared table in `mcp_servers.kubernetes.resources`;
the few extras exist because real clients ask for them: kubectl resolves `ns` and lists
namespaces, `cluster-info dump` lists replication controllers, and secrets must be visible in
discovery yet forbidden, as under the product's RBAC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mcp_servers.kubernetes.resources import RESOURCES

Source = Literal["snapshot", "namespaces", "forbidden", "empty"]

# Field selectors the real API server accepts per resource (it rejects any other label with
# 400 "field label not supported"), so a query that works here also works on a cluster.
_COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
_EXTRA_FIELDS: dict[str, frozenset[str]] = {
    "pods": frozenset(
        {
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        }
    ),
    "events": frozenset(
        {
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "type",
        }
    ),
    "nodes": frozenset({"spec.unschedulable"}),
    "services": frozenset({"spec.clusterIP", "spec.type"}),
    "replicasets": frozenset({"status.replicas"}),
    "replicationcontrollers": frozenset({"status.replicas"}),
    "jobs": frozenset({"status.successful"}),
    "namespaces": frozenset({"status.phase"}),
    "secrets": frozenset({"type"}),
}

# kubectl resolves `po`, `deploy`, ... from discovery, so they must be served.
_SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "pods": ("po",),
    "events": ("ev",),
    "services": ("svc",),
    "endpoints": ("ep",),
    "persistentvolumeclaims": ("pvc",),
    "nodes": ("no",),
    "namespaces": ("ns",),
    "replicationcontrollers": ("rc",),
    "deployments": ("deploy",),
    "replicasets": ("rs",),
    "statefulsets": ("sts",),
    "daemonsets": ("ds",),
}

# Members of `kubectl get all`.
_ALL_CATEGORY = frozenset(
    {"pods", "services", "replicationcontrollers", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs"}
)


@dataclass(frozen=True)
class ServedResource:
    name: str
    kind: str
    group_version: str
    namespaced: bool
    source: Source

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def short_names(self) -> tuple[str, ...]:
        return _SHORT_NAMES.get(self.name, ())

    @property
    def categories(self) -> tuple[str, ...]:
        return ("all",) if self.name in _ALL_CATEGORY else ()

    @property
    def field_labels(self) -> frozenset[str]:
        return _COMMON_FIELDS | _EXTRA_FIELDS.get(self.name, frozenset())


SERVED: tuple[ServedResource, ...] = (
    *(ServedResource(r.name, r.kind, r.group_version, r.namespaced, "snapshot") for r in RESOURCES.values()),
    ServedResource("namespaces", "Namespace", "v1", False, "namespaces"),
    ServedResource("secrets", "Secret", "v1", True, "forbidden"),
    ServedResource("replicationcontrollers", "ReplicationController", "v1", True, "empty"),
)

GROUP_VERSIONS: tuple[str, ...] = tuple(dict.fromkeys(r.group_version for r in SERVED))


def served(group_version: str, name: str) -> ServedResource | None:
    return next((r for r in SERVED if r.group_version == group_version and r.name == name), None)


def served_in(group_version: str) -> list[ServedResource]:
    return [r for r in SERVED if r.group_version == group_version]
