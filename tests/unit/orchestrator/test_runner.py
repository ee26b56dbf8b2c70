"""The investigation runner, driving the real LangGraph double over a real store."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from api_server import ScriptedInvestigator, journal_entries

from orchestrator.incidents.runner import InvestigationRunner, OnStep, describe_failure
from orchestrator.models import Incident, IncidentRequest
from orchestrator.store import IncidentStore
from orchestrator.store.sqlite import SqliteIncidentStore

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[IncidentStore]:
    async with SqliteIncidentStore(tmp_path / "incidents.db") as opened:
        yield opened


@pytest.fixture
async def investigator(store: IncidentStore, tmp_path: Path) -> AsyncIterator[ScriptedInvestigator]:
    opened = await ScriptedInvestigator.open(tmp_path / "incidents.db", tmp_path / "journal.txt")
    yield opened
    await opened.aclose()


def _runner(
    store: IncidentStore, investigator: Any, *, max_concurrent: int = 4, timeout: float = 5
) -> InvestigationRunner:
    return InvestigationRunner(store, investigator, max_concurrent=max_concurrent, timeout_seconds=timeout)


async def _submit(store: IncidentStore, runner: InvestigationRunner, description: str) -> str:
    request = IncidentRequest(description=description)
    incident = await store.create(request)
    runner.wake()
    return incident.incident_id


async def _wait_for(
    store: IncidentStore, incident_id: str, done: Callable[[Incident], bool], timeout: float = 5
) -> Incident:
    deadline = time.monotonic() + timeout
    while True:
        incident = await store.get(incident_id)
        assert incident is not None
        if done(incident):
            return incident
        assert time.monotonic() < deadline, f"still {incident.status} in step {incident.step}"
        await asyncio.sleep(0.01)


def _finished(incident: Incident) -> bool:
    return incident.status in ("completed", "failed")


async def test_completes_with_the_result(store: IncidentStore, investigator: ScriptedInvestigator) -> None:
    async with _runner(store, investigator) as runner:
        incident_id = await _submit(store, runner, "checkout is slow; first=0.05")
        running = await _wait_for(store, incident_id, lambda i: i.status == "investigating")
        assert running.step in ("first", "second")
        done = await _wait_for(store, incident_id, _finished)
    assert (done.status, done.step, done.error) == ("completed", None, None)
    assert (done.confidence_score, done.confidence) == ("high", 0.9)
    assert done.evidence is not None and [item.id for item in done.evidence.items] == ["step:first", "step:second"]
    assert done.findings is not None and [f.rule_id for f in done.findings] == ["double"]


async def test_failure_says_where_and_why(store: IncidentStore, investigator: ScriptedInvestigator) -> None:
    reason = "could not reach the Kubernetes MCP server at http://127.0.0.1:9/mcp: connection refused"
    async with _runner(store, investigator) as runner:
        incident_id = await _submit(store, runner, f"auth is down; second=fail:{reason}")
        failed = await _wait_for(store, incident_id, _finished)
    assert (failed.status, failed.step) == ("failed", None)
    assert failed.error == f"investigation failed in step second: {reason}"


async def test_a_hang_times_out(store: IncidentStore, investigator: ScriptedInvestigator) -> None:
    async with _runner(store, investigator, timeout=0.3) as runner:
        incident_id = await _submit(store, runner, "auth is down; second=hang")
        failed = await _wait_for(store, incident_id, _finished)
    assert failed.status == "failed"
    assert failed.error == "investigation timed out after 0.3 s in step second"


async def test_at_most_n_run_at_once(store: IncidentStore, investigator: ScriptedInvestigator) -> None:
    async with _runner(store, investigator, max_concurrent=2) as runner:
        for i in range(5):
            await _submit(store, runner, f"incident {i}; first=0.15")
        most_investigating = 0
        while not all(_finished(i) for i in (await store.list_incidents(limit=10)).items):
            investigating = await store.list_incidents(limit=10, status="investigating")
            most_investigating = max(most_investigating, len(investigating.items))
            await asyncio.sleep(0.01)
    assert investigator.peak == 2
    assert most_investigating == 2
    assert [i.status for i in (await store.list_incidents(limit=10)).items] == ["completed"] * 5


async def test_resumes_an_investigation_from_its_checkpoint(store: IncidentStore, tmp_path: Path) -> None:
    journal = tmp_path / "journal.txt"
    before = await ScriptedInvestigator.open(tmp_path / "incidents.db", journal)
    async with _runner(store, before) as runner:
        incident_id = await _submit(store, runner, "orders fail; second=hang-once")
        await _wait_for(store, incident_id, lambda i: i.step == "second")
        # The step is recorded as its task starts, a moment before the node runs and journals itself;
        # stopping in between would leave `second` never run, so it would hang again on resume.
        async with asyncio.timeout(10):
            while "second" not in journal_entries(journal, incident_id):
                await asyncio.sleep(0.01)
    await before.aclose()
    stopped = await store.get(incident_id)
    assert stopped is not None
    assert (stopped.status, stopped.step) == ("investigating", "second")

    after = await ScriptedInvestigator.open(tmp_path / "incidents.db", journal)
    async with _runner(store, after):
        done = await _wait_for(store, incident_id, _finished)
    await after.aclose()
    assert done.status == "completed"
    assert journal_entries(journal, incident_id) == ["first", "second", "second"]  # `first` did not run again


async def test_start_restarts_pending_incidents(store: IncidentStore, investigator: ScriptedInvestigator) -> None:
    queued = await store.create(IncidentRequest(description="queued when the last process stopped"))
    async with _runner(store, investigator):
        done = await _wait_for(store, queued.incident_id, _finished)
    assert done.status == "completed"


async def test_close_cancels_queued_and_running_ones_and_leaves_them_unfinished(
    store: IncidentStore, investigator: ScriptedInvestigator
) -> None:
    async with _runner(store, investigator, max_concurrent=1) as runner:
        running = await _submit(store, runner, "a; first=hang")
        queued = await _submit(store, runner, "b")
        await _wait_for(store, running, lambda i: i.status == "investigating")
    assert [i.incident_id for i in await store.unfinished()] == [running, queued]


async def test_one_run_per_incident(store: IncidentStore, investigator: ScriptedInvestigator, tmp_path: Path) -> None:
    async with _runner(store, investigator) as runner:
        incident_id = await _submit(store, runner, "twice; first=0.1")
        runner.wake()
        await _wait_for(store, incident_id, _finished)
    assert journal_entries(tmp_path / "journal.txt", incident_id) == ["first", "second"]


class _Returns:
    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result

    async def run(self, incident_id: str, request: IncidentRequest | None, on_step: OnStep) -> dict[str, Any]:
        await on_step("report")
        return self.result

    async def aclose(self) -> None:
        pass


async def test_an_invalid_result_fails_the_incident(store: IncidentStore) -> None:
    async with _runner(store, _Returns({"confidence": 7})) as runner:
        incident_id = await _submit(store, runner, "anything")
        failed = await _wait_for(store, incident_id, _finished)
    assert failed.error == (
        "investigation failed in step report: invalid IncidentResult: confidence: "
        "Input should be less than or equal to 1"
    )


def _group() -> BaseException:
    try:
        raise ExceptionGroup("unhandled errors in a TaskGroup", [ConnectionRefusedError("connection refused")])
    except ExceptionGroup as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (RuntimeError("no pod matches 'auth-service'"), "no pod matches 'auth-service'"),
        (_group(), "connection refused"),
        (KeyError("pod"), "internal error (KeyError: 'pod'); the server log has the details"),
        (RuntimeError(), "internal error (RuntimeError); the server log has the details"),
    ],
)
def test_describe_failure(exc: BaseException, message: str) -> None:
    assert describe_failure(exc) == message


async def test_stops_an_investigation_another_replica_took_over(store: IncidentStore, tmp_path: Path) -> None:
    investigator = await ScriptedInvestigator.open(tmp_path / "incidents.db", tmp_path / "journal.txt")
    runner = InvestigationRunner(store, investigator, max_concurrent=1, timeout_seconds=30, lease_seconds=1.5)
    async with runner:
        incident_id = await _submit(store, runner, "stalled; first=hang")
        await _wait_for(store, incident_id, lambda i: i.step == "first")
        assert investigator.running == 1
        async with SqliteIncidentStore(tmp_path / "incidents.db", owner="replica-b") as other:
            # This runner was paused past its lease and replica-b took the incident over.
            await asyncio.to_thread(_take_lease, tmp_path / "incidents.db", incident_id, "replica-b")
            deadline = time.monotonic() + 5
            while investigator.running and time.monotonic() < deadline:  # the next renewal notices
                await asyncio.sleep(0.05)
            assert investigator.running == 0
            await other.set_step(incident_id, "second")  # the new holder's writes stand
    await investigator.aclose()
    taken = await store.get(incident_id)
    assert taken is not None
    assert (taken.status, taken.step) == ("investigating", "second")


def _take_lease(database: Path, incident_id: str, owner: str) -> None:
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE incidents SET lease_owner = ? WHERE incident_id = ?", (owner, incident_id))
