"""DNS rebinding over real HTTP: without tokens, `serve` answers only to loopback names and listed hosts.

A page on a rebinding domain reaches 127.0.0.1 with its own name as `Host`; the server must
refuse it (421) on the REST API, the web UI and /mcp, while probes (the kubelet sends the pod's
IP as `Host`) keep working. With tokens the guard is off: the tokens protect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings

INCIDENTS = "/api/v1/incidents"


@contextlib.contextmanager
def _serve(directory: Path, **overrides: Any) -> Iterator[httpx2.Client]:
    settings = OrchestratorSettings(database_url=f"sqlite:///{directory / 'incidents.db'}", **overrides)
    app = create_app(settings, ScriptedFactory(directory / "journal.txt"))
    with serve_in_thread(app) as url, httpx2.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx2.Client]:
    """No tokens, one extra host from each setting."""
    with _serve(
        tmp_path_factory.mktemp("hosts"),
        allowed_hosts=["sre.example.org"],
        mcp_allowed_hosts=["sre-orchestrator.sre.svc:*"],
    ) as client:
        yield client


@pytest.mark.parametrize("path", [INCIDENTS, "/ui/", "/ui/incidents/new"])
def test_a_rebinding_host_gets_421_naming_the_setting(open_server: httpx2.Client, path: str) -> None:
    answer = open_server.get(path, headers={"Host": "evil.example"})
    assert answer.status_code == 421
    assert answer.headers["content-type"] == "application/problem+json"
    detail = answer.json()["detail"]
    assert "add 'evil.example' to SRE_ALLOWED_HOSTS" in detail
    assert "[" not in answer.text  # no incident list came with it


def test_a_rebinding_host_cannot_post_an_incident_either(open_server: httpx2.Client) -> None:
    answer = open_server.post(INCIDENTS, json={"description": "x"}, headers={"Host": "evil.example:8080"})
    assert answer.status_code == 421
    assert open_server.get(INCIDENTS).json()["items"] == []


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "LOCALHOST", "[::1]:{port}"])
def test_loopback_names_with_any_port_are_served(open_server: httpx2.Client, host: str) -> None:
    port = open_server.base_url.port
    for path in (INCIDENTS, "/ui/"):
        assert open_server.get(path, headers={"Host": host.format(port=port)}).status_code == 200


@pytest.mark.parametrize("host", ["sre.example.org", "sre-orchestrator.sre.svc:8080"])
def test_hosts_from_either_setting_are_served(open_server: httpx2.Client, host: str) -> None:
    assert open_server.get(INCIDENTS, headers={"Host": host}).status_code == 200
    assert open_server.get("/ui/", headers={"Host": host}).status_code == 200


def test_a_listed_name_without_a_port_pattern_does_not_match_other_ports(open_server: httpx2.Client) -> None:
    # 'sre.example.org' names the host without a port; a name that merely starts with it is another host.
    assert open_server.get(INCIDENTS, headers={"Host": "sre.example.org:9999"}).status_code == 421
    assert open_server.get(INCIDENTS, headers={"Host": "sre.example.org.evil.example"}).status_code == 421


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
def test_probes_answer_whatever_the_host(open_server: httpx2.Client, path: str) -> None:
    # A kubelet probes with the pod's IP as Host; these show no incident.
    assert open_server.get(path, headers={"Host": "10.1.2.3:8080"}).status_code == 200


@pytest.mark.parametrize(("host", "status"), [("evil.example", 421), ("sre.example.org", 200)])
def test_mcp_takes_the_same_hosts(open_server: httpx2.Client, host: str, status: int) -> None:
    answer = open_server.post(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Host": host, "Accept": "application/json, text/event-stream"},
    )
    assert answer.status_code == status, answer.text


def test_with_tokens_any_host_is_served_to_a_token_holder_and_none_without(tmp_path: Path) -> None:
    with _serve(tmp_path, api_tokens=["t0ken"]) as client:
        served = client.get(INCIDENTS, headers={"Host": "orchestrator.example", "Authorization": "Bearer t0ken"})
        anonymous = client.get(INCIDENTS, headers={"Host": "evil.example"})
    assert (served.status_code, anonymous.status_code) == (200, 401)
