"""What a rule concludes: a Finding (category, root cause, confidence, the evidence it cites).

Plain pydantic without the rule engine's imports, so that reports can be read anywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Category = Literal[
    "insufficient_memory",
    "insufficient_cluster_resources",
    "unschedulable_constraints",
    "image_pull_failure",
    "missing_config",
    "configuration_error",
    "application_crash",
    "container_command_failure",
    "liveness_probe_failure",
    "readiness_probe_failure",
    "dependency_unreachable",
    "dns_resolution_failure",
    "volume_failure",
    "node_failure",
    "eviction",
    "resource_quota_exceeded",
    "permission_denied",
    "init_container_failure",
    "unknown",
]


class Finding(BaseModel):
    rule_id: str
    category: Category
    title: str
    root_cause: str
    confidence: float
    confidence_score: Literal["high", "medium", "low"]
    evidence: list[str]
    remediation: str
    dependency: str | None = None
    corroborated_by: list[str] = Field(default_factory=list)
    culprit: str | None = Field(
        None, description="'namespace/pod' of another pod that causes this (a neighbour that filled the node)."
    )
    consequence_of: str | None = Field(
        None, description="The rule id of the finding that explains this one; it is a symptom, not a root cause."
    )


class Evaluation(BaseModel):
    findings: list[Finding]
    errors: list[str] = Field(default_factory=list, description="Rules that failed on these facts.")


def confidence_score(confidence: float) -> Literal["high", "medium", "low"]:
    if confidence >= 0.8:
        return "high"
    return "medium" if confidence >= 0.5 else "low"
