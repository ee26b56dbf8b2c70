"""The argument types of the Kubernetes tools: names checked as the API server checks them.

Shared by every tool family (pod_tools, cluster_tools, generic_tools), so a namespace or a pod
name is refused with the same message whichever tool receives it.
"""

from typing import Annotated, Literal

from pydantic import Field

from common.kubernetes_names import DNS_LABEL, DNS_SUBDOMAIN, kubernetes_name

Namespace = kubernetes_name("namespace", DNS_LABEL, 63, "Kubernetes namespace, e.g. 'shop'.")
OptionalNamespace = Annotated[
    Namespace | None,  # type: ignore[valid-type]
    Field(description="Kubernetes namespace; omit for all namespaces this server may read."),
]
PodName = kubernetes_name("pod name", DNS_SUBDOMAIN, 253, "Exact pod name, e.g. 'auth-service-7d9c6b5f4-x2x8q'.")
ObjectName = kubernetes_name("object name", DNS_SUBDOMAIN, 253, "Exact object name.")
NodeName = kubernetes_name("node name", DNS_SUBDOMAIN, 253, "Exact node name.")
ContainerName = kubernetes_name("container name", DNS_LABEL, 63, "Container name; omit for the default container.")
Selector = Annotated[str | None, Field(max_length=1024)]
EventObjectKind = Literal[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "Service",
    "Node",
    "PersistentVolumeClaim",
    "Endpoints",
]
