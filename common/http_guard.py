"""HTTP guards shared by every server we run: bearer tokens, allowed Host headers, loopback-only by default.

A server without tokens is for this machine only: `unprotected_listen_error` refuses any other
address unless the operator says a NetworkPolicy guards it; `transport_security` is the MCP SDK's
DNS-rebinding guard (only loopback names and the listed hosts may appear in `Host`), and
`AllowedHostsMiddleware` is the same guard for any other app served without tokens: a web page
on a rebinding domain (which resolves to 127.0.0.1 after the browser has checked its origin)
sends its own name as `Host`, and gets a 421 instead of the data.

Host patterns are the MCP SDK's: `name` matches a `Host` without a port, `name:8080` that port,
`name:*` any port; names compare case-insensitively.
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
        detail = "send 'Authorization: Bearer <token>' with one of the server's API tokens"
        await _send_problem(
            send, 401, "Unauthorized", detail, [(b"www-authenticate", b'Bearer realm="sre-orchestrator"')]
        )


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether a `Host` header matches one of the patterns (`name`, `name:port` or `name:*`)."""
    host = host.strip().lower()
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern.endswith(":*"):
            if host.startswith(pattern[:-1]) and host[len(pattern) - 1 :].isdigit():
                return True
        elif host == pattern:
            return True
    return False


class AllowedHostsMiddleware:
    """Answer 421 to a request whose `Host` is neither a loopback name nor listed; `open_paths` are
    exempt (probes: a kubelet sends the pod's IP as `Host`, and they show no data)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str], setting: str, open_paths: Iterable[str] = ()):
        self.app = app
        self.patterns = [*LOCAL_HOSTS, *allowed_hosts]
        self.setting = setting
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope["headers"] if name == b"host"), b"").decode("latin-1")
        if host_allowed(host, self.patterns):
            await self.app(scope, receive, send)
            return
        shown = host if len(host) <= 100 else host[:100] + "..."
        fix = (
            f"add {shown!r} to {self.setting} (comma-separated, 'name:*' for any port) if it names this server"
            if host
            else "send a Host header"
        )
        detail = (
            f"this server has no API tokens, so it answers only to loopback names and the hosts listed in "
            f"{self.setting}; {fix}, or configure API tokens"
        )
        await _send_problem(send, 421, "Misdirected Request", detail, [])


async def _send_problem(send: Send, status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    start_headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})


def transport_security(allowed_hosts: Iterable[str]) -> TransportSecuritySettings:
    hosts = LOCAL_HOSTS + list(allowed_hosts)
    origins = [f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts]
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)
