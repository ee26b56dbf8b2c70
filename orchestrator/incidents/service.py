"""The incident service: the one way to start, follow and read investigations.

The REST API and the workflow MCP server (over HTTP inside `serve`, or on its own over stdio
with `mcp-workflow`) both go through it, so there is a single investigation path: an incident
is created in the store, handed to the runner, and read back from the store.

The store tells waiters in this process about each step as the runner records it, so a caller
waiting on an investigation sees every step, not only the ones a poll catches. Incidents run
by another process (a second replica) are still followed, by polling the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graphs.models import OnStep
from knowledge import DEFAULT_KNOWLEDGE_GRAPH
from orchestrator.incidents import feedback
from orchestrator.incidents.clusters import resolve_cluster
from orchestrator.incidents.runner import InvestigationRunner, Investigator
from orchestrator.models import (
    AlertRecord,
    Feedback,
    FeedbackRequest,
    Incident,
    IncidentList,
    IncidentRequest,
    IncidentSource,
    IncidentStatus,
    RuleStats,
)
from orchestrator.notify.deliverer import Deliverer
from orchestrator.notify.policy import NotifyPolicy
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import AlertGroupEntry, IncidentStore, open_store

InvestigatorFactory = Callable[[OrchestratorSettings], Awaitable[Investigator]]
"""Opens the investigator inside the server's event loop (its checkpointer connection belongs to that loop)."""


FINISHED: frozenset[IncidentStatus] = frozenset({"completed", "failed"})
# How often a waiter re-reads the store when nothing in this process says the incident moved.
POLL_SECONDS = 0.5
log = logging.getLogger("sre.orchestrator.incidents.service")


class UnknownIncident(LookupError):
    def __init__(self, incident_id: str) -> None:
        shown = incident_id if len(incident_id) <= 64 else incident_id[:64] + "..."
        super().__init__(f"there is no incident {shown!r}")
        self.incident_id = incident_id


@dataclass(frozen=True)
class RuleSource:
    id: str
    category: str
    title: str
    for_each: str
    file: str


@dataclass(frozen=True)
class Knowledge:
    """What the investigations correlate with: the knowledge graph file and the rules, as loaded."""

    graph_file: Path
    graph_yaml: str
    rules: list[RuleSource]


def load_service_knowledge(settings: OrchestratorSettings) -> Knowledge:
    """The knowledge graph and rules the investigations use; a broken file raises, named."""
    from orchestrator.incidents.investigator import load_knowledge  # the investigation stack, imported when needed

    _, rules = load_knowledge(settings)  # validates the graph file too
    graph_file = Path(settings.knowledge_graph or DEFAULT_KNOWLEDGE_GRAPH)
    files = rules.files()
    return Knowledge(
        graph_file=graph_file,
        graph_yaml=graph_file.read_text(encoding="utf-8"),
        rules=[RuleSource(r.id, r.category, r.title, r.for_each, files.get(r.id, "")) for r in rules.rules],
    )


