"""The investigation workflow as an MCP server (`mcp-workflow` on stdio, `/mcp` in `serve`).

The details go through the real MCP Python client: in memory against the stdio server's
build, and over streamable HTTP against the REST app (to show both share one incident
service). The end-to-end proof is the MCP Inspector CLI, the reference client, spawning
`sre-orchestrator mcp-workflow` over stdio and talking to `sre-orchestrator serve` at `/mcp`
with the REST API's bearer token. Every investigation is real: the LangGraph investigation over
the oom-killed-java scenario's snapshot and knowledge graph, whose expected category is
insufficient_memory.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from api_server import serve_in_thread
from inspector_cli import (
    EXIT_AUTH_REQUIRED,
    EXIT_OK,
    EXIT_TOOL_ERROR,
    ROOT,
    Inspector,
    InspectorRun,
    inspector_runner,
    text_of,
)
from inspector_cli import server_command as cli_command
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from processes import cli_server

from graphs.models import STEPS
from orchestrator.app import create_app
from orchestrator.incidents.investigator import open_server_investigator
from orchestrator.mcp.server import MAX_WAIT_SECONDS
from orchestrator.mcp.stdio import create_stdio_server
from orchestrator.settings import OrchestratorSettings

SCENARIO = ROOT / "tests" / "scenarios" / "oom-killed-java"
CLUSTER = SCENARIO / "cluster"
KNOWLEDGE_GRAPH = SCENARIO / "knowledge_graph.yaml"
EXPECT = yaml.safe_load((SCENARIO / "scenario.yaml").read_text(encoding="utf-8"))
DESCRIPTION: str = EXPECT["description"]
CATEGORY: str = EXPECT["expect"]["category"]
TOKEN = "workflow-mcp-test-token-8c1d"
ALLOWED_HOST = "sre-orchestrator.sre.svc:8080"

TOOLS = {"investigate", "get_incident", "list_incidents", "give_feedback"}
RESOURCES = {"knowledge://graph", "knowledge://rules"}
TEMPLATE = "incident://{incident_id}"
WAIT = {"wait_seconds": 60}


def _settings(directory: Path, **overrides: Any) -> OrchestratorSettings:
    return OrchestratorSettings(
        database_url=f"sqlite:///{directory / 'incidents.db'}",
        snapshot=CLUSTER,
        knowledge_graph=KNOWLEDGE_GRAPH,
        **overrides,
    )


@asynccontextmanager
async def _in_memory(directory: Path) -> AsyncIterator[Client]:
    """The stdio server's build (its own store, runner and investigator), through an in-memory client."""
    async with Client(create_stdio_server(_settings(directory), open_server_investigator)) as client:
        yield client


def _error_text(result: Any) -> str:
    assert result.is_error, result
    assert result.structured_content is None
    return "\n".join(block.text for block in result.content)


class _Progress:
    def __init__(self) -> None:
        self.events: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.events.append((progress, total, message))

    def check_every_step_then_done(self) -> None:
        assert [message for _, _, message in self.events] == [*STEPS, "completed"], self.events
        values = [progress for progress, _, _ in self.events]
        assert values == sorted(set(values)), self.events  # strictly increasing
        assert values[-1] == len(STEPS)
        assert {total for _, total, _ in self.events} == {len(STEPS)}


def _check_report(report: dict[str, Any]) -> None:
    assert report["status"] == "completed", report
    assert report["category"] == CATEGORY, report
    assert report["confidence_score"] == "high"
    assert 0.8 <= report["confidence"] <= 1
    assert report["suggested_root_cause"]
    assert report["summary"]
    assert report["next_steps"]
    assert report["findings"][0]["category"] == CATEGORY
    assert report["findings"][0]["evidence"]
    assert report["target"] == f"pod warehouse/{EXPECT['expect']['pod']}"
    assert report["uri"] == f"incident://{report['incident_id']}"


