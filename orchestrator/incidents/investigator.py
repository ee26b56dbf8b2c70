"""Settings to a ready investigator: the clusters' MCP servers, the knowledge graph, the rules, the LLM.

Both `serve` and `investigate` open their investigator here, so the REST API and the command
line run the same investigation against the same configuration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from graphs.llm.client import LLM
from graphs.mcp_client import ClusterConnection, Clusters, RemoteCluster
from graphs.steps import Dependencies, InOrderInvestigator
from knowledge import DEFAULT_KNOWLEDGE_GRAPH, KnowledgeGraph, load_knowledge_graph
from knowledge.rule_engine import DEFAULT_RULES_DIR, RuleSet, load_rules
from mcp_servers.kubernetes.settings import KubernetesServerSettings
from orchestrator.incidents.runner import Investigator
from orchestrator.settings import OrchestratorSettings


def load_knowledge(settings: OrchestratorSettings) -> tuple[KnowledgeGraph, RuleSet]:
    """The application model and the rules; a broken file raises with its name and line or rule."""
    graph = load_knowledge_graph(settings.knowledge_graph or DEFAULT_KNOWLEDGE_GRAPH)
    rules = load_rules(DEFAULT_RULES_DIR, *(Path(d) for d in settings.rules_dirs))
    return graph, rules


def remote_target(url: str, token: Callable[[], str | None], timeout: float) -> Callable[[], Any]:
    """A Kubernetes MCP server over streamable HTTP: a new transport (and a fresh read of the token,
    which may be a rotated Secret file) for each connection."""

    def connect() -> Any:
        current = token()
        return _remote_transport(url, {"Authorization": f"Bearer {current}"} if current else {}, timeout)

    return connect


@asynccontextmanager
async def _remote_transport(url: str, headers: dict[str, str], timeout: float) -> AsyncIterator[Any]:
    """Streamable HTTP with an HTTP client of its own, closed with the connection."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def cluster_target(settings: OrchestratorSettings) -> Callable[[], Any]:
    """How to connect to the default cluster's Kubernetes MCP server: remote when a URL is set, else
    in-process. Called again for each new connection (a remote server may restart)."""
    if settings.mcp_url:
        secret = settings.mcp_token
        return remote_target(
            settings.mcp_url, lambda: secret.get_secret_value() if secret else None, settings.mcp_timeout_seconds
        )
    # Imported only here: the tools' module (~2 MiB resident) is not needed beside a remote tool server.
    from mcp_servers.kubernetes.serve import create_server

    server = create_server(
        KubernetesServerSettings(
            snapshot=settings.snapshot, kubeconfig=settings.kubeconfig, kube_context=settings.kube_context
        )
    )
    return lambda: server


def _remote_clusters(settings: OrchestratorSettings) -> dict[str, RemoteCluster]:
    return {
        name: RemoteCluster(
            cluster.url, remote_target(cluster.url, cluster.token, settings.mcp_timeout_seconds), cluster.context
        )
        for name, cluster in settings.clusters.items()
    }


async def open_investigator(settings: OrchestratorSettings, *, checkpoints: str | None = None) -> Investigator:
    """An investigator holding its MCP client (and its checkpointer, its LLM client) until `aclose()`.

    With `checkpoints` (a database URL), the LangGraph state machine checkpointing every step
    there, so an incident resumes after a restart; without, the same steps run in order (one
    investigation in a terminal, which has nothing to resume and need not load LangGraph).
    """
    graph, rules = load_knowledge(settings)
    llm = LLM.from_settings(settings)  # before anything opens: a refused LLM setting is a ValueError
    resources = AsyncExitStack()
    if llm is not None:
        resources.push_async_callback(llm.aclose)
    try:
        # The default cluster connects now (a wrong setting stops the server; a server that is down
        # is only logged: investigations fail saying so until it is up); the others on first use.
        default = (
            f"the Kubernetes MCP server at {settings.mcp_url}" if settings.mcp_url else "the Kubernetes MCP server"
        )
        session = await resources.enter_async_context(
            ClusterConnection.open(
                cluster_target(settings), timeout_seconds=settings.mcp_timeout_seconds, server=default
            )
        )
        clusters = Clusters(session, _remote_clusters(settings), settings.mcp_timeout_seconds)
        resources.push_async_callback(clusters.aclose)
        deps = Dependencies(
            clusters=clusters, knowledge=graph, rules=rules, llm=llm, max_candidates=settings.triage_candidates
        )
        if checkpoints is None:
            return InOrderInvestigator(deps, resources)
        from graphs.investigator import GraphInvestigator
        from orchestrator.store.checkpointer import open_checkpointer

        pool_size = settings.max_concurrent_investigations + 1
        return GraphInvestigator(deps, await open_checkpointer(checkpoints, pool_size, resources), resources)
    except BaseException:
        await resources.aclose()
        raise


async def open_server_investigator(settings: OrchestratorSettings) -> Investigator:
    """The REST server's investigator: checkpoints in the incidents' own database."""
    return await open_investigator(settings, checkpoints=settings.database_url)
