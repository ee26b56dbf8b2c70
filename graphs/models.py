"""The investigation's documents: what the graph leaves behind and the orchestrator stores and shows.

Plain pydantic models, importable without LangGraph, LangChain or the MCP SDK, so that the
REST API, the web UI, the CLI and the workflow MCP server read a report as typed data. The
JSON they produce is the incident document's `extracted`, `evidence`, `findings` and `report`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field

from knowledge.findings import Category, Finding
from mcp_servers.kubernetes.history_models import FieldChange, RolloutHistory
from mcp_servers.kubernetes.models import EventInfo, PodDiagnosis, ServiceDetail, WorkloadDetail

Step = Literal["extract", "collect", "correlate", "report"]
STEPS: tuple[Step, ...] = get_args(Step)
OnStep = Callable[[str], Awaitable[None]]
"""Told the name of each step as it starts (and, by the runner, 'completed' or 'failed')."""
Purpose = Literal["extraction", "analysis"]
LLMStatus = Literal["not_configured", "used", "partly_used", "unavailable"]
HYPOTHESIS_CONFIDENCE = 0.2

ExtractionMethod = Literal["deterministic", "llm", "llm_fallback_deterministic"]


class Extracted(BaseModel):
    """What the description is about, as read from the text and confirmed against the cluster."""

    method: ExtractionMethod = "deterministic"
    namespace: str | None = None
    pod: str | None = None
    workload: str | None = Field(None, description="Deployment/StatefulSet/... named, when no pod was resolved.")
    workload_kind: str | None = None
    component: str | None = Field(None, description="Knowledge-graph component the target belongs to.")
    symptoms: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list, description="Names read from the description.")
    resolution: str = Field("", description="How the target was chosen, for the reader.")
    summary: str | None = Field(None, description="The problem in one sentence, as the LLM read it.")
    llm_error: str | None = Field(None, description="Why the LLM's reading was not used, when it was not.")
    llm_candidates: list[str] = Field(
        default_factory=list, description="Components or workloads the LLM reads the ticket as implying (triage)."
    )


class EvidenceItem(BaseModel):
    id: str
    kind: str
    summary: str


class DependencyState(BaseModel):
    name: str
    type: str
    namespace: str | None = None
    healthy: bool | None = Field(None, description="None when its state could not be read.")
    ready_endpoints: int | None = None
    not_ready_endpoints: int | None = None
    pods: list[dict[str, Any]] = Field(default_factory=list)
    summary: str
    addresses: list[str] = Field(default_factory=list, description="Its Service's ClusterIP and endpoint IPs.")
    named_by: str | None = Field(None, description="The address in the logs that named it, when the graph does not.")


class SweptProblem(BaseModel):
    """One problem of the sweep, with how it relates to the ticket."""

    severity: str
    kind: str
    namespace: str | None = None
    name: str
    reason: str
    why: str
    since: str | None = None
    component: str | None = Field(None, description="Its knowledge-graph component, when one is known.")
    relevance: int = Field(0, description="How closely it relates to the ticket; 0: only by being in the scope.")
    relation: str = Field("", description="Why it is relevant, for the reader.")
    source: Literal["sweep", "llm"] = Field("sweep", description="'llm': a name the LLM suggested refers to it.")


class Triage(BaseModel):
    """How the culprit was looked for when the ticket named no workload (symptom-first triage)."""

    scope: list[str] | None = Field(description="The namespaces swept; None for every namespace readable.")
    scope_reason: str
    components: list[str] = Field(default_factory=list, description="Components the ticket's words describe.")
    problems: list[SweptProblem] = Field(default_factory=list, description="What was unhealthy, most relevant first.")
    investigated: list[str] = Field(default_factory=list, description="Each candidate investigated and its outcome.")
    culprit: str | None = Field(None, description="The candidate whose finding explains the symptom.")
    culprit_relevance: int | None = Field(
        None, description="How the ticket relates to the culprit; 0: only by being in the scope (confidence capped)."
    )
    path: list[str] = Field(default_factory=list, description="From what users see to the culprit.")
    consequences: list[str] = Field(default_factory=list, description="Candidates explained by the culprit.")
    notes: list[str] = Field(default_factory=list, description="What was not used and why (LLM suggestions).")


class Report(BaseModel):
    category: str
    summary: str
    next_steps: list[str]
    dependency_path: list[str] = Field(default_factory=list)
    rule_errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    tool_calls: int = 0
    analysis: Analysis | None = Field(None, description="The LLM's narrative, when an LLM is configured.")
    llm: LLMUsage = Field(default_factory=lambda: LLMUsage(status="not_configured"))
    changes: list[ChangeRecord] = Field(default_factory=list, description="What changed: the owner's revisions.")
    timeline: list[TimelineEntry] = Field(default_factory=list, description="Events and changes, oldest first.")
    triage: Triage | None = Field(None, description="How the culprit was found when the ticket named none.")


class ChangeRecord(BaseModel):
    """One revision of the target's workload and what it changed in the pod template (graphs/changes.py)."""

    id: str = Field(description="The evidence id, change:<kind>/<name>:<revision>.")
    kind: str
    namespace: str
    name: str
    revision: int
    previous_revision: int
    at: str | None = None
    change_cause: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    seconds_before_first_failure: int | None = Field(None, description="Positive: the change came first.")
    previous_healthy: bool | None = Field(None, description="The previous revision's pods are all ready.")
    cited: bool = Field(False, description="A finding cites this change.")


