"""LangGraph's checkpointer in the incidents' own database (SQLite file or PostgreSQL).

The store creates the checkpoint tables with its own schema (`prepare_database`); this module
only opens the checkpointer's connections, tuned to share the database with the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from orchestrator.settings import is_postgres, sqlite_path
from orchestrator.store.sqlite import BUSY_TIMEOUT_MS


@asynccontextmanager
async def _sqlite_connection(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The checkpointer's own connection, patient with the incident store's writes to the same file.

    LangGraph's `from_conn_string` opens SQLite with no busy timeout, so a checkpoint written
    while the store commits fails at once with "database is locked" (seen under load).
    """
    async with aiosqlite.connect(path) as connection:
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Checkpoints are progress, not promises: this connection commits them without waiting for
        # the disk (a process crash still loses none of them: the WAL is written before commit
        # returns), and the next fsync of the shared WAL (the store's, for an incident a client is
        # told about) makes them durable too. A power loss can cost an investigation its latest
        # steps, which it then runs again; it cannot cost an acknowledged incident.
        await connection.execute("PRAGMA synchronous = NORMAL")
        yield connection


@asynccontextmanager
async def _postgres_pool(url: str, size: int) -> AsyncIterator[Any]:
    """Connections as LangGraph's Postgres checkpointer needs them (autocommit, dict rows, no prepared
    statements, which a PgBouncer in transaction mode would break)."""
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url,
        kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row},
        min_size=1,
        max_size=size,
        check=AsyncConnectionPool.check_connection,
        open=False,
    )
    await pool.open(wait=True, timeout=30)
    try:
        yield pool
    finally:
        await pool.close()


async def open_checkpointer(database_url: str, pool_size: int, resources: AsyncExitStack) -> Any:
    """LangGraph's checkpointer in the incidents' own database, its connections held by `resources`;
    its tables exist once the store is open."""
    if is_postgres(database_url):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver  # psycopg only when it is used

        pool = await resources.enter_async_context(_postgres_pool(database_url, pool_size))
        return AsyncPostgresSaver(pool)
    return AsyncSqliteSaver(await resources.enter_async_context(_sqlite_connection(sqlite_path(database_url))))
