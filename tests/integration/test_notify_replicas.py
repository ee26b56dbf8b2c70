"""Notifications with several replicas on PostgreSQL, and across a SIGKILL of `serve`.

Two deliverers (each with its own store, connection pool and lease owner, as two replicas have)
drain one outbox against a real HTTPS receiver: every incident is posted once. A `serve` process
killed while its post is in flight, between the finish and the delivery, loses nothing: after the
restart the notification is delivered (acknowledged) once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
import trustme
from paths import SUPPORT
from processes import free_port, wait_for_health
from receiver import Receiver, ca_bundle

from orchestrator.models import IncidentRequest, IncidentResult
from orchestrator.notify.deliverer import Deliverer
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import IncidentStore, open_store

INCIDENTS = 40
TOKEN = "notify-sigkill-token"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def _finished(store: IncidentStore, count: int, deliverer: Deliverer | None = None) -> list[str]:
    """Incidents finished one after the other, each waking the deliverer (if any) as the runner does."""
    ids = []
    for n in range(count):
        created = await store.create(IncidentRequest(description=f"incident {n}"))
        claimed = await store.claim(30)
        assert claimed is not None
        await store.complete(created.incident_id, IncidentResult(confidence=0.8), ["webhook"])
        ids.append(created.incident_id)
        if deliverer is not None:
            deliverer.wake()
            await asyncio.sleep(0.05)
    return ids


@pytest.mark.anyio
async def test_two_replicas_on_postgres_post_each_notification_once(
    postgres_url: str, ca: trustme.CA, tmp_path: Path
) -> None:
    receiver = Receiver(ca).start()
    settings = OrchestratorSettings(
        database_url=postgres_url,
        notify_webhook_url=f"{receiver.url}/hook",
        notify_ca_bundle=ca_bundle(ca, tmp_path),
        notify_retry_initial_seconds=0.1,
    )
    try:
        async with (
            open_store(postgres_url, owner="replica-a") as store_a,
            open_store(postgres_url, owner="replica-b") as store_b,
        ):
            # A backlog both replicas find at once (as after an outage): they race for every row.
            backlog = await _finished(store_a, INCIDENTS)
            async with Deliverer(store_a, settings) as a, Deliverer(store_b, settings):
                await asyncio.to_thread(receiver.wait_for, INCIDENTS, 30)
                owners = Counter(
                    row["lease_owner"]
                    for row in await store_a._execute(
                        "SELECT lease_owner FROM notifications WHERE status = 'delivered'"
                    )
                )
                # Then incidents finishing one by one, as in steady operation: the finish-to-delivery time.
                steady = await _finished(store_a, INCIDENTS // 2, a)
                await asyncio.to_thread(receiver.wait_for, INCIDENTS + INCIDENTS // 2, 30)
                await asyncio.sleep(1.0)  # time for any duplicate to arrive
            ids = backlog + steady
            states = [await store_a.notifications_of(incident_id) for incident_id in ids]
            finished_at = {i: (await store_a.get(i)).updated_at.timestamp() for i in steady}  # type: ignore[union-attr]
    finally:
        receiver.stop()
    deliveries = Counter(request.headers["X-SRE-Delivery"] for request in receiver.requests)
    duplicates = sum(n - 1 for n in deliveries.values())
    assert duplicates == 0, deliveries.most_common(3)
    assert set(deliveries) == {f"{i}:webhook" for i in ids}
    assert all(s is not None and s[0].status == "delivered" and s[0].attempts == 1 for s in states), states
    assert set(owners) == {"replica-a", "replica-b"}, owners  # both replicas took a share of the backlog
    latencies = sorted(
        r.at - finished_at[key.split(":")[0]]
        for r in receiver.requests
        if (key := r.headers["X-SRE-Delivery"]).split(":")[0] in finished_at
    )
    p50, p99 = statistics.median(latencies), latencies[-1]
    print(f"\ntwo replicas: {len(ids)} incidents, {duplicates} duplicates, backlog split {dict(owners)}, "
          f"finish-to-delivery p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")  # fmt: skip


@contextlib.contextmanager
def _serve(tmp_path: Path, port: int, receiver: Receiver, ca: trustme.CA) -> Iterator[subprocess.Popen[bytes]]:
    """`serve` with the double as its own process (tests/support/api_server.py), notifying `receiver`."""
    env = {
        **os.environ,
        "SRE_DATABASE_URL": f"sqlite:///{tmp_path / 'incidents.db'}",
        "SRE_API_TOKENS": TOKEN,
        "SRE_PORT": str(port),
        "SRE_TEST_JOURNAL": str(tmp_path / "journal.txt"),
        "SRE_NOTIFY_WEBHOOK_URL": f"{receiver.url}/hook",
        "SRE_NOTIFY_CA_BUNDLE": str(ca_bundle(ca, tmp_path)),
        "SRE_NOTIFY_TIMEOUT_SECONDS": "30",
    }
    log = tmp_path / f"server-{time.monotonic_ns()}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(SUPPORT / "api_server.py")], stdout=output, stderr=output, env=env
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def test_a_sigkill_between_the_finish_and_the_delivery_loses_nothing(tmp_path: Path, ca: trustme.CA) -> None:
    receiver = Receiver(ca).start()
    receiver.hold.set()  # the receiver keeps the first post waiting: the server dies with it in flight
    port = free_port()
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}
    try:
        with _serve(tmp_path, port, receiver, ca) as process, httpx2.Client(base_url=url, headers=auth) as client:
            incident_id = client.post("/api/v1/incidents", json={"description": "checkout is down"}).json()[
                "incident_id"
            ]
            receiver.wait_for(1)  # finished, and its post is in flight
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        receiver.hold.clear()
        restarted_at = time.time()
        with _serve(tmp_path, port, receiver, ca), httpx2.Client(base_url=url, headers=auth) as client:
            deadline = time.monotonic() + 20
            while (states := client.get(f"/api/v1/incidents/{incident_id}").json()["notifications"])[0]["status"] != (
                "delivered"
            ):
                assert time.monotonic() < deadline, states
                time.sleep(0.05)
    finally:
        receiver.stop()
    acknowledged = [r for r in receiver.requests if r.answered]
    assert [r.headers["X-SRE-Delivery"] for r in acknowledged] == [f"{incident_id}:webhook"]
    assert acknowledged[0].at >= restarted_at  # posted again by the restarted server, at once (its lease freed)
    assert states == [{"target": "webhook", "status": "delivered", "attempts": 2, "last_error": None}]
    assert datetime.now(UTC).timestamp() - restarted_at < 15
