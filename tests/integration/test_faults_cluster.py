"""Faults on the way to the cluster: the Kubernetes API erring or hanging, the Kubernetes MCP server
down, killed or slow. Every incident ends, completed with what could be read (notes saying what
failed and why) or failed with an error naming the cause, and the next incidents work again.

All real: `sre-orchestrator serve` and `sre-orchestrator mcp` as processes, the kubernetes client
against the test Kubernetes API server with injected faults, the REST API over HTTP.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from paths import SCENARIOS
from processes import ServerProcess, cli_server, free_port
from test_crash_recovery import _wait_for_step as wait_for_step
from test_investigations_e2e import wait_until_finished

SCENARIO = SCENARIOS / "oom-killed-java"
DESCRIPTION = "inventory-service-7c7769bc7f-dg68d in warehouse is in CrashLoopBackOff"
API_TIMEOUT_SECONDS = 2


def investigate(client: httpx2.Client, timeout: float = 60.0) -> dict[str, Any]:
    created = client.post("/api/v1/incidents", json={"description": DESCRIPTION})
    assert created.status_code == 202, created.text
    return wait_until_finished(client, created.headers["location"], timeout)


def assert_explained(error: str | None, *words: str) -> None:
    """A failure a person can act on: the cause named, no traceback, no bare exception type."""
    assert error, "a failed incident must say why"
    assert "Traceback" not in error and "internal error" not in error, error
    for word in words:
        assert word in error, f"{word!r} not in {error!r}"


def notes(incident: dict[str, Any]) -> str:
    return "\n".join(incident["report"]["notes"])


@pytest.fixture
def kubeconfig(kubeconfig_for: Callable[..., Kubeconfig]) -> Kubeconfig:
    return kubeconfig_for(SCENARIO / "cluster")


def cluster_args(kubeconfig: Kubeconfig) -> list[str | Path]:
    return ["--kubeconfig", kubeconfig.path, "--context", kubeconfig.context]


def serve_args(database: Path, kubeconfig: Kubeconfig | None = None) -> list[str | Path]:
    """`serve` on the scenario's knowledge graph, reading the cluster through `kubeconfig` (else SRE_MCP_URL)."""
    cluster = cluster_args(kubeconfig) if kubeconfig is not None else []
    return [
        "serve",
        *cluster,
        "--knowledge-graph",
        SCENARIO / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{database}",
    ]


def test_kubernetes_api_errors_and_hangs_end_every_incident_with_the_cause(
    kube_faults: KubeApiServer, kubeconfig: Kubeconfig, tmp_path: Path
) -> None:
    args = serve_args(tmp_path / "incidents.db", kubeconfig)
    env = {"SRE_API_TIMEOUT_SECONDS": str(API_TIMEOUT_SECONDS)}
    server_url = kubeconfig.server_url
    with cli_server(args, tmp_path, env=env) as server, httpx2.Client(base_url=server.base_url, timeout=10) as client:
        # Healthy first (which also has the test API server read the snapshot before timeouts count).
        healthy = investigate(client)
        assert healthy["status"] == "completed" and "could not be read" not in notes(healthy)

        # Every pod list fails: the target cannot be looked up, and the incident says so.
        fault = kube_faults.inject_fault(
            r"/pods$", status=500, server_url=server_url, message="etcdserver: leader changed"
        )
        failed = investigate(client)
        assert failed["status"] == "failed"
        assert_explained(failed["error"], "step extract", "find_pods", "HTTP 500", "etcdserver: leader changed")
        kube_faults.remove_fault(fault)

        # Logs are forbidden: the rest of the evidence still finds the cause; the notes say what is missing.
        fault = kube_faults.inject_fault(r"/log$", status=403, server_url=server_url)
        forbidden = investigate(client)
        assert forbidden["status"] == "completed", forbidden["error"]
        assert forbidden["report"]["category"] == "insufficient_memory"
        assert "logs of container app could not be read" in notes(forbidden)
        assert "HTTP 403" in notes(forbidden)
        kube_faults.remove_fault(fault)

        # Events hang: each read costs one timeout (no retries of a timed-out read), then a note.
        fault = kube_faults.inject_fault(r"/events$", delay_seconds=30, server_url=server_url)
        started = time.monotonic()
        hung = investigate(client)
        took = time.monotonic() - started
        assert hung["status"] == "completed", hung["error"]
        assert hung["report"]["category"] == "insufficient_memory"
        assert f"no answer within {API_TIMEOUT_SECONDS} s" in notes(hung)
        # 4 event reads (the pod's, its ReplicaSet's, its Deployment's, the namespace's warnings) at
        # one timeout each; urllib3's default retries would have made each cost four.
        assert fault.hits == 4, fault.hits
        assert took < 4 * API_TIMEOUT_SECONDS * 2 + 8, f"a hung API server cost {took:.1f} s"
        kube_faults.remove_fault(fault)


