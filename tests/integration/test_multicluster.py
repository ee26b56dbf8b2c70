"""Several clusters from one `serve`, over real HTTP: each incident goes to its cluster's MCP server.

Two Kubernetes MCP servers run over HTTP on two scenario snapshots with different root causes
(one of them requires a token, read from the cluster's `token_file`); `serve` knows both through
SRE_CLUSTERS, plus a third whose server is down, and investigates a third snapshot by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from paths import SCENARIOS
from processes import cli_server, free_port, mcp_http_server
from test_investigations_e2e import wait_until_finished

from orchestrator.models import IncidentRequest
from orchestrator.store.sqlite import SqliteIncidentStore

SCENARIOS = SCENARIOS
TOKEN = "multicluster-api-token"
MCP_TOKEN = "pricing-mcp-token"
INCIDENTS = "/api/v1/incidents"


@dataclass
class Deployment:
    client: httpx2.Client
    database: str
    env: dict[str, str]
    default_snapshot: Path


def _description(scenario: str) -> str:
    return yaml.safe_load((SCENARIOS / scenario / "scenario.yaml").read_text(encoding="utf-8"))["description"]


@contextlib.contextmanager
def _serve(directory: Path, database: str, env: dict[str, str], snapshot: Path) -> Iterator[httpx2.Client]:
    args = ["serve", "--snapshot", snapshot, "--database-url", database]
    with (
        cli_server(args, directory, env={**env, "SRE_API_TOKENS": TOKEN}) as server,
        httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("multicluster")
    token_file = directory / "pricing-token"
    token_file.write_text(MCP_TOKEN + "\n", encoding="utf-8")
    with (
        mcp_http_server(
            ["--snapshot", SCENARIOS / "oom-killed-python" / "cluster"], directory, env={"SRE_MCP_TOKENS": MCP_TOKEN}
        ) as pricing,
        mcp_http_server(["--snapshot", SCENARIOS / "image-pull-backoff" / "cluster"], directory) as payments,
    ):
        clusters = {
            "pricing": {"url": pricing.mcp_url, "token_file": str(token_file)},
            "payments": {"url": payments.mcp_url},
            "down": {"url": f"http://127.0.0.1:{free_port()}/mcp"},  # nothing listens there
        }
        env = {"SRE_CLUSTERS": json.dumps(clusters)}
        database = f"sqlite:///{directory / 'incidents.db'}"
        default_snapshot = SCENARIOS / "missing-configmap" / "cluster"
        with _serve(directory, database, env, default_snapshot) as client:
            yield Deployment(client, database, env, default_snapshot)


def _report(client: httpx2.Client, description: str, cluster: str | None = None) -> httpx2.Response:
    body = {"description": description} | ({"cluster": cluster} if cluster else {})
    return client.post(INCIDENTS, json=body)


def test_each_incident_is_investigated_in_the_cluster_it_names(deployment: Deployment) -> None:
    client = deployment.client
    created = {
        cluster: _report(client, _description(scenario), cluster)
        for cluster, scenario in [("pricing", "oom-killed-python"), ("payments", "image-pull-backoff")]
    }
    # The pricing incident sent to the payments cluster, whose snapshot has no such pods.
    misrouted = _report(client, _description("oom-killed-python"), "payments")
    default = _report(client, _description("missing-configmap"))
    for response in [*created.values(), misrouted, default]:
        assert response.status_code == 202, response.text

    pricing = wait_until_finished(client, created["pricing"].headers["location"])
    payments = wait_until_finished(client, created["payments"].headers["location"])
    assert (pricing["cluster"], pricing["source"], pricing["status"]) == ("pricing", "api", "completed")
    assert pricing["report"]["category"] == "insufficient_memory"
    assert pricing["extracted"]["pod"] == "pricefeed-worker-6d78559656-8cj9c"
    assert (payments["cluster"], payments["status"]) == ("payments", "completed")
    assert payments["report"]["category"] == "image_pull_failure"
    assert payments["extracted"]["pod"] == "payment-gateway-66f6fb8bb5-lnlg6"

    wrong_cluster = wait_until_finished(client, misrouted.headers["location"])
    assert wrong_cluster["report"]["category"] != "insufficient_memory"
    assert wrong_cluster["extracted"]["pod"] != "pricefeed-worker-6d78559656-8cj9c"

    in_default = wait_until_finished(client, default.headers["location"])
    assert in_default["cluster"] is None
    assert in_default["report"]["category"] == "missing_config"


def test_an_unknown_cluster_is_422_listing_the_known_ones(deployment: Deployment) -> None:
    before = deployment.client.get(INCIDENTS, params={"limit": 100}).json()["items"]
    response = _report(deployment.client, "checkout is down", "prod-us")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "cluster"
    assert "unknown cluster 'prod-us'" in problem["detail"]
    assert "down, payments, pricing" in problem["detail"]
    assert "default" in problem["detail"]
    invalid = _report(deployment.client, "checkout is down", "prod us")
    assert invalid.status_code == 422
    assert "must be a cluster name" in invalid.json()["detail"]
    assert deployment.client.get(INCIDENTS, params={"limit": 100}).json()["items"] == before  # nothing recorded


def test_a_cluster_whose_server_is_down_fails_only_its_incidents(deployment: Deployment) -> None:
    down = _report(deployment.client, _description("oom-killed-python"), "down")
    up = _report(deployment.client, _description("oom-killed-python"), "pricing")
    failed = wait_until_finished(deployment.client, down.headers["location"])
    assert failed["status"] == "failed"
    assert "cluster 'down'" in failed["error"] and "http://127.0.0.1:" in failed["error"], failed["error"]
    assert wait_until_finished(deployment.client, up.headers["location"])["report"]["category"] == "insufficient_memory"


def test_an_unfinished_incident_is_taken_up_in_its_cluster_after_a_restart(
    deployment: Deployment, tmp_path: Path
) -> None:
    """A pending incident recorded by a process that stopped before investigating it."""
    database = f"sqlite:///{tmp_path / 'incidents.db'}"

    async def record() -> str:
        async with SqliteIncidentStore(tmp_path / "incidents.db") as store:
            request = IncidentRequest(description=_description("image-pull-backoff"), cluster="payments")
            return (await store.create(request)).incident_id

    incident_id = asyncio.run(record())
    with _serve(tmp_path, database, deployment.env, deployment.default_snapshot) as client:
        incident = wait_until_finished(client, f"{INCIDENTS}/{incident_id}")
    assert incident["cluster"] == "payments"
    assert incident["report"]["category"] == "image_pull_failure"


def test_alerts_go_to_the_cluster_their_cluster_label_names(deployment: Deployment) -> None:
    labels = {"alertname": "KubePodNotReady", "namespace": "payments", "pod": "payment-gateway-66f6fb8bb5-lnlg6"}

    def notification(*clusters: str) -> dict[str, Any]:
        alerts = [
            {
                "status": "firing",
                "labels": labels | {"cluster": cluster},
                "annotations": {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
                "startsAt": "2026-11-26T09:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": f"{cluster}-fingerprint",
            }
            for cluster in clusters
        ]
        common = labels | ({"cluster": clusters[0]} if len(set(clusters)) == 1 else {})
        return {
            "version": "4",
            "groupKey": '{}:{alertname="KubePodNotReady"}',
            "status": "firing",
            "receiver": "sre",
            "groupLabels": {"alertname": "KubePodNotReady"},
            "commonLabels": common,
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "truncatedAlerts": 0,
            "alerts": alerts,
        }

    webhook = "/api/v1/alerts/alertmanager"
    created = deployment.client.post(webhook, json=notification("payments"))
    assert created.status_code == 202, created.text
    incident = wait_until_finished(deployment.client, created.headers["location"])
    assert (incident["cluster"], incident["source"]) == ("payments", "alertmanager")
    assert incident["report"]["category"] == "image_pull_failure"
    # The same group key in another cluster is another group.
    other = deployment.client.post(webhook, json=notification("pricing"))
    assert other.status_code == 202, other.text
    assert other.json()["incident"]["cluster"] == "pricing"

    # A failed investigation does not hold its group: the repeat investigates again.
    failing = deployment.client.post(webhook, json=notification("down"))
    assert wait_until_finished(deployment.client, failing.headers["location"])["status"] == "failed"
    retried = deployment.client.post(webhook, json=notification("down"))
    assert (retried.status_code, retried.json()["outcome"]) == (202, "created"), retried.text
    assert retried.json()["incident_id"] != failing.json()["incident_id"]

    unknown = deployment.client.post(webhook, json=notification("prod-us"))
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "commonLabels.cluster"
    assert "unknown cluster 'prod-us'" in unknown.json()["detail"] and "payments" in unknown.json()["detail"]
    mixed = deployment.client.post(webhook, json=notification("payments", "pricing"))
    assert mixed.status_code == 422, mixed.text
    assert "group_by" in mixed.json()["detail"]


@pytest.mark.anyio
async def test_the_workflow_mcp_server_investigates_in_the_cluster_named(deployment: Deployment) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    http = httpx2.AsyncClient(headers=headers, timeout=60)
    async with Client(streamable_http_client(f"{deployment.client.base_url}/mcp", http_client=http)) as client:
        arguments = {"description": _description("image-pull-backoff"), "cluster": "payments", "wait_seconds": 60}
        result = await client.call_tool("investigate", arguments)
        unknown = await client.call_tool("investigate", {"description": "checkout is down", "cluster": "prod-us"})
    assert not result.is_error, result.content
    report = result.structured_content
    assert (report["cluster"], report["source"], report["category"]) == ("payments", "mcp", "image_pull_failure")
    assert unknown.is_error
    message = " ".join(getattr(block, "text", "") for block in unknown.content)
    assert "unknown cluster 'prod-us'" in message and "down, payments, pricing" in message
