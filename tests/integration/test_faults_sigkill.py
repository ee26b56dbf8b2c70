"""`serve` killed with SIGKILL again and again while investigations run: no incident is lost, none
is left pending or investigating, every one ends completed or failed with a reason.

Each round starts `serve` on the same database, reports two incidents, waits until an
investigation is running (its own or one taken up from the previous round), kills the process
at a staggered moment, and goes on. A last `serve` finishes whatever is left. Investigations
read the test Kubernetes API server with slowed log reads, so the kills land mid-investigation.
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
from kube_api_server import KubeApiServer, Kubeconfig
from processes import cli_server
from test_faults_cluster import DESCRIPTION, SCENARIO, serve_args

ROUNDS = 20
FINISHED = ("completed", "failed")


def incidents(client: httpx2.Client) -> dict[str, dict[str, Any]]:
    items = client.get("/api/v1/incidents", params={"limit": 100}).raise_for_status().json()["items"]
    return {item["incident_id"]: item for item in items}


def wait_for(client: httpx2.Client, condition: Callable[[dict[str, dict[str, Any]]], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition(incidents(client)):
            return True
        time.sleep(0.02)
    return False


def investigating(known: dict[str, dict[str, Any]]) -> bool:
    return any(i["status"] == "investigating" for i in known.values())


def test_sigkill_mid_investigation_20_times_loses_nothing_and_leaves_nothing_unfinished(
    kube_faults: KubeApiServer, kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path
) -> None:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    kube_faults.inject_fault(r"/log$", delay_seconds=0.3, server_url=kubeconfig.server_url)
    args = serve_args(tmp_path / "incidents.db", kubeconfig)
    moments = random.Random(20)  # staggered, and the same in every run
    reported: list[str] = []
    killed_mid_investigation = 0
    for _ in range(ROUNDS):
        with cli_server(args, tmp_path) as server, httpx2.Client(base_url=server.base_url, timeout=10) as client:
            for _ in range(2):
                created = client.post("/api/v1/incidents", json={"description": DESCRIPTION})
                assert created.status_code == 202, created.text
                reported.append(created.json()["incident_id"])
            wait_for(client, investigating, timeout=10)
            time.sleep(moments.uniform(0, 0.6))
            at_kill = incidents(client)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=10)
        killed_mid_investigation += investigating(at_kill)

    with cli_server(args, tmp_path) as server, httpx2.Client(base_url=server.base_url, timeout=10) as client:
        done = wait_for(client, lambda known: all(i["status"] in FINISHED for i in known.values()), timeout=90)
        final = incidents(client)
    assert sorted(final) == sorted(reported), "an acknowledged incident was lost"
    assert done, {i: v["status"] for i, v in final.items() if v["status"] not in FINISHED}
    failed = {i: v["error"] for i, v in final.items() if v["status"] == "failed"}
    assert all(failed.values()), f"a failed incident without a reason: {failed}"
    assert not failed, f"a kill is no reason for an investigation to fail: {failed}"
    assert killed_mid_investigation >= ROUNDS // 2, f"only {killed_mid_investigation} kills landed mid-investigation"
