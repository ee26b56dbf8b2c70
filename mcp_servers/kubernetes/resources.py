"""The Kubernetes resources the tool server reads, and where each lives.

One table serves both backends (API group and version for the live client, file name for a
snapshot) so that adding a resource is one line, and so the RBAC in the Helm chart can be
checked against exactly this list (plus GENERIC_READS, the generic tools' default extra reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ResourceName = Literal[
    "pods",
    "events",
    "services",
    "endpoints",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "nodes",
    "persistentvolumeclaims",
    "controllerrevisions",
]


@dataclass(frozen=True)
class Resource:
    name: ResourceName
    kind: str
    group_version: str  # "v1" for the core group, else "group/version"
    namespaced: bool
    snapshot_file: str  # file name inside the namespace folder (or the top folder when cluster-scoped)


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("pods", "Pod", "v1", True, "pods.json"),
        Resource("events", "Event", "v1", True, "events.json"),
        Resource("services", "Service", "v1", True, "services.json"),
        Resource("endpoints", "Endpoints", "v1", True, "endpoints.json"),
        Resource("persistentvolumeclaims", "PersistentVolumeClaim", "v1", True, "persistentvolumeclaims.json"),
        Resource("nodes", "Node", "v1", False, "nodes.json"),
        Resource("deployments", "Deployment", "apps/v1", True, "deployments.json"),
        Resource("replicasets", "ReplicaSet", "apps/v1", True, "replicasets.json"),
        Resource("statefulsets", "StatefulSet", "apps/v1", True, "statefulsets.json"),
        Resource("daemonsets", "DaemonSet", "apps/v1", True, "daemonsets.json"),
        Resource("jobs", "Job", "batch/v1", True, "jobs.json"),
        # Not in `kubectl cluster-info dump`: an optional extension file of a snapshot.
        Resource("controllerrevisions", "ControllerRevision", "apps/v1", True, "controllerrevisions.json"),
    )
}

RESOURCE_BY_KIND: dict[str, Resource] = {r.kind: r for r in RESOURCES.values()}

# What the generic tools (list_resources, get_resource, list_namespaces, top_pods, top_nodes) may read
# beyond the table above, as "resource" (core group) or "resource.group": the Helm chart's default
# `mcp.rbac.genericResources`, which its test checks against this tuple. Never Secrets.
GENERIC_READS: tuple[str, ...] = (
    "configmaps",
    "ingresses.networking.k8s.io",
    "networkpolicies.networking.k8s.io",
    "horizontalpodautoscalers.autoscaling",
    "poddisruptionbudgets.policy",
    "cronjobs.batch",
    "resourcequotas",
    "limitranges",
    "storageclasses.storage.k8s.io",
    "persistentvolumes",
    "namespaces",
    "events.events.k8s.io",
    "pods.metrics.k8s.io",
    "nodes.metrics.k8s.io",
)

WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]
