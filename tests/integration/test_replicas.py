"""Two `sre-orchestrator serve` replicas on one PostgreSQL database share the investigations:
each incident is investigated by exactly one replica, whichever replica it was reported to, and
one replica killed mid-investigation loses nothing: the other takes its lease over once it
lapses and resumes the investigation from its checkpoint.

Everything is real: a PostgreSQL server (tests/postgres.py), the orchestrator processes, and the
test Kubernetes API server they read the cluster from, its log reads slowed where a test needs
an investigation to stay in its collect step.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import psycopg
from kube_api_server import KubeApiServer, Kubeconfig
from processes import ServerProcess, cli_server
from test_crash_recovery import SCENARIO, _wait_for_step
from test_investigations_e2e import wait_until_finished

DESCRIPTION = "inventory-service-7c7769bc7f-dg68d in warehouse is in CrashLoopBackOff"


def _replica(
    kubeconfig: Kubeconfig, database_url: str, log_dir: Path, **settings: str
) -> contextlib.AbstractContextManager[ServerProcess]:
    args = ["serve", "--kubeconfig", kubeconfig.path, "--context", kubeconfig.context]
    args += ["--knowledge-graph", SCENARIO / "knowledge_graph.yaml", "--database-url", database_url]
    env = {"SRE_LEASE_SECONDS": "2", "SRE_CLAIM_POLL_SECONDS": "0.2", **settings}
    return cli_server(args, log_dir, env)


@contextlib.contextmanager
def _client(replica: ServerProcess) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=replica.base_url, timeout=10) as client:
        yield client


def _report(client: httpx2.Client) -> str:
    created = client.post("/api/v1/incidents", json={"description": DESCRIPTION})
    assert created.status_code == 202, created.text
    return created.headers["location"]


def _rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def _leases(database_url: str) -> dict[str, tuple[str, int]]:
    """incident id -> (the replica that holds or finished it, how many times it was claimed)."""
    rows = _rows(database_url, "SELECT incident_id, lease_owner, claims FROM incidents")
    return {incident_id: (owner, claims) for incident_id, owner, claims in rows}


def _runs_from_the_start(database_url: str) -> dict[str, int]:
    """How many times LangGraph started each incident's graph from its input (not from a checkpoint)."""
    rows = _rows(
        database_url,
        "SELECT thread_id, count(*) FROM checkpoints WHERE metadata->>'source' = 'input' GROUP BY thread_id",
    )
    return dict(rows)  # type: ignore[arg-type]


def _owner_of(replica: ServerProcess) -> str:
    return f"{socket.gethostname()}-{replica.process.pid}-"


def _completed(client: httpx2.Client, location: str) -> str:
    incident = wait_until_finished(client, location)
    assert incident["status"] == "completed", incident["error"]
    assert incident["report"]["category"] == "insufficient_memory"
    return incident["incident_id"]


def test_two_replicas_share_the_investigations_and_take_over_from_one_killed(
    kube_faults: KubeApiServer, kubeconfig_for: Callable[..., Kubeconfig], postgres_url: str, tmp_path: Path
) -> None:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    single = {"SRE_MAX_CONCURRENT_INVESTIGATIONS": "1"}  # one slot each: a busy replica cannot take more
    with (
        _replica(kubeconfig, postgres_url, tmp_path, **single) as a,
        _replica(kubeconfig, postgres_url, tmp_path, **single) as b,
        _client(a) as to_a,
        _client(b) as to_b,
    ):
        # Reported to either replica, read back from the other: each serves every incident.
        locations = [_report(client) for client in (to_a, to_b) * 3]
        shared = [_completed(to_b if i % 2 == 0 else to_a, location) for i, location in enumerate(locations)]

        # The next investigation's first log read hangs: its replica stays in collect, its slot taken.
        slow_log = kube_faults.inject_fault(r"/log$", delay_seconds=60, times=1, server_url=kubeconfig.server_url)
        stuck = _report(to_a)
        _wait_for_step(to_a, stuck, "collect")
        deadline = time.monotonic() + 30
        while slow_log.hits == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow_log.hits == 1
        stuck_id = stuck.rsplit("/", 1)[-1]
        holder, survivor = (a, b) if _leases(postgres_url)[stuck_id][0].startswith(_owner_of(a)) else (b, a)
        to_holder, to_survivor = (to_a, to_b) if holder is a else (to_b, to_a)

        # What is reported to the busy replica runs on the other, while the holder's lease stays live.
        waiting = [_completed(to_holder, location) for location in [_report(to_holder) for _ in range(2)]]
        assert to_survivor.get(stuck).json()["step"] == "collect"

        cluster_wide_pod_lists = kube_faults.inject_fault(
            r"^/api/v1/pods$", delay_seconds=0.001, server_url=kubeconfig.server_url
        )
        holder.process.send_signal(signal.SIGKILL)
        holder.process.wait(timeout=10)
        resumed = _completed(to_survivor, stuck)

    leases = _leases(postgres_url)
    assert {incident_id: leases[incident_id][1] for incident_id in [*shared, *waiting]} == dict.fromkeys(
        [*shared, *waiting], 1
    )
    assert {leases[incident_id][0].startswith(_owner_of(a)) for incident_id in shared} == {True, False}
    assert all(leases[incident_id][0].startswith(_owner_of(survivor)) for incident_id in [*waiting, resumed])
    assert leases[resumed][1] == 2, "claimed by the killed replica, then taken over once its lease lapsed"
    assert cluster_wide_pod_lists.hits == 0, "extract ran again instead of resuming from its checkpoint"
    assert _runs_from_the_start(postgres_url) == dict.fromkeys([*shared, *waiting, resumed], 1)
