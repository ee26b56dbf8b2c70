"""What metrics-server reports: `<ns>/pod-metrics.json` (PodMetricsList, metrics.k8s.io/v1beta1).

A scenario that sets the usage of one pod (`Cluster.usage`) gets metrics for every running pod,
as metrics-server reports them all: the pods it names use what it says, the others a steady
share of their requests (a little CPU, about two thirds of their memory request, 48Mi without
one). Scenarios that set no usage have no metrics files, like a cluster without metrics-server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ids
from .clock import NOW, rfc3339, seconds
from .spec import Json

if TYPE_CHECKING:
    from .pods import Pod

_MI = 1024 * 1024
_UNITS = {"Ki": 1024, "Mi": _MI, "Gi": 1024 * _MI}


def _bytes(quantity: str) -> int:
    for suffix, factor in _UNITS.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(quantity)


def _millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def _steady(pod: Pod, container: str, requests: dict[str, str]) -> tuple[str, str]:
    memory = _bytes(requests["memory"]) * 2 // 3 if "memory" in requests else 48 * _MI
    memory += ids.number(0, 4096, pod.name, container) * 1024
    cpu = max(1, _millicores(requests["cpu"]) // 8) if "cpu" in requests else 2
    return f"{cpu + ids.number(0, 3, pod.name, 'cpu')}m", f"{memory // 1024}Ki"


def pod_metrics(pod: Pod, named: dict[str, tuple[str, str]]) -> Json | None:
    """One PodMetrics item, or None for a pod that runs no container now (Pending, evicted, done)."""
    if pod.node is None or pod.evicted is not None or pod.phase != "Running":
        return None
    containers = []
    for container in pod.template.containers:
        cpu, memory = named.get(container.name) or _steady(pod, container.name, container.effective_requests)
        containers.append({"name": container.name, "usage": {"cpu": cpu, "memory": memory}})
    return {
        "metadata": {
            "name": pod.name,
            "namespace": pod.namespace,
            "creationTimestamp": rfc3339(NOW),
            "labels": dict(pod.template.labels),
        },
        "timestamp": rfc3339(NOW - seconds(12)),
        "window": "15.018s",
        "containers": containers,
    }
