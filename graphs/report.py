"""Step 4: the report. The top finding becomes the suggested root cause; nothing found means `unknown`.

When no rule fits, the answer says so with the evidence gathered: a low-confidence `unknown`
is worth more at 3 a.m. than a confident wrong answer.
"""

from __future__ import annotations

from typing import Any

from graphs.state import Extracted, Report
from knowledge.graph import KnowledgeGraph
from knowledge.rules import Evaluation, Finding

UNKNOWN_CONFIDENCE = 0.2


def _target(extracted: Extracted) -> str:
    if extracted.pod:
        return f"pod {extracted.namespace}/{extracted.pod}"
    if extracted.workload:
        return f"{extracted.workload_kind} {extracted.namespace}/{extracted.workload}"
    return "no resolved target"


def _next_steps(top: Finding | None, extracted: Extracted, graph: KnowledgeGraph, others: list[Finding]) -> list[str]:
    steps = [top.remediation] if top else ["No rule matched: read the evidence below, starting with warnings and logs."]
    steps += [f"Also check: {finding.title.lower()} ({finding.root_cause})" for finding in others[:2]]
    component = graph.component(extracted.component) if extracted.component else None
    if component and component.runbook:
        steps.append(f"Runbook for {component.name}: {component.runbook}")
    if extracted.pod:
        steps.append(f"kubectl describe pod -n {extracted.namespace} {extracted.pod}")
        steps.append(f"kubectl logs -n {extracted.namespace} {extracted.pod} --all-containers --previous")
    elif extracted.workload:
        steps.append(
            f"kubectl describe {str(extracted.workload_kind).lower()} -n {extracted.namespace} {extracted.workload}"
        )
    return steps


def build_result(
    extracted: Extracted,
    evaluation: Evaluation,
    evidence: dict[str, Any],
    catalog: list[dict[str, Any]],
    graph: KnowledgeGraph,
    tool_calls: int,
) -> dict[str, Any]:
    findings = evaluation.findings
    top = findings[0] if findings else None
    target = _target(extracted)
    if top:
        summary = f"{target}: {top.title}. {top.root_cause}"
        root_cause, confidence, score, category = top.root_cause, top.confidence, top.confidence_score, top.category
    else:
        summary = (
            f"{target}: no rule explains the evidence collected ({len(catalog)} items); "
            "the root cause is unknown. " + extracted.resolution
        )
        root_cause, confidence, score, category = (
            "Unknown: no rule matched the evidence.",
            UNKNOWN_CONFIDENCE,
            "low",
            "unknown",
        )
    path: list[str] = []
    if top and top.dependency and extracted.component:
        path = graph.dependency_path(extracted.component, top.dependency) or []
    report = Report(
        category=category,
        summary=summary,
        next_steps=_next_steps(top, extracted, graph, findings[1:]),
        dependency_path=path,
        rule_errors=evaluation.errors,
        notes=list(evidence.get("notes", [])) + list((evidence.get("diagnosis") or {}).get("notes", [])),
        tool_calls=tool_calls,
    )
    return {
        "extracted": extracted.model_dump(mode="json"),
        "extraction_method": extracted.method,
        "evidence": {
            "target": target,
            "items": catalog,
            "diagnosis": evidence.get("diagnosis"),
            "workload": evidence.get("workload"),
            "dependencies": evidence.get("dependencies", []),
        },
        "suggested_root_cause": root_cause,
        "confidence_score": score,
        "confidence": confidence,
        "findings": [f.model_dump(mode="json") for f in findings],
        "report": report.model_dump(mode="json"),
    }
