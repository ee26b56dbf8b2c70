"""What the workflow MCP tools return: an incident's state and, once done, the gist of its report.

The tools return these (their output schemas); the whole incident document, evidence included,
is the `incident://{incident_id}` resource, the same JSON as `GET /api/v1/incidents/{id}`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from knowledge.findings import Finding
from orchestrator.models import ConfidenceScore, Incident, IncidentList, IncidentSource, IncidentStatus

INCIDENT_URI = "incident://{incident_id}"
TOP_FINDINGS = 3
MAX_NEXT_STEPS = 8
MAX_LISTED_DESCRIPTION = 200


def incident_uri(incident_id: str) -> str:
    return INCIDENT_URI.format(incident_id=incident_id)


class FindingSummary(BaseModel):
    """One ranked finding: which rule matched, what it means, what to do."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    rule_id: str | None = None
    category: str | None = None
    title: str | None = None
    root_cause: str | None = None
    confidence: float | None = None
    confidence_score: ConfidenceScore | None = None
    remediation: str | None = None
    dependency: str | None = Field(None, description="The dependency component the finding blames, if any.")
    evidence: list[str] = Field(default_factory=list, description="Ids of the evidence items behind it.")


class IncidentSummary(BaseModel):
    """An incident's state; once completed, its root cause, confidence, category and next steps.

    Every field is always present (null until known), so the output schema lists them all as required.
    """

    incident_id: str
    uri: str = Field(description="The incident://{incident_id} resource holding the whole report and evidence.")
    description: str = Field(description="The incident as reported, each secret in it replaced by [REDACTED].")
    description_redactions: int = Field(description="How many secrets were replaced in the description.")
    namespace: str | None
    pod: str | None
    cluster: str | None = Field(description="The cluster investigated; null: the default one.")
    source: IncidentSource = Field(description="Where it was reported: api, alertmanager or mcp.")
    status: IncidentStatus = Field(description="pending, investigating, completed or failed.")
    step: str | None = Field(description="The step running now (extract, collect, correlate, report).")
    error: str | None = Field(description="Why the investigation failed, when it did.")
    created_at: datetime
    updated_at: datetime
    category: str | None = Field(description="Root-cause category, e.g. insufficient_memory, or unknown.")
    suggested_root_cause: str | None
    confidence_score: ConfidenceScore | None
    confidence: float | None = Field(ge=0, le=1)
    target: str | None = Field(description="What was investigated, e.g. 'pod shop/auth-service-7d9f'.")
    summary: str | None
    next_steps: list[str]
    findings: list[FindingSummary] = Field(description=f"The top {TOP_FINDINGS} findings, most likely first.")

    @classmethod
    def of(cls, incident: Incident) -> IncidentSummary:
        report, evidence = incident.report, incident.evidence
        return cls(
            **incident.model_dump(include=set(_HEADER)),
            uri=incident_uri(incident.incident_id),
            category=report.category if report else None,
            suggested_root_cause=incident.suggested_root_cause,
            confidence_score=incident.confidence_score,
            confidence=incident.confidence,
            target=evidence.target if evidence else None,
            summary=report.summary if report else None,
            next_steps=report.next_steps[:MAX_NEXT_STEPS] if report else [],
            findings=[_finding(f) for f in (incident.findings or [])[:TOP_FINDINGS]],
        )


_HEADER = (
    "incident_id",
    "description",
    "description_redactions",
    "namespace",
    "pod",
    "cluster",
    "source",
    "status",
    "step",
    "error",
    "created_at",
    "updated_at",
)


def _finding(finding: Finding) -> FindingSummary:
    return FindingSummary.model_validate(finding.model_dump(include=set(FindingSummary.model_fields)))


class IncidentBrief(BaseModel):
    """One line of the incident list."""

    incident_id: str
    uri: str
    description: str = Field(description=f"The first {MAX_LISTED_DESCRIPTION} characters of the description.")
    namespace: str | None
    pod: str | None
    status: IncidentStatus
    step: str | None
    category: str | None
    confidence_score: ConfidenceScore | None
    created_at: datetime
    updated_at: datetime


class IncidentPage(BaseModel):
    """Incidents, newest first."""

    incidents: list[IncidentBrief]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")

    @classmethod
    def of(cls, page: IncidentList) -> IncidentPage:
        return cls(
            incidents=[
                IncidentBrief(
                    **incident.model_dump(
                        include={"incident_id", "namespace", "pod", "status", "step", "created_at", "updated_at"}
                    ),
                    uri=incident_uri(incident.incident_id),
                    description=incident.description[:MAX_LISTED_DESCRIPTION],
                    category=incident.report.category if incident.report else None,
                    confidence_score=incident.confidence_score,
                )
                for incident in page.items
            ],
            next_cursor=page.next_cursor,
        )
