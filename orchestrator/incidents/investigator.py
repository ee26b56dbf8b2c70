"""Settings to a ready investigator: the clusters' MCP servers, the knowledge graph, the rules, the LLM.

Both `serve` and `investigate` open their investigator here, so the REST API and the command
line run the same investigation against the same configuration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import httpx2
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from mcp.client.streamable_http import streamable_http_client

from graphs.cluster import ClusterSession, ClusterSessions, RemoteCluster
from graphs.graph import Dependencies
from graphs.investigator import GraphInvestigator
from graphs.llm import LLM
from knowledge import DEFAULT_KNOWLEDGE_GRAPH, KnowledgeGraph, load_knowledge_graph
from knowledge.rules import DEFAULT_RULES_DIR, RuleSet, load_rules
from mcp_servers.kubernetes.settings import KubernetesServerSettings
from orchestrator.settings import OrchestratorSettings, is_postgres, sqlite_path
from orchestrator.store.sqlite import BUSY_TIMEOUT_MS


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
        name: RemoteCluster(cluster.url, remote_target(cluster.url, cluster.token, settings.mcp_timeout_seconds))
        for name, cluster in settings.clusters.items()
    }


@asynccontextmanager
async def _sqlite_connection(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The checkpointer's own connection, patient with the incident store's writes to the same file.

    LangGraph's `from_conn_string` opens SQLite with no busy timeout, so a checkpoint written
    while the store commits fails at once with "database is locked" (seen under load).
    """
    async with aiosqlite.connect(path) as connection:
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Checkpoints are progress, not promises: this connection commits them without waiting for
        # the disk (a process crash still loses none of them: the WAL is written before commit
        # returns), and the next fsync of the shared WAL (the store's, for an incident a client is
        # told about) makes them durable too. A power loss can cost an investigation its latest
        # steps, which it then runs again; it cannot cost an acknowledged incident.
        await connection.execute("PRAGMA synchronous = NORMAL")
        yield connection


@asynccontextmanager
async def _postgres_pool(url: str, size: int) -> AsyncIterator[Any]:
    """Connections as LangGraph's Postgres checkpointer needs them (autocommit, dict rows, no prepared
    statements, which a PgBouncer in transaction mode would break)."""
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
        min_size=1,
        max_size=size,
        check=AsyncConnectionPool.check_connection,
        open=False,
    )
    await pool.open(wait=True, timeout=30)
    try:
        yield pool
    finally:
        await pool.close()


async def _checkpointer(database_url: str, settings: OrchestratorSettings, resources: AsyncExitStack) -> Any:
    """LangGraph's checkpointer in the incidents' own database; its tables exist once the store is open."""
    if is_postgres(database_url):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver  # psycopg only when it is used

        pool = await resources.enter_async_context(
            _postgres_pool(database_url, settings.max_concurrent_investigations + 1)
        )
        return AsyncPostgresSaver(pool)
    return AsyncSqliteSaver(await resources.enter_async_context(_sqlite_connection(sqlite_path(database_url))))


async def open_investigator(settings: OrchestratorSettings, *, checkpoints: str | None = None) -> GraphInvestigator:
    """An investigator holding its MCP client (and its checkpointer, its LLM client) until `aclose()`."""
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
            ClusterSession.open(cluster_target(settings), timeout_seconds=settings.mcp_timeout_seconds, server=default)
        )
        clusters = ClusterSessions(session, _remote_clusters(settings), settings.mcp_timeout_seconds)
        resources.push_async_callback(clusters.aclose)
        saver = None if checkpoints is None else await _checkpointer(checkpoints, settings, resources)
        deps = Dependencies(clusters=clusters, graph=graph, rules=rules, llm=llm)
        return GraphInvestigator(deps, saver, resources)
    except BaseException:
        await resources.aclose()
        raise


async def open_server_investigator(settings: OrchestratorSettings) -> GraphInvestigator:
    """The REST server's investigator: checkpoints in the incidents' own database."""
    return await open_investigator(settings, checkpoints=settings.database_url)
