"""Step 4: the report. The top finding becomes the suggested root cause; nothing found means `unknown`.

When no rule fits, the answer says so with the evidence gathered: a low-confidence `unknown`
is worth more at 3 a.m. than a confident wrong answer.
"""

from __future__ import annotations

from typing import Any, Literal

from graphs import changes
from graphs.models import (
    Analysis,
    CollectedEvidence,
    Evidence,
    EvidenceItem,
    Extracted,
    InvestigationResult,
    LLMUsage,
    Report,
    Triage,
)
from knowledge.findings import Evaluation, Finding, confidence_score
from knowledge.graph import KnowledgeGraph

UNKNOWN_CONFIDENCE = 0.2
UNRELATED_CULPRIT_CONFIDENCE = 0.6


def _target(extracted: Extracted) -> str:
    if extracted.pod:
        return f"pod {extracted.namespace}/{extracted.pod}"
    if extracted.workload:
        return f"{extracted.workload_kind} {extracted.namespace}/{extracted.workload}"
    return "no resolved target"


def _next_steps(
    top: Finding | None, extracted: Extracted, knowledge: KnowledgeGraph, others: list[Finding]
) -> list[str]:
    steps = [top.remediation] if top else ["No rule matched: read the evidence below, starting with warnings and logs."]
    steps += [f"Also check: {finding.title.lower()} ({finding.root_cause})" for finding in others[:2]]
    component = knowledge.component(extracted.component) if extracted.component else None
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


def _llm_notes(analysis: Analysis | None, llm: LLMUsage | None) -> list[str]:
    notes = llm.notes() if llm else []
    if analysis and analysis.evidence_addressing_a_model:
        notes.append(
            "Evidence that reads like instructions to an AI model was treated as data, not obeyed: "
            + ", ".join(analysis.evidence_addressing_a_model)
        )
    if analysis and analysis.evidence_left_out:
        notes.append(f"{analysis.evidence_left_out} evidence items were left out of the LLM's prompt (token budget).")
    return notes


def _verdict(
    top: Finding | None, target: str, observed: int, extracted: Extracted
) -> tuple[str, tuple[str, float, Literal["high", "medium", "low"], str]]:
    """The summary, and the root cause, confidence, score and category: the top finding's, else unknown."""
    if top:
        return f"{target}: {top.title}. {top.root_cause}", (
            top.root_cause,
            top.confidence,
            top.confidence_score,
            top.category,
        )
    summary = (
        f"{target}: no rule explains the evidence collected ({observed} items); "
        "the root cause is unknown. " + extracted.resolution
    )
    return summary, ("Unknown: no rule matched the evidence.", UNKNOWN_CONFIDENCE, "low", "unknown")


def _triage_sentence(triage: Triage) -> str:
    where = ", ".join(triage.scope) if triage.scope else "every readable namespace"
    found = f"{len(triage.problems)} problem{'s' if len(triage.problems) != 1 else ''}"
    sentence = f"Symptom-first triage swept {where} ({triage.scope_reason}) and found {found}"
    if triage.culprit:
        sentence += f"; the culprit is {triage.culprit}"
        if len(triage.path) > 1:
            sentence += f" ({' -> '.join(triage.path)})"
    return sentence + "."


def _sweep_items(triage: Triage) -> list[dict[str, Any]]:
    """The sweep is evidence too: what was unhealthy in the scope, or that nothing was."""
    where = ", ".join(triage.scope) if triage.scope else "all readable namespaces"
    if not triage.problems:
        return [{"id": "sweep:none", "kind": "sweep", "summary": f"find_problems over {where}: nothing unhealthy"}]
    return [
        {
            "id": f"sweep:{p.kind}/{p.namespace}/{p.name}",
            "kind": "sweep",
            "summary": f"{p.severity} {p.kind} {p.namespace}/{p.name}: {p.reason}: {p.why} ({p.relation})",
        }
        for p in triage.problems[:10]
    ]


def _capped_when_unrelated(
    triage: Triage | None, summary: str, confidence: float, score: Literal["high", "medium", "low"]
) -> tuple[str, float, Literal["high", "medium", "low"]]:
    """Something is broken, but nothing in the ticket points at it: a plausible lead, not a verdict."""
    if triage is None or triage.culprit_relevance != 0 or confidence <= UNRELATED_CULPRIT_CONFIDENCE:
        return summary, confidence, score
    summary += " Nothing in the ticket points at this workload beyond the scope swept: confidence capped."
    return summary, UNRELATED_CULPRIT_CONFIDENCE, confidence_score(UNRELATED_CULPRIT_CONFIDENCE)


def build_result(
    extracted: Extracted,
    evaluation: Evaluation,
    evidence: CollectedEvidence,
    catalog: list[dict[str, Any]],
    knowledge: KnowledgeGraph,
    tool_calls: int,
    analysis: Analysis | None = None,
    llm: LLMUsage | None = None,
    triage: Triage | None = None,
) -> InvestigationResult:
    findings = evaluation.findings
    top = findings[0] if findings else None
    target = _target(extracted)
    summary, (root_cause, confidence, score, category) = _verdict(top, target, len(catalog), extracted)
    summary, confidence, score = _capped_when_unrelated(triage, summary, confidence, score)
    hypothesis = analysis.hypothesis if analysis else None
    if hypothesis is not None:
        summary += f" An LLM's hypothesis, not confirmed by any rule (low confidence): {hypothesis.text}"
    path: list[str] = []
    if top and top.dependency and extracted.component:
        path = knowledge.dependency_path(extracted.component, top.dependency) or []
    records = changes.change_records(evidence, {item_id for f in findings for item_id in f.evidence})
    next_steps = _next_steps(top, extracted, knowledge, findings[1:])
    if top and (rollback := changes.rollback_step(records, top.evidence)):
        next_steps.insert(1, rollback)
    if triage is not None:
        summary += " " + _triage_sentence(triage)
        catalog = [*catalog, *_sweep_items(triage)]
    report = Report(
        category=category,
        summary=summary,
        next_steps=next_steps,
        dependency_path=path,
        rule_errors=evaluation.errors,
        notes=[*evidence.notes, *(evidence.diagnosis.notes if evidence.diagnosis else []), *_llm_notes(analysis, llm)],
        tool_calls=tool_calls,
        analysis=analysis,
        llm=llm or LLMUsage(status="not_configured"),
        changes=records,
        timeline=changes.timeline(evidence, records),
        triage=triage,
    )
    return InvestigationResult(
        extracted=extracted,
        extraction_method=extracted.method,
        evidence=Evidence(
            target=target,
            items=[EvidenceItem.model_validate(item) for item in catalog],
            diagnosis=evidence.diagnosis,
            workload=evidence.workload,
            dependencies=evidence.dependencies,
        ),
        suggested_root_cause=root_cause,
        confidence_score=score,
        confidence=confidence,
        findings=findings,
        report=report,
    )
