"""The tools around a pod: events, workloads and their rollout history, Services, nodes, and the
sweep of everything unhealthy.

No `from __future__ import annotations` here: the MCP SDK reads these signatures at registration.
"""

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.history import get_rollout_history as rollout_history
from mcp_servers.kubernetes.history_models import RolloutHistory, RolloutKind
from mcp_servers.kubernetes.models import EventList, NodeDetail, ServiceDetail, WorkloadDetail
from mcp_servers.kubernetes.problem_models import ProblemReport
from mcp_servers.kubernetes.problems import find_problems as sweep
from mcp_servers.kubernetes.resources import WorkloadKind
from mcp_servers.kubernetes.tool_arguments import EventObjectKind, Namespace, NodeName, ObjectName, OptionalNamespace
from mcp_servers.kubernetes.tool_results import Registrar, as_tool_errors


def register_cluster_tools(tool: Registrar, reader: ClusterReader) -> None:
    limits = reader.limits

    @tool("Get events")
    @as_tool_errors
    def get_events(
        namespace: OptionalNamespace = None,
        object_kind: EventObjectKind | None = None,
        object_name: ObjectName | None = None,  # type: ignore[valid-type]
        warnings_only: bool = False,
        limit: Annotated[int, Field(ge=1, le=limits.max_events)] = 50,
    ) -> Annotated[CallToolResult, EventList]:
        """Events, newest first, optionally only those about one object or only warnings."""
        return reader.get_events(namespace, object_kind, object_name, warnings_only, limit)

    @tool("Get workload")
    @as_tool_errors
    def get_workload(
        kind: WorkloadKind,
        namespace: Namespace,
        name: ObjectName,  # type: ignore[valid-type]
    ) -> Annotated[CallToolResult, WorkloadDetail]:
        """Desired, ready, available and updated replicas, conditions, selector and images of a
        Deployment, StatefulSet, DaemonSet, ReplicaSet or Job (with Job failures and backoff limit)."""
        return reader.get_workload(kind, namespace, name)

    @tool("Get service and its endpoints")
    @as_tool_errors
    def get_service(namespace: Namespace, name: ObjectName) -> Annotated[CallToolResult, ServiceDetail]:  # type: ignore[valid-type]
        """A Service's type, ports and selector, with its ready and not-ready endpoint pods."""
        return reader.get_service(namespace, name)

    @tool("Get node")
    @as_tool_errors
    def get_node(name: NodeName) -> Annotated[CallToolResult, NodeDetail]:  # type: ignore[valid-type]
        """A node's readiness, pressure conditions, taints, capacity and allocatable resources."""
        return reader.get_node(name)

    _register_history_and_sweep_tools(tool, reader)


def _register_history_and_sweep_tools(tool: Registrar, reader: ClusterReader) -> None:
    """What changed, and what is broken."""
    limits = reader.limits

    @tool("Get rollout history")
    @as_tool_errors
    def get_rollout_history(
        kind: RolloutKind,
        namespace: Namespace,  # type: ignore[valid-type]
        name: ObjectName,  # type: ignore[valid-type]
        limit: Annotated[int, Field(ge=1, le=50, description="Newest revisions to return.")] = 10,
    ) -> Annotated[CallToolResult, RolloutHistory]:
        """Revisions of a Deployment, StatefulSet or DaemonSet (number, time, change-cause, images,
        pods) and what changed in the pod template between consecutive ones: images, commands, env
        (secret values redacted, references shown), resources, probes, volumes, scheduling,
        service account, init containers."""
        return rollout_history(reader, kind, namespace, name, limit)

    @tool("Find problems")
    @as_tool_errors
    def find_problems(
        namespace: OptionalNamespace = None,
        namespaces: Annotated[
            list[Namespace] | None,  # type: ignore[valid-type]
            Field(max_length=100, description="Several namespaces; omit both for every namespace this server reads."),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=limits.max_list, description="Most problems to return.")] = 50,
    ) -> Annotated[CallToolResult, ProblemReport]:
        """Everything unhealthy, most severe first: failing or not-ready pods (reason, last
        termination, exit code, scheduling message), unavailable or stalled workloads, failing Jobs,
        Services without ready endpoints, Pending claims, NotReady or pressured nodes, and warning
        events grouped by reason and object. Each problem names its object, owner and why."""
        scope = [*([namespace] if namespace else []), *(namespaces or [])]
        return sweep(reader, scope or None, limit)
