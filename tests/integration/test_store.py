"""The incident store's contract, on both backends: SQLite (one file, shared with LangGraph's
checkpointer) and a real PostgreSQL server; keyset pagination; leases shared by replicas."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import aiosqlite
import psycopg
import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from pydantic import ValidationError

from orchestrator.models import AlertRecord, IncidentRequest, IncidentResult
from orchestrator.settings import OrchestratorSettings, sqlite_path
from orchestrator.store import (
    AlertEpisodeTaken,
    AlertGroupEntry,
    IncidentStore,
    InvalidCursor,
    StoreError,
    open_store,
    prepare_database,
)
from orchestrator.store.postgres import SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION
from orchestrator.store.sqlite import SqliteIncidentStore

pytestmark = pytest.mark.anyio

RESULT = IncidentResult(confidence_score="high", confidence=0.8, findings=[])
LEASE = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidents.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[IncidentStore]:
    async with open_store(database_url, owner="replica-a") as opened:
        yield opened


@pytest.fixture
async def other(database_url: str, store: IncidentStore) -> AsyncIterator[IncidentStore]:
    """A second replica on the same database."""
    async with open_store(database_url, owner="replica-b") as opened:
        yield opened


def _request(description: str = "pod auth-service-1 is in CrashLoopBackOff") -> IncidentRequest:
    return IncidentRequest(description=description, namespace="shop", pod="auth-service-1")


def _query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows read on a connection of its own, as another process (or one after a crash) would."""
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(sqlite_path(database_url))) as db, db:  # the inner `with` commits
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


async def _claimed(store: IncidentStore, description: str = "claimed") -> str:
    """A new incident, claimed by `store` (the only claimable one: every other is claimed already)."""
    created = await store.create(_request(description))
    claimed = await store.claim(LEASE)
    assert claimed is not None
    assert claimed.incident_id == created.incident_id
    return created.incident_id


async def _expire_leases(database_url: str) -> None:
    """Every lease lapses, as when its holder stopped renewing it long enough ago."""
    lapsed = "'2000-01-01T00:00:00.000Z'" if database_url.startswith("sqlite") else "now() - interval '1 second'"
    await asyncio.to_thread(
        _query,
        database_url,
        f"UPDATE incidents SET lease_expires_at = {lapsed} WHERE lease_owner IS NOT NULL RETURNING 1",
    )


# --- incidents ---------------------------------------------------------------------------------


async def test_create_then_get(store: IncidentStore) -> None:
    created = await store.create(_request())
    assert created.status == "pending"
    assert created.step is None
    assert created.report is None
    assert created.created_at == created.updated_at
    assert created.created_at.utcoffset() is not None
    assert await store.get(created.incident_id) == created
    assert await store.get("no-such-id") is None


async def test_an_incident_is_committed_once_create_returns(store: IncidentStore, database_url: str) -> None:
    created = await store.create(_request())
    rows = _query(database_url, "SELECT status FROM incidents WHERE incident_id = %s", created.incident_id)
    assert rows == [("pending",)]


async def test_status_transitions(store: IncidentStore) -> None:
    done = await _claimed(store, "done")
    broken = await _claimed(store, "broken")
    await store.set_step(done, "extract")
    investigating = await store.get(done)
    assert investigating is not None
    assert (investigating.status, investigating.step) == ("investigating", "extract")
    assert investigating.updated_at > investigating.created_at

    await store.complete(done, RESULT)
    await store.fail(broken, "investigation timed out after 120 s in step collect")
    completed, failed = await store.get(done), await store.get(broken)
    assert completed is not None
    assert (completed.status, completed.step, completed.confidence) == ("completed", None, 0.8)
    assert failed is not None
    assert failed.error == "investigation timed out after 120 s in step collect"

    # A late write from a cancelled run never reopens a finished incident.
    await store.set_step(done, "report")
    await store.fail(done, "late")
    assert await store.get(done) == completed


async def test_unfinished_lists_investigating_first_then_oldest(store: IncidentStore) -> None:
    running = await _claimed(store, "running")
    finished = await _claimed(store, "finished")
    older, newer = [await store.create(_request(f"incident {i}")) for i in range(2)]
    await store.set_step(running, "collect")
    await store.fail(finished, "boom")
    assert [i.incident_id for i in await store.unfinished()] == [running, older.incident_id, newer.incident_id]