# --- in memory: listings, annotations, schemas ---------------------------------------------------


pytestmark = pytest.mark.anyio


async def test_tools_are_annotated_and_have_output_schemas(tmp_path: Path) -> None:
    async with _in_memory(tmp_path) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for name in ("get_incident", "list_incidents"):
        assert tools[name].annotations.read_only_hint is True, name
        assert tools[name].annotations.idempotent_hint is True, name
    # investigate records an incident (so it is not read-only), but never changes anything.
    assert tools["investigate"].annotations.read_only_hint is False
    assert tools["investigate"].annotations.destructive_hint is False
    # give_feedback records a verdict's feedback (a repeat replaces it): not read-only, idempotent.
    assert tools["give_feedback"].annotations.read_only_hint is False
    assert tools["give_feedback"].annotations.idempotent_hint is True
    assert tools["give_feedback"].input_schema["required"] == ["incident_id", "verdict"]
    for tool in tools.values():
        assert tool.title and tool.description, tool.name
        assert tool.output_schema["type"] == "object", tool.name
    inputs = tools["investigate"].input_schema
    assert inputs["required"] == ["description"]
    assert {"description", "namespace", "pod", "cluster", "wait_seconds"} == set(inputs["properties"])
    assert inputs["properties"]["wait_seconds"]["maximum"] == MAX_WAIT_SECONDS
    report = {"incident_id", "status", "step", "category", "suggested_root_cause", "confidence_score", "confidence"}
    assert report | {"summary", "next_steps", "findings", "uri"} <= set(tools["investigate"].output_schema["required"])
    assert tools["get_incident"].output_schema == tools["investigate"].output_schema
    assert {"incidents", "next_cursor"} <= set(tools["list_incidents"].output_schema["properties"])


async def test_resources_template_and_triage_prompt(tmp_path: Path) -> None:
    async with _in_memory(tmp_path) as client:
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        templates = {t.uri_template: t for t in (await client.list_resource_templates()).resource_templates}
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        graph = (await client.read_resource("knowledge://graph")).contents[0]
        rules = (await client.read_resource("knowledge://rules")).contents[0]
        prompt = await client.get_prompt("triage", {"description": DESCRIPTION, "namespace": "warehouse"})
    assert set(resources) == RESOURCES
    assert (resources["knowledge://graph"].mime_type, resources["knowledge://rules"].mime_type) == (
        "application/yaml",
        "application/json",
    )
    assert set(templates) == {TEMPLATE}
    assert templates[TEMPLATE].mime_type == "application/json"

    assert graph.mime_type == "application/yaml"
    assert yaml.safe_load(graph.text) == yaml.safe_load(KNOWLEDGE_GRAPH.read_text(encoding="utf-8"))
    loaded = json.loads(rules.text)
    assert {"id", "category", "title", "for_each", "file"} == set(loaded[0])
    oom = next(rule for rule in loaded if rule["category"] == CATEGORY)
    assert Path(oom["file"]).is_file() and oom["id"] in Path(oom["file"]).read_text(encoding="utf-8")

    triage = prompts["triage"]
    assert [(a.name, a.required) for a in triage.arguments] == [("description", True), ("namespace", False)]
    text = prompt.messages[0].content.text
    assert DESCRIPTION in text and "warehouse" in text
    for name in ("investigate", "wait_seconds", "get_incident", "incident://", "find_pods", "diagnose_pod"):
        assert name in text, name
    assert "sre-orchestrator mcp" in text  # where the Kubernetes tools live


# --- in memory: investigations ------------------------------------------------------------------


