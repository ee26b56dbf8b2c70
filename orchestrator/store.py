"""Incidents in SQLite, in the same file as the investigation's LangGraph checkpoints.

The file is in WAL mode so readers (GET) never wait for the writers (the runner and the
checkpointer, each on its own connection); writers wait for each other up to a busy timeout.
Every write is its own autocommitted statement, so an incident is on disk before the API
answers and a crash loses nothing that was acknowledged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite
from pydantic import TypeAdapter
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from orchestrator.models import (
    AlertRecord,
    Incident,
    IncidentList,
    IncidentRequest,
    IncidentResult,
    IncidentSource,
    IncidentStatus,
)

BUSY_TIMEOUT_MS = 5000
STATUS_WRITE_PATIENCE_SECONDS = 60.0


def _database_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


_COLUMNS = (
    "incident_id, description, namespace, pod, cluster, source, status, step, created_at, updated_at, error, "
    "alerts, resolved_at, result"
)
_ALERTS = TypeAdapter(list[AlertRecord])

# The first schema; MIGRATIONS bring it up to date, numbered by PRAGMA user_version.
_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    namespace TEXT,
    pod TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'investigating', 'completed', 'failed')),
    step TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    error TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS incidents_newest ON incidents (created_at DESC, incident_id DESC);
CREATE INDEX IF NOT EXISTS incidents_by_status ON incidents (status, created_at DESC, incident_id DESC);
"""
MIGRATIONS: dict[int, list[str]] = {
    # The cluster investigated, where the incident came from, and its Alertmanager group. Each
    # time a group fires anew it opens its next episode; the unique index lets exactly one of
    # several concurrent notifications create an episode (cluster '' is the default cluster).
    2: [
        "ALTER TABLE incidents ADD COLUMN cluster TEXT",
        "ALTER TABLE incidents ADD COLUMN source TEXT NOT NULL DEFAULT 'api'",
        "ALTER TABLE incidents ADD COLUMN alerts TEXT",
        "ALTER TABLE incidents ADD COLUMN resolved_at TEXT",
        "ALTER TABLE incidents ADD COLUMN alert_group TEXT",
        "ALTER TABLE incidents ADD COLUMN alert_episode INTEGER",
        "CREATE UNIQUE INDEX incidents_alert_episode ON incidents (alert_group, COALESCE(cluster, ''), alert_episode)"
        " WHERE alert_group IS NOT NULL",
    ],
}
SCHEMA_VERSION = max(MIGRATIONS)


class StoreError(Exception):
    """The incident database cannot be opened or used."""


class InvalidCursor(ValueError):
    """A list cursor this store did not hand out."""


class AlertEpisodeTaken(Exception):
    """Another notification created this episode of the alert group first."""


@dataclass(frozen=True)
class AlertGroupEntry:
    """What an Alertmanager incident records about its group."""

    group_key: str
    episode: int
    alerts: list[AlertRecord]
    resolved_at: datetime | None


def prepare_database(path: Path) -> None:
    """Create the database file and its schema; synchronous, so `serve` can fail before listening."""
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE")  # one process migrates; the others then see the new version
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for number in sorted(n for n in MIGRATIONS if n > version):
                    for statement in MIGRATIONS[number]:
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the incident database {path}: {exc}") from exc


