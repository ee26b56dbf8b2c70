"""The Kubernetes MCP server's tools, registered family by family over a ClusterReader.

Every tool is read-only, validates its arguments with messages that say what to fix, returns
a pydantic model (its output schema) with a kubectl-like text rendering beside it, and turns a
missing object or a refused namespace into a tool error that names it. The families:
pod_tools.py, cluster_tools.py (events, workloads, rollout history, Services, nodes, the sweep)
and generic_tools.py (any kind, namespaces, top); argument types in tool_arguments.py.
"""

from typing import Annotated

from mcp.server import MCPServer
from mcp.types import CallToolResult

from common.mcp_arguments import refuse_unknown_arguments
from common.mcp_logging import sdk_logging_setup_skipped
from common.mcp_tools import READ_ONLY
from common.version import package_version
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.cluster_tools import register_cluster_tools
from mcp_servers.kubernetes.contexts import ContextList, ContextReaders
from mcp_servers.kubernetes.generic_tools import register_generic_tools
from mcp_servers.kubernetes.pod_tools import register_pod_tools
from mcp_servers.kubernetes.tool_results import as_tool_errors

SERVER_NAME = "sre-kubernetes"
INSTRUCTIONS = """Read-only Kubernetes tools for incident triage. Nothing here can change the cluster,
and Secret values never leave the server (secret-like strings in logs are redacted).
Ask find_problems first for what is broken in a namespace (or the whole cluster), ranked by severity.
Start with find_pods to turn an app or workload name into pods, then diagnose_pod for one call
that returns the pod's status, events, current and previous logs, owner workload and node.
Use get_pod_logs for more log lines (grep to search them), get_events for a namespace's warnings,
get_service to see whether a dependency has ready endpoints, and get_workload / get_node for the
wider picture. get_rollout_history says what each revision of a Deployment, StatefulSet or
DaemonSet changed. list_resources and get_resource read any other kind (ConfigMaps, Ingresses,
HPAs, CRDs, ...) as kubectl names it; list_namespaces shows which namespaces are readable."""


def build_server(readers: ClusterReader | ContextReaders) -> MCPServer:
    """The tool server over one cluster, or over several contexts (then every tool takes `context`)."""
    # The SDK logs every tool call at INFO; on stdio that would drown the user's terminal.
    with sdk_logging_setup_skipped():  # rich stays out of a process whose logging is configured
        server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS, version=package_version(), log_level="WARNING")
    contexts = readers if isinstance(readers, ContextReaders) else ContextReaders.single(readers)
    reader = contexts.proxy()

    def tool(title: str):  # type: ignore[no-untyped-def]
        def register(fn):  # type: ignore[no-untyped-def]
            return server.tool(title=title, annotations=READ_ONLY)(contexts.accepting_context(fn))

        return register

    for register_family in (register_pod_tools, register_cluster_tools, register_generic_tools):
        register_family(tool, reader)

    @server.tool(title="List kubeconfig contexts", annotations=READ_ONLY)
    @as_tool_errors
    def list_contexts() -> Annotated[CallToolResult, ContextList]:
        """The clusters (kubeconfig contexts) this server reads, the default first; never credentials."""
        return contexts.list_contexts()

    refuse_unknown_arguments(server)
    return server
