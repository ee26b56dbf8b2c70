"""The incident store: what the REST API, the workflow MCP server and the runner read and write.

`open_store` picks the backend from the database URL: SQLite (`sqlite:///PATH`, one replica,
nothing to run) or PostgreSQL (`postgresql://...`, any number of replicas). The LangGraph
checkpoints live in the same database (`checkpointer.py`), so a resumed investigation finds its
incident. Each backend is imported only when its URL is used (psycopg is not loaded for SQLite).
"""

from __future__ import annotations

from orchestrator.settings import is_postgres, sqlite_path
from orchestrator.store.base import AlertEpisodeTaken, AlertGroupEntry, IncidentStore, StoreError
from orchestrator.store.cursor import InvalidCursor

__all__ = [
    "AlertEpisodeTaken",
    "AlertGroupEntry",
    "IncidentStore",
    "InvalidCursor",
    "StoreError",
    "open_store",
    "prepare_database",
]


def open_store(database_url: str, owner: str | None = None) -> IncidentStore:
    """The store of a `sqlite:///PATH` or `postgresql://...` URL (not opened yet)."""
    if is_postgres(database_url):
        from orchestrator.store.postgres import PostgresIncidentStore  # psycopg only when it is used

        return PostgresIncidentStore(database_url, owner)
    from orchestrator.store.sqlite import SqliteIncidentStore

    return SqliteIncidentStore(sqlite_path(database_url), owner)


def prepare_database(database_url: str) -> None:
    """Create or upgrade the schema, synchronously, so `serve` can fail with a message before listening."""
    if is_postgres(database_url):
        from orchestrator.store.postgres import prepare_postgres

        prepare_postgres(database_url)
    else:
        from orchestrator.store.sqlite import prepare_sqlite

        prepare_sqlite(sqlite_path(database_url))
