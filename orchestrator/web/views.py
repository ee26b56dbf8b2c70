"""An incident document laid out for reading: what the incident page and the list show.

The document is the one `GET /api/v1/incidents/{id}` returns; its evidence is parsed with the
models that produced it (the MCP tools' and the investigation's), one part at a time, so a part
that does not fit (an older document, a failed investigation) is left out with a note instead of
breaking the page. Log lines that a finding cites are marked in their excerpt, found by the
evidence ids the rules gave them.

The investigation's models come with the LLM client's message types, so they are imported on the
first incident page, not when the REST API starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from graphs.log_lines import numbered_log_lines
from mcp_servers.kubernetes.models import ContainerInfo, EventInfo, LogExcerpt, PodDiagnosis, WorkloadDetail
from orchestrator.incidents.models import Incident

if TYPE_CHECKING:
    from graphs.state import DependencyState, EvidenceItem, Extracted, Report
    from knowledge.rules import Finding

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
    notes: list[str] = field(default_factory=list)


def _parse(model: type[M], data: object, part: str, notes: list[str]) -> M | None:
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        notes.append(f"The {part} could not be laid out; the raw JSON has it.")
        return None


def _parse_list(model: type[M], data: object, part: str, notes: list[str]) -> list[M]:
    if not isinstance(data, list):
        return []
    parsed = [_parse(model, item, part, notes) for item in data]
    return [item for item in parsed if item is not None]


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
    # Imported here, not at the top: see the module doc.
    from graphs.state import DependencyState, EvidenceItem, Extracted, Report
    from knowledge.rules import Finding

    notes: list[str] = []
    evidence: dict[str, Any] = incident.evidence if isinstance(incident.evidence, dict) else {}
    items = {item.id: item for item in _parse_list(EvidenceItem, evidence.get("items"), "evidence list", notes)}
    findings = _parse_list(Finding, incident.findings, "findings", notes)
    cited_ids = {item_id for finding in findings for item_id in finding.evidence}
    diagnosis = _parse(PodDiagnosis, evidence.get("diagnosis"), "pod diagnosis", notes)
    workload = _parse(WorkloadDetail, evidence.get("workload"), "workload", notes)
    events: list[EventInfo] = _parse_list(EventInfo, evidence.get("workload_events"), "workload events", notes)
    if diagnosis is not None:
        events += diagnosis.events + diagnosis.owner_events
        workload = workload or diagnosis.owner
    target = evidence.get("target")
    return IncidentView(
        incident=incident,
        extracted=_parse(Extracted, incident.extracted, "extraction", notes),
        report=_parse(Report, incident.report, "report", notes),
        findings=[FindingView(f, [_cited(items, item_id) for item_id in f.evidence]) for f in findings],
        target=target if isinstance(target, str) else None,
        pod=diagnosis,
        workload=workload,
        containers=(diagnosis.pod.init_containers + diagnosis.pod.containers) if diagnosis else [],
        timeline=_timeline(events),
        logs=[_log_view(excerpt, cited_ids) for excerpt in diagnosis.logs] if diagnosis else [],
        dependencies=_parse_list(DependencyState, evidence.get("dependencies"), "dependencies", notes),
        other_evidence=[item for item_id, item in items.items() if item_id not in cited_ids],
        notes=notes,
    )


def incident_target(incident: Incident) -> str:
    """What the list shows as the target: the resolved pod or workload, else what the reporter named."""
    evidence = incident.evidence if isinstance(incident.evidence, dict) else {}
    target = evidence.get("target")
    if isinstance(target, str) and target:
        return target
    extracted = incident.extracted or {}
    pod = extracted.get("pod") or incident.pod
    namespace = extracted.get("namespace") or incident.namespace
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