async def test_pages_newest_first_each_incident_once(store: IncidentStore) -> None:
    created = [(await store.create(_request(f"incident {i}"))).incident_id for i in range(25)]
    seen: list[str] = []
    cursor = None
    for expected_size in (10, 10, 5):
        page = await store.list_incidents(limit=10, cursor=cursor)
        assert len(page.items) == expected_size
        seen += [incident.incident_id for incident in page.items]
        cursor = page.next_cursor
    assert cursor is None
    assert seen == created[::-1]


async def test_filters_by_status(store: IncidentStore) -> None:
    failing = await _claimed(store)
    ids = [(await store.create(_request())).incident_id for _ in range(2)]
    await store.fail(failing, "boom")
    failed = await store.list_incidents(limit=100, status="failed")
    pending = await store.list_incidents(limit=1, status="pending")
    assert [i.incident_id for i in failed.items] == [failing]
    assert [i.incident_id for i in pending.items] == [ids[1]]
    assert pending.next_cursor is not None
    rest = await store.list_incidents(limit=1, status="pending", cursor=pending.next_cursor)
    assert [i.incident_id for i in rest.items] == [ids[0]]
    assert rest.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    ["not base64!", "bm90IGpzb24", "WzEsMl0", "WyJ4IiwgInkiXQ", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgInkiXQ"],
    ids=["not-base64", "not-json", "not-strings", "not-a-time", "no-time-zone"],
)
async def test_rejects_a_cursor_it_did_not_hand_out(store: IncidentStore, cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="next_cursor"):
        await store.list_incidents(limit=10, cursor=cursor)


async def test_get_finds_one_incident_among_many(store: IncidentStore) -> None:
    # Its cost is measured, not asserted: `python bench/seen_before.py` prints store.get at 100,000 incidents.
    for i in range(100):
        await store.create(_request(f"incident {i}"))
    target = (await store.create(_request("the one asked for"))).incident_id
    found = await store.get(target)
    assert found is not None and (found.incident_id, found.description) == (target, "the one asked for")


# --- leases ------------------------------------------------------------------------------------


async def test_claims_investigating_first_then_oldest_each_once(store: IncidentStore) -> None:
    running = await _claimed(store, "running")
    await store.set_step(running, "collect")
    first, second = [(await store.create(_request(f"incident {i}"))).incident_id for i in range(2)]
    await store.release()  # a graceful shutdown: all three claimable again, the investigating one first
    claimed = [await store.claim(LEASE) for _ in range(4)]
    assert [i.incident_id if i else None for i in claimed] == [running, first, second, None]
    assert claimed[0] is not None
    assert (claimed[0].status, claimed[0].step) == ("investigating", "collect")


async def test_a_live_lease_is_not_claimed_a_lapsed_one_is_taken_over(
    store: IncidentStore, other: IncidentStore, database_url: str
) -> None:
    incident_id = await _claimed(store)
    assert await other.claim(LEASE) is None
    await _expire_leases(database_url)
    taken = await other.claim(LEASE)
    assert taken is not None
    assert taken.incident_id == incident_id
    assert _query(database_url, "SELECT lease_owner, claims FROM incidents") == [("replica-b", 2)]


async def test_renewal_keeps_the_lease_and_says_which_are_still_held(
    store: IncidentStore, other: IncidentStore, database_url: str
) -> None:
    kept, lost, done = [await _claimed(store, name) for name in ("kept", "lost", "done")]
    await store.complete(done, RESULT)
    await _expire_leases(database_url)
    taken = await other.claim(LEASE)  # the oldest lapsed lease
    assert taken is not None
    assert taken.incident_id == kept
    # `store` renews before the others look again: it keeps `lost`, the others' claim stands.
    assert await store.renew(LEASE) == {lost}
    assert await other.claim(LEASE) is None
    assert await other.renew(LEASE) == {kept}


