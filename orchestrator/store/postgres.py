"""The incident store in PostgreSQL, shared by any number of orchestrator replicas.

Leases are judged by the database's clock (`clock_timestamp()`), so replicas whose clocks
disagree still agree on whose lease has lapsed; a claim picks its row with `FOR UPDATE SKIP
LOCKED`, so concurrent claims take different incidents without waiting for each other.

The schema (ours and LangGraph's checkpoint tables) is created under an advisory lock: replicas
starting together migrate one after the other instead of failing on each other's DDL.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg
import psycopg.errors
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from orchestrator.store.base import IncidentStore, StoreError
from orchestrator.store.schema import guards_upgrade, incidents_schema, outbox_upgrade, schema_changes, verdict_upgrade

CONNECT_TIMEOUT_SECONDS = 10
POOL_SIZE = 8
# pg_advisory_lock key serializing schema changes: "sre-orch" in ASCII.
SCHEMA_LOCK = 0x7372652D6F726368
SCHEMA_LOCK_PATIENCE_SECONDS = 120.0

# A new database gets the current schema; one at version n gets _UPGRADES[n - 1:].
_SCHEMA = incidents_schema(time_type="TIMESTAMPTZ", json_type="JSONB")
_UPGRADES: list[list[str]] = [
    verdict_upgrade("TIMESTAMPTZ"),  # 1 -> 2: feedback on verdicts, the verdict's rule and culprit, seen-before
    outbox_upgrade("TIMESTAMPTZ"),  # 2 -> 3: the notifications outbox
    guards_upgrade("TIMESTAMPTZ"),  # 3 -> 4: secrets redacted from each description, revoked UI sessions
]
SCHEMA_VERSION = len(_UPGRADES) + 1


def _unusable(exc: psycopg.Error) -> StoreError:
    # psycopg's messages name the host and user, never the password.
    return StoreError(f"cannot open the incident database (PostgreSQL): {str(exc).strip()}")


def _lock_schema(conn: psycopg.Connection[Any]) -> None:
    """Hold the schema lock (until this session ends); StoreError when another replica keeps it too long.

    Tried, not waited for: a session waiting inside pg_advisory_lock is a running transaction,
    which LangGraph's CREATE INDEX CONCURRENTLY in the holder's session would wait for in turn.
    """

    def try_lock() -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", [SCHEMA_LOCK]).fetchone()
        return bool(row and row["locked"])

    patience = Retrying(
        retry=retry_if_result(operator.not_),
        wait=wait_fixed(0.1),
        stop=stop_after_delay(SCHEMA_LOCK_PATIENCE_SECONDS),
    )
    try:
        patience(try_lock)
    except RetryError as exc:
        raise StoreError(
            f"another replica has been creating the schema for over {SCHEMA_LOCK_PATIENCE_SECONDS:g} s"
        ) from exc


def prepare_postgres(url: str) -> None:
    """Create or upgrade our schema and LangGraph's checkpoint tables, one replica at a time."""
    try:
        with psycopg.connect(
            url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_SECONDS
        ) as conn:
            _lock_schema(conn)
            conn.execute("CREATE TABLE IF NOT EXISTS sre_schema_version (version INTEGER PRIMARY KEY)")
            row = conn.execute("SELECT coalesce(max(version), 0) AS version FROM sre_schema_version").fetchone()
            version = row["version"] if row else 0
            if version < SCHEMA_VERSION:
                with conn.transaction():
                    for statement in schema_changes(version, _SCHEMA, _UPGRADES):
                        conn.execute(statement)  # type: ignore[arg-type] # our own constant DDL
                    conn.execute("INSERT INTO sre_schema_version (version) VALUES (%s)", [SCHEMA_VERSION])
            # LangGraph's setup checks, then applies, its migrations: safe only one replica at a time.
            PostgresSaver(conn).setup()  # type: ignore[arg-type] # a dict_row connection, as it expects
    except psycopg.Error as exc:
        raise _unusable(exc) from exc


class PostgresIncidentStore(IncidentStore):
    NOW = "clock_timestamp()"
    LEASE_END = "clock_timestamp() + make_interval(secs => %s::double precision)"
    LOCK_CLAIMED = "FOR UPDATE SKIP LOCKED"
    SAME_AS = "IS NOT DISTINCT FROM"

    def __init__(self, url: str, owner: str | None = None) -> None:
        super().__init__(owner)
        self.url = url
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[dict[str, Any]]] | None = None

    async def open(self) -> None:
        await asyncio.to_thread(prepare_postgres, self.url)
        pool = AsyncConnectionPool(
            self.url,
            connection_class=psycopg.AsyncConnection[dict[str, Any]],
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_TIMEOUT_SECONDS,
            # A connection the server dropped (a restart, a failover) is replaced, not handed out.
            check=AsyncConnectionPool.check_connection,
            open=False,
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            await pool.close()
            raise _unusable(exc) from exc
        self._pool = pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _transient(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.OperationalError)  # connection lost, server restarting, pool timeout

    async def _run(self, sql: str, params: Sequence[Any]) -> list[Mapping[str, Any]]:
        if self._pool is None:
            raise StoreError("the incident store is not open")
        async with self._pool.connection() as conn:
            cursor = await conn.execute(sql, params)  # type: ignore[arg-type] # built from our own constants
            return await cursor.fetchall() if cursor.description else []

    def _time(self, moment: datetime) -> datetime:
        return moment

    def _json(self, document: Any) -> Jsonb:
        return Jsonb(document)

    def _duplicate(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.UniqueViolation)
