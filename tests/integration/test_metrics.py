"""Prometheus /metrics of `serve` and of `mcp --transport http`, scraped over real HTTP from real processes.

The deployment's shape: the Kubernetes MCP server over streamable HTTP with a token, and `serve`
calling it, both over the demo snapshot. The expositions are read with prometheus_client's own
parser, as Prometheus would read them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import httpx2
import pytest
from openai_server import OpenAIServer, answer
from paths import ROOT
from processes import CLI, ServerProcess, cli_server, mcp_http_server
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import REGISTRY
from test_llm_analysis import DB_REFUSED, DESCRIPTION, EXTRACTION, GROUNDED

from graphs.models import LLMStatus, LLMUsage, Report
from orchestrator import metrics

ROOT = ROOT
DEMO = ROOT / "knowledge" / "demo"
API_TOKEN = "metrics-api-token"
MCP_TOKEN = "metrics-mcp-token"
INCIDENTS = "/api/v1/incidents"


@dataclass
class Deployment:
    api: ServerProcess
    mcp: ServerProcess
    client: httpx2.Client  # sends the API token


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) -> value, for every sample of an exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(values: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(value for (sample, got), value in values.items() if sample == name and wanted <= got)


def wait_finished(client: httpx2.Client, incident_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        incident = client.get(f"{INCIDENTS}/{incident_id}").json()
        if incident["status"] in ("completed", "failed"):
            return incident
        time.sleep(0.05)
    raise AssertionError(f"incident {incident_id} did not finish")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("metrics")
    with mcp_http_server(["--snapshot", DEMO / "cluster"], work, {"SRE_MCP_TOKENS": MCP_TOKEN}) as mcp:
        env = {"SRE_MCP_URL": mcp.mcp_url, "SRE_MCP_TOKEN": MCP_TOKEN, "SRE_API_TOKENS": API_TOKEN}
        args = ["serve", "--knowledge-graph", DEMO / "knowledge_graph.yaml", "--database-url", f"sqlite:///{work}/m.db"]
        with (
            cli_server(args, work, env) as api,
            httpx2.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client,
        ):
            yield Deployment(api, mcp, client)


def test_metrics_count_incidents_investigations_and_tool_calls_on_both_sides(deployment: Deployment) -> None:
    before = samples(httpx2.get(f"{deployment.api.base_url}/metrics").text)
    created = []
    for description in ("auth-service is in CrashLoopBackOff", "checkout cannot reach its database"):
        response = deployment.client.post(INCIDENTS, json={"description": description})
        assert response.status_code == 202
        created.append(response.json()["incident_id"])
    finished = [wait_finished(deployment.client, incident_id) for incident_id in created]

    # Prometheus scrapes without a token; the API itself still wants one.
    scraped = httpx2.get(f"{deployment.api.base_url}/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert httpx2.get(f"{deployment.api.base_url}{INCIDENTS}").status_code == 401
    after = samples(scraped.text)

    # Incidents by status come from the store: they agree with what the API lists.
    listed = deployment.client.get(INCIDENTS, params={"limit": 100}).json()["items"]
    for status in metrics.STATUSES:
        assert total(after, "sre_incidents", status=status) == sum(item["status"] == status for item in listed)
    assert total(after, "sre_investigations_running") == 0

    completed = sum(incident["status"] == "completed" for incident in finished)
    assert completed >= 1
    grew = total(after, "sre_investigation_duration_seconds_count", outcome="completed") - total(
        before, "sre_investigation_duration_seconds_count", outcome="completed"
    )
    assert grew == completed
    assert total(after, "sre_investigation_duration_seconds_sum") > 0

    # Every tool call the investigations made was timed by the client, and served (and timed) by the MCP server.
    client_calls = total(after, "sre_mcp_tool_call_duration_seconds_count")
    assert total(after, "sre_mcp_tool_call_duration_seconds_count", tool="diagnose_pod", outcome="ok") >= 1
    mcp_scraped = httpx2.get(f"{deployment.mcp.base_url}/metrics")  # open, although the MCP server has a token
    assert mcp_scraped.status_code == 200
    served = samples(mcp_scraped.text)
    assert total(served, "sre_kubernetes_tool_duration_seconds_count") == client_calls > 0
    assert total(served, "sre_kubernetes_tool_duration_seconds_count", tool="diagnose_pod") == total(
        after, "sre_mcp_tool_call_duration_seconds_count", tool="diagnose_pod"
    )
    # Both expose their process's memory, which the footprint target is about.
    assert total(served, "process_resident_memory_bytes") > 0
    assert total(after, "process_resident_memory_bytes") > 0


def test_tool_errors_are_counted_by_the_mcp_server(deployment: Deployment) -> None:
    def errors() -> float:
        return total(samples(httpx2.get(f"{deployment.mcp.base_url}/metrics").text), "sre_kubernetes_tool_errors_total")

    before = errors()
    # The product's own MCP client: `tool --url` exits 1 on a tool error.
    command = [*CLI, "tool", "--url", deployment.mcp.mcp_url, "--token", MCP_TOKEN, "get_pod"]
    answer = subprocess.run([*command, "namespace=shop", "name=no-such-pod"], capture_output=True, text=True)
    assert answer.returncode == 1, answer.stderr
    assert "no-such-pod" in answer.stdout
    assert errors() == before + 1


def test_metrics_need_the_token_when_not_public(tmp_path: Path) -> None:
    env = {"SRE_API_TOKENS": API_TOKEN, "SRE_METRICS_PUBLIC": "false"}
    args = ["serve", "--snapshot", DEMO / "cluster", "--database-url", f"sqlite:///{tmp_path}/m.db"]
    with cli_server(args, tmp_path, env) as api:
        assert httpx2.get(f"{api.base_url}/metrics").status_code == 401
        authorized = httpx2.get(f"{api.base_url}/metrics", headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert authorized.status_code == 200
        assert 'sre_incidents{status="pending"} 0.0' in authorized.text


def test_llm_figures_of_a_report_are_added_up() -> None:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {
        "calls": value("sre_llm_calls_total"),
        "input": value("sre_llm_tokens_total", direction="input"),
        "output": value("sre_llm_tokens_total", direction="output"),
        "seconds": value("sre_llm_latency_seconds_total"),
        "used": value("sre_llm_investigations_total", status="used"),
    }
    llm = LLMUsage(status="used", calls=2, input_tokens=1200, output_tokens=80, latency_seconds=1.5)
    metrics.count_llm_use(Report(category="unknown", summary="s", next_steps=[], llm=llm))
    metrics.count_llm_use(None)  # a failed investigation: nothing to count
    assert value("sre_llm_calls_total") == before["calls"] + 2
    assert value("sre_llm_tokens_total", direction="input") == before["input"] + 1200
    assert value("sre_llm_tokens_total", direction="output") == before["output"] + 80
    assert value("sre_llm_latency_seconds_total") == before["seconds"] + 1.5
    assert value("sre_llm_investigations_total", status="used") == before["used"] + 1


@pytest.mark.parametrize("status", get_args(LLMStatus))
def test_every_llm_status_a_report_can_hold_is_counted(status: str) -> None:
    """`partly_used` (one of two calls failed) was never counted while /metrics listed three statuses."""
    before = REGISTRY.get_sample_value("sre_llm_investigations_total", {"status": status})
    assert before is not None, f"sre_llm_investigations_total has no {status!r} series"
    metrics.count_llm_use(Report(category="unknown", summary="s", next_steps=[], llm=LLMUsage(status=status)))
    assert REGISTRY.get_sample_value("sre_llm_investigations_total", {"status": status}) == before + 1


def test_llm_use_of_an_investigation_through_serve(openai_server: OpenAIServer, tmp_path: Path) -> None:
    """The real LLM client against the test OpenAI server: /metrics adds up what the report's `llm` says."""
    openai_server.script(EXTRACTION, answer({"narrative": GROUNDED}))
    env = openai_server.settings_env()
    args = [
        "serve",
        "--snapshot",
        DB_REFUSED / "cluster",
        "--knowledge-graph",
        DB_REFUSED / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{tmp_path}/llm.db",
    ]
    with cli_server(args, tmp_path, env) as api, httpx2.Client(base_url=api.base_url) as client:
        created = client.post(INCIDENTS, json={"description": DESCRIPTION})
        incident = wait_finished(client, created.json()["incident_id"])
        values = samples(client.get("/metrics").text)
    llm = incident["report"]["llm"]  # type: ignore[index]
    assert llm["status"] == "used" and llm["calls"] == 2 and llm["input_tokens"] > 0
    assert total(values, "sre_llm_calls_total") == llm["calls"]
    assert total(values, "sre_llm_tokens_total", direction="input") == llm["input_tokens"]
    assert total(values, "sre_llm_tokens_total", direction="output") == llm["output_tokens"]
    assert total(values, "sre_llm_latency_seconds_total") == pytest.approx(llm["latency_seconds"])
    assert total(values, "sre_llm_investigations_total", status="used") == 1
