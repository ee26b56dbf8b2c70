"""`top_pods` and `top_nodes`: current CPU and memory use from the metrics API (metrics.k8s.io).

The numbers are what metrics-server reports (`kubectl top` reads the same), read through the
generic source: live from `/apis/metrics.k8s.io/v1beta1/...`, a snapshot from its
`<ns>/pod-metrics.json` and `node-metrics.json` files (the same List shapes). When the cluster
serves no metrics API, both answer with a tool error that says so. Node percentages are of the
node's allocatable resources, as kubectl computes them. Sorted by the heaviest first (CPU by
default), bounded by `limit` with `truncated`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from mcp_servers.kubernetes.backend import BackendError, KubeObject
from mcp_servers.kubernetes.generic import GenericReader
from mcp_servers.kubernetes.kinds import NODE_METRICS, POD_METRICS, ResourceType
from mcp_servers.kubernetes.quantities import byte_count, cpu_text, memory_text, millicores, parse_quantity, percent
from mcp_servers.kubernetes.render import render

SortBy = Literal["cpu", "memory", "name"]
NO_METRICS = (
    "the metrics API (metrics.k8s.io) is not served by this cluster (or did not answer discovery), so there is "
    "no CPU or memory usage to show: install metrics-server (a snapshot needs <ns>/pod-metrics.json or "
    "node-metrics.json)"
)


class ContainerUsage(BaseModel):
    name: str
    cpu: str = Field(description="CPU in millicores, e.g. '250m'.")
    memory: str = Field(description="Memory in mebibytes, e.g. '128Mi'.")


class PodUsage(BaseModel):
    namespace: str
    name: str
    cpu: str = Field(description="CPU in use, in millicores, as kubectl top prints it.")
    memory: str = Field(description="Memory in use, in mebibytes, as kubectl top prints it.")
    cpu_millicores: int
    memory_bytes: int
    containers: list[ContainerUsage] = Field(default_factory=list)
    timestamp: str | None = None


class PodUsageList(BaseModel):
    pods: list[PodUsage] = Field(description="Heaviest first by the sort key.")
    truncated: bool


class NodeUsage(BaseModel):
    name: str
    cpu: str
    cpu_percent: str = Field(description="Share of the node's allocatable CPU.")
    memory: str
    memory_percent: str = Field(description="Share of the node's allocatable memory.")
    cpu_millicores: int
    memory_bytes: int
    timestamp: str | None = None


class NodeUsageList(BaseModel):
    nodes: list[NodeUsage]
    truncated: bool


class TopReader:
    def __init__(self, generic: GenericReader) -> None:
        self._generic = generic
        self._cluster = generic._cluster

    def _metrics_type(self, wanted: ResourceType) -> ResourceType:
        for served in self._generic.source.resource_types():
            if (served.group, served.name) == (wanted.group, wanted.name):
                return served
        raise BackendError(NO_METRICS)

    def top_pods(self, namespace: str | None, label_selector: str | None, sort_by: SortBy, limit: int) -> PodUsageList:
        metrics = self._metrics_type(POD_METRICS)
        objects: list[KubeObject] = []
        truncated = False
        for ns in self._cluster._namespaces(namespace):
            page = self._generic.source.objects(
                metrics, ns, label_selector=label_selector, limit=self._cluster.limits.find_scan
            )
            objects += page.items
            truncated = truncated or page.truncated
        pods = sorted((_pod_usage(obj) for obj in objects), key=lambda p: (p.namespace, p.name))
        pods = _sorted(pods, sort_by)
        return PodUsageList(pods=pods[:limit], truncated=truncated or len(pods) > limit)

    def top_nodes(self, sort_by: SortBy, limit: int) -> NodeUsageList:
        metrics = self._metrics_type(NODE_METRICS)
        page = self._generic.source.objects(metrics, None, limit=self._cluster.limits.find_scan)
        allocatable = {}
        for node in self._cluster.backend.list("nodes", limit=self._cluster.limits.find_scan).items:
            values = (node.get("status") or {}).get("allocatable") or {}
            allocatable[(node.get("metadata") or {}).get("name")] = values
        nodes = sorted((_node_usage(obj, allocatable) for obj in page.items), key=lambda n: n.name)
        nodes = _sorted(nodes, sort_by)
        return NodeUsageList(nodes=nodes[:limit], truncated=page.truncated or len(nodes) > limit)


def _sorted(items: list, sort_by: SortBy) -> list:
    if sort_by == "name":
        return items
    key = "cpu_millicores" if sort_by == "cpu" else "memory_bytes"
    return sorted(items, key=lambda item: -getattr(item, key))


def _pod_usage(obj: KubeObject) -> PodUsage:
    metadata = obj.get("metadata") or {}
    containers = []
    cpu_total, memory_total = Decimal(0), Decimal(0)
    for container in obj.get("containers") or []:
        usage = container.get("usage") or {}
        cpu, memory = parse_quantity(usage.get("cpu")) or Decimal(0), parse_quantity(usage.get("memory")) or Decimal(0)
        cpu_total, memory_total = cpu_total + cpu, memory_total + memory
        name = container.get("name", "")
        containers.append(
            ContainerUsage(name=name, cpu=cpu_text(millicores(cpu)), memory=memory_text(byte_count(memory)))
        )
    cpu, memory = millicores(cpu_total), byte_count(memory_total)
    return PodUsage(
        namespace=metadata.get("namespace", ""),
        name=metadata.get("name", ""),
        cpu=cpu_text(cpu),
        memory=memory_text(memory),
        cpu_millicores=cpu,
        memory_bytes=memory,
        containers=containers,
        timestamp=obj.get("timestamp"),
    )


def _node_usage(obj: KubeObject, allocatable: dict[str | None, dict[str, str]]) -> NodeUsage:
    name = (obj.get("metadata") or {}).get("name", "")
    usage = obj.get("usage") or {}
    cpu, memory = millicores(usage.get("cpu")), byte_count(usage.get("memory"))
    capacity = allocatable.get(name) or {}
    return NodeUsage(
        name=name,
        cpu=cpu_text(cpu),
        cpu_percent=percent(cpu, millicores(capacity.get("cpu"))),
        memory=memory_text(memory),
        memory_percent=percent(memory, byte_count(capacity.get("memory"))),
        cpu_millicores=cpu,
        memory_bytes=memory,
        timestamp=obj.get("timestamp"),
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in [header, *rows])


def _more(truncated: bool) -> str:
    return "\n(more exist; narrow the query or raise the limit)" if truncated else ""


@render.register
def _(result: PodUsageList) -> str:
    if not result.pods:
        return "No pod metrics found."
    rows = [[p.namespace, p.name, p.cpu, p.memory] for p in result.pods]
    return _table(["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"], rows) + _more(result.truncated)


@render.register
def _(result: NodeUsageList) -> str:
    if not result.nodes:
        return "No node metrics found."
    rows = [[n.name, n.cpu, n.cpu_percent, n.memory, n.memory_percent] for n in result.nodes]
    header = ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    return _table(header, rows) + _more(result.truncated)
