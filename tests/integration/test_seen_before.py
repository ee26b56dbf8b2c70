"""Seen before: earlier incidents of one cluster, culprit and category, in both store backends, over
REST and the web UI, and across a restart of the server."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread

from graphs.models import Extracted, Report
from knowledge.findings import Finding
from orchestrator.app import create_app
from orchestrator.incidents.seen_before import link_related, ordinal
from orchestrator.models import FeedbackRequest, IncidentRequest, IncidentResult
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import IncidentStore, open_store, prepare_database
from orchestrator.store.verdicts import SEEN_BEFORE_SQL

TOKEN = "bob:seen-before-token"
INCIDENTS = "/api/v1/incidents"
CULPRIT = "workload:shop/checkout"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidents.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[IncidentStore]:
    async with open_store(database_url, owner="replica-a") as opened:
        yield opened


def _result(workload: str, category: str = "insufficient_memory", confidence: float = 0.7) -> IncidentResult:
    finding = Finding(
        rule_id="oom",
        category=category,  # type: ignore[arg-type]
        title="t",
        root_cause=f"{workload} ran out of memory",
        confidence=confidence,
        confidence_score="medium",
        evidence=[],
        remediation="",
    )
    return IncidentResult(
        extracted=Extracted(namespace="shop", workload=workload),
        suggested_root_cause=finding.root_cause,
        confidence=confidence,
        confidence_score="medium",
        findings=[finding],
        report=Report(category=category, summary="s", next_steps=[]),
    )


async def _complete(store: IncidentStore, result: IncidentResult, cluster: str | None = None) -> str:
    created = await store.create(IncidentRequest(description="checkout is down", cluster=cluster))
    claimed = await store.claim(30)
    assert claimed is not None and claimed.incident_id == created.incident_id
    await store.complete(created.incident_id, result)
    return created.incident_id


@pytest.mark.anyio
async def test_only_the_same_cluster_culprit_and_category_within_the_window_newest_first(
    store: IncidentStore, database_url: str
) -> None:
    first = await _complete(store, _result("checkout"))
    await _complete(store, _result("checkout"), cluster="prod-eu")  # another cluster
    await _complete(store, _result("payments"))  # another culprit
    await _complete(store, _result("checkout", "image_pull_failure"))  # another category
    second = await _complete(store, _result("checkout"))
    await store.record_feedback(first, FeedbackRequest(verdict="confirmed"), "alice", datetime.now(UTC))
    now = datetime.now(UTC)
    related = await store.seen_before(
        "new", None, "workload:shop/checkout", "insufficient_memory", now - timedelta(1), 10
    )
    assert [(r.incident_id, r.verdict, r.feedback_author) for r in related] == [
        (second, None, None),
        (first, "confirmed", "alice"),
    ]
    assert related[0].suggested_root_cause == "checkout ran out of memory"
    assert related[0].created_at.utcoffset() == timedelta(0)
    later = await store.seen_before("new", None, CULPRIT, "insufficient_memory", now, 10)
    assert later == []  # outside the window
    itself = await store.seen_before(
        second, None, "workload:shop/checkout", "insufficient_memory", now - timedelta(1), 10
    )
    assert [r.incident_id for r in itself] == [first]


@pytest.mark.anyio
async def test_the_confidence_is_nudged_only_when_an_earlier_verdict_was_confirmed(store: IncidentStore) -> None:
    earlier = await _complete(store, _result("checkout"))
    now = datetime.now(UTC)
    unjudged = await link_related(store, "new", None, _result("checkout"), now, 14)
    assert [r.incident_id for r in unjudged.related_incidents or []] == [earlier]
    assert unjudged.confidence == 0.7
    assert unjudged.report is not None
    assert unjudged.report.notes[-1].startswith("2nd time in 1 day: workload shop/checkout, insufficient_memory")
    await store.record_feedback(earlier, FeedbackRequest(verdict="rejected"), None, now)
    assert (await link_related(store, "new", None, _result("checkout"), now, 14)).confidence == 0.7
    await store.record_feedback(earlier, FeedbackRequest(verdict="confirmed"), None, now)
    nudged = await link_related(store, "new", None, _result("checkout", confidence=0.78), now, 14)
    assert (nudged.confidence, nudged.confidence_score) == (0.83, "high")
    assert (await link_related(store, "new", None, _result("checkout", confidence=0.97), now, 14)).confidence == 0.97
    assert (await link_related(store, "new", None, _result("checkout"), now, 0)).related_incidents is None


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


def _finished(client: httpx2.Client, description: str) -> dict[str, Any]:
    incident_id = client.post(INCIDENTS, json={"description": description}).json()["incident_id"]
    deadline = time.monotonic() + 10
    while (incident := client.get(f"{INCIDENTS}/{incident_id}").json())["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return incident


def test_rest_and_ui_show_the_incidents_seen_before_across_a_restart(tmp_path: Path) -> None:
    settings = OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'incidents.db'}", api_tokens=[TOKEN])
    headers = {"Authorization": f"Bearer {TOKEN}"}
    description = "checkout keeps dying; workload=checkout; category=insufficient_memory"
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        httpx2.Client(base_url=url, headers=headers, timeout=10) as client,
    ):
        first = _finished(client, description)
        assert first["related_incidents"] is None
        client.post(f"{INCIDENTS}/{first['incident_id']}/feedback", json={"verdict": "confirmed"})
        second = _finished(client, description)
        _finished(client, "payments dies; workload=payments; category=insufficient_memory")
    with (  # a new process on the same database
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        httpx2.Client(base_url=url, headers=headers, timeout=10) as client,
    ):
        third = _finished(client, description)
        page = client.get(f"/ui/incidents/{third['incident_id']}").text
    related = third["related_incidents"]
    assert [r["incident_id"] for r in related] == [second["incident_id"], first["incident_id"]]
    assert [(r["verdict"], r["feedback_author"]) for r in related] == [(None, None), ("confirmed", "bob")]
    assert third["report"]["notes"][-1].startswith("3rd time in 1 day: workload shop/checkout, insufficient_memory")
    assert third["confidence"] == 0.95  # the double's 0.9, nudged: the first was confirmed
    assert 'id="seen-before"' in page
    assert f'href="/ui/incidents/{first["incident_id"]}"' in page
    assert "confirmed by bob" in page


def test_the_lookup_is_one_range_of_the_seen_before_index(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    prepare_database(f"sqlite:///{path}")
    params = ["", "workload:shop/checkout", "insufficient_memory", "2026-01-01T00:00:00.000Z", "x", 10]
    with closing(sqlite3.connect(path)) as db:
        plan = db.execute("EXPLAIN QUERY PLAN " + SEEN_BEFORE_SQL.replace("%s", "?"), params).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "USING INDEX incidents_seen_before" in details, details
    assert "TEMP B-TREE" not in details, details  # no sort: the index is already newest first
