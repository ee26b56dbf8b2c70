"""Prometheus metrics of the orchestrator, served at /metrics (see api.py).

Counts that must be right across replicas and restarts (incidents by status) are read from the
store at scrape time; what happens inside this process (investigation durations, LLM use, the
investigations running here) is counted here as it happens. MCP tool call latency is measured
where the calls are made, in graphs/mcp_client.py. Every metric lives in prometheus_client's default registry, with
its process collector (resident memory, CPU seconds, open files).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal, get_args

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from graphs.models import LLMStatus, Report
from orchestrator.models import IncidentStatus, RuleStats, VerdictStats

Outcome = Literal["completed", "failed", "timed_out", "cancelled"]
STATUSES: tuple[IncidentStatus, ...] = ("pending", "investigating", "completed", "failed")
CONTENT_TYPE = CONTENT_TYPE_LATEST

INCIDENTS = Gauge(
    "sre_incidents", "Incidents in the store, by status (read from the store at scrape time).", ["status"]
)
RUNNING = Gauge("sre_investigations_running", "Investigations running in this process (waiting ones: sre_incidents).")
INVESTIGATION_SECONDS = Histogram(
    "sre_investigation_duration_seconds",
    "Wall time of one investigation in this process, by outcome.",
    ["outcome"],
    # From an in-process snapshot investigation (tens of ms) to a slow LLM near the deadline.
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
STEP_SECONDS = Histogram(
    "sre_investigation_step_duration_seconds",
    "Wall time of each investigation step in this process, checkpoint write included.",
    ["step"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
LLM_CALLS = Counter("sre_llm_calls", "LLM calls made by completed investigations.")
LLM_TOKENS = Counter("sre_llm_tokens", "LLM tokens used by completed investigations.", ["direction"])
LLM_SECONDS = Counter("sre_llm_latency_seconds", "Time completed investigations spent waiting on the LLM.")
LLM_INVESTIGATIONS = Counter(
    "sre_llm_investigations",
    f"Completed investigations by what the LLM did for them ({', '.join(get_args(LLMStatus))}).",
    ["status"],
)
for _status in get_args(LLMStatus):  # every status is exposed from the start, at 0
    LLM_INVESTIGATIONS.labels(_status)


NOTIFICATIONS = Counter(
    "sre_notifications",
    "Notification delivery attempts by target and outcome (delivered, retried, failed: gave up).",
    ["target", "outcome"],
)
NOTIFICATION_DELAY_SECONDS = Histogram(
    "sre_notification_delay_seconds",
    "From an incident's finish to its notification's delivery, by target.",
    ["target"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
for _target in ("webhook", "slack"):
    for _outcome in ("delivered", "retried", "failed"):
        NOTIFICATIONS.labels(_target, _outcome)

RULE_VERDICTS = Gauge(
    "sre_rule_verdicts",
    "Verdicts (suggested root causes) of completed incidents by rule, and the feedback on them "
    "(outcome: findings, confirmed, rejected; read from the store at scrape time).",
    ["rule", "outcome"],
)
RULE_PRECISION = Gauge("sre_rule_precision", "confirmed / (confirmed + rejected) by rule, once judged.", ["rule"])
CATEGORY_VERDICTS = Gauge(
    "sre_category_verdicts",
    "Verdicts of completed incidents by category, and the feedback on them (outcome: findings, confirmed, rejected).",
    ["category", "outcome"],
)
CATEGORY_PRECISION = Gauge(
    "sre_category_precision", "confirmed / (confirmed + rejected) by category, once judged.", ["category"]
)


def _set_verdicts(counts: Gauge, precision: Gauge, rows: list[VerdictStats]) -> None:
    counts.clear()  # a rule no longer in the store (its incidents deleted) disappears
    precision.clear()
    for row in rows:
        counts.labels(row.name, "findings").set(row.findings)
        counts.labels(row.name, "confirmed").set(row.confirmed)
        counts.labels(row.name, "rejected").set(row.rejected)
        if row.precision is not None:
            precision.labels(row.name).set(row.precision)


class OutcomeLabel:
    """The outcome an investigation_timer records; 'cancelled' unless the investigation says otherwise."""

    def __init__(self) -> None:
        self.value: Outcome = "cancelled"
        self.start = time.perf_counter()

    def set(self, value: Outcome) -> None:
        self.value = value

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


@contextmanager
def investigation_timer() -> Iterator[OutcomeLabel]:
    """Observe the duration of the enclosed investigation under the outcome it sets."""
    outcome = OutcomeLabel()
    try:
        yield outcome
    finally:
        INVESTIGATION_SECONDS.labels(outcome.value).observe(outcome.seconds)


class StepTimer:
    """Told each step as it starts; records how long the one before took (and the last at `done`)."""

    def __init__(self) -> None:
        self._step: str | None = None
        self._since = 0.0

    def started(self, step: str) -> None:
        now = time.perf_counter()
        if self._step is not None:
            STEP_SECONDS.labels(self._step).observe(now - self._since)
        self._step, self._since = step, now

    def done(self) -> None:
        if self._step is not None:
            STEP_SECONDS.labels(self._step).observe(time.perf_counter() - self._since)
            self._step = None


def count_llm_use(report: Report | None) -> None:
    """Add a completed investigation's `report.llm` figures; a report without them counts nothing."""
    if report is None:
        return
    llm = report.llm
    LLM_CALLS.inc(llm.calls)
    LLM_TOKENS.labels("input").inc(llm.input_tokens)
    LLM_TOKENS.labels("output").inc(llm.output_tokens)
    LLM_SECONDS.inc(llm.latency_seconds)
    LLM_INVESTIGATIONS.labels(llm.status).inc()


def exposition(incidents_by_status: Mapping[str, int], running: int, rule_stats: RuleStats | None = None) -> bytes:
    """The text exposition, with the store's counts and this process's investigations as of now."""
    if rule_stats is not None:
        _set_verdicts(RULE_VERDICTS, RULE_PRECISION, rule_stats.rules)
        _set_verdicts(CATEGORY_VERDICTS, CATEGORY_PRECISION, rule_stats.categories)
    for status in STATUSES:
        INCIDENTS.labels(status).set(incidents_by_status.get(status, 0))
    RUNNING.set(running)
    return generate_latest(REGISTRY)
