"""Every tool, on every scenario, through both backends, gives the same answer; and so do the transports.

The reference is the in-memory client over the snapshot backend. The live backend reads the
same snapshot through the test Kubernetes API server with the real `kubernetes` client and
must answer the whole plan identically on every scenario (the differential test). stdio and
streamable HTTP run the real `sre-orchestrator mcp` command as a separate process, with either
backend, and must answer identically a call of every tool plus the calls that must fail. The
transports carry the same bytes whatever the cluster holds, so they run on an evenly spread
sample of the scenarios: four process starts per scenario on all of them cost minutes of a
2-core CI run and test nothing the sample does not.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from kube_api_server import Kubeconfig
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from paths import SCENARIOS
from processes import CLI, mcp_http_server
from tool_plan import ToolAnswer, ToolCall, plan_for, run_plan

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIOS = sorted(p for p in (SCENARIOS).iterdir() if (p / "scenario.yaml").is_file())
TRANSPORT_SAMPLE = SCENARIOS[:: max(1, len(SCENARIOS) // 8)]
TOKEN = "everywhere-test-token"


def _answers(target: Any, plan: list[ToolCall]) -> dict[str, ToolAnswer]:
    async def run() -> dict[str, ToolAnswer]:
        async with Client(target) as client:
            return await run_plan(client, plan)

    return anyio.run(run)


def _http(url: str) -> AbstractAsyncContextManager[Any]:
    return streamable_http_client(url, http_client=httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}))


def _assert_same(reference: dict[str, ToolAnswer], answers: dict[str, ToolAnswer], where: str) -> None:
    assert answers.keys() == reference.keys()
    for label, expected in reference.items():
        assert answers[label] == expected, f"{where}: {label} differs from the in-memory snapshot answer"


def transport_plan(plan: list[ToolCall], reference: dict[str, ToolAnswer]) -> list[ToolCall]:
    """The first successful call of each tool, and every call that must fail."""
    chosen: dict[str, ToolCall] = {}
    for call in plan:
        if reference[call.label].is_error:
            chosen[call.label] = call
        else:
            chosen.setdefault(call.tool, call)
    return list(chosen.values())


def test_scenarios_exist() -> None:
    assert len(SCENARIOS) >= 12


def _reference(cluster: Path) -> tuple[list[ToolCall], dict[str, ToolAnswer]]:
    plan = plan_for(cluster)
    reference = _answers(build_server(ClusterReader(SnapshotBackend(cluster))), plan)
    ok = [label for label, answer in reference.items() if not answer.is_error]
    assert len(ok) >= 20 and any(label.startswith("diagnose_pod") for label in ok)
    assert sum(answer.is_error for answer in reference.values()) >= 5  # the calls that must fail did
    return plan, reference


def _live_args(kubeconfig: Kubeconfig) -> list[str]:
    return ["--kubeconfig", str(kubeconfig.path), "--context", kubeconfig.context]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_tool_same_through_both_backends(scenario: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    cluster = scenario / "cluster"
    plan, reference = _reference(cluster)
    kubeconfig = kubeconfig_for(cluster)
    live = LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))
    _assert_same(reference, _answers(build_server(ClusterReader(live)), plan), "live in memory")


def test_transport_sample_spans_the_scenarios() -> None:
    assert 6 <= len(TRANSPORT_SAMPLE) <= 12
    assert SCENARIOS.index(TRANSPORT_SAMPLE[-1]) >= len(SCENARIOS) * 7 // 8 - 1  # reaches the last eighth


@pytest.mark.parametrize("scenario", TRANSPORT_SAMPLE, ids=[s.name for s in TRANSPORT_SAMPLE])
def test_every_tool_same_through_stdio_and_http(
    scenario: Path, kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path
) -> None:
    cluster = scenario / "cluster"
    plan, reference = _reference(cluster)
    calls = transport_plan(plan, reference)
    assert {call.tool for call in calls} >= {"list_pods", "find_pods", "get_pod", "get_pod_logs", "get_events",
                                             "get_workload", "get_service", "get_node", "diagnose_pod",
                                             "list_resources", "get_resource", "list_namespaces",
                                             "top_pods", "top_nodes",
                                             "get_rollout_history", "find_problems"}  # fmt: skip
    expected = {call.label: reference[call.label] for call in calls}
    live_args = _live_args(kubeconfig_for(cluster))
    for name, args in (("snapshot", ["--snapshot", str(cluster)]), ("live", live_args)):
        stdio = StdioServerParameters(command=CLI[0], args=[*CLI[1:], "mcp", *args])
        _assert_same(expected, _answers(stdio, calls), f"{name} over stdio")
        with mcp_http_server(args, tmp_path, env={"SRE_MCP_TOKENS": TOKEN}) as server:
            _assert_same(expected, _answers(_http(server.mcp_url), calls), f"{name} over HTTP")
