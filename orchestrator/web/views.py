"""An incident document laid out for reading: what the incident page and the list show.

The document is the one `GET /api/v1/incidents/{id}` returns; its evidence is parsed with the
models that produced it (the MCP tools' and the investigation's), one part at a time, so a part
that does not fit (an older document, a failed investigation) is left out with a note instead of
breaking the page. Log lines that a finding cites are marked in their excerpt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from graphs.state import DependencyState, EvidenceItem, Extracted, Report
from knowledge.rules import Finding
from mcp_servers.kubernetes.models import ContainerInfo, EventInfo, PodDiagnosis, WorkloadDetail
from orchestrator.models import Incident

M = TypeVar("M", bound=BaseModel)


class CitedEvidence(BaseModel):
    id: str
    kind: str = ""
    summary: str = ""


class FindingView(BaseModel):
    finding: Finding
    evidence: list[CitedEvidence]


class LogLine(BaseModel):
    number: int
    text: str
    cited: bool


class LogView(BaseModel):
    container: str
    previous: bool
    lines: list[LogLine]
    truncated: bool
    redactions: int
    unavailable: str | None

    @property
    def cited_count(self) -> int:
        return sum(line.cited for line in self.lines)


class IncidentView(BaseModel):
    incident: Incident
    extracted: Extracted | None = None
    report: Report | None = None
    findings: list[FindingView] = []
    target: str | None = None
    pod: PodDiagnosis | None = None
    workload: WorkloadDetail | None = None
    containers: list[ContainerInfo] = []
    timeline: list[EventInfo] = []
    logs: list[LogView] = []
    dependencies: list[DependencyState] = []
    other_evidence: list[EvidenceItem] = []
    notes: list[str] = []


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


def _log_id_parts(item_id: str) -> tuple[str, bool] | None:
    """`log:CONTAINER:current|previous:LINE` -> (container, previous)."""
    parts = item_id.split(":")
    if len(parts) != 4 or parts[0] != "log" or parts[2] not in ("current", "previous"):
        return None
    return parts[1], parts[2] == "previous"


def _cited_lines(items: dict[str, EvidenceItem], cited_ids: set[str]) -> dict[tuple[str, bool], set[str]]:
    """The text of each cited log line, by excerpt. The item's summary is
    "CONTAINER (current logs) line N: TEXT", so the text follows the first ': '."""
    cited: dict[tuple[str, bool], set[str]] = {}
    for item_id in cited_ids:
        excerpt = _log_id_parts(item_id)
        item = items.get(item_id)
        if excerpt is None or item is None:
            continue
        cited.setdefault(excerpt, set()).add(item.summary.partition(": ")[2])
    return cited


def _log_view(diagnosis: PodDiagnosis, cited: dict[tuple[str, bool], set[str]]) -> list[LogView]:
    views = []
    for excerpt in diagnosis.logs:
        marked = cited.get((excerpt.container, excerpt.previous), set())
        lines = [
            LogLine(number=n, text=text, cited=text in marked)
            for n, text in enumerate(excerpt.text.splitlines(), start=1)
        ]
        views.append(
            LogView(
                container=excerpt.container,
                previous=excerpt.previous,
                lines=lines,
                truncated=excerpt.truncated,
                redactions=excerpt.redactions,
                unavailable=excerpt.unavailable,
            )
        )
    return views


def _timeline(events: list[EventInfo]) -> list[EventInfo]:
    """Newest first; events without a time last."""
    return sorted(events, key=lambda e: e.last_seen or e.first_seen or "", reverse=True)


def incident_view(incident: Incident) -> IncidentView:
    notes: list[str] = []
    evidence: dict[str, Any] = incident.evidence if isinstance(incident.evidence, dict) else {}
    items = {item.id: item for item in _parse_list(EvidenceItem, evidence.get("items"), "evidence list", notes)}
    findings = _parse_list(Finding, incident.findings, "findings", notes)
    cited_ids = {item_id for finding in findings for item_id in finding.evidence}
    finding_views = [
        FindingView(
            rank=rank,
            finding=finding,
            evidence=[
                CitedEvidence(
                    id=i, kind=items[i].kind if i in items else "", summary=items[i].summary if i in items else i
                )
                for i in finding.evidence
            ],
        )
        for rank, finding in enumerate(findings, start=1)
    ]
    diagnosis = _parse(PodDiagnosis, evidence.get("diagnosis"), "pod diagnosis", notes)
    workload = _parse(WorkloadDetail, evidence.get("workload"), "workload", notes)
    events: list[EventInfo] = _parse_list(EventInfo, evidence.get("workload_events"), "workload events", notes)
    if diagnosis is not None:
        events += diagnosis.events + diagnosis.owner_events
        workload = workload or diagnosis.owner
    return IncidentView(
        incident=incident,
        extracted=_parse(Extracted, incident.extracted, "extraction", notes),
        report=_parse(Report, incident.report, "report", notes),
        findings=finding_views,
        target=evidence.get("target") if isinstance(evidence.get("target"), str) else None,
        pod=diagnosis,
        workload=workload,
        containers=(diagnosis.pod.init_containers + diagnosis.pod.containers) if diagnosis else [],
        timeline=_timeline(events),
        logs=_log_view(diagnosis, _cited_lines(items, cited_ids)) if diagnosis else [],
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
