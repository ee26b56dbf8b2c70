"""The tool server over streamable HTTP: `/mcp`, plus `/health` and `/ready` for probes.

Hosts other than localhost must be listed (the SDK's DNS-rebinding guard answers 421
otherwise), and when tokens are configured every request but the probes needs one.
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio
from mcp.server import MCPServer
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from common.http_guard import BearerTokenMiddleware, transport_security
from mcp_servers.kubernetes.backend import Backend, BackendError

# Prometheus scrapes without a token; the metrics are counts and latencies by tool name.
OPEN_PATHS = ("/health", "/ready", "/metrics")


def build_http_app(
    server: MCPServer,
    backend: Backend,
    *,
    allowed_hosts: Iterable[str] = (),
    tokens: Iterable[str] = (),
    namespace: str | None = None,
) -> ASGIApp:
    @server.custom_route("/health", methods=["GET"], include_in_schema=False)
    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/ready", methods=["GET"], include_in_schema=False)
    async def ready(_: Request) -> Response:
        try:
            await anyio.to_thread.run_sync(backend.check_connection, namespace)
        except BackendError as exc:
            return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "backend": backend.name})

    @server.custom_route("/metrics", methods=["GET"], include_in_schema=False)
    async def metrics(_: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        transport_security=transport_security(allowed_hosts),
        # Each request is independent (no server-side session state), so replicas and restarts
        # never strand a client.
        stateless_http=True,
        json_response=True,
    )
    return BearerTokenMiddleware(app, tokens, OPEN_PATHS)
