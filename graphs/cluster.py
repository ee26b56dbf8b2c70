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
from prometheus_client import Histogram
from pydantic import BaseModel

from mcp_servers.kubernetes.models import (
    EventList,
    LogExcerpt,
    PodDetail,
    PodDiagnosis,
    PodList,
    PodMatches,
    ServiceDetail,
    WorkloadDetail,
)

Model = TypeVar("Model", bound=BaseModel)
log = logging.getLogger("sre.graphs.cluster")

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


class ClusterTools:
    """Typed calls to the Kubernetes MCP tools over an open MCP client, counting its calls."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.calls = 0

    async def _call(self, tool: str, model: type[Model], **arguments: Any) -> Model:
        self.calls += 1
        start = time.perf_counter()
        outcome = "error"
        try:
            result = await self._client.call_tool(tool, {k: v for k, v in arguments.items() if v is not None})
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

    async def get_pod_logs(self, namespace: str, name: str, container: str, previous: bool) -> LogExcerpt:
        return await self._call(
            "get_pod_logs", LogExcerpt, namespace=namespace, name=name, container=container, previous=previous
        )


class ClusterSession:
    """One MCP client kept open for the process, shared by every investigation.

    Opening a client lists the tools and compiles their output schemas; doing that once rather
    than per step is most of an in-process investigation's cost. Calls are independent
    JSON-RPC requests, so concurrent investigations share the client safely.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    @classmethod
    @asynccontextmanager
    async def open(cls, target: Any) -> AsyncIterator[ClusterSession]:
        """`target`: an MCPServer (in-process), a streamable HTTP URL or transport, or stdio parameters."""
        async with Client(target) as client:
            yield cls(client)

    def tools(self) -> ClusterTools:
        return ClusterTools(self._client)


@dataclass(frozen=True)
class RemoteCluster:
    """A named cluster's Kubernetes MCP server."""

    url: str
    # A new client target (see ClusterSession.open) per session: a streamable HTTP transport serves one client.
    connect: Callable[[], Any]


class ClusterUnavailable(Exception):
    """The incident's cluster is not configured, or its MCP server cannot be reached."""


def _root_cause(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # the MCP client's task group wraps it
        exc = exc.exceptions[0]
    return exc


class ClusterSessions:
    """The default cluster's session, and one session per named cluster, opened on first use and kept.

    Each named session is held open by a task of its own: an MCP client's task group must be
    entered and left by the same task, and the investigation that first needs a cluster ends
    (or times out) long before the session should. A cluster whose server cannot be reached
    fails the investigations that need it; the next one tries again.
    """

    def __init__(self, default: ClusterSession, remotes: Mapping[str, RemoteCluster] | None = None) -> None:
        self._default = default
        self._remotes = dict(remotes or {})
        self._sessions: dict[str, asyncio.Future[ClusterSession]] = {}
        self._holders: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()

    async def get(self, name: str | None) -> ClusterSession:
        if name is None:
            return self._default
        remote = self._remotes.get(name)
        if remote is None:
            known = ", ".join(sorted(self._remotes)) or "none"
            raise ClusterUnavailable(f"cluster {name!r} is not configured (configured: {known})")
        opening = self._sessions.get(name)
        if opening is None or (opening.done() and opening.exception() is not None):
            opening = self._sessions[name] = asyncio.get_running_loop().create_future()
            holder = asyncio.create_task(self._hold(name, remote, opening), name=f"MCP session of cluster {name}")
            self._holders.add(holder)
            holder.add_done_callback(self._holders.discard)
        try:
            # Shielded: a cancelled investigation must not cancel the opening others wait for.
            return await asyncio.shield(opening)
        except Exception as exc:
            cause = _root_cause(exc)
            raise ClusterUnavailable(
                f"cannot reach the MCP server of cluster {name!r} at {remote.url}: {cause or type(cause).__name__}"
            ) from exc

    async def _hold(self, name: str, remote: RemoteCluster, opened: asyncio.Future[ClusterSession]) -> None:
        try:
            async with ClusterSession.open(remote.connect()) as session:
                opened.set_result(session)
                await self._closing.wait()
        except Exception as exc:
            if not opened.done():
                opened.set_exception(exc)
                opened.exception()  # retrieved here: nobody may be waiting any more
            else:  # it broke after it opened: forget it, so that the next investigation opens a new one
                log.warning("the MCP session of cluster %r ended: %s", name, _root_cause(exc))
                if self._sessions.get(name) is opened:
                    del self._sessions[name]

    async def aclose(self) -> None:
        self._closing.set()
        await asyncio.gather(*self._holders, return_exceptions=True)
