"""The investigation's view of the cluster: the Kubernetes MCP tools, called over MCP.

The same code talks to the tool server in-process (an in-memory MCP transport), over
streamable HTTP (the Helm deployment) or over stdio, so the pipeline sees exactly what any MCP
client sees. Results are parsed back into the server's own pydantic models.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import REQUEST_TIMEOUT, CallToolRequest, CallToolRequestParams, CallToolResult
from prometheus_client import Histogram
from pydantic import BaseModel

from common.errors import innermost
from mcp_servers.kubernetes.history_models import RolloutHistory
from mcp_servers.kubernetes.models import (
    EventList,
    PodDetail,
    PodDiagnosis,
    PodList,
    PodMatches,
    ServiceDetail,
    WorkloadDetail,
)
from mcp_servers.kubernetes.problem_models import ProblemReport
from mcp_servers.kubernetes.top import PodUsageList

Model = TypeVar("Model", bound=BaseModel)
log = logging.getLogger("sre.graphs.mcp_client")

# As the investigation sees it: the tool's own time plus the transport (in-process, HTTP or stdio).
MCP_CALL_SECONDS = Histogram(
    "sre_mcp_tool_call_duration_seconds",
    "Latency of one MCP tool call made by an investigation, by tool and outcome (ok, error).",
    ["tool", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class ToolCallError(Exception):
    """A tool answered with an error (a missing object, a refused namespace, an API failure)."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.message = message


class ClusterUnavailable(Exception):
    """The incident's cluster is not configured, or its MCP server cannot be reached or does not answer in time."""


class ClusterTools:
    """Typed calls to the Kubernetes MCP tools through the session's client, counting its calls."""

    def __init__(self, session: ClusterConnection) -> None:
        self._session = session
        self.calls = 0

    async def _call(self, tool: str, model: type[Model], **arguments: Any) -> Model:
        self.calls += 1
        start = time.perf_counter()
        outcome = "error"
        try:
            result = await self._session.call_tool(tool, {k: v for k, v in arguments.items() if v is not None})
            outcome = "error" if result.is_error else "ok"
        finally:
            MCP_CALL_SECONDS.labels(tool, outcome).observe(time.perf_counter() - start)
        if result.is_error:
            text = " ".join(getattr(block, "text", "") for block in result.content)
            raise ToolCallError(tool, text.removeprefix(f"Error executing tool {tool}: "))
        return model.model_validate(result.structured_content)

    async def find_pods(self, query: str, namespace: str | None = None, limit: int = 20) -> PodMatches:
        return await self._call("find_pods", PodMatches, query=query, namespace=namespace, limit=limit)

    async def list_pods(self, namespace: str | None = None, label_selector: str | None = None) -> PodList:
        return await self._call("list_pods", PodList, namespace=namespace, label_selector=label_selector, limit=50)

    async def get_pod(self, namespace: str, name: str) -> PodDetail:
        return await self._call("get_pod", PodDetail, namespace=namespace, name=name)

    async def top_pods(self, limit: int = 10) -> PodUsageList:
        """The heaviest pods by memory in every namespace the server may read (metrics.k8s.io)."""
        return await self._call("top_pods", PodUsageList, sort_by="memory", limit=limit)

    async def diagnose_pod(self, namespace: str, name: str) -> PodDiagnosis:
        return await self._call("diagnose_pod", PodDiagnosis, namespace=namespace, name=name)

    async def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadDetail:
        return await self._call("get_workload", WorkloadDetail, kind=kind, namespace=namespace, name=name)

    async def get_events(
        self,
        namespace: str,
        object_kind: str | None = None,
        object_name: str | None = None,
        warnings_only: bool = False,
    ) -> EventList:
        return await self._call(
            "get_events",
            EventList,
            namespace=namespace,
            object_kind=object_kind,
            object_name=object_name,
            warnings_only=warnings_only,
            limit=50,
        )

    async def get_service(self, namespace: str, name: str) -> ServiceDetail:
        return await self._call("get_service", ServiceDetail, namespace=namespace, name=name)

    async def get_rollout_history(self, kind: str, namespace: str, name: str, limit: int = 5) -> RolloutHistory:
        return await self._call(
            "get_rollout_history", RolloutHistory, kind=kind, namespace=namespace, name=name, limit=limit
        )

    async def find_problems(self, namespaces: list[str] | None = None, limit: int = 50) -> ProblemReport:
        """What is unhealthy in `namespaces` (None: every namespace the server may read), most severe first."""
        return await self._call("find_problems", ProblemReport, namespaces=namespaces or None, limit=limit)


