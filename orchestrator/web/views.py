"""An incident document laid out for reading: what the incident page and the list show.

The document is the one `GET /api/v1/incidents/{id}` returns, typed by the investigation's
models. Log lines that a finding cites are marked in their excerpt, found by the evidence ids
the rules gave them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from graphs.log_lines import numbered_log_lines
from graphs.models import DependencyState, EvidenceItem, Extracted, Report
from knowledge.findings import Finding
from mcp_servers.kubernetes.models import ContainerInfo, EventInfo, LogExcerpt, PodDiagnosis, WorkloadDetail
from orchestrator.models import Incident

if TYPE_CHECKING:
    from graphs.models import DependencyState, EvidenceItem, Extracted, Report
    from knowledge.findings import Finding

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class CitedEvidence:
    id: str
    kind: str = ""
    summary: str = ""


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    evidence: list[CitedEvidence]


@dataclass(frozen=True)
class LogLine:
    number: int
    text: str
    cited: bool


@dataclass(frozen=True)
class LogView:
    excerpt: LogExcerpt
    lines: list[LogLine]

    @property
    def cited_count(self) -> int:
        return sum(line.cited for line in self.lines)


@dataclass
class IncidentView:
    incident: Incident
    extracted: Extracted | None = None
    report: Report | None = None
    findings: list[FindingView] = field(default_factory=list)
    target: str | None = None
    pod: PodDiagnosis | None = None
    workload: WorkloadDetail | None = None
    containers: list[ContainerInfo] = field(default_factory=list)
    timeline: list[EventInfo] = field(default_factory=list)
    logs: list[LogView] = field(default_factory=list)
    dependencies: list[DependencyState] = field(default_factory=list)
    other_evidence: list[EvidenceItem] = field(default_factory=list)


def _cited(items: dict[str, EvidenceItem], item_id: str) -> CitedEvidence:
    item = items.get(item_id)
    return CitedEvidence(id=item_id, kind=item.kind, summary=item.summary) if item else CitedEvidence(id=item_id)


def _log_view(excerpt: LogExcerpt, cited_ids: set[str]) -> LogView:
    """Every line of the excerpt, numbered from 1; the rules numbered only its last lines."""
    lines = excerpt.text.splitlines()
    numbered = numbered_log_lines(excerpt.model_dump())
    first = len(lines) - len(numbered)
    cited = {first + number for item_id, number, _ in numbered if item_id in cited_ids}
    return LogView(
        excerpt=excerpt,
        lines=[LogLine(number=n, text=text, cited=n in cited) for n, text in enumerate(lines, start=1)],
    )


def _timeline(events: list[EventInfo]) -> list[EventInfo]:
    """Newest first; events without a time last."""
    return sorted(events, key=lambda e: e.last_seen or e.first_seen or "", reverse=True)


def incident_view(incident: Incident) -> IncidentView:
    evidence = incident.evidence
    items = {item.id: item for item in evidence.items} if evidence else {}
    findings = incident.findings or []
    cited_ids = {item_id for finding in findings for item_id in finding.evidence}
    diagnosis = evidence.diagnosis if evidence else None
    workload = evidence.workload if evidence else None
    events: list[EventInfo] = []
    if diagnosis is not None:
        events += diagnosis.events + diagnosis.owner_events
        workload = workload or diagnosis.owner
    return IncidentView(
        incident=incident,
        extracted=incident.extracted,
        report=incident.report,
        findings=[FindingView(f, [_cited(items, item_id) for item_id in f.evidence]) for f in findings],
        target=evidence.target if evidence else None,
        pod=diagnosis,
        workload=workload,
        containers=(diagnosis.pod.init_containers + diagnosis.pod.containers) if diagnosis else [],
        timeline=_timeline(events),
        logs=[_log_view(excerpt, cited_ids) for excerpt in diagnosis.logs] if diagnosis else [],
        dependencies=evidence.dependencies if evidence else [],
        other_evidence=[item for item_id, item in items.items() if item_id not in cited_ids],
    )


def incident_target(incident: Incident) -> str:
    """What the list shows as the target: the resolved pod or workload, else what the reporter named."""
    if incident.evidence is not None and incident.evidence.target:
        return incident.evidence.target
    extracted = incident.extracted
    pod = (extracted.pod if extracted else None) or incident.pod
    namespace = (extracted.namespace if extracted else None) or incident.namespace
    if pod:
        return f"pod {namespace}/{pod}" if namespace else f"pod {pod}"
    return f"namespace {namespace}" if namespace else ""


def age(moment: datetime, now: datetime | None = None) -> str:
    """'42 s', '5 min', '3 h', '2 d': how long ago, as at a glance."""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
