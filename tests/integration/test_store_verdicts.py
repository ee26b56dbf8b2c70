"""Feedback, rule stats and the verdict columns in both store backends, and PostgreSQL's upgrade to them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from graphs.models import Extracted, Report
from knowledge.findings import Finding
from orchestrator.models import FeedbackRequest, IncidentRequest, IncidentResult
from orchestrator.store import IncidentStore, open_store, prepare_database
from orchestrator.store.postgres import SCHEMA_VERSION
from orchestrator.store.verdicts import verdict_columns, workload_of_pod

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidents.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[IncidentStore]:
    async with open_store(database_url, owner="replica-a") as opened:
        yield opened


def result(rule: str | None, category: str = "insufficient_memory", **extracted: str) -> IncidentResult:
    findings = []
    if rule:
        findings.append(
            Finding(
                rule_id=rule,
                category=category,  # type: ignore[arg-type]
                title="t",
                root_cause="r",
                confidence=0.8,
                confidence_score="high",
                evidence=[],
                remediation="",
            )
        )
    return IncidentResult(
        extracted=Extracted(**extracted),
        findings=findings,
        report=Report(category=category if rule else "unknown", summary="s", next_steps=[]),
    )


async def completed(store: IncidentStore, outcome: IncidentResult) -> str:
    created = await store.create(IncidentRequest(description="checkout is down"))
    claimed = await store.claim(30)
    assert claimed is not None
    assert claimed.incident_id == created.incident_id
    await store.complete(created.incident_id, outcome)
    return created.incident_id


@pytest.mark.parametrize(
    ("pod", "workload"),
    [
        ("checkout-7d9f8c6b5-x2x9q", "checkout"),
        ("redis-0", "redis"),
        ("node-exporter-x2x9q", "node-exporter"),
        ("my-exporter", "my-exporter"),
        ("standalone", "standalone"),
    ],
)
def test_a_pods_workload_is_read_from_its_generated_name(pod: str, workload: str) -> None:
    assert workload_of_pod(pod) == workload


def test_the_culprit_is_the_component_else_the_workload_else_the_pods_workload() -> None:
    assert verdict_columns(result("r1", namespace="shop", component="payments"))["culprit"] == "component:payments"
    assert verdict_columns(result("r1", namespace="shop", workload="api"))["culprit"] == "workload:shop/api"
    assert verdict_columns(result("r1", namespace="shop", pod="api-5f7d8c9-x2x9q"))["culprit"] == "workload:shop/api"
    assert verdict_columns(result(None)) == {"verdict_rule": None, "verdict_category": "unknown", "culprit": None}


async def test_feedback_replaces_the_earlier_one_and_stats_add_up(store: IncidentStore) -> None:
    a1 = await completed(store, result("oom", namespace="shop", workload="api"))
    a2 = await completed(store, result("oom", namespace="shop", workload="api"))
    b1 = await completed(store, result("dns", "dns_resolution_failure"))
    await completed(store, result(None))
    now = datetime.now(UTC)
    await store.record_feedback(a1, FeedbackRequest(verdict="rejected"), "bob", now)
    await store.record_feedback(a1, FeedbackRequest(verdict="confirmed", comment="it was OOM"), "alice", now)
    await store.record_feedback(a2, FeedbackRequest(verdict="rejected", actual_category="eviction"), None, now)
    await store.record_feedback(b1, FeedbackRequest(verdict="confirmed"), None, now)
    recorded = await store.feedback([a1, a2, "none"])
    assert set(recorded) == {a1, a2}
    assert (recorded[a1].verdict, recorded[a1].author, recorded[a1].comment) == ("confirmed", "alice", "it was OOM")
    assert recorded[a2].actual_category == "eviction"
    stats = await store.rule_stats()
    assert [(s.name, s.findings, s.confirmed, s.rejected, s.precision) for s in stats.rules] == [
        ("dns", 1, 1, 0, 1.0),
        ("oom", 2, 1, 1, 0.5),
    ]
    assert [(s.name, s.findings, s.confirmed, s.rejected) for s in stats.categories] == [
        ("dns_resolution_failure", 1, 1, 0),
        ("insufficient_memory", 2, 1, 1),
        ("unknown", 1, 0, 0),
    ]


async def test_a_postgres_database_of_version_1_is_upgraded(postgres_url: str) -> None:
    prepare_database(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # back to what version 1 created
        conn.execute("DROP TABLE feedback")
        conn.execute("DROP TABLE notifications")
        conn.execute("DROP TABLE ui_session_revocations")
        conn.execute("ALTER TABLE incidents DROP COLUMN notify_targets")
        for column in ("verdict_rule", "verdict_category", "culprit", "description_redactions"):
            conn.execute(f"ALTER TABLE incidents DROP COLUMN {column}")  # type: ignore[arg-type]
        conn.execute("DELETE FROM sre_schema_version")
        conn.execute("INSERT INTO sre_schema_version VALUES (1)")
    await asyncio.to_thread(prepare_database, postgres_url)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT max(version) FROM sre_schema_version").fetchone() == (SCHEMA_VERSION,)
    async with open_store(postgres_url) as upgraded:
        incident_id = await completed(upgraded, result("oom", namespace="shop", workload="api"))
        await upgraded.record_feedback(incident_id, FeedbackRequest(verdict="confirmed"), None, datetime.now(UTC))
        assert [s.confirmed for s in (await upgraded.rule_stats()).rules] == [1]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "orchestrator.cli", "rules", "stats", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


async def test_the_rules_stats_command_prints_them_for_a_database(database_url: str) -> None:
    async with open_store(database_url) as store:
        for verdict in ("confirmed", "rejected", "confirmed"):
            incident_id = await completed(store, result("oom-killed"))
            await store.record_feedback(incident_id, FeedbackRequest(verdict=verdict), None, datetime.now(UTC))
        await completed(store, result("image-pull", "image_pull_failure"))
    text = await asyncio.to_thread(_cli, "--database-url", database_url)
    assert text.returncode == 0, text.stderr
    lines = [line.split() for line in text.stdout.splitlines()]
    assert ["oom-killed", "3", "2", "1", "0.67"] in lines
    assert ["image-pull", "1", "0", "0", "-"] in lines
    assert ["insufficient_memory", "3", "2", "1", "0.67"] in lines
    as_json = json.loads((await asyncio.to_thread(_cli, "--database-url", database_url, "--output", "json")).stdout)
    assert {row["name"]: row["precision"] for row in as_json["rules"]} == {"image-pull": None, "oom-killed": 0.6667}


def test_the_rules_stats_command_names_a_database_it_cannot_open(tmp_path: Path) -> None:
    run = _cli("--database-url", f"sqlite:///{tmp_path / 'missing' / 'incidents.db'}")
    assert run.returncode == 2
    assert "cannot open the incident database" in run.stderr


async def test_the_outbox_from_the_finish_to_delivered_or_failed(store: IncidentStore) -> None:
    created = await store.create(IncidentRequest(description="outbox"))
    assert await store.claim(30) is not None
    await store.complete(created.incident_id, result("oom"), ["webhook", "slack"])
    queued = await store.notifications_of(created.incident_id)
    assert [(n.target, n.status, n.attempts) for n in queued or []] == [
        ("slack", "pending", 0),
        ("webhook", "pending", 0),
    ]
    assert await store.enqueue_notifications() == 1
    assert await store.enqueue_notifications() == 0  # once
    first = await store.claim_notification(30)
    second = await store.claim_notification(30)
    assert first is not None and second is not None and first.notification_id != second.notification_id
    assert await store.claim_notification(30) is None  # both leased
    await store.notification_retry(first.notification_id, "refused", 0)
    retried = await store.claim_notification(30)
    assert retried is not None and (retried.notification_id, retried.attempts) == (first.notification_id, 2)
    assert await store.notification_done(retried.notification_id, "delivered", None)
    assert await store.notification_done(second.notification_id, "failed", "the receiver answered 410")
    assert not await store.notification_done(second.notification_id, "delivered", None)  # settled for good
    states = {
        n.target: (n.status, n.attempts, n.last_error) for n in await store.notifications_of(created.incident_id) or []
    }
    assert states[first.target] == ("delivered", 2, None)
    assert states[second.target] == ("failed", 1, "the receiver answered 410")
    assert (await store.get(created.incident_id)).notifications is not None  # type: ignore[union-attr]
