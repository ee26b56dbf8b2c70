"""The incident store: SQLite in WAL mode, shared with LangGraph's checkpointer, keyset pagination."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from unittest.mock import ANY

import aiosqlite
import pytest
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from pydantic import ValidationError

from orchestrator.models import IncidentRequest, IncidentResult
from orchestrator.settings import OrchestratorSettings, sqlite_path
from orchestrator.store import IncidentStore, InvalidCursor, StoreError, encode_cursor

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[IncidentStore]:
    async with IncidentStore(tmp_path / "incidents.db") as opened:
        yield opened


def _request(description: str = "pod auth-service-1 is in CrashLoopBackOff") -> IncidentRequest:
    return IncidentRequest(description=description, namespace="shop", pod="auth-service-1")


async def test_create_then_get(store: IncidentStore) -> None:
    created = await store.create(_request())
    assert created.status == "pending"
    assert created.step is None
    assert created.report is None
    assert created.created_at == created.updated_at
    assert created.created_at.utcoffset() is not None
    assert await store.get(created.incident_id) == created
    assert await store.get("no-such-id") is None


async def test_an_incident_is_on_disk_once_create_returns(store: IncidentStore) -> None:
    created = await store.create(_request())
    # Another connection (another process, after a crash) sees it: nothing is left in a transaction.
    with closing(sqlite3.connect(store.path)) as other:
        rows = other.execute("SELECT status FROM incidents WHERE incident_id = ?", (created.incident_id,)).fetchall()
    assert rows == [("pending",)]


async def test_wal_mode(store: IncidentStore) -> None:
    with closing(sqlite3.connect(store.path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_write_waits_for_another_writer(store: IncidentStore) -> None:
    with closing(sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)) as other:
        other.execute("BEGIN IMMEDIATE")  # what the checkpointer holds while it writes
        threading.Timer(0.2, other.execute, ["COMMIT"]).start()
        started = time.monotonic()
        created = await store.create(_request())  # waits (busy_timeout) instead of "database is locked"
    assert time.monotonic() - started >= 0.15
    assert await store.get(created.incident_id) == created


async def test_shares_the_file_with_the_langgraph_checkpointer(store: IncidentStore) -> None:
    async with aiosqlite.connect(store.path) as connection:
        saver = AsyncSqliteSaver(connection)
        await saver.setup()
        created = await store.create(_request())
        await store.set_step(created.incident_id, "collect")
    with closing(sqlite3.connect(store.path)) as other:
        tables = {name for (name,) in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"incidents", "checkpoints", "writes"} <= tables
    assert await store.get(created.incident_id) == created.model_copy(
        update={"status": "investigating", "step": "collect", "updated_at": ANY}
    )


async def test_status_transitions(store: IncidentStore) -> None:
    done, broken = [await store.create(_request()) for _ in range(2)]
    await store.set_step(done.incident_id, "extract")
    investigating = await store.get(done.incident_id)
    assert investigating is not None
    assert (investigating.status, investigating.step) == ("investigating", "extract")
    assert investigating.updated_at > investigating.created_at

    await store.complete(done.incident_id, IncidentResult(confidence_score="high", confidence=0.8, findings=[]))
    await store.fail(broken.incident_id, "investigation timed out after 120 s in step collect")
    completed, failed = await store.get(done.incident_id), await store.get(broken.incident_id)
    assert completed is not None
    assert (completed.status, completed.step, completed.confidence) == (
        "completed",
        None,
        0.8,
    )
    assert failed is not None
    assert failed.error == "investigation timed out after 120 s in step collect"

    # A late write from a cancelled run never reopens a finished incident.
    await store.set_step(done.incident_id, "report")
    await store.fail(done.incident_id, "late")
    assert await store.get(done.incident_id) == completed


async def test_unfinished_lists_investigating_first_then_oldest(store: IncidentStore) -> None:
    older, newer, running, finished = [await store.create(_request(f"incident {i}")) for i in range(4)]
    await store.set_step(running.incident_id, "collect")
    await store.fail(finished.incident_id, "boom")
    assert [i.incident_id for i in await store.unfinished()] == [
        running.incident_id,
        older.incident_id,
        newer.incident_id,
    ]


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
    ids = [(await store.create(_request())).incident_id for _ in range(3)]
    await store.fail(ids[1], "boom")
    failed = await store.list_incidents(limit=100, status="failed")
    pending = await store.list_incidents(limit=1, status="pending")
    assert [i.incident_id for i in failed.items] == [ids[1]]
    assert [i.incident_id for i in pending.items] == [ids[2]]
    assert pending.next_cursor is not None
    rest = await store.list_incidents(limit=1, status="pending", cursor=pending.next_cursor)
    assert [i.incident_id for i in rest.items] == [ids[0]]
    assert rest.next_cursor is None


@pytest.mark.parametrize("cursor", ["not base64!", "bm90IGpzb24", encode_cursor("x", "y")[:-3], "WzEsMl0"])
async def test_rejects_a_cursor_it_did_not_hand_out(store: IncidentStore, cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="next_cursor"):
        await store.list_incidents(limit=10, cursor=cursor)


async def test_get_is_well_under_5_ms(store: IncidentStore) -> None:
    for i in range(200):
        await store.create(_request(f"incident {i}"))
    target = (await store.create(_request())).incident_id
    started = time.perf_counter()
    for _ in range(200):
        await store.get(target)
    mean_ms = (time.perf_counter() - started) / 200 * 1000
    print(f"store.get: {mean_ms:.3f} ms")
    assert mean_ms < 5


async def test_unusable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot open the incident database .*missing/incidents\.db"):
        await IncidentStore(tmp_path / "missing" / "incidents.db").open()


def test_database_url() -> None:
    assert sqlite_path("sqlite:///./sre.db") == Path("sre.db")
    assert sqlite_path("sqlite:////var/lib/sre/incidents.db") == Path("/var/lib/sre/incidents.db")
    assert OrchestratorSettings().database_path == Path("sre-orchestrator.db")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://sre:hunter2@db:5432/sre", "unsupported database URL scheme 'postgresql://'"),
        ("sqlite:///:memory:", "must be a file path"),
        ("sre.db", "only 'sqlite:///PATH' is supported"),
    ],
)
def test_unsupported_database_url(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        OrchestratorSettings(database_url=url)
    assert "hunter2" not in str(caught.value)
