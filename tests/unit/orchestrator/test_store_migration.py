"""An incident database written by an earlier version is brought up to date in place, once."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from orchestrator.models import AlertRecord, IncidentRequest
from orchestrator.store import AlertEpisodeTaken, AlertGroupEntry, prepare_database
from orchestrator.store.sqlite import SCHEMA_VERSION, SqliteIncidentStore

pytestmark = pytest.mark.anyio

# The schema as version 1 wrote it, with one incident.
VERSION_1 = """
PRAGMA journal_mode = WAL;
CREATE TABLE incidents (
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
CREATE INDEX incidents_newest ON incidents (created_at DESC, incident_id DESC);
CREATE INDEX incidents_by_status ON incidents (status, created_at DESC, incident_id DESC);
INSERT INTO incidents VALUES ('old-1', 'checkout is down', 'shop', NULL, 'completed', NULL,
    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:01.000000Z', NULL, '{"suggested_root_cause": "OOM"}');
INSERT INTO incidents VALUES ('old-2', 'orders are slow', 'shop', NULL, 'investigating', 'collect',
    '2026-01-01T00:00:02.000000Z', '2026-01-01T00:00:03.000000Z', NULL, NULL);
PRAGMA user_version = 1;
"""


def _version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


async def test_a_version_1_database_is_migrated_and_keeps_its_incidents(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(VERSION_1)
    prepare_database(f"sqlite:///{path}")
    prepare_database(f"sqlite:///{path}")  # a second start (or replica) finds it migrated: no duplicate column
    assert _version(path) == SCHEMA_VERSION

    async with SqliteIncidentStore(path) as store:
        # Unfinished when the old version stopped: nobody holds a lease on it, so it is taken up at once.
        resumed = await store.claim(30)
        assert resumed is not None
        assert (resumed.incident_id, resumed.status, resumed.step) == ("old-2", "investigating", "collect")
        old = await store.get("old-1")
        assert old is not None
        assert (old.description, old.suggested_root_cause, old.source, old.cluster, old.alerts) == (
            "checkout is down",
            "OOM",
            "api",
            None,
            None,
        )
        alert = AlertRecord(fingerprint="f1", status="firing", starts_at="2026-01-02T00:00:00Z")
        entry = AlertGroupEntry('{}:{alertname="X"}', 1, [alert], None)
        request = IncidentRequest(description="X firing")
        created = await store.create(request, source="alertmanager", alert_group=entry)
        with pytest.raises(AlertEpisodeTaken):  # the same episode of the same group, again
            await store.create(request, source="alertmanager", alert_group=entry)
        # The same group in another cluster is another group.
        other = await store.create(request.model_copy(update={"cluster": "prod-eu"}), alert_group=entry)
        latest = await store.latest_alert_episode(entry.group_key, None)
        assert latest is not None and (latest[0].incident_id, latest[1]) == (created.incident_id, 1)
        assert (await store.latest_alert_episode(entry.group_key, "prod-eu"))[0].incident_id == other.incident_id
