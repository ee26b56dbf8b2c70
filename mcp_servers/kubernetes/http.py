"""The tool server over streamable HTTP: `/mcp`, plus `/health` and `/ready` for probes.

Hosts other than localhost must be listed (the SDK's DNS-rebinding guard answers 421
otherwise), and when tokens are configured every request but the probes needs one.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable

import anyio
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_servers.kubernetes.backends.base import Backend, BackendError

_LOCAL_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
# Prometheus scrapes without a token; the metrics are counts and latencies by tool name.
OPEN_PATHS = ("/health", "/ready", "/metrics")


class BearerTokenMiddleware:
    """Reject requests without one of the tokens, comparing in constant time; probes stay open."""

    def __init__(self, app: ASGIApp, tokens: Iterable[str], open_paths: Iterable[str] = ("/health", "/ready")):
        self.app = app
        self.tokens = [t.encode() for t in tokens]
        self.open_paths = frozenset(open_paths)

    def authorized(self, header: str) -> bool:
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return False
        candidate = presented.strip().encode()
        # Compare against every token (no short-circuit) so timing does not reveal which matched.
        matches = [hmac.compare_digest(candidate, token) for token in self.tokens]
        return any(matches)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.tokens or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        if self.authorized(header.decode("latin-1")):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "send 'Authorization: Bearer <token>' with one of the server's API tokens",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"www-authenticate", b'Bearer realm="sre-orchestrator"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def transport_security(allowed_hosts: Iterable[str]) -> TransportSecuritySettings:
    hosts = _LOCAL_HOSTS + list(allowed_hosts)
    origins = [f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


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
