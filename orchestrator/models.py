"""The incident documents every face speaks: what a client sends, what it gets back, and how errors look.

The investigation's part (extracted, evidence, findings, report) is typed by graphs.models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from common import kubernetes_names
from common.redaction import redact_text
from graphs.models import Evidence, Extracted, Report
from knowledge.findings import Category, Finding

IncidentStatus = Literal["pending", "investigating", "completed", "failed"]
IncidentSource = Literal["api", "alertmanager", "mcp"]
AlertStatus = Literal["firing", "resolved"]
ConfidenceScore = Literal["high", "medium", "low"]

# Kubernetes names: namespaces are DNS-1123 labels, pods DNS-1123 subdomains.
DNS_LABEL = f"^{kubernetes_names.DNS_LABEL}$"
DNS_SUBDOMAIN = f"^{kubernetes_names.DNS_SUBDOMAIN}$"
# Cluster names as kubeconfig contexts and cloud consoles write them, e.g. 'prod-eu' or 'gke_shop_eu'.
CLUSTER_NAME = r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
# Names the cluster `SRE_MCP_URL` (or the in-process server) reads, wherever a cluster is asked for.
DEFAULT_CLUSTER = "default"
# Said instead of "String should match pattern '^[a-z0-9]...'", which helps nobody.
PATTERN_MESSAGES = {
    DNS_LABEL: "must be a Kubernetes namespace name: lowercase letters, digits and '-', "
    "starting and ending with a letter or digit",
    DNS_SUBDOMAIN: "must be a Kubernetes pod name: lowercase letters, digits, '-' and '.', "
    "starting and ending with a letter or digit",
    CLUSTER_NAME: "must be a cluster name: letters, digits, '-', '_' and '.', "
    "starting and ending with a letter or digit",
}


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text, SQLite keeps it: refused on both, the same answer either way.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\u0000)")
    return value


Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), AfterValidator(_no_nul)
]
NamespaceName = Annotated[str, StringConstraints(max_length=63, pattern=DNS_LABEL)]
PodName = Annotated[str, StringConstraints(max_length=253, pattern=DNS_SUBDOMAIN)]
ClusterName = Annotated[str, StringConstraints(max_length=63, pattern=CLUSTER_NAME)]


class IncidentRequest(BaseModel):
    """The body of `POST /api/v1/incidents`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"description": "Pod 'auth-service-7d9f' is in CrashLoopBackOff"}]},
    )

    # Stripped, then at least one character: the document says so as "has a non-blank character".
    description: Description = Field(
        description="The incident as a person would write it.", json_schema_extra={"pattern": r"\S"}
    )
    namespace: NamespaceName | None = Field(None, description="Namespace to look in, when known.")
    pod: PodName | None = Field(None, description="Name (or prefix) of the pod concerned, when known.")
    cluster: ClusterName | None = Field(
        None,
        description=f"One of the server's clusters (SRE_CLUSTERS); omitted or '{DEFAULT_CLUSTER}': the default one.",
    )

    def redacted(self) -> tuple[IncidentRequest, int]:
        """This request with each secret in its description replaced by [REDACTED], and how many were.

        What is stored, shown and investigated: a password pasted into a ticket stays out of the
        database, the pages, the notifications and the LLM's prompt alike.
        """
        description, count = redact_text(self.description)
        return (self.model_copy(update={"description": description}) if count else self), count


class AlertRecord(BaseModel):
    """One Alertmanager alert of an incident's group, as its latest notification said."""

    fingerprint: str
    alertname: str | None = None
    status: AlertStatus
    starts_at: datetime
    ends_at: datetime | None = Field(None, description="When it resolved (or will, if Alertmanager set an end).")


