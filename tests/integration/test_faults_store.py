"""Faults of the incident database under a running `serve`: another process holding it locked,
and its disk full. A report is answered only once it is stored (a lock is waited out), or refused
with a 503 problem when it cannot be (never a 500, never a 202 for something not on disk);
incidents already acknowledged are neither lost nor left unfinished: their investigation waits
for the database and completes once it is back.

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from processes import ServerProcess, cli_server
from test_crash_recovery import _wait_for_step as wait_for_step
from test_faults_cluster import DESCRIPTION, SCENARIO, serve_args
from test_investigations_e2e import wait_until_finished

# Past SQLite's busy timeout (orchestrator.store.sqlite.BUSY_TIMEOUT_MS), within the store's patience for writes.
LOCK_SECONDS = 7


def report(client: httpx2.Client, description: str = DESCRIPTION) -> httpx2.Response:
    return client.post("/api/v1/incidents", json={"description": description})


def assert_unavailable(response: httpx2.Response, cause: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert cause in problem["detail"] and "nothing was recorded" in problem["detail"], problem


def assert_recovered(client: httpx2.Client, *acknowledged: httpx2.Response) -> None:
    """The acknowledged incidents completed, a new one does too, and nothing else was recorded."""
    later = report(client)
    assert later.status_code == 202
    for response in (*acknowledged, later):
        incident = wait_until_finished(client, response.headers["location"])
        assert incident["status"] == "completed", incident["error"]
    listed = client.get("/api/v1/incidents", params={"limit": 100}).raise_for_status().json()["items"]
    assert {i["incident_id"] for i in listed} == {r.json()["incident_id"] for r in (*acknowledged, later)}


@contextlib.contextmanager
def mid_investigation(
    kube_faults: KubeApiServer, kubeconfig: Kubeconfig, database: Path, log_dir: Path
) -> Iterator[tuple[ServerProcess, httpx2.Client, httpx2.Response]]:
    """`serve` on `database`, with one acknowledged incident in its collect step (log reads slowed)."""
    kube_faults.inject_fault(r"/log$", delay_seconds=0.5, server_url=kubeconfig.server_url)
    with (
        cli_server(serve_args(database, kubeconfig), log_dir) as server,
        httpx2.Client(base_url=server.base_url, timeout=30) as client,
    ):
        running = report(client)
        assert running.status_code == 202
        wait_for_step(client, running.headers["location"], "collect")
        yield server, client, running


@pytest.fixture
def kubeconfig(kubeconfig_for: Callable[..., Kubeconfig]) -> Kubeconfig:
    return kubeconfig_for(SCENARIO / "cluster")


def test_database_locked_by_another_process(kube_faults: KubeApiServer, kubeconfig: Kubeconfig, tmp_path: Path) -> None:
    database = tmp_path / "incidents.db"
    with (
        mid_investigation(kube_faults, kubeconfig, database, tmp_path) as (server, client, running),
        ThreadPoolExecutor(1) as background,
    ):
        # Another process (this one) takes the write lock and keeps it past SQLite's busy timeout.
        holder = sqlite3.connect(database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            waiting = background.submit(report, client, "reported while the database is locked")
            time.sleep(LOCK_SECONDS)
            assert not waiting.done(), waiting.result().text  # neither refused nor acknowledged before it is stored
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        reported = waiting.result()
        assert reported.status_code == 202, reported.text
        assert_recovered(client, running, reported)
    assert "the database refused" in server.log.read_text(), "the investigation never met the lock"


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
    with mid_investigation(kube_faults, kubeconfig, database, tmp_path) as (server, client, running):
        filler = fill(small_disk)
        # A description as long as allowed, so that it needs new pages in the database file.
        refused = report(client, "disk full " + "x" * 3_900)
        assert_unavailable(refused, "database or disk is full")
        time.sleep(2)  # the running investigation meets the full disk meanwhile
        assert client.get(running.headers["location"]).json()["status"] == "investigating"
        filler.unlink()
        assert_recovered(client, running)
    assert "the database refused" in server.log.read_text(), "the investigation never met the full disk"
