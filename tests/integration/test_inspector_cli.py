"""The MCP Inspector CLI, the reference MCP client, drives the Kubernetes tool server.

The Inspector (npm `@modelcontextprotocol/inspector`, pinned in tests/support/inspector/package-lock.json)
is what a person points at an MCP server to try it. Each test runs its CLI mode once,
`mcp-inspector --cli --format json --method tools/list|tools/call ...`, against the server serving
the oom-killed-java scenario's snapshot:

- stdio: the Inspector spawns `sre-orchestrator mcp --snapshot DIR` itself;
- HTTP: the test starts `sre-orchestrator mcp --transport http` with a bearer token, and the
  Inspector connects to `http://127.0.0.1:PORT/mcp` with an `Authorization` header.

Both protocol eras are exercised: by default the Inspector CLI negotiates the legacy handshake
(`initialize`, protocol 2025-11-25); `--protocol-era modern` speaks 2026-07-28 (`server/discover`,
per-request `_meta`, no handshake). The Inspector exits 0 on success, 3 when the server wants
auth it does not have, and 5 when a tool answers `isError: true` (the result is still printed).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from inspector_cli import (
    EXIT_AUTH_REQUIRED,
    EXIT_OK,
    EXIT_TOOL_ERROR,
    ROOT,
    InspectorRun,
    inspector_runner,
    server_command,
    text_of,
)
from processes import mcp_http_server

SCENARIO = ROOT / "tests" / "scenarios" / "oom-killed-java"

TOOLS = {
    "list_pods",
    "find_pods",
    "get_pod",
    "get_pod_logs",
    "get_events",
    "get_workload",
    "get_service",
    "get_node",
    "diagnose_pod",
    "get_rollout_history",
    "find_problems",
    "list_resources",
    "get_resource",
    "list_namespaces",
    "top_pods",
    "top_nodes",
    "list_contexts",
}
TOKEN = "inspector-test-token-3f9a1c"


# --- the scenario -----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetPod:
    cluster: Path
    namespace: str
    name: str
    status: str  # what kubectl shows in STATUS, derived from the snapshot's pod object


def _kubectl_status(pod: dict[str, Any]) -> str:
    """STATUS as kubectl prints it for a pod past its init containers: the first container
    waiting or terminated with a reason names it, else the phase (kubectl walks them backwards)."""
    status = pod.get("status", {})
    reason = status.get("phase", "Unknown")
    for container in reversed(status.get("containerStatuses") or []):
        state = container.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    return reason


@pytest.fixture(scope="module")
def target() -> TargetPod:
    scenario = yaml.safe_load((SCENARIO / "scenario.yaml").read_text(encoding="utf-8"))
    name = scenario["expect"]["pod"]
    cluster = SCENARIO / "cluster"
    for pods_file in sorted(cluster.glob("*/pods.json")):
        for pod in json.loads(pods_file.read_text(encoding="utf-8"))["items"]:
            if pod["metadata"]["name"] == name:
                return TargetPod(cluster, pod["metadata"]["namespace"], name, _kubectl_status(pod))
    raise AssertionError(f"{SCENARIO}/scenario.yaml expects pod {name!r}, but no {cluster}/*/pods.json has it")


# --- running the Inspector --------------------------------------------------------------


@pytest.fixture(scope="session")
def inspector(tmp_path_factory: pytest.TempPathFactory):
    """A function running `mcp-inspector --cli --format json ARGS`, with a private HOME."""
    return inspector_runner(tmp_path_factory.mktemp("inspector-home"))


# --- the servers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_server(target: TargetPod, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`sre-orchestrator mcp --transport http` on a free loopback port with a token; yields its /mcp URL."""
    log_dir = tmp_path_factory.mktemp("mcp-http")
    with mcp_http_server(["--snapshot", target.cluster], log_dir, env={"SRE_MCP_TOKENS": TOKEN}) as server:
        yield server.mcp_url


# Every case runs over HTTP in both eras (a call takes ~0.5 s there) and over stdio in the legacy
# era, the Inspector's default. Each stdio call starts a server (~2 s), so stdio in the modern era
# is kept to the handshake's proof: tools/list and one tool call.
ALL_SERVERS = ["stdio-legacy", "stdio-modern", "http-legacy", "http-modern"]
SERVERS = ["stdio-legacy", "http-legacy", "http-modern"]


