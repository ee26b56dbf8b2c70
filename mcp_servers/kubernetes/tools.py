"""The Kubernetes MCP tools: arguments, annotations and results, over a ClusterReader.

Every tool is read-only, validates its arguments with messages that say what to fix, returns
a pydantic model (its output schema) with a kubectl-like text rendering beside it, and turns a
missing object or a refused namespace into a tool error that names it.
"""

import functools
import re
from collections.abc import Callable
from typing import Annotated, Literal, ParamSpec

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from mcp_servers.kubernetes.backends.base import BackendError
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.contexts import ContextList, ContextReaders
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
from mcp_servers.kubernetes.render import render
from mcp_servers.kubernetes.resources import WorkloadKind
from mcp_servers.kubernetes.selectors import SelectorError

SERVER_NAME = "sre-kubernetes"
INSTRUCTIONS = """Read-only Kubernetes tools for incident triage. Nothing here can change the cluster,
and Secret values never leave the server (secret-like strings in logs are redacted).
Start with find_pods to turn an app or workload name into pods, then diagnose_pod for one call
that returns the pod's status, events, current and previous logs, owner workload and node.
Use get_pod_logs for more log lines, get_events for a namespace's warnings, get_service to see
whether a dependency has ready endpoints, and get_workload / get_node for the wider picture.
list_resources and get_resource read any other kind (ConfigMaps, Ingresses, HPAs, CRDs, ...) as
kubectl names it; list_namespaces shows which namespaces are readable."""

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _kubernetes_name(what: str, pattern: re.Pattern[str], max_length: int, description: str) -> object:
    separators = "'-' or '.'" if pattern is _DNS_SUBDOMAIN else "'-'"

    def check(value: str) -> str:
        if len(value) > max_length or not pattern.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a valid {what}: use at most {max_length} lowercase letters, digits"
                f" and {separators}, starting and ending with a letter or digit"
            )
        return value

    schema = {
        "type": "string",
        "pattern": f"^{pattern.pattern}$",
        "maxLength": max_length,
        "description": description,
    }
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


Namespace = _kubernetes_name("namespace", _DNS_LABEL, 63, "Kubernetes namespace, e.g. 'shop'.")
OptionalNamespace = Annotated[
    Namespace | None,  # type: ignore[valid-type]
    Field(description="Kubernetes namespace; omit for all namespaces this server may read."),
]
PodName = _kubernetes_name("pod name", _DNS_SUBDOMAIN, 253, "Exact pod name, e.g. 'auth-service-7d9c6b5f4-x2x8q'.")
ObjectName = _kubernetes_name("object name", _DNS_SUBDOMAIN, 253, "Exact object name.")
NodeName = _kubernetes_name("node name", _DNS_SUBDOMAIN, 253, "Exact node name.")
ContainerName = _kubernetes_name("container name", _DNS_LABEL, 63, "Container name; omit for the default container.")
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

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

P = ParamSpec("P")


def _result(model: BaseModel) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=render(model))],
        structured_content=model.model_dump(mode="json"),
    )


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


def build_server(readers: ClusterReader | ContextReaders) -> MCPServer:
    """The tool server over one cluster, or over several contexts (then every tool takes `context`)."""
    # The SDK logs every tool call at INFO; on stdio that would drown the user's terminal.
    server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")
    contexts = readers if isinstance(readers, ContextReaders) else ContextReaders.single(readers)
    reader = contexts.proxy()
    limits = reader.limits

    def tool(title: str) -> Callable[[Callable[P, CallToolResult]], Callable[P, CallToolResult]]:
        def register(fn: Callable[P, CallToolResult]) -> Callable[P, CallToolResult]:
            return server.tool(title=title, annotations=READ_ONLY)(contexts.accepting_context(fn))

        return register

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
        grep: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=256,
                description="A regular expression: only matching lines, with 2 lines of context, from the "
                f"newest {limits.max_tail_lines} lines (at most tail_lines lines returned).",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, LogExcerpt]:
        """The newest log lines of one container, bounded by lines and bytes, secrets redacted;
        with grep, the matching lines and their context."""
        return reader.get_pod_logs(namespace, name, container, tail_lines, previous, max_bytes, grep)

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

    from mcp_servers.kubernetes.generic_tools import register_generic_tools  # it imports this module's types

    register_generic_tools(tool, _as_tool_errors, reader)

    @server.tool(title="List kubeconfig contexts", annotations=READ_ONLY)
    @_as_tool_errors
    def list_contexts() -> Annotated[CallToolResult, ContextList]:
        """The clusters (kubeconfig contexts) this server reads, the default first; never credentials."""
        return contexts.list_contexts()

    return server
