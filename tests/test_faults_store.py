"""Faults of the incident database under a running `serve`: another process holding it locked,
and its disk full. A report that cannot be stored is refused with a 503 problem (never a 500,
never a 202 for something not on disk); incidents already acknowledged are neither lost nor
left unfinished: their investigation waits for the database and completes once it is back.

The investigations read the test Kubernetes API server with slowed log reads, so the database
fails while they are running.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from processes import ServerProcess, cli_server
from test_investigations_e2e import wait_until_finished

SCENARIO = Path(__file__).parent / "scenarios" / "oom-killed-java"
DESCRIPTION = "inventory-service-7c7769bc7f-dg68d in warehouse is in CrashLoopBackOff"


def serve(kubeconfig: Kubeconfig, database: Path, log_dir: Path) -> contextlib.AbstractContextManager[ServerProcess]:
    args = [
        "serve",
        "--kubeconfig",
        kubeconfig.path,
        "--context",
        kubeconfig.context,
        "--knowledge-graph",
        SCENARIO / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{database}",
    ]
    return cli_server(args, log_dir)


def report(client: httpx2.Client, description: str = DESCRIPTION) -> httpx2.Response:
    return client.post("/api/v1/incidents", json={"description": description})


def wait_for_step(client: httpx2.Client, location: str, step: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        incident = client.get(location).json()
        if incident["status"] == "investigating" and incident["step"] == step:
            return
        time.sleep(0.05)
    raise AssertionError(f"{location} never reached step {step}: {incident}")


def assert_unavailable(response: httpx2.Response, cause: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert cause in problem["detail"] and "nothing was recorded" in problem["detail"], problem


def listed(client: httpx2.Client) -> list[dict[str, Any]]:
    return client.get("/api/v1/incidents", params={"limit": 100}).raise_for_status().json()["items"]


@pytest.fixture
def kubeconfig(kubeconfig_for: Callable[..., Kubeconfig]) -> Kubeconfig:
    return kubeconfig_for(SCENARIO / "cluster")


def test_database_locked_by_another_process(kube_faults: KubeApiServer, kubeconfig: Kubeconfig, tmp_path: Path) -> None:
    database = tmp_path / "incidents.db"
    kube_faults.inject_fault(r"/log$", delay_seconds=0.5, server_url=kubeconfig.server_url)
    with serve(kubeconfig, database, tmp_path) as server, httpx2.Client(base_url=server.base_url, timeout=30) as client:
        running = report(client)
        assert running.status_code == 202
        wait_for_step(client, running.headers["location"], "collect")
        # Another process (this one) takes the write lock and keeps it past the store's patience.
        holder = sqlite3.connect(database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            refused = report(client, "refused while the database is locked")
            assert_unavailable(refused, "database is locked")
            time.sleep(2)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        incident = wait_until_finished(client, running.headers["location"])
        assert incident["status"] == "completed", incident["error"]
        later = report(client)
        assert later.status_code == 202
        assert wait_until_finished(client, later.headers["location"])["status"] == "completed"
        incidents = listed(client)
    assert {i["incident_id"] for i in incidents} == {running.json()["incident_id"], later.json()["incident_id"]}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of its own, so the test can fill it (needs the mount privilege CI has as root)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "--lazy", str(mountpoint)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no space left; deleting it frees the disk again."""
    filler = disk / "filler"
    chunk = b"\0" * 4096
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                return filler


def test_disk_full_refuses_new_incidents_and_finishes_acknowledged_ones_once_freed(
    kube_faults: KubeApiServer, kubeconfig: Kubeconfig, small_disk: Path, tmp_path: Path
) -> None:
    database = small_disk / "incidents.db"
    kube_faults.inject_fault(r"/log$", delay_seconds=0.5, server_url=kubeconfig.server_url)
    with serve(kubeconfig, database, tmp_path) as server, httpx2.Client(base_url=server.base_url, timeout=30) as client:
        running = report(client)
        assert running.status_code == 202
        wait_for_step(client, running.headers["location"], "collect")
        filler = fill(small_disk)
        # A description as long as allowed, so that it needs new pages in the database file.
        refused = report(client, "disk full " + "x" * 3_900)
        assert_unavailable(refused, "database or disk is full")
        time.sleep(2)  # the running investigation meets the full disk meanwhile
        assert client.get(running.headers["location"]).json()["status"] == "investigating"
        filler.unlink()
        incident = wait_until_finished(client, running.headers["location"])
        assert incident["status"] == "completed", incident["error"]
        later = report(client)
        assert later.status_code == 202
        assert wait_until_finished(client, later.headers["location"])["status"] == "completed"
        incidents = listed(client)
    assert {i["incident_id"] for i in incidents} == {running.json()["incident_id"], later.json()["incident_id"]}
    assert "the database refused" in server.log.read_text(), "the investigation never met the full disk"
