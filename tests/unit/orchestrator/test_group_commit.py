"""Group commit on a real SQLite file: shared commits, each write durable and failing alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from orchestrator.store.group_commit import GroupCommit

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    async with aiosqlite.connect(tmp_path / "t.db", isolation_level=None) as connection:
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        yield connection


def _committed(path: Path) -> list[tuple[int, str]]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(path) as other:
        return other.execute("SELECT id, v FROM t ORDER BY id").fetchall()


async def test_concurrent_writes_share_commits_and_each_is_committed_when_it_returns(
    db: aiosqlite.Connection, tmp_path: Path
) -> None:
    writes = GroupCommit(db)

    async def insert(i: int) -> None:
        await writes.write("INSERT INTO t (id, v) VALUES (?, ?)", (i, f"v{i}"))
        assert (i, f"v{i}") in _committed(tmp_path / "t.db")  # on disk before the caller goes on

    await asyncio.gather(*(insert(i) for i in range(50)))

    assert len(_committed(tmp_path / "t.db")) == 50
    assert 1 <= writes.commits < 10  # 50 writes, a handful of commits (and fsyncs)


async def test_a_failing_write_fails_alone(db: aiosqlite.Connection, tmp_path: Path) -> None:
    writes = GroupCommit(db)
    await writes.write("INSERT INTO t (id, v) VALUES (1, 'first')", ())

    results = await asyncio.gather(
        writes.write("INSERT INTO t (id, v) VALUES (2, 'two')", ()),
        writes.write("INSERT INTO t (id, v) VALUES (1, 'duplicate')", ()),
        writes.write("INSERT INTO t (id, v) VALUES (3, 'three') RETURNING id", ()),
        return_exceptions=True,
    )

    assert results[0] == []
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [tuple(row) for row in results[2]] == [(3,)]
    assert _committed(tmp_path / "t.db") == [(1, "first"), (2, "two"), (3, "three")]


async def test_a_commit_that_fails_fails_every_write_in_it_and_the_next_batch_works(
    db: aiosqlite.Connection, tmp_path: Path
) -> None:
    writes = GroupCommit(db)
    with sqlite3.connect(tmp_path / "t.db", isolation_level=None, timeout=0) as holder:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        await db.execute("PRAGMA busy_timeout = 50")
        results = await asyncio.gather(
            writes.write("INSERT INTO t (id, v) VALUES (1, 'a')", ()),
            writes.write("INSERT INTO t (id, v) VALUES (2, 'b')", ()),
            return_exceptions=True,
        )
        holder.execute("ROLLBACK")

    assert all(isinstance(r, sqlite3.OperationalError) and "locked" in str(r) for r in results)
    assert not db.in_transaction
    await writes.write("INSERT INTO t (id, v) VALUES (1, 'a')", ())
    assert _committed(tmp_path / "t.db") == [(1, "a")]


async def test_a_cancelled_caller_does_not_break_the_others(db: aiosqlite.Connection, tmp_path: Path) -> None:
    writes = GroupCommit(db)
    first = asyncio.create_task(writes.write("INSERT INTO t (id, v) VALUES (1, 'a')", ()))
    cancelled = asyncio.create_task(writes.write("INSERT INTO t (id, v) VALUES (2, 'b')", ()))
    cancelled.cancel()
    third = asyncio.create_task(writes.write("INSERT INTO t (id, v) VALUES (3, 'c')", ()))

    await asyncio.gather(first, third)

    assert cancelled.cancelled()
    assert (1, "a") in _committed(tmp_path / "t.db") and (3, "c") in _committed(tmp_path / "t.db")