class ClusterConnection:
    """One MCP client kept open for the process, shared by every investigation, reopened when it breaks.

    Opening a client lists the tools and compiles their output schemas; doing that once rather
    than per step is most of an in-process investigation's cost. Calls are independent
    JSON-RPC requests, so concurrent investigations share the client safely.

    The client lives in a task of its own: when a remote server dies, the SDK cancels the task
    that holds the connection, which must not be an investigation or the server's lifespan.
    A call that fails for want of an answer drops the connection; the next call opens a new
    one, so investigations work again as soon as the server is back (its restart forgets our
    MCP session anyway).
    """

    def __init__(
        self, connect: Callable[[], Any], timeout_seconds: float | None, server: str, context: str | None = None
    ) -> None:
        self._connect = connect
        self._server = server
        self._timeout = timeout_seconds
        # A server of several kubeconfig contexts reads the one each call names (its tools' `context`).
        self._context = context
        self._lock = asyncio.Lock()
        self._client: Client | None = None
        self._release = asyncio.Event()
        # Every connection's task, until it has closed its client (a task nobody refers to may vanish).
        self._holders: set[asyncio.Task[None]] = set()

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        connect: Callable[[], Any],
        *,
        timeout_seconds: float | None = None,
        server: str = "the Kubernetes MCP server",
    ) -> AsyncIterator[ClusterConnection]:
        """`connect()` gives a target to connect to: an MCPServer (in-process), a streamable HTTP URL or a
        fresh transport, or stdio parameters. `timeout_seconds` bounds every call (None: no bound);
        `server` names it in errors."""
        session = cls(connect, timeout_seconds, server)
        try:
            try:
                await session.client()  # now rather than in the first investigation
            except ClusterUnavailable as exc:
                log.warning("%s; connecting again at the first investigation", exc)
            yield session
        finally:
            await session.aclose()

    def tools(self) -> ClusterTools:
        return ClusterTools(self)

    async def client(self) -> Client:
        """The open client, connecting first if there is none (ClusterUnavailable if that fails)."""
        return (await self._current())[0]

    async def _current(self) -> tuple[Client, bool]:
        """The open client, and whether it was opened just now."""
        async with self._lock:
            if self._client is not None:
                return self._client, False
            self._client = await self._open_client()
            return self._client, True

    async def call_tool(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        if self._context is not None:
            arguments = {**arguments, "context": self._context}
        while True:
            client, fresh = await self._current()
            try:
                return await _call_tool(client, tool, arguments)
            except Exception as exc:  # no answer: a dead server, a dropped connection, a timeout
                await self._drop(client)
                # The tools only read, so a call that failed on an old connection (its server may
                # have restarted since, forgetting our session) is worth one try on a new one.
                if fresh or _timed_out(exc):
                    raise ClusterUnavailable(
                        f"{self._server} did not answer {tool}: {_reason(exc, self._timeout)}"
                    ) from exc

    async def _open_client(self) -> Client:
        ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        release = asyncio.Event()
        holder = asyncio.create_task(self._hold(ready, release), name="Kubernetes MCP client")
        self._holders.add(holder)
        holder.add_done_callback(self._holders.discard)
        try:
            async with asyncio.timeout(self._timeout):
                client = await asyncio.shield(ready)
        except BaseException as exc:  # also a cancelled caller: no connection may outlive it unowned
            holder.cancel()
            await asyncio.gather(holder, return_exceptions=True)
            if not isinstance(exc, Exception):
                raise
            raise ClusterUnavailable(f"cannot connect to {self._server}: {_reason(exc, self._timeout)}") from exc
        self._release = release
        return client

    async def _hold(self, ready: asyncio.Future[Client], release: asyncio.Event) -> None:
        """Open a client, hand it over, and keep it open (in this task) until released or broken."""
        try:
            async with Client(self._connect(), read_timeout_seconds=self._timeout) as client:
                if self._context is not None:
                    await _check_context(client, self._context)
                ready.set_result(client)
                await release.wait()
        except Exception as exc:  # the SDK ends a failed connection with its task group's errors
            if not ready.done():
                ready.set_exception(exc)
            else:
                log.warning("the connection to %s broke: %s", self._server, _reason(exc, self._timeout))

    async def _drop(self, client: Client) -> None:
        async with self._lock:
            if self._client is client:
                self._client = None
                self._release.set()

    async def aclose(self) -> None:
        """Close the client, if one is open."""
        async with self._lock:
            self._client = None
            self._release.set()
            await asyncio.gather(*self._holders, return_exceptions=True)


@dataclass(frozen=True)
class RemoteCluster:
    """A named cluster's Kubernetes MCP server."""

    url: str
    # A new client target (see ClusterConnection.open) per connection: a streamable HTTP transport serves one client.
    connect: Callable[[], Any]
    # The kubeconfig context to read on that server, when it serves several (None: its default one).
    context: str | None = None


class Clusters:
    """The default cluster's session, and one session per named cluster, made on first use and kept.

    Each session connects (and reconnects) by itself, so a cluster whose server cannot be reached
    fails the investigations that need it, and the next one tries again.
    """

    def __init__(
        self,
        default: ClusterConnection,
        remotes: Mapping[str, RemoteCluster] | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        self._default = default
        self._remotes = dict(remotes or {})
        self._timeout = timeout_seconds
        self._sessions: dict[str, ClusterConnection] = {}

    async def get(self, name: str | None) -> ClusterConnection:
        if name is None:
            return self._default
        remote = self._remotes.get(name)
        if remote is None:
            known = ", ".join(sorted(self._remotes)) or "none"
            raise ClusterUnavailable(f"cluster {name!r} is not configured (configured: {known})")
        if name not in self._sessions:
            server = f"the MCP server of cluster {name!r} at {remote.url}"
            if remote.context is not None:
                server += f" (context {remote.context!r})"
            self._sessions[name] = ClusterConnection(remote.connect, self._timeout, server, remote.context)
        return self._sessions[name]

    async def aclose(self) -> None:
        await asyncio.gather(*(session.aclose() for session in self._sessions.values()))


async def _call_tool(client: Client, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    """tools/call through the session's public send_request, without Client.call_tool's second
    validation of the result against the tool's output schema: ClusterTools validates every
    result with the same pydantic model the server's schema comes from, and the SDK's jsonschema
    pass over a diagnose_pod result cost a fifth of an investigation's CPU (bench/throughput.py)."""
    request = CallToolRequest(params=CallToolRequestParams(name=tool, arguments=arguments))
    return await client.session.send_request(request, CallToolResult)


class ContextNotServed(Exception):
    """A cluster names a kubeconfig context its MCP server does not serve."""


async def _check_context(client: Client, context: str) -> None:
    """Refuse, at connection, a server that would not read `context`: one serving a single context
    ignores an argument its tools do not declare and would answer from the wrong cluster."""
    for tool in (await client.list_tools()).tools:
        declared = (tool.input_schema.get("properties") or {}).get("context")
        if declared is not None:
            if any(context in (option.get("enum") or []) for option in [declared, *declared.get("anyOf", [])]):
                return
            break
    raise ContextNotServed(
        f"it serves no kubeconfig context {context!r}: serve it there (SRE_KUBE_CONTEXTS, or `mcp --context`) "
        "or drop `context` from this cluster in SRE_CLUSTERS"
    )


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or (isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT)


def _reason(exc: BaseException, timeout: float | None) -> str:
    """The innermost error of a task group's exception group, phrased for a person."""
    exc = innermost(exc)
    if _timed_out(exc):
        return f"no answer within {timeout:g} s" if timeout else "no answer in time"
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