class RelatedIncident(BaseModel):
    """An earlier incident of the same cluster with the same culprit and category (seen before)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    incident_id: str
    created_at: datetime
    culprit: str = Field(description="'component:NAME' (knowledge graph) or 'workload:NAMESPACE/NAME'.")
    category: str
    suggested_root_cause: str | None = None
    verdict: Literal["confirmed", "rejected"] | None = Field(
        None, description="The feedback on its verdict when this incident completed; null: none yet."
    )
    feedback_author: str | None = None


class IncidentResult(BaseModel):
    """What an investigation adds to its incident (graphs.models.InvestigationResult); null until it completes."""

    # Every field is in every answer (null when unset), so the schema marks them all required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    extracted: Extracted | None = Field(None, description="What the incident is about: pod, namespace, ...")
    extraction_method: str | None = Field(None, description="How it was extracted, e.g. 'llm' or 'deterministic'.")
    evidence: Evidence | None = Field(None, description="The evidence collected from the cluster.")
    suggested_root_cause: str | None = None
    confidence_score: ConfidenceScore | None = None
    confidence: float | None = Field(None, ge=0, le=1)
    findings: list[Finding] | None = Field(None, description="Ranked findings, most likely first.")
    report: Report | None = None
    related_incidents: list[RelatedIncident] | None = Field(
        None,
        description="Earlier incidents of the same cluster, culprit and category within the seen-before window "
        "(SRE_SEEN_BEFORE_DAYS), newest first, with their feedback as of this one's completion.",
    )


class IncidentHeader(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    incident_id: str
    description: str = Field(description="The incident as reported, each secret in it replaced by [REDACTED].")
    namespace: str | None = None
    pod: str | None = None
    cluster: str | None = Field(None, description="The cluster investigated; null: the default one.")
    source: IncidentSource = Field("api", description="Where it was reported: the REST API, Alertmanager or MCP.")
    status: IncidentStatus
    step: str | None = Field(None, description="The investigation step running now, while investigating.")
    created_at: datetime
    updated_at: datetime
    error: str | None = Field(None, description="Why the investigation failed, when it did.")
    alerts: list[AlertRecord] | None = Field(
        None, description="Alertmanager incidents: the alerts of the group, each as last notified."
    )
    resolved_at: datetime | None = Field(
        None, description="Alertmanager incidents: when the last alert of the group resolved."
    )
    description_redactions: int = Field(
        0, ge=0, description="How many secrets were replaced by [REDACTED] in the description before it was stored."
    )


class NotificationState(BaseModel):
    """Where a finished incident's notification to one target stands."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    target: str = Field(description="'webhook' or 'slack'.")
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None = Field(None, description="Why the last attempt failed, if it did.")


# Pydantic lays out fields from the last base to the first, so the header comes first in the JSON.
class Incident(IncidentResult, IncidentHeader):
    """An incident and, once investigated, its findings."""

    notifications: list[NotificationState] | None = Field(
        None, description="Finished incidents: each notification target and how its delivery went (SRE_NOTIFY_*)."
    )


class IncidentList(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    items: list[Incident]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")


class ListQuery(BaseModel):
    """The query of `GET /api/v1/incidents`."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100, description="How many incidents per page.")
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    status: IncidentStatus | None = Field(None, description="Only incidents with this status.")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. 'description'.")
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to change.")
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldError] | None = Field(None, description="Each invalid field and why (422 only).")


# --- After the verdict: feedback on it, and how often each rule was right ---

Verdict = Literal["confirmed", "rejected"]
ComponentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class FeedbackRequest(BaseModel):
    """The body of `POST /api/v1/incidents/{id}/feedback`: was the suggested root cause right?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"verdict": "rejected", "actual_category": "dns_resolution_failure"}]},
    )

    verdict: Verdict = Field(description="'confirmed': the suggested root cause was right; 'rejected': it was not.")
    actual_category: Category | None = Field(None, description="What the cause really was, when rejected.")
    actual_component: ComponentName | None = Field(None, description="The workload or component really at fault.")
    comment: Comment | None = Field(None, description="Anything a later reader should know.")


class Feedback(FeedbackRequest):
    """Feedback as recorded: one per incident, the latest replacing any earlier one."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    incident_id: str
    author: str | None = Field(None, description="The name of the API token used, when tokens are named.")
    created_at: datetime


class VerdictStats(BaseModel):
    """How often the verdicts of one rule (or category) were confirmed."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    name: str = Field(description="The rule id, or the category.")
    findings: int = Field(description="Completed incidents whose suggested root cause it gave.")
    confirmed: int
    rejected: int
    precision: float | None = Field(description="confirmed / (confirmed + rejected); null without feedback.")


class RuleStats(BaseModel):
    """`GET /api/v1/stats/rules`: per rule and per category, findings and their feedback."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    rules: list[VerdictStats]
    categories: list[VerdictStats]
