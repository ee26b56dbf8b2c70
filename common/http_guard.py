"""HTTP guards shared by every server we run: bearer tokens, allowed Host headers, loopback-only by default.

A server without tokens is for this machine only: `unprotected_listen_error` refuses any other
address unless the operator says a NetworkPolicy guards it; `transport_security` is the MCP SDK's
DNS-rebinding guard (only loopback names and the listed hosts may appear in `Host`).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Iterable

from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]


def is_loopback(host: str) -> bool:
    """Whether an address to listen on reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost may resolve to anything
        return False


def unprotected_listen_error(
    host: str,
    port: int,
    *,
    has_tokens: bool,
    allowed: bool,
    tokens_setting: str,
    allow_setting: str,
    tokens_name: str = "tokens",
) -> str | None:
    """Why serving `host:port` is refused (None when it is fine): off loopback, tokens are required."""
    if is_loopback(host) or has_tokens or allowed:
        return None
    return (
        f"refusing to serve {host}:{port} without {tokens_name}; set {tokens_setting} or {tokens_setting}_FILE, "
        f"or {allow_setting}=true when a NetworkPolicy guards the port"
    )


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
    hosts = LOCAL_HOSTS + list(allowed_hosts)
    origins = [f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)
