"""Causes before consequences: findings that another finding of the same investigation explains.

Contract: `explain(findings)` returns the same findings, each consequence marked with
`consequence_of` (the rule id of its cause), its confidence as a root cause capped below
"medium" and listed after every cause, so a consequence never outranks what explains it and is
never offered as a competing root cause. What explains what is SRE knowledge that holds in any
cluster, kept as data in `knowledge/consequences.yaml` (checked at load), e.g.:
- a container that cannot run (killed for memory, crashing, unable to start, misconfigured)
  cannot answer its readiness probe, and the kubelet backs off restarting it;
- an application whose dependency is unreachable reports itself not ready;
- a container OOMKilled does not answer its liveness probe while it restarts;
- a container that exits non-zero (a generic crash) does so for the specific reason another
  finding names: its configuration, a dependency, DNS, a permission, a command that cannot run,
  or the kubelet killing it for a failed liveness probe (exit 143);
- a pod evicted for memory is the victim of the unlimited neighbour that filled the node.
Nothing is dropped: a consequence stays in the report, under its cause.
"""

from __future__ import annotations

from knowledge.consequence_rules import explains, load_consequences
from knowledge.findings import Finding, confidence_score

CONSEQUENCE_CONFIDENCE = 0.4  # as a root cause: below "medium", it is explained by another finding
# Loaded with the module, so a broken file stops startup rather than an investigation.
CONSEQUENCES = load_consequences()


def explain(findings: list[Finding]) -> list[Finding]:
    causes: list[Finding] = []
    consequences: list[Finding] = []
    for finding in findings:
        explainers = CONSEQUENCES.explainers(finding)
        cause = next(
            (f for f in findings if f is not finding and explains(explainers, f) and f.confidence >= 0.5), None
        )
        if cause is None:
            causes.append(finding)
            continue
        consequences.append(as_consequence(finding, cause))
    return [*causes, *consequences]


def as_consequence(finding: Finding, cause: Finding) -> Finding:
    """The finding marked as explained by `cause`: capped below medium, titled after its cause."""
    confidence = min(finding.confidence, CONSEQUENCE_CONFIDENCE)
    return finding.model_copy(
        update={
            "consequence_of": cause.rule_id,
            "confidence": confidence,
            "confidence_score": confidence_score(confidence),
            "title": f"{finding.title} (consequence of: {cause.title.lower()})",
        }
    )
