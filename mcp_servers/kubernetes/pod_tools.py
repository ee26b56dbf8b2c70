"""The pod tools: list, find, read, logs, and the one-call diagnosis.

No `from __future__ import annotations` here: the MCP SDK reads these signatures at registration.
"""

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.models import LogExcerpt, PodDetail, PodDiagnosis, PodList, PodMatches
from mcp_servers.kubernetes.tool_arguments import ContainerName, Namespace, OptionalNamespace, PodName, Selector
from mcp_servers.kubernetes.tool_results import Registrar, as_tool_errors


def register_pod_tools(tool: Registrar, reader: ClusterReader) -> None:
    limits = reader.limits

    @tool("List pods")
    @as_tool_errors
    def list_pods(
        namespace: OptionalNamespace = None,
        label_selector: Annotated[Selector, Field(description="e.g. 'app=auth-service,tier!=cache'.")] = None,
        field_selector: Annotated[Selector, Field(description="e.g. 'status.phase=Pending'.")] = None,
        limit: Annotated[int, Field(ge=1, le=limits.max_list, description="Most pods to return.")] = 100,
    ) -> Annotated[CallToolResult, PodList]:
        """List pods with their kubectl-style status, readiness, restarts and node."""
        return reader.list_pods(namespace, label_selector, field_selector, limit)

    @tool("Find pods by app or workload name")
    @as_tool_errors
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
    @as_tool_errors
    def get_pod(namespace: Namespace, name: PodName) -> Annotated[CallToolResult, PodDetail]:  # type: ignore[valid-type]
        """Phase, conditions, per-container state and last state (reason, exit code, message, times),
        readiness, restarts, image, requests and limits, env (Secret values only as references),
        probes, node, owner chain and QoS class of one pod."""
        return reader.get_pod(namespace, name)

    _register_log_tools(tool, reader)


def _register_log_tools(tool: Registrar, reader: ClusterReader) -> None:
    """Logs and the one-call diagnosis."""
    limits = reader.limits

    @tool("Get pod logs")
    @as_tool_errors
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

    @tool("Diagnose a pod in one call")
    @as_tool_errors
    def diagnose_pod(namespace: Namespace, name: PodName) -> Annotated[CallToolResult, PodDiagnosis]:  # type: ignore[valid-type]
        """Everything needed to triage one pod: its details, its events, current and previous logs
        of every container (bounded, redacted), its owner workload and that workload's warnings,
        and its node."""
        return reader.diagnose_pod(namespace, name)