async def test_investigate_with_wait_reports_each_step_and_returns_the_report(tmp_path: Path) -> None:
    progress = _Progress()
    async with _in_memory(tmp_path) as client:
        result = await client.call_tool("investigate", {"description": DESCRIPTION, **WAIT}, progress_callback=progress)
        assert not result.is_error, result
        report = result.structured_content
        document = json.loads((await client.read_resource(report["uri"])).contents[0].text)
        again = await client.call_tool("get_incident", {"incident_id": report["incident_id"]})
        listed = await client.call_tool("list_incidents", {"status": "completed"})
    _check_report(report)
    progress.check_every_step_then_done()
    text = text_of(result.model_dump(mode="json"))
    assert f"[{CATEGORY}]" in text and report["uri"] in text
    # The resource is the whole incident document, as GET /api/v1/incidents/{id} returns it.
    assert (document["incident_id"], document["status"], document["report"]["category"]) == (
        report["incident_id"],
        "completed",
        CATEGORY,
    )
    assert document["evidence"]["items"] and document["extracted"]
    assert again.structured_content == report
    assert [i["incident_id"] for i in listed.structured_content["incidents"]] == [report["incident_id"]]
    assert listed.structured_content["incidents"][0]["category"] == CATEGORY


async def test_investigate_without_wait_answers_at_once_and_get_incident_waits(tmp_path: Path) -> None:
    progress = _Progress()
    async with _in_memory(tmp_path) as client:
        started = await client.call_tool("investigate", {"description": DESCRIPTION, "cluster": "default"})
        assert not started.is_error, started
        incident_id = started.structured_content["incident_id"]
        done = await client.call_tool("get_incident", {"incident_id": incident_id, **WAIT}, progress_callback=progress)
    assert started.structured_content["status"] == "pending"
    assert started.structured_content["category"] is None
    assert "get_incident" in text_of(started.model_dump(mode="json"))
    _check_report(done.structured_content)
    assert done.structured_content["incident_id"] == incident_id
    assert progress.events[-1] == (len(STEPS), len(STEPS), "completed")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param(
            {"description": "x", "namespace": "Bad_NS"},
            ["'Bad_NS' is not a valid namespace", "lowercase"],
            id="namespace",
        ),
        pytest.param({"description": "x", "pod": "Pod/1"}, ["'Pod/1' is not a valid pod", "lowercase"], id="pod"),
        pytest.param({"description": "   "}, ["description", "at least 1 character"], id="blank-description"),
        pytest.param({"namespace": "shop"}, ["description", "required"], id="no-description"),
        pytest.param({"description": "x", "wait_seconds": 500}, ["wait_seconds", "120"], id="wait-too-long"),
        pytest.param(
            {"description": "x", "namespce": "shop"},
            ["investigate has no argument 'namespce'", "its arguments are:", "namespace"],
            id="misspelled-argument",
        ),
        pytest.param(
            {"description": "x", "cluster": "prod-eu"},
            ["unknown cluster 'prod-eu'", "no clusters configured"],
            id="other-cluster",
        ),
    ],
)
async def test_bad_arguments_are_tool_errors_that_say_what_to_fix(
    tmp_path: Path, arguments: dict[str, Any], expected: list[str]
) -> None:
    async with _in_memory(tmp_path) as client:
        result = await client.call_tool("investigate", arguments)
        listed = await client.call_tool("list_incidents", {})
    message = _error_text(result)
    for part in expected:
        assert part.lower() in message.lower(), message
    assert listed.structured_content["incidents"] == []  # nothing was recorded


async def test_unknown_incidents_and_cursors_are_errors_that_name_them(tmp_path: Path) -> None:
    unknown = "0c8a2f6e-9d41-4b7a-b3e2-5f1d6c7a8b90"
    async with _in_memory(tmp_path) as client:
        missing = await client.call_tool("get_incident", {"incident_id": unknown, "wait_seconds": 5})
        cursor = await client.call_tool("list_incidents", {"cursor": "not-a-cursor"})
        with pytest.raises(MCPError) as unreadable:
            await client.read_resource(f"incident://{unknown}")
    assert unknown in _error_text(missing) and "list_incidents" in _error_text(missing)
    assert "cursor" in _error_text(cursor)
    assert unknown in str(unreadable.value)


