"""Causes before consequences: findings that another finding of the same investigation explains.

Contract: `explain(findings)` returns the same findings, each consequence marked with
`consequence_of` (the rule id of its cause), its confidence as a root cause capped below
"medium" and listed after every cause, so a consequence never outranks what explains it and is
never offered as a competing root cause. What explains what is SRE knowledge that holds in any
cluster:
- a container that cannot run (killed for memory, crashing, unable to start, misconfigured)
  cannot answer its readiness probe, and the kubelet backs off restarting it;
- an application whose dependency is unreachable reports itself not ready;
- a container OOMKilled does not answer its liveness probe while it restarts;
- a container that exits non-zero (a generic crash) does so for the specific reason another
  finding names: its configuration, a dependency, DNS, a permission, a command that cannot run,
  or the kubelet killing it for a failed liveness probe (exit 143).
Nothing is dropped: a consequence stays in the report, under its cause.
"""

from __future__ import annotations

from knowledge.findings import Finding, confidence_score

CONSEQUENCE_CONFIDENCE = 0.4  # as a root cause: below "medium", it is explained by another finding

_CANNOT_RUN = frozenset(
    {
        "insufficient_memory",
        "application_crash",
        "container_command_failure",
        "configuration_error",
        "missing_config",
        "init_container_failure",
    }
)
# consequence category -> the categories that explain it
_EXPLAINED_BY: dict[str, frozenset[str]] = {
    "readiness_probe_failure": _CANNOT_RUN | {"dependency_unreachable", "dns_resolution_failure"},
    "liveness_probe_failure": frozenset({"insufficient_memory"}),
    # "It exits non-zero" is what any specific reason for exiting looks like from outside.
    "application_crash": frozenset(
        {
            "insufficient_memory",
            "container_command_failure",
            "configuration_error",
            "missing_config",
            "dependency_unreachable",
            "dns_resolution_failure",
            "permission_denied",
            "liveness_probe_failure",
        }
    ),
}


def explain(findings: list[Finding]) -> list[Finding]:
    causes: list[Finding] = []
    consequences: list[Finding] = []
    for finding in findings:
        explained_by = _EXPLAINED_BY.get(finding.category, frozenset())
        cause = next((f for f in findings if f.category in explained_by and f.confidence >= 0.5), None)
        if cause is None:
            causes.append(finding)
            continue
        confidence = min(finding.confidence, CONSEQUENCE_CONFIDENCE)
        consequences.append(
            finding.model_copy(
                update={
                    "consequence_of": cause.rule_id,
                    "confidence": confidence,
                    "confidence_score": confidence_score(confidence),
                    "title": f"{finding.title} (consequence of: {cause.title.lower()})",
                }
            )
        )
    return [*causes, *consequences]