async def test_a_replica_that_lost_its_lease_cannot_write(
    store: IncidentStore, other: IncidentStore, database_url: str
) -> None:
    incident_id = await _claimed(store)
    await store.set_step(incident_id, "collect")
    await _expire_leases(database_url)  # `store` was paused for longer than its lease
    assert await other.claim(LEASE) is not None
    await other.set_step(incident_id, "correlate")

    await store.set_step(incident_id, "report")
    await store.complete(incident_id, RESULT)
    await store.fail(incident_id, "late")
    current = await other.get(incident_id)
    assert current is not None
    assert (current.status, current.step, current.confidence) == ("investigating", "correlate", None)

    await other.complete(incident_id, RESULT)
    completed = await other.get(incident_id)
    assert completed is not None
    assert (completed.status, completed.confidence) == ("completed", 0.8)


async def test_an_unclaimed_incident_is_not_written(store: IncidentStore) -> None:
    created = await store.create(_request())
    await store.set_step(created.incident_id, "extract")
    await store.complete(created.incident_id, RESULT)
    assert await store.get(created.incident_id) == created


async def test_release_gives_the_leases_back_at_once(store: IncidentStore, other: IncidentStore) -> None:
    incident_id = await _claimed(store)
    assert await other.claim(LEASE) is None
    await store.release()
    taken = await other.claim(LEASE)
    assert taken is not None
    assert taken.incident_id == incident_id


async def test_concurrent_claims_never_take_one_incident_twice(
    store: IncidentStore, other: IncidentStore, database_url: str
) -> None:
    created = {(await store.create(_request(f"incident {i}"))).incident_id for i in range(30)}

    async def claim_all(replica: IncidentStore) -> list[str]:
        claimed: list[str] = []
        while incident := await replica.claim(LEASE):
            claimed.append(incident.incident_id)
        return claimed

    by_a, by_b = await asyncio.gather(claim_all(store), claim_all(other))
    assert sorted(by_a + by_b) == sorted(created)
    assert _query(database_url, "SELECT DISTINCT claims FROM incidents") == [(1,)]


async def test_alert_group_episodes(store: IncidentStore) -> None:
    firing = AlertRecord(fingerprint="f1", alertname="X", status="firing", starts_at="2026-01-02T00:00:00Z")
    entry = AlertGroupEntry('{}:{alertname="X"}', 1, [firing], None)
    request = IncidentRequest(description="X firing")
    created = await store.create(request, source="alertmanager", alert_group=entry)
    assert await store.get(created.incident_id) == created
    assert (created.source, created.alerts) == ("alertmanager", [firing])
    with pytest.raises(AlertEpisodeTaken):  # the same episode of the same group, again
        await store.create(request, source="alertmanager", alert_group=entry)
    in_eu = await store.create(request.model_copy(update={"cluster": "prod-eu"}), alert_group=entry)
    latest = await store.latest_alert_episode(entry.group_key, None)
    assert latest == (created, 1)
    assert await store.latest_alert_episode(entry.group_key, "prod-eu") == (in_eu, 1)

    ended = {"status": "resolved", "ends_at": "2026-01-02T00:05:00Z"}
    resolved = AlertRecord.model_validate(firing.model_dump() | ended)
    assert await store.record_alerts(created, [resolved], resolved.ends_at)
    assert not await store.record_alerts(created, [firing], None), "its alerts changed since `created` was read"
    updated = await store.get(created.incident_id)
    assert updated is not None
    assert (updated.alerts, updated.resolved_at) == ([resolved], resolved.ends_at)
    assert await store.record_alerts(updated, [firing], None)


# --- the schema --------------------------------------------------------------------------------


