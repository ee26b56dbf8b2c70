"""What flows through the investigation graph, and what it leaves behind.

State values are plain JSON (models dumped with `model_dump(mode="json")`) so the LangGraph
checkpointer can persist every step and a restarted process resumes where the last one stopped.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, Field

from graphs.analysis import Analysis
from graphs.llm import LLMUsage
from knowledge.rules import Finding

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


class InvestigationState(TypedDict, total=False):
    incident_id: str
    description: str
    namespace: str | None
    pod: str | None
    cluster: str | None  # a configured cluster's name; None: the default cluster
    extracted: dict[str, Any]
    evidence: dict[str, Any]
    facts: dict[str, Any]
    findings: list[dict[str, Any]]
    rule_errors: list[str]
    catalog: list[dict[str, Any]]
    result: dict[str, Any]
    tool_calls: Annotated[int, operator.add]
    llm_calls: Annotated[list[dict[str, Any]], operator.add]


__all__ = ["DependencyState", "EvidenceItem", "Extracted", "Finding", "InvestigationState", "Report"]
