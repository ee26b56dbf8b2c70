"""The generic read tools over MCP: list_resources, get_resource, list_namespaces, top_pods, top_nodes.

Registered by `tools.build_server` beside the pod-centred tools, with the same contract:
read-only annotation, pydantic output schema plus kubectl-like text, bounded output with
`truncated`, argument errors that say what to fix, missing objects as tool errors naming them.

No `from __future__ import annotations` here: the MCP SDK evaluates these signatures at registration.
"""

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from mcp_servers.kubernetes import generic_render  # noqa: F401  (registers the renderings)
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.generic import GenericReader
from mcp_servers.kubernetes.generic_models import NamespaceList, ResourceDetail, ResourceList
from mcp_servers.kubernetes.tool_arguments import Namespace, OptionalNamespace, Selector
from mcp_servers.kubernetes.tool_results import Registrar, as_tool_errors
from mcp_servers.kubernetes.top import NodeUsageList, PodUsageList, SortBy, TopReader

Kind = Annotated[
    str,
    Field(
        min_length=1,
        max_length=253,
        description="A resource type as kubectl accepts it: 'deploy', 'deployments', 'Deployment', "
        "'deployments.apps', 'apps/v1/Deployment', 'hpa', 'pvc', a CRD's plural or kind. Secrets are refused.",
    ),
]
ResourceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=253,
        pattern=r"^[a-zA-Z0-9][-a-zA-Z0-9_.:@]*$",
        description="Exact object name, e.g. 'checkout' or 'system:node-proxier'.",
    ),
]
Full = Annotated[
    bool,
    Field(description="Return the whole objects (managedFields dropped, secrets redacted) instead of the columns."),
]


def register_generic_tools(tool: Registrar, reader: ClusterReader) -> None:
    generic = GenericReader(reader)
    limits = reader.limits

    @tool("List resources of any kind")
    @as_tool_errors
    def list_resources(
        kind: Kind,
        namespace: OptionalNamespace = None,
        label_selector: Annotated[Selector, Field(description="e.g. 'app=checkout,tier!=cache'.")] = None,
        field_selector: Annotated[Selector, Field(description="e.g. 'metadata.name=checkout'.")] = None,
        limit: Annotated[int, Field(ge=1, le=limits.max_list, description="Most objects to return.")] = 100,
        full: Full = False,
    ) -> Annotated[CallToolResult, ResourceList]:
        """List objects of any type the cluster serves (CRDs included) with the columns `kubectl get` shows;
        namespaced types cover all allowed namespaces unless one is given."""
        return generic.list_resources(kind, namespace, label_selector, field_selector, limit, full)

    @tool("Get one resource of any kind")
    @as_tool_errors
    def get_resource(
        kind: Kind,
        name: ResourceName,
        namespace: Annotated[
            Namespace | None,  # type: ignore[valid-type]
            Field(description="The object's namespace; omit for cluster-scoped types."),
        ] = None,
        full: Full = False,
    ) -> Annotated[CallToolResult, ResourceDetail]:
        """One object of any type the cluster serves: its `kubectl get` columns, and with full=true the
        whole object (managedFields and last-applied-configuration dropped, secret-like values redacted)."""
        return generic.get_resource(kind, name, namespace, full)

    @tool("List namespaces")
    @as_tool_errors
    def list_namespaces(
        limit: Annotated[int, Field(ge=1, le=limits.max_list, description="Most namespaces to return.")] = 200,
    ) -> Annotated[CallToolResult, NamespaceList]:
        """The namespaces this server may read, with their status and age."""
        return generic.list_namespaces(limit)

    _register_top_tools(tool, TopReader(generic), limits.max_list)


def _register_top_tools(tool: Registrar, top: TopReader, max_list: int) -> None:
    @tool("Top pods: CPU and memory in use")
    @as_tool_errors
    def top_pods(
        namespace: OptionalNamespace = None,
        label_selector: Annotated[Selector, Field(description="e.g. 'app=checkout'.")] = None,
        sort_by: Annotated[SortBy, Field(description="Heaviest first by cpu or memory, or by name.")] = "cpu",
        limit: Annotated[int, Field(ge=1, le=max_list, description="Most pods to return.")] = 50,
    ) -> Annotated[CallToolResult, PodUsageList]:
        """Current CPU and memory use of pods (and their containers) from metrics.k8s.io, as `kubectl top pod`."""
        return top.top_pods(namespace, label_selector, sort_by, limit)

    @tool("Top nodes: CPU and memory in use")
    @as_tool_errors
    def top_nodes(
        sort_by: Annotated[SortBy, Field(description="Heaviest first by cpu or memory, or by name.")] = "cpu",
        limit: Annotated[int, Field(ge=1, le=max_list, description="Most nodes to return.")] = 50,
    ) -> Annotated[CallToolResult, NodeUsageList]:
        """Current CPU and memory use of nodes, with the share of allocatable, as `kubectl top node`."""
        return top.top_nodes(sort_by, limit)
