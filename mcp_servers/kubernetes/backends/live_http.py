"""GET requests to a live API server, answered as the raw bytes or JSON it sent.

Both live readers (live.py for the tools' own resources, live_resources.py for any kind) go
through here: the `kubernetes` client's ApiClient supplies what is hard to get right (the
kubeconfig's or the service account's credentials, refreshed exec-plugin tokens, TLS, proxies,
connect retries), and nothing else of it is used. Its generated API classes are not: they
import the typed models of every resource in their group (seconds and tens of MiB at start)
and validate every call's arguments with pydantic, for objects we read as plain JSON anyway.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import urllib3
from kubernetes import client

from mcp_servers.kubernetes.backend import BackendError

JSON = "application/json"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
TEXT = "text/plain, */*"
Query = Sequence[tuple[str, str]]


class ApiStatusError(Exception):
    """The API server answered with an error status; `message` is the human part of its Status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.message = status, message


class ApiGetter:
    """GETs against one API server with one client's credentials, `timeout` = (connect, read) seconds."""

    def __init__(self, api_client: client.ApiClient, timeout: tuple[float, float]) -> None:
        self.api_client = api_client
        self.timeout = timeout
        self._credentials = _CredentialCheck(api_client.configuration)

    @property
    def host(self) -> str:
        return str(self.api_client.configuration.host)

    def raw(self, path: str, query: Query = (), *, accept: str = JSON, what: str) -> bytes:
        """The body of a 2xx answer; ApiStatusError for any other status, BackendError when the
        server could not be reached or did not answer in time (`what` names what was being read)."""
        self._credentials.refresh_if_due()
        method, url, headers, _, _ = self.api_client.param_serialize(
            "GET", path, query_params=list(query), header_params={"Accept": accept}, auth_settings=["BearerToken"]
        )
        try:
            response = self.api_client.call_api(method, url, header_params=headers, _request_timeout=self.timeout)
            body = response.read()
        except urllib3.exceptions.HTTPError as exc:
            reason: Any = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
            if isinstance(reason, urllib3.exceptions.TimeoutError):
                reason = f"no answer within {self.timeout[1]:g} s"
            raise BackendError(f"the Kubernetes API at {self.host} failed while reading {what}: {reason}") from exc
        if 200 <= response.status < 300:
            return body or b""
        raise ApiStatusError(response.status, _status_message(body, response.reason))

    def json(self, path: str, query: Query = (), *, accept: str = JSON, what: str) -> dict[str, Any]:
        return json.loads(self.raw(path, query, accept=accept, what=what) or b"{}")


class _CredentialCheck:
    """The client's credential hook, run every few seconds instead of before every request.

    The kubeconfig loader's hook re-applies the whole config each time (host, TLS files, the proxy
    looked up in the environment: ~75 us of a ~500 us GET) and re-installs itself as it goes. It
    reloads a token only within 5 minutes of its expiry, and the in-cluster one rereads the token
    file once a minute, so looking every few seconds never sends an expired token.
    """

    INTERVAL_SECONDS = 5.0

    def __init__(self, configuration: client.Configuration) -> None:
        self._configuration = configuration
        self._hook: Callable[[client.Configuration], None] | None = configuration.refresh_api_key_hook
        self._checked_at = float("-inf")
        configuration.refresh_api_key_hook = None

    def refresh_if_due(self) -> None:
        now = time.monotonic()
        if self._hook is None or now - self._checked_at < self.INTERVAL_SECONDS:
            return
        self._hook(self._configuration)
        self._hook = self._configuration.refresh_api_key_hook or self._hook
        self._configuration.refresh_api_key_hook = None
        self._checked_at = now


def segment(name: str) -> str:
    """One path segment (a namespace or an object's name), escaped so it stays one segment."""
    return quote(name, safe="")


def _status_message(body: bytes | None, reason: str | None) -> str:
    """The `message` of a Kubernetes Status body, else the HTTP reason (a proxy's HTML error page)."""
    try:
        message = json.loads(body or b"{}").get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or reason or "no reason given")
