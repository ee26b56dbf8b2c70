"""Group commit for SQLite: writes that arrive while one commit is on its way to disk share the next.

A commit in WAL mode with `synchronous = FULL` waits for an fsync (2.7 ms on this project's CI
disk), so one commit per write caps a busy API at a few hundred incidents a second, and every
POST queues behind the others' fsyncs. Batching keeps each write exactly as durable (its caller
resumes only once the commit holding it is on disk) while one fsync serves every write that
queued meanwhile.

Each write runs in its own savepoint, so one that fails (a duplicate key) fails alone; a commit
that fails (the disk is full, the database stayed locked) fails every write in it, and each
caller sees that error as if its write had been the only one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

Rows = list[Mapping[str, Any]]


@dataclass
class _Write:
    sql: str
    params: Sequence[Any]
    done: asyncio.Future[Rows] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommit:
    """Runs writes on one connection (in autocommit mode) in shared transactions, one at a time."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._queue: list[_Write] = []
        self._committing: asyncio.Task[None] | None = None
        self.commits = 0

    async def write(self, sql: str, params: Sequence[Any]) -> Rows:
        """The statement's rows (RETURNING), once the transaction holding it is committed."""
        write = _Write(sql, params)
        self._queue.append(write)
        if self._committing is None:
            self._committing = asyncio.create_task(self._commit_queued(), name="sqlite group commit")
        return await write.done

    async def _commit_queued(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._commit([w for w in batch if not w.done.cancelled()])
        finally:
            self._committing = None

    async def _commit(self, batch: list[_Write]) -> None:
        if not batch:
            return
        outcomes: list[Rows | sqlite3.Error] = []
        try:
            await self._db.execute("BEGIN IMMEDIATE")
            for write in batch:
                outcomes.append(await self._in_savepoint(write))
            await self._db.execute("COMMIT")
            self.commits += 1
        except BaseException as exc:
            if self._db.in_transaction:
                await asyncio.shield(self._db.rollback())
            for write in batch:
                if not write.done.done():
                    write.done.cancel() if isinstance(exc, asyncio.CancelledError) else write.done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for write, outcome in zip(batch, outcomes, strict=True):
            if write.done.done():
                continue
            if isinstance(outcome, sqlite3.Error):
                write.done.set_exception(outcome)
            else:
                write.done.set_result(outcome)

    async def _in_savepoint(self, write: _Write) -> Rows | sqlite3.Error:
        await self._db.execute("SAVEPOINT write")
        try:
            rows = list(await self._db.execute_fetchall(write.sql, write.params))
        except sqlite3.IntegrityError as exc:  # this write's own fault: undo it alone
            await self._db.execute("ROLLBACK TO write")
            await self._db.execute("RELEASE write")
            return exc
        await self._db.execute("RELEASE write")
        return rows
