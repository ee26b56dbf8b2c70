"""Step 2: collect read-only evidence about the target and the components it depends on.

One `diagnose_pod` call brings the pod, its events, current and previous logs, owner workload
and node; for a workload without pods, the workload and its controllers' warnings. For a
Deployment, StatefulSet or DaemonSet, its rollout history (what each recent revision changed). Each
dependency from the knowledge graph is checked through its Service endpoints and its pods,
so a log line "connection refused" can be tied to a dependency that is down, and say why.
"""

from __future__ import annotations

from typing import Any

from graphs.addresses import components_named_in_logs
from graphs.mcp_client import ClusterTools, ToolCallError
from graphs.models import CollectedEvidence, DependencyState, Extracted, ServiceState
from graphs.node_load import neighbours
from knowledge.graph import KnowledgeGraph
from knowledge.model import Component
from mcp_servers.kubernetes.history_models import RolloutHistory
from mcp_servers.kubernetes.models import HEALTHY_POD_STATUSES, EventInfo

ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


async def collect_evidence(cluster: ClusterTools, knowledge: KnowledgeGraph, extracted: Extracted) -> CollectedEvidence:
    evidence = CollectedEvidence()
    if extracted.pod and extracted.namespace:
        evidence.diagnosis = await cluster.diagnose_pod(extracted.namespace, extracted.pod)
        evidence.neighbours = await neighbours(cluster, evidence.diagnosis, evidence.notes)
        owner = evidence.diagnosis.owner
        if owner is not None and owner.kind in ROLLOUT_KINDS:
            # A rollout's new ReplicaSet may fail to create pods (quota, admission) while the pod
            # we found belongs to the old one: its warnings are part of the picture.
            evidence.workload_events = await _controller_warnings(
                cluster, extracted.namespace, owner.name, evidence.notes
            )
            evidence.rollout_history = await _rollout_history(
                cluster, owner.kind, extracted.namespace, owner.name, evidence.notes
            )
    elif extracted.workload and extracted.namespace and extracted.workload_kind:
        evidence.workload = await cluster.get_workload(extracted.workload_kind, extracted.namespace, extracted.workload)
        evidence.workload_events = await _controller_warnings(
            cluster, extracted.namespace, extracted.workload, evidence.notes
        )
        if extracted.workload_kind in ROLLOUT_KINDS:
            evidence.rollout_history = await _rollout_history(
                cluster, extracted.workload_kind, extracted.namespace, extracted.workload, evidence.notes
            )
    else:
        evidence.notes.append("no target could be resolved in the cluster; nothing was collected")
    component = knowledge.component(extracted.component) if extracted.component else None
    if component is not None and component.service and component.namespace:
        evidence.service = await _service_state(cluster, component.namespace, component.service)
    if extracted.component and extracted.component in knowledge:
        for dependency in knowledge.dependencies(extracted.component):
            evidence.dependencies.append(await dependency_state(cluster, dependency))
    # A log line may blame a component the graph does not list as a dependency, by name or address.
    named = await components_named_in_logs(cluster, knowledge, evidence, extracted.namespace, extracted.component)
    for name, address in named.items():
        state = await dependency_state(cluster, knowledge.component(name))  # type: ignore[arg-type]
        state.named_by = address
        state.summary += f" (named in the logs as {address})"
        evidence.dependencies.append(state)
    return evidence


async def _rollout_history(
    cluster: ClusterTools, kind: str, namespace: str, name: str, notes: list[str]
) -> RolloutHistory | None:
    """The workload's recent revisions: what changed, for graphs/changes.py to set against the onset."""
    try:
        return await cluster.get_rollout_history(kind, namespace, name)
    except ToolCallError as exc:
        # Without the history the investigation still stands; it only cannot say what changed.
        notes.append(f"the rollout history of {kind} {namespace}/{name} could not be read: {exc.message}")
        return None


async def _service_state(cluster: ClusterTools, namespace: str, name: str) -> ServiceState | None:
    """The target's own Service: whether its selector finds any pod (a mismatch leaves it without endpoints)."""
    try:
        service = await cluster.get_service(namespace, name)
        selector = ",".join(f"{k}={v}" for k, v in service.selector.items())
        matching = (await cluster.list_pods(namespace, selector)).pods if selector else []
    except ToolCallError:
        return None
    return ServiceState(**service.model_dump(), matching_pods=len(matching))


async def _controller_warnings(
    cluster: ClusterTools, namespace: str, workload: str, notes: list[str]
) -> list[EventInfo]:
    """Warnings about the workload and what it created (controllers name it "workload-hash")."""
    try:
        warnings = await cluster.get_events(namespace, warnings_only=True)
    except ToolCallError as exc:
        notes.append(f"the warnings in namespace {namespace} could not be read: {exc.message}")
        return []
    return [
        e
        for e in warnings.events
        if e.object.kind != "Pod" and (e.object.name == workload or e.object.name.startswith(workload + "-"))
    ]


async def dependency_state(cluster: ClusterTools, component: Component) -> DependencyState:
    base = {"name": component.name, "type": component.type, "namespace": component.namespace}
    if component.type == "external" or not component.namespace:
        return DependencyState(**base, summary=f"{component.name} is external to the cluster; not checked")
    ready = not_ready = None
    addresses: list[str] = []
    try:
        if component.service:
            service = await cluster.get_service(component.namespace, component.service)
            endpoints = service.ready_endpoints + service.not_ready_endpoints
            addresses = [a for a in (service.cluster_ip, *(e.ip for e in endpoints)) if a and a != "None"]
            if service.endpoints_known:
                ready, not_ready = len(service.ready_endpoints), len(service.not_ready_endpoints)
        selector = ",".join(f"{k}={v}" for k, v in (component.selector or {}).items()) or None
        pods = (await cluster.list_pods(component.namespace, selector)).pods if selector else []
    except ToolCallError as exc:
        return DependencyState(**base, summary=f"the state of {component.name} could not be read: {exc.message}")
    pod_states = [{"name": p.name, "status": p.status, "ready": p.ready, "restarts": p.restarts} for p in pods]
    ready_pods = [
        p for p in pods if p.status in HEALTHY_POD_STATUSES and p.ready.split("/")[0] == p.ready.split("/")[1]
    ]
    healthy = ready > 0 if ready is not None else bool(ready_pods)
    return DependencyState(
        **base,
        healthy=healthy,
        ready_endpoints=ready,
        not_ready_endpoints=not_ready,
        pods=pod_states,
        summary=_dependency_summary(component, healthy, ready, pod_states),
        addresses=addresses,
    )


def _dependency_summary(component: Component, healthy: bool, ready: int | None, pods: list[dict[str, Any]]) -> str:
    if not pods:
        pods_text = "no pods match its selector"
    else:
        pods_text = ", ".join(
            f"{p['name']} {p['status']} ({p['ready']} ready, {p['restarts']} restarts)" for p in pods[:3]
        )
    endpoints = "" if ready is None else f"{ready} ready endpoint{'s' if ready != 1 else ''}; "
    state = "healthy" if healthy else "NOT healthy"
    return f"{component.name} ({component.type}) is {state}: {endpoints}{pods_text}"
