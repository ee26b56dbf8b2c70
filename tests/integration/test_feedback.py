"""Feedback on verdicts and the rule stats over real HTTP: uvicorn, the real store, the LangGraph double."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings

NAMED = "alice:s3cret-token"
UNNAMED = "plain-token"
INCIDENTS = "/api/v1/incidents"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("feedback")
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{directory / 'incidents.db'}", api_tokens=[NAMED, UNNAMED], metrics_public=True
    )
    with serve_in_thread(create_app(settings, ScriptedFactory(directory / "journal.txt"))) as base:
        yield base


def _client(url: str, token: str = NAMED) -> httpx2.Client:
    return httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _finished(client: httpx2.Client, description: str) -> dict[str, Any]:
    incident_id = client.post(INCIDENTS, json={"description": description}).json()["incident_id"]
    deadline = time.monotonic() + 10
    while (incident := client.get(f"{INCIDENTS}/{incident_id}").json())["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return incident


def test_feedback_is_recorded_with_the_token_name_and_replaced_by_a_later_one(url: str) -> None:
    with _client(url) as client:
        incident = _finished(client, "checkout is down; rule=rec")
        path = f"{INCIDENTS}/{incident['incident_id']}/feedback"
        assert client.get(path).status_code == 404
        first = client.post(path, json={"verdict": "confirmed", "comment": "  right on  "})
        assert first.status_code == 200, first.text
        assert first.json()["author"] == "alice"
        assert first.json()["comment"] == "right on"
        second = client.post(
            path,
            json={"verdict": "rejected", "actual_category": "dns_resolution_failure", "actual_component": "coredns"},
        )
        assert second.status_code == 200
        recorded = client.get(path).json()
        assert recorded["verdict"] == "rejected"
        assert recorded["actual_category"] == "dns_resolution_failure"
        assert recorded["actual_component"] == "coredns"
        assert recorded["comment"] is None
    with _client(url, UNNAMED) as client:
        assert client.post(path, json={"verdict": "confirmed"}).json()["author"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "verdict"),
        ({"verdict": "maybe"}, "verdict"),
        ({"verdict": "rejected", "actual_category": "gremlins"}, "actual_category"),
        ({"verdict": "confirmed", "by": "me"}, "by"),
        ({"verdict": "confirmed", "comment": "x" * 2001}, "comment"),
    ],
)
def test_invalid_feedback_is_422_naming_the_field(url: str, body: dict[str, Any], field: str) -> None:
    with _client(url) as client:
        incident = _finished(client, "invalid feedback target")
        response = client.post(f"{INCIDENTS}/{incident['incident_id']}/feedback", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_feedback_needs_a_token_a_known_incident_and_a_verdict(url: str) -> None:
    with _client(url) as client:
        unknown_id = "9b2f1c4e-7d3a-4e8b-a1f0-5c6d7e8f9a0b"
        unknown = client.post(f"{INCIDENTS}/{unknown_id}/feedback", json={"verdict": "confirmed"})
        assert unknown.status_code == 404
        failed = _finished(client, "broken; first=fail:no cluster")
        assert failed["status"] == "failed"
        refused = client.post(f"{INCIDENTS}/{failed['incident_id']}/feedback", json={"verdict": "confirmed"})
        assert refused.status_code == 409
        assert "failed" in refused.json()["detail"]
        pending = client.post(INCIDENTS, json={"description": "slow; first=hang"}).json()
        early = client.post(f"{INCIDENTS}/{pending['incident_id']}/feedback", json={"verdict": "confirmed"})
        assert early.status_code == 409
        assert "once its investigation has completed" in early.json()["detail"]
    with httpx2.Client(base_url=url) as anonymous:
        assert anonymous.post(f"{INCIDENTS}/{failed['incident_id']}/feedback", json={"verdict": "x"}).status_code == 401
        assert anonymous.get("/api/v1/stats/rules").status_code == 401


def _row(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (row,) = [row for row in rows if row["name"] == name]
    return row


def test_stats_count_verdicts_and_feedback_per_rule_and_category(url: str) -> None:
    with _client(url) as client:
        verdicts = ["confirmed", "confirmed", "rejected", None]
        for verdict in verdicts:
            incident = _finished(client, "stats; rule=stats-a; category=volume_failure")
            if verdict:
                client.post(f"{INCIDENTS}/{incident['incident_id']}/feedback", json={"verdict": verdict})
        _finished(client, "stats; rule=stats-b; category=volume_failure")
        stats = client.get("/api/v1/stats/rules").json()
    assert _row(stats["rules"], "stats-a") == {
        "name": "stats-a",
        "findings": 4,
        "confirmed": 2,
        "rejected": 1,
        "precision": 0.6667,
    }
    assert _row(stats["rules"], "stats-b") == {
        "name": "stats-b",
        "findings": 1,
        "confirmed": 0,
        "rejected": 0,
        "precision": None,
    }
    assert _row(stats["categories"], "volume_failure") == {
        "name": "volume_failure",
        "findings": 5,
        "confirmed": 2,
        "rejected": 1,
        "precision": 0.6667,
    }
    metrics = httpx2.get(f"{url}/metrics").text
    assert 'sre_rule_verdicts{outcome="confirmed",rule="stats-a"} 2.0' in metrics
    assert 'sre_rule_verdicts{outcome="findings",rule="stats-b"} 1.0' in metrics
    assert 'sre_rule_precision{rule="stats-a"} 0.6667' in metrics
    assert 'sre_rule_precision{rule="stats-b"}' not in metrics
    assert 'sre_category_verdicts{category="volume_failure",outcome="rejected"} 1.0' in metrics


async def _mcp_feedback(url: str, token: str, arguments: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    transport = streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=30))
    async with Client(transport) as client:
        return await client.call_tool("give_feedback", arguments)


@pytest.mark.anyio
async def test_the_workflow_mcp_tool_records_feedback_with_the_token_name(url: str) -> None:
    with _client(url) as client:
        incident = _finished(client, "mcp feedback; rule=mcp-rule")
        pending = client.post(INCIDENTS, json={"description": "mcp early; first=hang"}).json()
    arguments = {"incident_id": incident["incident_id"], "verdict": "rejected", "actual_category": "eviction"}
    result = await _mcp_feedback(url, NAMED, arguments)
    assert not result.is_error, result
    assert result.structured_content["author"] == "alice"
    assert "Recorded by alice" in result.content[0].text
    with _client(url) as client:
        recorded = client.get(f"{INCIDENTS}/{incident['incident_id']}/feedback").json()
    assert (recorded["verdict"], recorded["actual_category"], recorded["author"]) == ("rejected", "eviction", "alice")
    early = await _mcp_feedback(url, NAMED, {"incident_id": pending["incident_id"], "verdict": "confirmed"})
    assert early.is_error and "once its investigation has completed" in early.content[0].text
    unknown = await _mcp_feedback(url, NAMED, {"incident_id": "nope", "verdict": "confirmed"})
    assert unknown.is_error and "list_incidents" in unknown.content[0].text
    invalid = await _mcp_feedback(url, UNNAMED, {"incident_id": "nope", "verdict": "maybe"})
    assert invalid.is_error
