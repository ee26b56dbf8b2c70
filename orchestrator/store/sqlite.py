"""The incident store in SQLite, in the same file as the investigation's LangGraph checkpoints.

The file is in WAL mode so readers (GET) never wait for the writers (the runner and the
checkpointer, each on its own connection); writers wait for each other up to a busy timeout.
Every write is committed before its caller goes on, so an incident is on disk before the API
answers and a crash loses nothing that was acknowledged; writes that arrive together share one
commit (group_commit.py), so they also share its fsync.

One replica: SQLite has one writer and lives on one volume. Leases still apply, so a process
restarted after a crash waits for its predecessor's leases to lapse, and two processes that
happen to share the file (`serve` and `mcp-workflow`) never run one investigation twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic_core import to_json
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from orchestrator.store.base import IncidentStore, StoreError
from orchestrator.store.cursor import timestamp
from orchestrator.store.group_commit import GroupCommit
from orchestrator.store.schema import (
    ALERT_EPISODE_INDEX,
    guards_upgrade,
    incidents_schema,
    outbox_upgrade,
    schema_changes,
    verdict_upgrade,
)

BUSY_TIMEOUT_MS = 5000
_TIME_FORMAT = "'%Y-%m-%dT%H:%M:%fZ'"  # fixed width (milliseconds), so text order is time order

# A new database gets the current schema; one at user_version n gets _UPGRADES[n - 1:].
_SCHEMA = incidents_schema(time_type="TEXT", json_type="TEXT")  # timestamps in fixed-width ISO 8601
_UPGRADES: list[list[str]] = [
    [  # 1 -> 2: the cluster investigated, where the incident came from, its Alertmanager group
        "ALTER TABLE incidents ADD COLUMN cluster TEXT",
        "ALTER TABLE incidents ADD COLUMN source TEXT NOT NULL DEFAULT 'api'",
        "ALTER TABLE incidents ADD COLUMN alerts TEXT",
        "ALTER TABLE incidents ADD COLUMN resolved_at TEXT",
        "ALTER TABLE incidents ADD COLUMN alert_group TEXT",
        "ALTER TABLE incidents ADD COLUMN alert_episode INTEGER",
        ALERT_EPISODE_INDEX,
    ],
    [  # 2 -> 3: leases, who investigates an incident until when
        "ALTER TABLE incidents ADD COLUMN lease_owner TEXT",
        "ALTER TABLE incidents ADD COLUMN lease_expires_at TEXT",
        "ALTER TABLE incidents ADD COLUMN claims INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX incidents_by_lease_owner ON incidents (lease_owner)",
    ],
    verdict_upgrade("TEXT"),  # 3 -> 4: feedback on verdicts, the verdict's rule and culprit, seen-before
    outbox_upgrade("TEXT"),  # 4 -> 5: the notifications outbox
    guards_upgrade("TEXT"),  # 5 -> 6: secrets redacted from each description, revoked UI sessions
]
SCHEMA_VERSION = len(_UPGRADES) + 1


def prepare_sqlite(path: Path) -> None:
    """Create the database file and its schema, or bring an older one up to date."""
    # Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once rather
    # than through the busy timeout when another process is doing the same: try again a while.
    retrying = Retrying(
        retry=retry_if_exception(lambda exc: isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)),
        wait=wait_exponential_jitter(initial=0.01, max=0.2),
        stop=stop_after_delay(BUSY_TIMEOUT_MS / 1000),
        reraise=True,
    )
    try:
        retrying(_migrate, path)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the incident database {path}: {exc}") from exc


def _migrate(path: Path) -> None:
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("BEGIN IMMEDIATE")  # two processes starting at once migrate one after the other
        (version,) = db.execute("PRAGMA user_version").fetchone()
        for statement in schema_changes(version, _SCHEMA, _UPGRADES):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
        db.execute("COMMIT")


# SQLite's words for a database that cannot take writes for now (locked by another process, its
# disk full or failing), as opposed to a bug in a statement.
_UNAVAILABLE = ("locked", "busy", "full", "disk i/o error", "readonly", "unable to open")


class SqliteIncidentStore(IncidentStore):
    NOW = f"strftime({_TIME_FORMAT}, 'now')"
    LEASE_END = f"strftime({_TIME_FORMAT}, 'now', %s || ' seconds')"
    SAME_AS = "IS"

    def __init__(self, path: Path, owner: str | None = None) -> None:
        super().__init__(owner)
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._writes: GroupCommit | None = None

    async def open(self) -> None:
        await asyncio.to_thread(prepare_sqlite, self.path)
        try:
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the incident database {self.path}: {exc}") from exc
        self._writes = GroupCommit(self._db)

    async def aclose(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    def _transient(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)

    def unavailable(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and any(word in str(exc).lower() for word in _UNAVAILABLE)

    async def _run(self, sql: str, params: Sequence[Any]) -> list[Mapping[str, Any]]:
        if self._db is None or self._writes is None:
            raise StoreError("the incident store is not open")
        sql = sql.replace("%s", "?")
        if sql.startswith("SELECT"):
            return list(await self._db.execute_fetchall(sql, params))
        return await self._writes.write(sql, params)

    def _time(self, moment: datetime) -> str:
        return timestamp(moment)

    def _json(self, document: Any) -> str:
        # pydantic's compact JSON, as earlier versions wrote it: record_alerts compares the text.
        return to_json(document).decode()

    def _duplicate(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)