@pytest.fixture
def server(request: pytest.FixtureRequest, target: TargetPod) -> list[str]:
    """The Inspector arguments that select the server (and protocol era) under test."""
    transport, era = request.param.split("-")
    era_args = ["--protocol-era", era]
    if transport == "stdio":
        # The target command goes last, after `--`, so that its own flags are not the Inspector's.
        return [*era_args, "--", *server_command(), "mcp", "--snapshot", str(target.cluster)]
    url = request.getfixturevalue("http_server")
    return [
        *era_args,
        *("--transport", "http", "--server-url", url, "--header", f"Authorization: Bearer {TOKEN}"),
        # Never fall into the interactive OAuth flow.
        "--stored-auth-only",
    ]


def call(inspector, server: list[str], tool: str, *args: str) -> InspectorRun:
    return inspector("--method", "tools/call", "--tool-name", tool, *args, *server)


# --- tools/list ------------------------------------------------------------------------


@pytest.mark.parametrize("server", ALL_SERVERS, indirect=True)
def test_tools_list_shows_every_tool_read_only_with_an_output_schema(inspector, server):
    # --strict: exit 6 if a tool's schema has an error-severity portability problem.
    run = inspector("--method", "tools/list", "--strict", *server)
    assert run.returncode == EXIT_OK, run
    tools = {tool["name"]: tool for tool in run.result["tools"]}
    assert set(tools) == TOOLS, run
    for name, tool in tools.items():
        assert tool["annotations"]["readOnlyHint"] is True, name
        assert tool["annotations"].get("destructiveHint") is not True, name
        assert tool["description"], name
        assert tool["inputSchema"]["type"] == "object", name
        output = tool["outputSchema"]
        assert output["type"] == "object", name
        assert output["properties"], name
    assert {"namespace", "name"} <= set(tools["diagnose_pod"]["inputSchema"]["required"])
    assert {"pod", "events", "logs"} <= set(tools["diagnose_pod"]["outputSchema"]["properties"])


# --- tools/call ------------------------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_find_pods_finds_the_pod_by_name(inspector, server, target):
    run = call(inspector, server, "find_pods", "--tool-arg", f"query={target.name}")
    assert run.returncode == EXIT_OK, run
    result = run.result
    assert result.get("isError") is not True, run
    pods = result["structuredContent"]["pods"]
    assert pods, run
    first = pods[0]
    assert (first["namespace"], first["name"], first["status"]) == (target.namespace, target.name, target.status)
    assert first["matched_on"]
    assert target.name in text_of(result)


@pytest.mark.parametrize("server", ALL_SERVERS, indirect=True)
def test_diagnose_pod_shows_the_oom_kill(inspector, server, target):
    arguments = json.dumps({"namespace": target.namespace, "name": target.name})
    run = call(inspector, server, "diagnose_pod", "--tool-args-json", arguments)
    assert run.returncode == EXIT_OK, run
    result = run.result
    assert result.get("isError") is not True, run
    diagnosis = result["structuredContent"]
    pod = diagnosis["pod"]
    assert (pod["namespace"], pod["name"], pod["status"]) == (target.namespace, target.name, target.status)
    terminations = [
        state
        for container in pod["containers"]
        for state in (container["state"], container["last_state"])
        if state and state.get("reason") == "OOMKilled"
    ]
    assert terminations, f"no container of {target.namespace}/{target.name} shows OOMKilled:\n{run}"
    assert all(state["exit_code"] == 137 for state in terminations)
    assert {log["container"] for log in diagnosis["logs"]} >= {c["name"] for c in pod["containers"]}
    text = text_of(result)
    assert f"{target.namespace}/{target.name}" in text
    assert "OOMKilled" in text
    # The scenario plants a bearer JWT in this pod's logs: what reaches the client is redacted.
    assert not re.search(r"Bearer\s+(?!\[REDACTED\])\S", run.stdout), run


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_an_invalid_argument_is_a_tool_error_that_says_what_is_wrong(inspector, server, target):
    arguments = json.dumps({"namespace": "Bad_NS", "name": target.name})
    run = call(inspector, server, "diagnose_pod", "--tool-args-json", arguments)
    assert run.returncode == EXIT_TOOL_ERROR, run
    assert run.result["isError"] is True, run
    assert "structuredContent" not in run.result
    message = text_of(run.result)
    assert "'Bad_NS' is not a valid namespace" in message, run
    assert "lowercase" in message
    assert run.error["code"] == "tool_is_error"


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_a_missing_pod_is_a_tool_error_that_names_it(inspector, server, target):
    arguments = json.dumps({"namespace": target.namespace, "name": "no-such-pod-7d9f"})
    run = call(inspector, server, "diagnose_pod", "--tool-args-json", arguments)
    assert run.returncode == EXIT_TOOL_ERROR, run
    assert run.result["isError"] is True, run
    message = text_of(run.result)
    assert f"{target.namespace}/no-such-pod-7d9f" in message, run
    assert "not found" in message


