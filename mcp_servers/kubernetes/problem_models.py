"""What `find_problems` returns: everything unhealthy in a scope, most severe first.

Severity is general SRE triage order, the same for every cluster:
- critical: nothing serves (a workload with no available replica, a Service with no ready
  endpoint while pods exist for it, a NotReady node);
- high: something is failing now (crash loops, image pulls, unschedulable pods, stalled or
  partly unavailable rollouts, failed Jobs, Pending claims, node pressure, a Service whose
  selector matches no workload);
- medium: degraded or at risk (pods running but not ready or stuck starting, recent restarts,
  evictions, failing Job pods, serious warning events, Services whose only backends are scaled
  to zero);
- low: worth a look (cordoned nodes, other warning events).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mcp_servers.kubernetes.models import ObjectRef

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")


class Problem(BaseModel):
    severity: Severity
    kind: str = Field(description="Kind of the object, e.g. Pod, Deployment, Service, Node, Event.")
    namespace: str | None = None
    name: str = Field(description="The object; for pods grouped by owner and reason, the first of them.")
    owner: ObjectRef | None = Field(None, description="The top workload (Deployment, StatefulSet, CronJob...).")
    reason: str = Field(description="Short reason, e.g. CrashLoopBackOff, Unschedulable, NoReadyEndpoints.")
    why: str = Field(description="One line a person can act on; secrets redacted.")
    since: str | None = Field(None, description="When it started or was last seen, when known.")
    count: int = Field(1, description="Pods with this reason under this owner, or occurrences of an event.")
    objects: list[str] = Field(default_factory=list, description="Some of the pods or objects concerned.")


class ProblemReport(BaseModel):
    namespaces: list[str] | None = Field(description="The namespaces covered; None for the whole cluster.")
    problems: list[Problem] = Field(description="Most severe first.")
    counts: dict[str, int] = Field(description="Problems found per severity, before the limit.")
    checked: dict[str, int] = Field(description="Objects read per kind.")
    judged_at: str | None = Field(None, description="The newest time seen in the data; 'recent' is relative to it.")
    notes: list[str] = Field(default_factory=list, description="What could not be read and why.")
    truncated: bool = Field(description="True when problems or objects were cut to respect the bounds.")
