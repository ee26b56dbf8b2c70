"""The incident store: what the REST API, the workflow MCP server and the runner read and write.

Two backends keep the same incidents table: SQLite (`sqlite:///PATH`, one replica, nothing to
run) and PostgreSQL (`postgresql://...`, any number of replicas). The investigation's LangGraph
checkpoints live in the same database either way, so a resumed investigation finds its incident.

Replicas share work through leases: a replica claims an unfinished incident (pending, or with
a lease that expired because its holder died), renews the lease while it investigates, and
writes the incident's step and outcome only while it still holds the lease. A replica that
lost its lease (paused, partitioned) therefore cannot overwrite what the new holder wrote.

The row's columns follow the models: a field added to IncidentRequest (what a client sends) or
IncidentHeader (what is listed) is a column of both backends once their schemas add it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from pydantic_core import to_jsonable_python
from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from orchestrator.models import (
    AlertRecord,
    Incident,
    IncidentHeader,
    IncidentList,
    IncidentRequest,
    IncidentResult,
    IncidentSource,
    IncidentStatus,
)
from orchestrator.store.cursor import decode_cursor, encode_cursor
from orchestrator.store.leases import dead_here, replica_id
from orchestrator.store.outbox import OutboxQueries
from orchestrator.store.sessions import SessionQueries
from orchestrator.store.verdicts import VerdictQueries, verdict_columns

# The columns every read returns: the header's fields, then `result` (the JSON document of
# IncidentResult). A new incident writes the header's fields and its alert group's.
HEADER_COLUMNS: tuple[str, ...] = tuple(IncidentHeader.model_fields)
SELECTED = ", ".join((*HEADER_COLUMNS, "result"))
JSON_COLUMNS = ("alerts", "result")
WRITE_PATIENCE_SECONDS = 60.0


class StoreError(Exception):
    """The incident database cannot be opened or used."""


class AlertEpisodeTaken(Exception):
    """Another notification created this episode of the alert group first."""


@dataclass(frozen=True)
class AlertGroupEntry:
    """What an Alertmanager incident records about its group."""

    group_key: str
    episode: int
    alerts: list[AlertRecord]
    resolved_at: datetime | None


def incident_from_row(row: Mapping[str, Any]) -> Incident:
    # PostgreSQL answers in the session's time zone; the API speaks UTC whatever the server's setting.
    fields = {name: v.astimezone(UTC) if isinstance(v, datetime) else v for name, v in dict(row).items()}
    for name in JSON_COLUMNS:
        if isinstance(fields[name], str):  # SQLite keeps JSON as text, PostgreSQL as jsonb
            fields[name] = json.loads(fields[name])
    fields.update(fields.pop("result") or {})
    return Incident.model_validate(fields)


class IncidentStore(VerdictQueries, OutboxQueries, SessionQueries, ABC):
    """One replica's view of the incidents; `owner` names it in the leases it takes.

    The SQL is written once, with `%s` parameters; a backend supplies the connection and the
    few expressions the two dialects spell differently.
    """

    NOW: str
    """SQL: the database's clock (a lease is judged by one clock, whichever replica looks)."""
    LEASE_END: str
    """SQL: the database's clock plus `%s` seconds."""
    LOCK_CLAIMED = ""
    """SQL after the claim's row choice, so that concurrent claims pick different rows."""
    SAME_AS: str
    """SQL: equality that holds for two NULLs too."""

    def __init__(self, owner: str | None = None) -> None:
        self.owner = owner or replica_id()
        self._last_created = datetime.min.replace(tzinfo=UTC)
        self._watchers: dict[str, list[asyncio.Queue[str]]] = {}

    @abstractmethod
    async def open(self) -> None:
        """Connect, and create or upgrade the schema; StoreError when the database is unusable."""

    @abstractmethod
    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @abstractmethod
    async def _run(self, sql: str, params: Sequence[Any]) -> list[Mapping[str, Any]]:
        """Run one statement (`%s` parameters), committed before it returns; its rows, if any."""

    @abstractmethod
    def _transient(self, exc: BaseException) -> bool:
        """Whether a failed write is worth retrying (the database is busy or reconnecting)."""

    def unavailable(self, exc: BaseException) -> bool:
        """Whether `exc` says the database cannot take writes for now (locked, its disk full, out of
        reach), as opposed to a bug: worth answering 503 for, and retrying later."""
        return self._transient(exc)

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        if sql.startswith("SELECT"):
            return await self._run(sql, params)
        # A write must not be lost to a busy database (SQLite's checkpointer writes to the same
        # file; a PostgreSQL server restarts): a lost `completed` would leave the incident
        # `investigating` until its lease lapsed and another run repeated the work.
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(self._transient),
            wait=wait_exponential_jitter(initial=0.05, max=1.0),
            stop=stop_after_delay(WRITE_PATIENCE_SECONDS),
            reraise=True,
        ):
            with attempt:
                return await self._run(sql, params)
        raise AssertionError("unreachable: tenacity reraises")

    @abstractmethod
    def _time(self, moment: datetime) -> Any:
        """A timestamp as this backend stores it."""

    @abstractmethod
    def _json(self, document: Any) -> Any:
        """A JSON document (plain lists, dicts, strings and numbers) as this backend stores it."""

    @abstractmethod
    def _duplicate(self, exc: BaseException) -> bool:
        """Whether a failed insert broke a unique index."""

    def _param(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return self._time(value)
        if isinstance(value, list | dict):
            return self._json(to_jsonable_python(value))
        return value

    async def ping(self) -> None:
        await self._execute("SELECT 1 FROM incidents LIMIT 1")

    async def create(
        self,
        request: IncidentRequest,
        *,
        source: IncidentSource = "api",
        alert_group: AlertGroupEntry | None = None,
        description_redactions: int = 0,
    ) -> Incident:
        """Record a pending incident, committed before this returns; any replica may claim it.

        `description_redactions`: how many secrets the caller replaced in the description.

        Raises AlertEpisodeTaken when another incident holds `alert_group`'s episode already.
        """
        now = self._creation_time()
        incident = Incident(
            **request.model_dump(),
            incident_id=str(uuid.uuid4()),
            description_redactions=description_redactions,
            source=source,
            status="pending",
            created_at=now,
            updated_at=now,
            alerts=alert_group.alerts if alert_group else None,
            resolved_at=alert_group.resolved_at if alert_group else None,
        )
        row = {name: getattr(incident, name) for name in HEADER_COLUMNS}
        if alert_group is not None:
            row |= {"alert_group": alert_group.group_key, "alert_episode": alert_group.episode}
        try:
            await self._execute(
                # Idempotent: a write retried after a lost connection may find its first attempt committed.
                f"INSERT INTO incidents ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))}) "  # noqa: S608
                "ON CONFLICT (incident_id) DO NOTHING",
                [self._param(value) for value in row.values()],
            )
        except Exception as exc:
            if self._duplicate(exc):
                raise AlertEpisodeTaken(str(exc)) from exc
            raise
        return incident

    async def latest_alert_episode(self, group_key: str, cluster: str | None) -> tuple[Incident, int] | None:
        """The incident of the alert group's newest episode, and its number."""
        rows = await self._execute(
            f"SELECT {SELECTED}, alert_episode FROM incidents "  # noqa: S608 (constant columns)
            "WHERE alert_group = %s AND COALESCE(cluster, '') = %s ORDER BY alert_episode DESC LIMIT 1",
            [group_key, cluster or ""],
        )
        if not rows:
            return None
        fields = dict(rows[0])
        episode = fields.pop("alert_episode")
        return incident_from_row(fields), episode

    async def record_alerts(self, incident: Incident, alerts: list[AlertRecord], resolved_at: datetime | None) -> bool:
        """Replace the incident's alerts, unless they changed since `incident` was read (then False)."""
        rows = await self._execute(
            "UPDATE incidents SET alerts = %s, resolved_at = %s, updated_at = %s "  # noqa: S608 (constant SQL)
            f"WHERE incident_id = %s AND alerts {self.SAME_AS} %s RETURNING incident_id",
            [
                self._param(alerts),
                self._param(resolved_at),
                self._param(datetime.now(UTC)),
                incident.incident_id,
                self._param(incident.alerts),
            ],
        )
        return bool(rows)

    async def get(self, incident_id: str) -> Incident | None:
        rows = await self._execute(f"SELECT {SELECTED} FROM incidents WHERE incident_id = %s", [incident_id])  # noqa: S608
        if not rows:
            return None
        incident = incident_from_row(rows[0])
        if incident.status in ("completed", "failed"):
            incident.notifications = await self.notifications_of(incident_id)
        return incident

    async def list_incidents(
        self, *, limit: int, cursor: str | None = None, status: IncidentStatus | None = None
    ) -> IncidentList:
        """Newest first; raises InvalidCursor for a cursor it did not hand out."""
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = %s")
            params.append(status)
        if cursor is not None:
            created_at, incident_id = decode_cursor(cursor)
            clauses.append("(created_at, incident_id) < (%s, %s)")
            params.extend((self._param(created_at), incident_id))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._execute(
            f"SELECT {SELECTED} FROM incidents {where} ORDER BY created_at DESC, incident_id DESC LIMIT %s",  # noqa: S608
            [*params, limit + 1],  # one more row tells whether there is a next page
        )
        items = [incident_from_row(row) for row in rows]
        next_cursor = (
            encode_cursor(items[limit - 1].created_at, items[limit - 1].incident_id) if len(items) > limit else None
        )
        return IncidentList(items=items[:limit], next_cursor=next_cursor)

    async def count_by_status(self) -> dict[str, int]:
        """How many incidents have each status (for /metrics; an index scan of incidents_by_status)."""
        rows = await self._execute("SELECT status, COUNT(*) AS incidents FROM incidents GROUP BY status")
        return {str(row["status"]): int(row["incidents"]) for row in rows}

    async def unfinished(self) -> list[Incident]:
        """Pending and investigating incidents, the investigating ones (furthest along) first, then oldest first."""
        rows = await self._execute(
            f"SELECT {SELECTED} FROM incidents WHERE status IN ('pending', 'investigating') "  # noqa: S608
            "ORDER BY status = 'pending', created_at, incident_id"
        )
        return [incident_from_row(row) for row in rows]

    async def claim(self, lease_seconds: float) -> Incident | None:
        """Take the lease of the next unfinished incident nobody holds (or whose holder let it lapse),
        investigating ones first, then oldest first; None when there is none.

        One statement chooses and takes the row, so two replicas never claim the same lease.
        """
        rows = await self._execute(
            f"UPDATE incidents SET lease_owner = %s, lease_expires_at = {self.LEASE_END}, claims = claims + 1 "  # noqa: S608
            "WHERE incident_id = (SELECT incident_id FROM incidents "
            "WHERE status IN ('pending', 'investigating') "
            f"AND (lease_expires_at IS NULL OR lease_expires_at < {self.NOW}) "
            f"ORDER BY status = 'pending', created_at, incident_id LIMIT 1 {self.LOCK_CLAIMED}) "
            f"RETURNING {SELECTED}",
            [self.owner, lease_seconds],
        )
        return incident_from_row(rows[0]) if rows else None

    async def renew(self, lease_seconds: float) -> set[str]:
        """Extend every lease this replica holds on an unfinished incident; the ids it still holds."""
        rows = await self._execute(
            f"UPDATE incidents SET lease_expires_at = {self.LEASE_END} "  # noqa: S608
            "WHERE lease_owner = %s AND status IN ('pending', 'investigating') RETURNING incident_id",
            [lease_seconds, self.owner],
        )
        return {row["incident_id"] for row in rows}

    async def release_dead_local_owners(self) -> int:
        """Free the leases of processes on this host that died holding them, so a restart resumes at once.

        Without it a crashed single replica would wait out its own lease; a holder elsewhere is left
        to its lease's expiry, since only this host can tell whether its processes are alive.
        """
        rows = await self._execute(
            "SELECT DISTINCT lease_owner FROM incidents "
            "WHERE lease_owner IS NOT NULL AND lease_owner <> %s AND status IN ('pending', 'investigating')",
            [self.owner],
        )
        dead = [row["lease_owner"] for row in rows if dead_here(row["lease_owner"])]
        for owner in dead:
            await self._release_leases_of(owner)
        return len(dead)

    async def release(self) -> None:
        """Give up this replica's leases (a graceful shutdown), so another replica takes them at once."""
        await self._release_leases_of(self.owner)

    async def _release_leases_of(self, owner: str) -> None:
        await self._execute(
            "UPDATE incidents SET lease_owner = NULL, lease_expires_at = NULL "
            "WHERE lease_owner = %s AND status IN ('pending', 'investigating')",
            [owner],
        )

    async def set_step(self, incident_id: str, step: str) -> None:
        """The investigation runs `step` now."""
        await self._update(incident_id, status="investigating", step=step)
        self._tell(incident_id, step)

    async def complete(self, incident_id: str, result: IncidentResult, notify: Sequence[str] = ()) -> None:
        """Record the result and, in the same write, the targets to notify (the outbox's entry)."""
        result_json = result.model_dump(mode="json")
        columns = verdict_columns(result)
        targets = ",".join(notify) or None
        await self._update(
            incident_id, status="completed", step=None, result=result_json, notify_targets=targets, **columns
        )
        self._tell(incident_id, "completed")

    async def fail(self, incident_id: str, error: str, notify: Sequence[str] = ()) -> None:
        await self._update(
            incident_id, status="failed", step=None, error=error, notify_targets=",".join(notify) or None
        )
        self._tell(incident_id, "failed")

    @contextlib.contextmanager
    def watch(self, incident_id: str) -> Iterator[asyncio.Queue[str]]:
        """A queue of the step names (then 'completed' or 'failed') this store records for the incident.

        So that a waiter in this process sees every step, not only those a poll catches; steps
        recorded by another replica reach it only through reading the store.
        """
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._watchers.setdefault(incident_id, []).append(queue)
        try:
            yield queue
        finally:
            queues = self._watchers.get(incident_id, [])
            queues.remove(queue)
            if not queues:
                self._watchers.pop(incident_id, None)

    def _tell(self, incident_id: str, change: str) -> None:
        for queue in self._watchers.get(incident_id, ()):
            queue.put_nowait(change)

    async def _update(self, incident_id: str, **fields: Any) -> None:
        """Write `fields` of an unfinished incident whose lease this replica holds; else nothing.

        Finished incidents stay as they are (a late write from a cancelled run must not reopen
        one), and so do incidents another replica took over (this one was paused or cut off).
        """
        if fields["status"] in ("completed", "failed"):
            fields["lease_expires_at"] = None  # the owner stays, saying who finished it
        fields["updated_at"] = datetime.now(UTC)
        assignments = ", ".join(f"{name} = %s" for name in fields)
        await self._execute(
            f"UPDATE incidents SET {assignments} "  # noqa: S608 (names are ours)
            "WHERE incident_id = %s AND lease_owner = %s AND status IN ('pending', 'investigating')",
            [*map(self._param, fields.values()), incident_id, self.owner],
        )

    def _creation_time(self) -> datetime:
        # Strictly increasing within this process, so "newest first" is exactly creation order
        # even for incidents created in the same microsecond.
        now = max(datetime.now(UTC), self._last_created + timedelta(microseconds=1))
        self._last_created = now
        return now