# --- HTTP authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [pytest.param([], id="no-header"), pytest.param(["--header", "Authorization: Bearer wrong-token"], id="wrong")],
)
def test_http_without_the_token_is_refused(inspector, http_server, headers):
    run = inspector(
        "--method", "tools/list", "--transport", "http", "--server-url", http_server, *headers, "--stored-auth-only"
    )
    assert run.returncode == EXIT_AUTH_REQUIRED, run
    assert run.stdout == "", run
    error = run.error
    assert error["code"] == "auth_required"
    assert '"status": 401' in error["message"]
    assert "Authorization: Bearer <token>" in error["message"]


def test_http_refusal_is_a_401_problem_and_probes_stay_open(http_server):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    request = urllib.request.Request(
        http_server,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert refused.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(refused.value.read())["status"] == 401
    with urllib.request.urlopen(http_server.removesuffix("/mcp") + "/health", timeout=10) as health:
        assert health.status == 200


# --- the generic tools (issue 18) ---------------------------------------------------------


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_list_resources_shows_kubectl_columns(inspector, server, target):
    run = call(
        inspector, server, "list_resources", "--tool-arg", "kind=deploy", "--tool-arg", f"namespace={target.namespace}"
    )
    assert run.returncode == EXIT_OK, run
    result = run.result
    listed = result["structuredContent"]
    assert (listed["kind"], listed["resource"]) == ("Deployment", "deployments.apps")
    assert listed["columns"] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    owner = target.name.rsplit("-", 2)[0]
    assert owner in [row["name"] for row in listed["rows"]]
    assert text_of(result).splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]


@pytest.mark.parametrize("server", SERVERS, indirect=True)
@pytest.mark.parametrize("kind", ["secret", "v1/Secret", "/api/v1/secrets"])
def test_secrets_are_a_tool_error(inspector, server, kind):
    run = call(
        inspector,
        server,
        "get_resource",
        "--tool-args-json",
        json.dumps({"kind": kind, "namespace": "shop", "name": "db"}),
    )
    assert run.returncode == EXIT_TOOL_ERROR, run
    assert run.result["isError"] is True
    assert "Secrets are never read by this server" in text_of(run.result)


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_get_pod_logs_grep(inspector, server, target):
    arguments = {"namespace": target.namespace, "name": target.name, "previous": True, "grep": "(?i)memory|heap"}
    run = call(inspector, server, "get_pod_logs", "--tool-args-json", json.dumps(arguments))
    assert run.returncode == EXIT_OK, run
    excerpt = run.result["structuredContent"]
    assert excerpt["grep"] == arguments["grep"] and excerpt["matches"] >= 1, run
    shown = [line for line in excerpt["text"].splitlines() if re.search(arguments["grep"], line)]
    assert len(shown) == excerpt["matches"] and not excerpt["truncated"], run
    assert f"grep {arguments['grep']!r}: {excerpt['matches']} matching" in text_of(run.result)


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_list_namespaces_and_contexts(inspector, server, target):
    namespaces = call(inspector, server, "list_namespaces")
    assert namespaces.returncode == EXIT_OK, namespaces
    names = [n["name"] for n in namespaces.result["structuredContent"]["namespaces"]]
    assert names == sorted(p.name for p in target.cluster.iterdir() if p.is_dir())
    contexts = call(inspector, server, "list_contexts")
    assert contexts.returncode == EXIT_OK, contexts
    assert contexts.result["structuredContent"]["contexts"] == [
        {"name": "snapshot", "default": True, "backend": "snapshot", "allowed_namespaces": None}
    ]


@pytest.mark.parametrize("server", SERVERS, indirect=True)
def test_rollout_history_and_the_sweep(inspector, server, target):
    """What changed in the target's Deployment, and what is broken in its namespace, as a client sees them."""
    owner = target.name.rsplit("-", 2)[0]
    history = call(
        inspector,
        server,
        "get_rollout_history",
        "--tool-arg",
        "kind=Deployment",
        "--tool-arg",
        f"namespace={target.namespace}",
        "--tool-arg",
        f"name={owner}",
    )
    assert history.returncode == EXIT_OK, history
    revisions = history.result["structuredContent"]["revisions"]
    assert revisions and all(r["revision"] > 0 for r in revisions), history
    sweep = call(inspector, server, "find_problems", "--tool-arg", f"namespace={target.namespace}")
    assert sweep.returncode == EXIT_OK, sweep
    problems = sweep.result["structuredContent"]["problems"]
    assert any(p["name"] == target.name or (p.get("owner") or {}).get("name") == owner for p in problems), sweep
