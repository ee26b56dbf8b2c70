"""A `serve` process killed with SIGKILL mid-investigation loses nothing: after a restart on the same
database the incident resumes from its last checkpoint and completes.

Everything is real: the orchestrator reads a live cluster (the test Kubernetes API server, with
pod logs slowed down so the kill lands inside the collect step) through the kubernetes client.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
from kube_api_server import KubeApiServer, Kubeconfig
from paths import SCENARIOS
from processes import cli_server
from test_investigations_e2e import wait_until_finished

SCENARIO = SCENARIOS / "oom-killed-java"


def _wait_for_step(client: httpx2.Client, location: str, step: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        incident = client.get(location).json()
        if incident["status"] == "investigating" and incident["step"] == step:
            return
        time.sleep(0.05)
    raise AssertionError(f"the investigation never reached step {step}: {incident}")


def test_sigkill_mid_investigation_then_restart_completes_the_incident(
    kube_faults: KubeApiServer, kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path
) -> None:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    slow_logs = kube_faults.inject_fault(r"/log$", delay_seconds=30, server_url=kubeconfig.server_url)
    args = [
        "serve",
        "--kubeconfig",
        kubeconfig.path,
        "--context",
        kubeconfig.context,
        "--knowledge-graph",
        SCENARIO / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{tmp_path / 'incidents.db'}",
    ]
    description = "inventory-service-7c7769bc7f-dg68d in warehouse is in CrashLoopBackOff"
    # A lease far longer than the test: the restarted server must see that the killed one (same host,
    # its pid gone) holds it no more, rather than wait for it to lapse.
    lease = {"SRE_LEASE_SECONDS": "600"}
    with cli_server(args, tmp_path, lease) as first:
        with httpx2.Client(base_url=first.base_url, timeout=10) as client:
            created = client.post("/api/v1/incidents", json={"description": description})
            location = created.headers["location"]
            _wait_for_step(client, location, "collect")
        deadline = time.monotonic() + 30
        while slow_logs.hits == 0 and time.monotonic() < deadline:  # kill inside the slowed log read
            time.sleep(0.02)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
    assert slow_logs.hits >= 1

    kube_faults.remove_fault(slow_logs)
    # extract lists pods across namespaces (find_pods); a resumed run starts after it.
    cluster_wide_pod_lists = kube_faults.inject_fault(
        r"^/api/v1/pods$", delay_seconds=0.001, server_url=kubeconfig.server_url
    )
    with cli_server(args, tmp_path, lease) as second:
        with httpx2.Client(base_url=second.base_url, timeout=10) as client:
            incident = wait_until_finished(client, location)
            listed = client.get("/api/v1/incidents").json()["items"]
    assert incident["status"] == "completed", incident["error"]
    assert incident["report"]["category"] == "insufficient_memory"
    assert incident["extracted"]["pod"] == "inventory-service-7c7769bc7f-dg68d"
    assert [item["incident_id"] for item in listed] == [created.json()["incident_id"]]
    assert cluster_wide_pod_lists.hits == 0, "extract ran again instead of resuming from its checkpoint"