# --- over streamable HTTP inside the REST app: one service for both ---------------------------


@pytest.fixture
def rest_app(tmp_path: Path) -> Iterator[str]:
    """The REST app (with /mcp) on a loopback port, with a real investigator and an API token."""
    settings = _settings(tmp_path, api_tokens=[TOKEN], mcp_allowed_hosts=[ALLOWED_HOST])
    app = create_app(settings, open_server_investigator)
    with serve_in_thread(app) as url:
        yield url


async def test_rest_and_mcp_share_incidents_and_mcp_takes_the_api_token(rest_app: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    progress = _Progress()
    transport = streamable_http_client(f"{rest_app}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=30))
    async with Client(transport) as client, httpx2.AsyncClient(base_url=rest_app, headers=headers) as rest:
        result = await client.call_tool("investigate", {"description": DESCRIPTION, **WAIT}, progress_callback=progress)
        report = result.structured_content
        # What MCP started, REST reads; what REST started, MCP reads.
        over_rest = (await rest.get(f"/api/v1/incidents/{report['incident_id']}")).json()
        posted = (await rest.post("/api/v1/incidents", json={"description": DESCRIPTION})).json()
        followed = await client.call_tool("get_incident", {"incident_id": posted["incident_id"], **WAIT})
        anonymous = await rest.post("/mcp", headers={"Authorization": ""}, json={})
    _check_report(report)
    progress.check_every_step_then_done()  # notifications reach the caller over HTTP too
    assert over_rest["status"] == "completed" and over_rest["report"]["category"] == CATEGORY
    _check_report(followed.structured_content)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"


def test_mcp_over_http_accepts_only_the_configured_host_headers(rest_app: str) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json, text/event-stream"}
    with httpx2.Client(base_url=rest_app, headers=headers, timeout=10) as client:
        local = client.post("/mcp", json=ping)
        allowed = client.post("/mcp", json=ping, headers={"Host": ALLOWED_HOST})
        other = client.post("/mcp", json=ping, headers={"Host": "attacker.example"})
    assert (local.status_code, allowed.status_code) == (200, 200), (local.text, allowed.text)
    assert other.status_code == 421  # the SDK's DNS-rebinding guard: set SRE_MCP_ALLOWED_HOSTS


# --- the MCP Inspector CLI, over stdio and over HTTP -------------------------------------------


@pytest.fixture(scope="module")
def inspector(tmp_path_factory: pytest.TempPathFactory) -> Inspector:
    return inspector_runner(tmp_path_factory.mktemp("inspector-home"))


def _stdio(database: Path) -> list[str]:
    # The Inspector passes the server only a minimal environment, so the database goes as a flag.
    return [
        "--",
        *cli_command(),
        "mcp-workflow",
        *("--snapshot", str(CLUSTER), "--knowledge-graph", str(KNOWLEDGE_GRAPH)),
        *("--database-url", f"sqlite:///{database}"),
    ]


@pytest.fixture(scope="module")
def http_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`sre-orchestrator serve` with an API token; yields its /mcp URL."""
    directory = tmp_path_factory.mktemp("workflow-serve")
    args = ["serve", "--snapshot", CLUSTER, "--knowledge-graph", KNOWLEDGE_GRAPH]
    env = {"SRE_API_TOKENS": TOKEN, "SRE_DATABASE_URL": f"sqlite:///{directory / 'incidents.db'}"}
    with cli_server(args, directory, env=env) as server:
        yield server.mcp_url


def _http(url: str, era: str = "legacy") -> list[str]:
    auth = ("--header", f"Authorization: Bearer {TOKEN}", "--stored-auth-only")
    return ["--protocol-era", era, "--transport", "http", "--server-url", url, *auth]


def _check_listings(inspector: Inspector, server: list[str]) -> None:
    methods = ["tools/list", "resources/list", "resources/templates/list", "prompts/list"]

    def run(method: str) -> InspectorRun:
        # --strict: exit 6 if a tool's schema has an error-severity portability problem.
        return inspector("--method", method, *(["--strict"] if method == "tools/list" else []), *server)

    # Each stdio run starts a server (a few seconds), so the four run side by side.
    with ThreadPoolExecutor(len(methods)) as pool:
        runs = dict(zip(methods, pool.map(run, methods), strict=True))
    for run in runs.values():
        assert run.returncode == EXIT_OK, run
    tools = {tool["name"]: tool for tool in runs["tools/list"].result["tools"]}
    assert set(tools) == TOOLS
    assert tools["get_incident"]["annotations"]["readOnlyHint"] is True
    assert tools["list_incidents"]["annotations"]["readOnlyHint"] is True
    assert tools["investigate"]["annotations"]["destructiveHint"] is False
    assert all(tool["outputSchema"]["properties"] for tool in tools.values())
    assert {r["uri"] for r in runs["resources/list"].result["resources"]} == RESOURCES
    templates = runs["resources/templates/list"].result["resourceTemplates"]
    assert [t["uriTemplate"] for t in templates] == [TEMPLATE]
    assert [p["name"] for p in runs["prompts/list"].result["prompts"]] == ["triage"]


def _check_investigation(inspector: Inspector, server: list[str]) -> None:
    arguments = json.dumps({"description": DESCRIPTION, **WAIT})
    run = inspector("--method", "tools/call", "--tool-name", "investigate", "--tool-args-json", arguments, *server)
    assert run.returncode == EXIT_OK, run
    report = run.result["structuredContent"]
    _check_report(report)
    assert f"[{CATEGORY}]" in text_of(run.result)

    # The report (read in a new process over stdio) and an unknown incident, side by side.
    missing_args = ("--tool-name", "get_incident", "--tool-arg", "incident_id=nope")
    with ThreadPoolExecutor(2) as pool:
        reading = pool.submit(inspector, "--method", "resources/read", "--uri", report["uri"], *server)
        missing = pool.submit(inspector, "--method", "tools/call", *missing_args, *server).result()
        read = reading.result()
    assert read.returncode == EXIT_OK, read
    (content,) = read.result["contents"]
    assert content["mimeType"] == "application/json"
    document = json.loads(content["text"])
    assert (document["incident_id"], document["status"]) == (report["incident_id"], "completed")
    assert document["findings"][0]["category"] == CATEGORY
    assert missing.returncode == EXIT_TOOL_ERROR, missing
    assert "there is no incident 'nope'" in text_of(missing.result)


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_inspector_over_http_lists_everything(inspector: Inspector, http_url: str, era: str) -> None:
    _check_listings(inspector, _http(http_url, era))


def test_inspector_over_http_investigates_and_reads_the_report(inspector: Inspector, http_url: str) -> None:
    _check_investigation(inspector, _http(http_url))


def test_inspector_over_http_needs_the_api_token(inspector: Inspector, http_url: str) -> None:
    run = inspector("--method", "tools/list", "--transport", "http", "--server-url", http_url, "--stored-auth-only")
    assert run.returncode == EXIT_AUTH_REQUIRED, run
    assert '"status": 401' in run.error["message"]
    with urllib.request.urlopen(http_url.removesuffix("/mcp") + "/health", timeout=10) as health:
        assert health.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(http_url.removesuffix("/mcp") + "/api/v1/incidents", timeout=10)
    assert refused.value.code == 401  # the same tokens guard REST and MCP


def test_inspector_over_stdio_lists_everything(inspector: Inspector, tmp_path: Path) -> None:
    _check_listings(inspector, _stdio(tmp_path / "incidents.db"))


def test_inspector_over_stdio_investigates_and_reads_the_report(inspector: Inspector, tmp_path: Path) -> None:
    # Each call is a new server process: the report read afterwards comes from the database.
    _check_investigation(inspector, _stdio(tmp_path / "incidents.db"))
