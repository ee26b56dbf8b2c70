"""Host patterns of the allowed-hosts guard: the MCP SDK's spelling (`name`, `name:port`, `name:*`)."""

from __future__ import annotations

import pytest

from common.http_guard import LOCAL_HOSTS, host_allowed

PATTERNS = [*LOCAL_HOSTS, "sre.example.org", "sre.sre.svc:8080", "ingress.example:*"]


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8080",
        "127.0.0.1:1",
        "[::1]:65535",
        "LocalHost:80",
        "sre.example.org",
        "sre.sre.svc:8080",
        "ingress.example:443",
        " ingress.example:443 ",
    ],
)
def test_allowed(host: str) -> None:
    assert host_allowed(host, PATTERNS)


@pytest.mark.parametrize(
    "host",
    [
        "",  # no Host header at all
        "evil.example",
        "localhost.evil.example",  # a name that starts with a listed one
        "localhost:",  # a port that is no number
        "localhost:80x",
        "127.0.0.2:8080",  # loopback too, but not one of the listed names
        "sre.example.org:8080",  # listed without a port: only without one
        "sre.sre.svc:9090",
        "ingress.example",  # listed for any port, but with one
        "ingress.example:*",  # the pattern itself is no host
    ],
)
def test_refused(host: str) -> None:
    assert not host_allowed(host, PATTERNS)