def test_replicas_starting_together_create_the_schema_once(database_url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: prepare_database(database_url), range(4)))
    tables = {"incidents", "feedback", "checkpoints", "checkpoint_writes"}
    if database_url.startswith("sqlite"):
        found = _query(database_url, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        found = _query(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables |= {"checkpoint_blobs", "sre_schema_version"}
        assert _query(database_url, "SELECT version FROM sre_schema_version") == [(POSTGRES_SCHEMA_VERSION,)]
    if database_url.startswith("sqlite"):
        tables -= {"checkpoints", "checkpoint_writes"}  # LangGraph's SQLite saver creates its own on first use
    assert tables <= {name for (name,) in found}


async def test_the_langgraph_checkpointer_shares_the_database(store: IncidentStore, database_url: str) -> None:
    config: Any = {"configurable": {"thread_id": "t-1", "checkpoint_ns": ""}}
    checkpoint: Any = {"v": 1, "id": "1", "ts": "2026-01-01T00:00:00+00:00", "channel_values": {}}
    checkpoint |= {"channel_versions": {}, "versions_seen": {}}
    if database_url.startswith("sqlite"):
        async with aiosqlite.connect(sqlite_path(database_url)) as connection:
            await AsyncSqliteSaver(connection).aput(config, checkpoint, {}, {})
    else:
        async with AsyncPostgresSaver.from_conn_string(database_url) as saver:  # no setup(): the store did it
            await saver.aput(config, checkpoint, {}, {})
    created = await store.create(_request())
    assert _query(database_url, "SELECT thread_id FROM checkpoints") == [("t-1",)]
    assert await store.get(created.incident_id) == created


async def test_sqlite_a_write_waits_for_another_writer(tmp_path: Path) -> None:
    async with SqliteIncidentStore(tmp_path / "incidents.db") as store:
        with closing(sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)) as other:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            other.execute("BEGIN IMMEDIATE")  # what the checkpointer holds while it writes
            threading.Timer(0.2, other.execute, ["COMMIT"]).start()
            started = time.monotonic()
            created = await store.create(_request())  # waits (busy_timeout) instead of "database is locked"
        assert time.monotonic() - started >= 0.15
        assert await store.get(created.incident_id) == created.model_copy(update={"updated_at": ANY})


# --- unusable databases and URLs ---------------------------------------------------------------


async def test_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot open the incident database .*missing/incidents\.db"):
        await open_store(f"sqlite:///{tmp_path / 'missing' / 'incidents.db'}").open()


async def test_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    from processes import free_port

    url = f"postgresql://sre:hunter2@127.0.0.1:{free_port()}/sre?connect_timeout=2"
    with pytest.raises(StoreError, match=r"cannot open the incident database \(PostgreSQL\): .*refused") as caught:
        await open_store(url).open()
    assert "hunter2" not in str(caught.value)


def test_database_url() -> None:
    assert sqlite_path("sqlite:///./sre.db") == Path("sre.db")
    assert sqlite_path("sqlite:////var/lib/sre/incidents.db") == Path("/var/lib/sre/incidents.db")
    assert OrchestratorSettings().database_path == Path("sre-orchestrator.db")
    postgres = OrchestratorSettings(database_url="postgresql://sre:hunter2@db.example:5432/incidents")
    assert postgres.database_name() == "PostgreSQL database 'incidents' on db.example"
    assert OrchestratorSettings(database_url="postgres://db/sre").database_url == "postgres://db/sre"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://sre:hunter2@db:3306/sre", "unsupported database URL scheme 'mysql://'"),
        ("sqlite:///:memory:", "must be a file path"),
        ("sre.db", "use 'sqlite:///PATH' .* or 'postgresql://"),
    ],
)
def test_unsupported_database_url(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        OrchestratorSettings(database_url=url)
    assert "hunter2" not in str(caught.value)


async def test_times_are_utc_whatever_the_database_session_says(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("ALTER DATABASE " + postgres_url.rsplit("/", 1)[-1] + " SET timezone TO 'Asia/Kolkata'")
    async with open_store(postgres_url) as store:
        created = await store.create(_request())
        read = await store.get(created.incident_id)
    assert read is not None
    assert read.created_at == created.created_at
    assert read.model_dump_json(include={"created_at"}) == created.model_dump_json(include={"created_at"})
    assert read.created_at.utcoffset() == timedelta(0)


async def test_revoked_sessions_are_seen_by_every_replica_and_forgotten_after_expiry(
    database_url: str, store: IncidentStore, other: IncidentStore
) -> None:
    now = datetime.now(UTC)
    await store.revoke_session("logged-out", now + timedelta(hours=1))
    await store.revoke_session("logged-out", now + timedelta(hours=1))  # twice (a retried write) is once
    await store.revoke_session("long-expired", now - timedelta(seconds=1))
    assert await other.session_revoked("logged-out")
    assert not await other.session_revoked("never-logged-out")
    # An expired cookie is refused by its signature anyway: its revocation goes at the next logout.
    await other.revoke_session("another", now + timedelta(hours=1))
    rows = _query(database_url, "SELECT session_id FROM ui_session_revocations ORDER BY session_id")
    assert rows == [("another",), ("logged-out",)]