class TimelineEntry(BaseModel):
    at: str | None = None
    source: Literal["event", "change", "onset"]
    text: str
    evidence: str | None = None


class LLMCall(BaseModel):
    """One structured call as the report and the metrics see it."""

    purpose: Purpose
    ok: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    latency_seconds: float = 0.0
    error: str | None = None


class LLMUsage(BaseModel):
    """What an investigation asked of the LLM: the report's `llm` section (and the metrics' source)."""

    status: LLMStatus
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_seconds: float = 0.0
    details: list[LLMCall] = []

    @classmethod
    def of(cls, calls: list[LLMCall], configured: bool) -> LLMUsage:
        if not configured:
            return cls(status="not_configured")
        usable = sum(call.ok for call in calls)
        status = "used" if calls and usable == len(calls) else "partly_used" if usable else "unavailable"
        return cls(
            status=status,
            calls=len(calls),
            input_tokens=sum(call.input_tokens for call in calls),
            output_tokens=sum(call.output_tokens for call in calls),
            latency_seconds=round(sum(call.latency_seconds for call in calls), 4),
            details=calls,
        )

    def notes(self) -> list[str]:
        """What the reader must know: which LLM answers were not used, and why."""
        notes = [f"LLM {call.purpose} not used: {call.error}." for call in self.details if not call.ok]
        if self.status == "unavailable":
            notes.append("The LLM was unavailable: this report comes from the rules alone.")
        return notes


class Hypothesis(BaseModel):
    text: str
    category: Category
    confidence: float = HYPOTHESIS_CONFIDENCE
    confidence_score: Literal["low"] = "low"
    source: Literal["llm"] = "llm"


class Analysis(BaseModel):
    """The LLM's part of the report: a checked narrative, or why there is none."""

    status: Literal["used", "refused", "unavailable"]
    narrative: str | None = None
    cited_evidence: list[str] = Field(default_factory=list)
    hypothesis: Hypothesis | None = None
    error: str | None = None
    evidence_sent: int = 0
    evidence_left_out: int = Field(0, description="Evidence items cut to keep the prompt within its token budget.")
    evidence_addressing_a_model: list[str] = Field(
        default_factory=list, description="Evidence whose text reads like instructions to an AI model."
    )


class ServiceState(ServiceDetail):
    """The target's own Service and how many pods its selector finds (none: a selector mismatch)."""

    matching_pods: int


class NodeNeighbour(BaseModel):
    """A heavy pod on the node that evicted the target, from the metrics API and its spec."""

    namespace: str
    name: str
    node: str
    workload: str | None = Field(None, description="Its top owner workload, as kind/name.")
    memory_bytes: int = Field(description="Memory in use now (metrics.k8s.io).")
    memory_request_bytes: int = Field(description="Sum of its containers' memory requests; 0 for none.")
    memory_limited: bool = Field(description="Every container has a memory limit.")


class CollectedEvidence(BaseModel):
    """What collect gathered, carried to correlate and report (as JSON in the checkpoint)."""

    diagnosis: PodDiagnosis | None = None
    workload: WorkloadDetail | None = None
    workload_events: list[EventInfo] = Field(default_factory=list)
    service: ServiceState | None = None
    dependencies: list[DependencyState] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    rollout_history: RolloutHistory | None = None
    neighbours: list[NodeNeighbour] = Field(
        default_factory=list, description="Heavy pods on the node, when the target was evicted for memory."
    )


class Evidence(BaseModel):
    """Everything observed: the catalogue of items (cited ones first) and the raw parts behind it."""

    target: str
    items: list[EvidenceItem] = Field(default_factory=list)
    diagnosis: PodDiagnosis | None = None
    workload: WorkloadDetail | None = None
    dependencies: list[DependencyState] = Field(default_factory=list)


class InvestigationResult(BaseModel):
    """What an investigation adds to its incident."""

    extracted: Extracted
    extraction_method: str
    evidence: Evidence
    suggested_root_cause: str
    confidence_score: Literal["high", "medium", "low"]
    confidence: float = Field(ge=0, le=1)
    findings: list[Finding]
    report: Report
