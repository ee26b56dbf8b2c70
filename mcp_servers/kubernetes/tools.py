"""The Kubernetes MCP tools: arguments, annotations and results, over a ClusterReader.

Every tool is read-only, validates its arguments with messages that say what to fix, returns
a pydantic model (its output schema) with a kubectl-like text rendering beside it, and turns a
missing object or a refused namespace into a tool error that names it.
"""

import functools
from collections.abc import Callable
from typing import Annotated, Literal, ParamSpec

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from common.kubernetes_names import DNS_LABEL, DNS_SUBDOMAIN, kubernetes_name
from common.mcp_tools import READ_ONLY, tool_result
from common.version import package_version
from mcp_servers.kubernetes.backends.base import BackendError
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.history import get_rollout_history as rollout_history
from mcp_servers.kubernetes.history_models import RolloutHistory, RolloutKind
from mcp_servers.kubernetes.metrics import tool_call
from mcp_servers.kubernetes.models import (
    EventList,
    LogExcerpt,
    NodeDetail,
    PodDetail,
    PodDiagnosis,
    PodList,
    PodMatches,
    ServiceDetail,
    WorkloadDetail,
)
from mcp_servers.kubernetes.problem_models import ProblemReport
from mcp_servers.kubernetes.problems import find_problems as sweep
from mcp_servers.kubernetes.render import render
from mcp_servers.kubernetes.resources import WorkloadKind
from mcp_servers.kubernetes.selectors import SelectorError

SERVER_NAME = "sre-kubernetes"
INSTRUCTIONS = """Read-only Kubernetes tools for incident triage. Nothing here can change the cluster,
and Secret values never leave the server (secret-like strings in logs are redacted).
Ask find_problems first for what is broken in a namespace (or the whole cluster), ranked by severity.
Start with find_pods to turn an app or workload name into pods, then diagnose_pod for one call
that returns the pod's status, events, current and previous logs, owner workload and node.
Use get_pod_logs for more log lines, get_events for a namespace's warnings, get_service to see
whether a dependency has ready endpoints, and get_workload / get_node for the wider picture.
get_rollout_history says what each revision of a Deployment, StatefulSet or DaemonSet changed."""

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

P = ParamSpec("P")


def _result(model: BaseModel) -> CallToolResult:
    return tool_result(model, render(model))


def _as_tool_errors(fn: Callable[P, BaseModel]) -> Callable[P, CallToolResult]:
    """Cluster errors become tool errors with the backend's message, which names the object."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            with tool_call(fn.__name__):
                return _result(fn(*args, **kwargs))
        except BackendError as exc:
            raise ToolError(str(exc)) from exc
        except SelectorError as exc:
            raise ToolError(f"invalid selector: {exc}") from exc

    return wrapper


def build_server(reader: ClusterReader) -> MCPServer:
    # The SDK logs every tool call at INFO; on stdio that would drown the user's terminal.
    server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, version=package_version(), log_level="WARNING")
    limits = reader.limits

    def tool(title: str) -> Callable[[Callable[P, CallToolResult]], Callable[P, CallToolResult]]:
        return server.tool(title=title, annotations=READ_ONLY)

    @tool("List pods")
    @_as_tool_errors
    def list_pods(
        namespace: OptionalNamespace = None,
        label_selector: Annotated[Selector, Field(description="e.g. 'app=auth-service,tier!=cache'.")] = None,
        field_selector: Annotated[Selector, Field(description="e.g. 'status.phase=Pending'.")] = None,
        limit: Annotated[int, Field(ge=1, le=limits.max_list, description="Most pods to return.")] = 100,
    ) -> Annotated[CallToolResult, PodList]:
        """List pods with their kubectl-style status, readiness, restarts and node."""
        return reader.list_pods(namespace, label_selector, field_selector, limit)

    @tool("Find pods by app or workload name")
    @_as_tool_errors
    def find_pods(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=253,
                description="A pod, app, Deployment or StatefulSet name as a person would write it.",
            ),
        ],
        namespace: OptionalNamespace = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
    ) -> Annotated[CallToolResult, PodMatches]:
        """Find the pods a name refers to: exact pod name, app labels, owner workload, then name prefix.

        Best matches first; each says why it matched."""
        return reader.find_pods(query, namespace, limit)

    @tool("Get pod details")
    @_as_tool_errors
    def get_pod(namespace: Namespace, name: PodName) -> Annotated[CallToolResult, PodDetail]:  # type: ignore[valid-type]
        """Phase, conditions, per-container state and last state (reason, exit code, message, times),
        readiness, restarts, image, requests and limits, env (Secret values only as references),
        probes, node, owner chain and QoS class of one pod."""
        return reader.get_pod(namespace, name)

    @tool("Get pod logs")
    @_as_tool_errors
    def get_pod_logs(
        namespace: Namespace,  # type: ignore[valid-type]
        name: PodName,  # type: ignore[valid-type]
        container: ContainerName | None = None,  # type: ignore[valid-type]
        tail_lines: Annotated[int, Field(ge=1, le=limits.max_tail_lines, description="Newest lines to return.")] = 100,
        previous: Annotated[bool, Field(description="Logs of the previous (crashed) container instance.")] = False,
        max_bytes: Annotated[
            int, Field(ge=1024, le=limits.max_log_bytes, description="Byte cap, newest kept.")
        ] = 16384,
    ) -> Annotated[CallToolResult, LogExcerpt]:
        """The newest log lines of one container, bounded by lines and bytes, secrets redacted."""
        return reader.get_pod_logs(namespace, name, container, tail_lines, previous, max_bytes)

    @tool("Get events")
    @_as_tool_errors
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
    @_as_tool_errors
    def get_workload(
        kind: WorkloadKind,
        namespace: Namespace,
        name: ObjectName,  # type: ignore[valid-type]
    ) -> Annotated[CallToolResult, WorkloadDetail]:
        """Desired, ready, available and updated replicas, conditions, selector and images of a
        Deployment, StatefulSet, DaemonSet, ReplicaSet or Job (with Job failures and backoff limit)."""
        return reader.get_workload(kind, namespace, name)

    @tool("Get service and its endpoints")
    @_as_tool_errors
    def get_service(namespace: Namespace, name: ObjectName) -> Annotated[CallToolResult, ServiceDetail]:  # type: ignore[valid-type]
        """A Service's type, ports and selector, with its ready and not-ready endpoint pods."""
        return reader.get_service(namespace, name)

    @tool("Get node")
    @_as_tool_errors
    def get_node(name: NodeName) -> Annotated[CallToolResult, NodeDetail]:  # type: ignore[valid-type]
        """A node's readiness, pressure conditions, taints, capacity and allocatable resources."""
        return reader.get_node(name)

    @tool("Diagnose a pod in one call")
    @_as_tool_errors
    def diagnose_pod(namespace: Namespace, name: PodName) -> Annotated[CallToolResult, PodDiagnosis]:  # type: ignore[valid-type]
        """Everything needed to triage one pod: its details, its events, current and previous logs
        of every container (bounded, redacted), its owner workload and that workload's warnings,
        and its node."""
        return reader.diagnose_pod(namespace, name)

    @tool("Get rollout history")
    @_as_tool_errors
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
    @_as_tool_errors
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

    return server
