"""The Kubernetes MCP server's own guarantees: bounds, the namespace allow-list, argument errors,
startup checks, and HTTP host and token checks."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from kube_api_server import Kubeconfig
from mcp import Client
from paths import SCENARIOS
from processes import CLI, mcp_http_server

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIO = SCENARIOS / "oom-killed-java"
CLUSTER = SCENARIO / "cluster"
POD = "inventory-service-7c7769bc7f-dg68d"


def call(tool: str, arguments: dict[str, Any], **reader: Any) -> Any:
    server = build_server(ClusterReader(SnapshotBackend(CLUSTER), **reader))

    async def run() -> Any:
        async with Client(server) as client:
            return await client.call_tool(tool, arguments)

    return anyio.run(run)


def text(result: Any) -> str:
    return "\n".join(block.text for block in result.content)


def test_every_tool_is_read_only_with_an_output_schema() -> None:
    async def tools() -> Any:
        async with Client(build_server(ClusterReader(SnapshotBackend(CLUSTER)))) as client:
            return (await client.list_tools()).tools

    listed = anyio.run(tools)
    assert {t.name for t in listed} == {
        "list_pods", "find_pods", "get_pod", "get_pod_logs", "get_events",
        "get_workload", "get_service", "get_node", "diagnose_pod", "get_rollout_history", "find_problems",
        "list_resources", "get_resource", "list_namespaces", "top_pods", "top_nodes", "list_contexts",
    }  # fmt: skip
    for tool in listed:
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        assert tool.output_schema["type"] == "object" and tool.output_schema["properties"]


def test_lists_are_bounded_and_say_so() -> None:
    result = call("list_pods", {"limit": 2})
    assert len(result.structured_content["pods"]) == 2
    assert result.structured_content["truncated"] is True
    assert "more pods exist" in text(result)
    everything = call("list_pods", {"limit": 500})
    assert everything.structured_content["truncated"] is False


def test_logs_are_bounded_by_lines_and_bytes() -> None:
    by_lines = call("get_pod_logs", {"namespace": "warehouse", "name": POD, "tail_lines": 3, "previous": True})
    assert by_lines.structured_content["lines"] == 3
    assert by_lines.structured_content["truncated"] is True
    by_bytes = call("get_pod_logs", {"namespace": "warehouse", "name": POD, "tail_lines": 5000, "max_bytes": 1024})
    logged = by_bytes.structured_content
    assert len(logged["text"].encode()) <= 1024 and logged["truncated"] is True
    assert not logged["text"].startswith(" ")  # whole lines only


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("get_pod", {"namespace": "Warehouse", "name": POD}, "'Warehouse' is not a valid namespace"),
        ("get_pod", {"namespace": "warehouse", "name": "-bad-"}, "'-bad-' is not a valid pod name"),
        ("list_pods", {"limit": 0}, "greater than or equal to 1"),
        ("get_pod_logs", {"namespace": "warehouse", "name": POD, "tail_lines": 100000}, "less than or equal to 5000"),
        ("get_workload", {"kind": "CronTab", "namespace": "warehouse", "name": "x"}, "Input should be 'Deployment'"),
        ("list_pods", {"label_selector": "app in (a"}, "invalid selector"),
        ("get_pod", {"namespace": "warehouse", "name": "no-such-pod"}, "Pod warehouse/no-such-pod not found"),
        ("get_node", {"name": "no-such-node"}, "Node no-such-node not found"),
        (
            "get_pod_logs",
            {"namespace": "warehouse", "name": POD, "container": "nope"},
            "container 'nope' is not in pod",
        ),
        # The SDK's argument models ignore unknown keys: these would list every namespace, return
        # the default 100 lines, or answer from this cluster whatever the context named.
        (
            "list_pods",
            {"namespce": "warehouse"},
            "list_pods has no argument 'namespce'; its arguments are: field_selector, label_selector, limit, namespace",
        ),
        ("get_pod_logs", {"namespace": "warehouse", "name": POD, "tail": 5}, "get_pod_logs has no argument 'tail'"),
        (
            "get_pod",
            {"namespace": "warehouse", "name": POD, "context": "prod"},
            "get_pod has no argument 'context' (this server reads one cluster; list_contexts names it)",
        ),
    ],
)
def test_bad_arguments_and_missing_objects_are_tool_errors_that_say_what(
    tool: str, arguments: dict[str, Any], message: str
) -> None:
    result = call(tool, arguments)
    assert result.is_error
    assert message in text(result)


def test_the_namespace_allow_list_refuses_other_namespaces_and_filters_lists() -> None:
    refused = call("get_pod", {"namespace": "warehouse", "name": POD}, allowed_namespaces=["default"])
    assert refused.is_error and "not in this server's allowed namespaces (default)" in text(refused)
    listed = call("list_pods", {}, allowed_namespaces=["warehouse"]).structured_content["pods"]
    assert listed and {p["namespace"] for p in listed} == {"warehouse"}
    found = call("find_pods", {"query": "coredns"}, allowed_namespaces=["warehouse"]).structured_content["pods"]
    assert found == []


def test_startup_fails_clearly_when_the_cluster_cannot_be_read(
    kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path
) -> None:
    missing = subprocess.run([*CLI, "mcp", "--kubeconfig", str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 2
    assert "cannot start" in missing.stderr and "nope.yaml" in missing.stderr
    kubeconfig = kubeconfig_for(CLUSTER)
    bad_token = tmp_path / "bad-token.yaml"
    bad_token.write_text(kubeconfig.path.read_text().replace("token:", "token: wrong-", 1))
    refused = subprocess.run(
        [*CLI, "mcp", "--kubeconfig", str(bad_token), "--namespace", "warehouse"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "cannot start" in refused.stderr


def test_http_checks_the_host_header_and_the_token(tmp_path: Path) -> None:
    env = {"SRE_MCP_TOKENS": "secret-token", "SRE_MCP_ALLOWED_HOSTS": "sre-mcp.sre.svc:8080"}
    with mcp_http_server(["--snapshot", CLUSTER], tmp_path, env=env) as server:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"Accept": "application/json, text/event-stream", "Authorization": "Bearer secret-token"}
        url = server.mcp_url
        assert httpx2.post(url, json=body, headers={**headers, "Host": "evil.example:8080"}).status_code == 421
        assert httpx2.post(url, json=body, headers={**headers, "Host": "sre-mcp.sre.svc:8080"}).status_code != 421
        unauthorized = httpx2.post(url, json=body, headers={**headers, "Authorization": "Bearer wrong"})
        assert unauthorized.status_code == 401
        assert unauthorized.headers["content-type"] == "application/problem+json"
        assert httpx2.get(f"{server.base_url}/health").json() == {"status": "ok"}
        assert httpx2.get(f"{server.base_url}/ready").json()["backend"] == "snapshot"


def test_http_on_a_public_address_without_tokens_is_refused() -> None:
    refused = subprocess.run(
        [*CLI, "mcp", "--snapshot", str(CLUSTER), "--transport", "http", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "refusing to serve 0.0.0.0:8080 without tokens" in refused.stderr