def encode_cursor(created_at: str, incident_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at, incident_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise InvalidCursor("not a cursor from this API; pass next_cursor of the previous page") from exc
    if not (isinstance(position, list) and len(position) == 2 and all(isinstance(p, str) for p in position)):
        raise InvalidCursor("not a cursor from this API; pass next_cursor of the previous page")
    return position[0], position[1]


def _timestamp(moment: datetime) -> str:
    # Fixed width, so text order is time order (the list's keyset relies on it).
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _incident(row: sqlite3.Row | dict[str, Any]) -> Incident:
    fields = dict(row)
    fields.pop("alert_episode", None)
    result = fields.pop("result")
    if result is not None:
        fields.update(json.loads(result))
    if fields["alerts"] is not None:
        fields["alerts"] = json.loads(fields["alerts"])
    return Incident.model_validate(fields)


def _alerts_json(alerts: list[AlertRecord] | None) -> str | None:
    return None if alerts is None else _ALERTS.dump_json(alerts).decode()


def _optional_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else _timestamp(moment.astimezone(UTC))


class IncidentStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._last_created = ""

    async def open(self) -> None:
        await asyncio.to_thread(prepare_database, self.path)
        try:
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the incident database {self.path}: {exc}") from exc

    async def aclose(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> IncidentStore:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the incident store is not open")
        return self._db

    async def ping(self) -> None:
        await self._conn.execute_fetchall("SELECT 1 FROM incidents LIMIT 1")

    async def create(
        self, request: IncidentRequest, *, source: IncidentSource = "api", alert_group: AlertGroupEntry | None = None
    ) -> Incident:
        """Raises AlertEpisodeTaken when another incident holds `alert_group`'s episode already."""
        now = self._creation_time()
        incident = Incident(
            incident_id=str(uuid.uuid4()),
            description=request.description,
            namespace=request.namespace,
            pod=request.pod,
            cluster=request.cluster,
            source=source,
            status="pending",
            created_at=datetime.fromisoformat(now),
            updated_at=datetime.fromisoformat(now),
            alerts=alert_group.alerts if alert_group else None,
            resolved_at=alert_group.resolved_at if alert_group else None,
        )
        try:
            await self._write(
                "INSERT INTO incidents (incident_id, description, namespace, pod, cluster, source, status, "
                "created_at, updated_at, alerts, resolved_at, alert_group, alert_episode)"
                " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
                (
                    incident.incident_id,
                    incident.description,
                    incident.namespace,
                    incident.pod,
                    incident.cluster,
                    source,
                    now,
                    now,
                    _alerts_json(incident.alerts),
                    _optional_timestamp(incident.resolved_at),
                    alert_group.group_key if alert_group else None,
                    alert_group.episode if alert_group else None,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise AlertEpisodeTaken(str(exc)) from exc
        return incident

    async def latest_alert_episode(self, group_key: str, cluster: str | None) -> tuple[Incident, int] | None:
        """The incident of the alert group's newest episode, and its number."""
        async with self._conn.execute(
            f"SELECT {_COLUMNS}, alert_episode FROM incidents "  # noqa: S608 (constant columns)
            "WHERE alert_group = ? AND COALESCE(cluster, '') = ? ORDER BY alert_episode DESC LIMIT 1",
            (group_key, cluster or ""),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        fields = dict(row)
        return _incident(fields), fields.pop("alert_episode")

    async def record_alerts(self, incident: Incident, alerts: list[AlertRecord], resolved_at: datetime | None) -> bool:
        """Replace the incident's alerts, unless they changed since `incident` was read (then False)."""
        cursor = await self._write(
            "UPDATE incidents SET alerts = ?, resolved_at = ?, updated_at = ? WHERE incident_id = ? AND alerts IS ?",
            (
                _alerts_json(alerts),
                _optional_timestamp(resolved_at),
                _timestamp(datetime.now(UTC)),
                incident.incident_id,
                _alerts_json(incident.alerts),
            ),
        )
        return cursor.rowcount == 1

    async def get(self, incident_id: str) -> Incident | None:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE incident_id = ?",  # noqa: S608 (constant columns)
            (incident_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return _incident(row) if row is not None else None

    async def list_incidents(
        self, *, limit: int, cursor: str | None = None, status: IncidentStatus | None = None
    ) -> IncidentList:
        """Newest first; raises InvalidCursor for a cursor it did not hand out."""
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if cursor is not None:
            clauses.append("(created_at, incident_id) < (?, ?)")
            params.extend(decode_cursor(cursor))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = list(
            await self._conn.execute_fetchall(
                f"SELECT {_COLUMNS} FROM incidents {where} "  # noqa: S608 (constant clauses)
                "ORDER BY created_at DESC, incident_id DESC LIMIT ?",
                (*params, limit + 1),  # one more row tells whether there is a next page
            )
        )
        page = rows[:limit]
        next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["incident_id"]) if len(rows) > limit else None
        return IncidentList(items=[_incident(row) for row in page], next_cursor=next_cursor)

    async def unfinished(self) -> list[Incident]:
        """Pending and investigating incidents, the investigating ones (furthest along) first, then oldest first."""
        rows = await self._conn.execute_fetchall(
            f"SELECT {_COLUMNS} FROM incidents WHERE status IN ('investigating', 'pending') "  # noqa: S608
            "ORDER BY status = 'pending', created_at, incident_id"
        )
        return [_incident(row) for row in rows]

    async def set_step(self, incident_id: str, step: str) -> None:
        """The investigation runs `step` now."""
        await self._update(incident_id, status="investigating", step=step)

    async def complete(self, incident_id: str, result: IncidentResult) -> None:
        await self._update(incident_id, status="completed", step=None, result=result.model_dump_json())

    async def fail(self, incident_id: str, error: str) -> None:
        await self._update(incident_id, status="failed", step=None, error=error)

    async def _update(self, incident_id: str, **fields: str | None) -> None:
        assignments = ", ".join(f"{name} = ?" for name in fields)
        # A status write must not be lost to a busy database: a lost `completed` would leave the
        # incident `investigating` until a restart. Finished incidents stay as they are: a late
        # write from a cancelled run must not reopen one.
        await self._write(
            f"UPDATE incidents SET {assignments}, updated_at = ? "  # noqa: S608 (names are ours)
            "WHERE incident_id = ? AND status IN ('pending', 'investigating')",
            (*fields.values(), _timestamp(datetime.now(UTC)), incident_id),
        )

    async def _write(self, sql: str, parameters: tuple[Any, ...]) -> aiosqlite.Cursor:
        """One write statement, waiting out a busy database (the checkpointer writes to the same file)."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_database_busy),
            wait=wait_exponential_jitter(initial=0.05, max=1.0),
            stop=stop_after_delay(STATUS_WRITE_PATIENCE_SECONDS),
            reraise=True,
        )

        async def execute() -> aiosqlite.Cursor:  # a coroutine function: tenacity would not await aiosqlite's Result
            return await self._conn.execute(sql, parameters)

        return await retrying(execute)

    def _creation_time(self) -> str:
        # Strictly increasing within this process, so "newest first" is exactly creation order
        # even for incidents created in the same microsecond.
        now = _timestamp(datetime.now(UTC))
        if now <= self._last_created:
            now = _timestamp(datetime.fromisoformat(self._last_created) + timedelta(microseconds=1))
        self._last_created = now
        return now