class IncidentService:
    """The store and the runner (opened together by `open`), and the knowledge they work with."""

    def __init__(
        self,
        settings: OrchestratorSettings,
        store: IncidentStore,
        runner: InvestigationRunner,
        knowledge: Knowledge | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.runner = runner
        self._knowledge = knowledge

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: OrchestratorSettings,
        investigator_factory: InvestigatorFactory,
        knowledge: Knowledge | None = None,
    ) -> AsyncIterator[IncidentService]:
        """Open the store, then the investigator, and take up unfinished investigations; close all on exit."""
        async with open_store(settings.database_url) as store, Deliverer(store, settings) as deliverer:
            # After the store: it creates the schema (SQLite: the file in WAL mode) the checkpointer shares.
            investigator = await investigator_factory(settings)
            try:
                runner = InvestigationRunner(
                    store,
                    investigator,
                    max_concurrent=settings.max_concurrent_investigations,
                    timeout_seconds=settings.investigation_timeout_seconds,
                    lease_seconds=settings.lease_seconds,
                    poll_seconds=settings.claim_poll_seconds,
                    seen_before_days=settings.seen_before_days,
                    notify=NotifyPolicy.of(settings),
                    on_finished=deliverer.wake,
                )
                async with runner:
                    yield cls(settings, store, runner, knowledge)
            finally:
                await investigator.aclose()

    @property
    def knowledge(self) -> Knowledge:
        """Loaded on first use (only the MCP resources need it): the REST API starts without it."""
        if self._knowledge is None:
            self._knowledge = load_service_knowledge(self.settings)
        return self._knowledge

    async def report(
        self, request: IncidentRequest, *, source: IncidentSource = "api", alert_group: AlertGroupEntry | None = None
    ) -> Incident:
        """Record the incident (on disk before this returns) and queue its investigation.

        The description is stored, shown and investigated with its secrets replaced by [REDACTED]
        (the incident says how many). Raises UnknownCluster for a cluster the server does not
        know, and (with `alert_group`) AlertEpisodeTaken when another notification recorded that
        episode first.
        """
        request, redactions = request.redacted()
        request = request.model_copy(update={"cluster": resolve_cluster(self.settings, request.cluster)})
        incident = await self.store.create(
            request, source=source, alert_group=alert_group, description_redactions=redactions
        )
        self.runner.wake()
        return incident

    async def revoke_session(self, session_id: str, expires_at: datetime) -> None:
        """Refuse a logged-out UI session on every replica sharing the store, until it would have expired."""
        await self.store.revoke_session(session_id, expires_at)

    async def session_revoked(self, session_id: str) -> bool:
        return await self.store.session_revoked(session_id)

    async def ping(self) -> None:
        """Raises when the incident database does not answer."""
        await self.store.ping()

    def unavailable(self, exc: BaseException) -> bool:
        """Whether `exc` says the database cannot take writes for now (locked, disk full, out of reach)."""
        return self.store.unavailable(exc)

    async def count_by_status(self) -> dict[str, int]:
        return await self.store.count_by_status()

    @property
    def running(self) -> int:
        """Investigations running in this process."""
        return self.runner.running

    async def latest_alert_episode(self, group_key: str, cluster: str | None) -> tuple[Incident, int] | None:
        """The incident of the alert group's newest episode, and its number."""
        return await self.store.latest_alert_episode(group_key, cluster)

    async def record_alerts(self, incident: Incident, alerts: list[AlertRecord], resolved_at: datetime | None) -> bool:
        """Replace the incident's alerts, unless they changed since `incident` was read (then False)."""
        return await self.store.record_alerts(incident, alerts, resolved_at)

    async def get(self, incident_id: str) -> Incident:
        if "\x00" in incident_id:  # no id holds one, and PostgreSQL would refuse the query
            raise UnknownIncident(incident_id)
        incident = await self.store.get(incident_id)
        if incident is None:
            raise UnknownIncident(incident_id)
        return incident

    async def give_feedback(self, incident_id: str, request: FeedbackRequest, author: str | None) -> Feedback:
        """Record whether the incident's verdict was right; UnknownIncident, or NothingToJudge before it completed."""
        return await feedback.give_feedback(self.store, await self.get(incident_id), request, author)

    async def feedback(self, incident_id: str) -> Feedback | None:
        """The feedback recorded on an incident's verdict, if any."""
        return await feedback.feedback_on(self.store, incident_id)

    async def rule_stats(self) -> RuleStats:
        """Per rule and per category: verdicts given, confirmed, rejected, precision."""
        return await self.store.rule_stats()

    async def list_incidents(
        self, *, limit: int, cursor: str | None = None, status: IncidentStatus | None = None
    ) -> IncidentList:
        """Newest first; raises InvalidCursor for a cursor the store did not hand out."""
        return await self.store.list_incidents(limit=limit, cursor=cursor, status=status)

    async def wait(self, incident_id: str, timeout: float, on_step: OnStep | None = None) -> Incident:
        """The incident once it is completed or failed, or as it is after `timeout` seconds.

        `on_step(step)` is called with the step running when the wait starts and with each step
        after it, then with 'completed' or 'failed'.
        """
        # Watch before reading, so that no change falls between the read and the watch.
        with self.store.watch(incident_id) as changes:
            incident = await self.get(incident_id)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            told = incident.step if incident.status == "investigating" else None
            if told and on_step:
                await on_step(told)
            while incident.status not in FINISHED:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                change = await _next_change(changes, min(remaining, POLL_SECONDS))
                if change is not None and change not in FINISHED:
                    if change != told and on_step:
                        await on_step(change)
                    told = change
                    continue
                incident = await self.get(incident_id)
                if incident.status == "investigating" and incident.step and incident.step != told:
                    told = incident.step  # moved on in another process (or between two of our reads)
                    if on_step:
                        await on_step(told)
        if incident.status in FINISHED and on_step:
            await on_step(incident.status)
        return incident


async def _next_change(changes: asyncio.Queue[str], timeout: float) -> str | None:
    try:
        async with asyncio.timeout(timeout):
            return await changes.get()
    except TimeoutError:
        return None