@pytest.fixture
def mcp_port() -> int:
    return free_port()


@pytest.fixture
def orchestrator(kubeconfig: Kubeconfig, mcp_port: int, tmp_path: Path) -> Iterator[ServerProcess]:
    """`serve` using a remote Kubernetes MCP server at `mcp_port`, which nothing serves yet."""
    args = serve_args(tmp_path / "incidents.db")
    env = {"SRE_MCP_URL": f"http://127.0.0.1:{mcp_port}/mcp", "SRE_MCP_TIMEOUT_SECONDS": "3"}
    with cli_server(args, tmp_path, env=env) as server:
        yield server


def mcp_server(kubeconfig: Kubeconfig, port: int, log_dir: Path) -> Any:
    return cli_server(["mcp", "--transport", "http", *cluster_args(kubeconfig)], log_dir, port=port)


def test_mcp_server_down_killed_or_slow_fails_incidents_with_the_cause_until_it_is_back(
    kube_faults: KubeApiServer, kubeconfig: Kubeconfig, orchestrator: ServerProcess, mcp_port: int, tmp_path: Path
) -> None:
    where = f"the Kubernetes MCP server at http://127.0.0.1:{mcp_port}/mcp"
    with httpx2.Client(base_url=orchestrator.base_url, timeout=10) as client:
        down = investigate(client)
        assert down["status"] == "failed"
        assert_explained(down["error"], "step extract", f"cannot connect to {where}")
        # Readiness is about this process and its store: every replica would fail alike, so an MCP
        # outage must not take the API (and the incidents it records meanwhile) out of service.
        assert client.get("/ready").status_code == 200

        with mcp_server(kubeconfig, mcp_port, tmp_path) as mcp:
            assert investigate(client)["status"] == "completed"

            # Slow: the MCP server waits on a hung API server longer than the orchestrator waits on it.
            slow = kube_faults.inject_fault(r"/log$", delay_seconds=20, server_url=kubeconfig.server_url)
            timed_out = investigate(client)
            assert timed_out["status"] == "failed"
            assert_explained(timed_out["error"], "step collect", f"{where} did not answer diagnose_pod", "within 3 s")
            kube_faults.remove_fault(slow)
            assert investigate(client)["status"] == "completed"

            # Killed mid-investigation, while its diagnose_pod waits on a slowed log read.
            kube_faults.inject_fault(r"/log$", delay_seconds=2, server_url=kubeconfig.server_url)
            created = client.post("/api/v1/incidents", json={"description": DESCRIPTION})
            wait_for_step(client, created.headers["location"], "collect")
            mcp.process.send_signal(signal.SIGKILL)
            mcp.process.wait(timeout=10)
            kube_faults.clear_faults()
        killed = wait_until_finished(client, created.headers["location"])
        assert killed["status"] == "failed"
        assert_explained(killed["error"], "step collect", where)

        # Back on the same address (a new process, which knows nothing of the old MCP session).
        with mcp_server(kubeconfig, mcp_port, tmp_path):
            back = investigate(client)
            assert back["status"] == "completed", back["error"]
            assert back["report"]["category"] == "insufficient_memory"
        listed = client.get("/api/v1/incidents", params={"limit": 100}).json()["items"]
    assert [i["status"] for i in listed].count("completed") == 3
    assert not [i for i in listed if i["status"] in ("pending", "investigating")]
