"""The four steps of an investigation, as module-level functions of the state and the Dependencies.

Each returns the state update it makes (JSON values, so a checkpointer can store them);
`graph.py` wires them into the LangGraph state machine that checkpoints and resumes, and
`run_in_order` runs them one after the other where nothing is checkpointed (a one-shot
`investigate`), merging updates with the same reducers the state declares.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from graphs.collect import collect_evidence
from graphs.correlate import correlate
from graphs.llm.client import LLM
from graphs.llm.extract import extract_preferring_llm
from graphs.mcp_client import Clusters
from graphs.models import STEPS, Analysis, CollectedEvidence, Extracted, LLMCall, LLMUsage, OnStep, Triage
from graphs.report import build_result
from graphs.state import InvestigationState
from graphs.triage import MAX_CANDIDATES, investigate_candidates, past_a_healthy_target, sweep
from knowledge.findings import Evaluation, Finding
from knowledge.graph import KnowledgeGraph
from knowledge.rule_engine import RuleSet


@dataclass(frozen=True)
class Dependencies:
    """What every investigation shares: the ways to the clusters, the application model, the rules, the LLM."""

    clusters: Clusters
    knowledge: KnowledgeGraph
    rules: RuleSet
    llm: LLM | None = None  # None: deterministic extraction and no narrative
    max_candidates: int = MAX_CANDIDATES  # how many swept problems a symptom-only ticket investigates


async def extract(state: InvestigationState, deps: Dependencies) -> dict[str, Any]:
    cluster = (await deps.clusters.get(state.get("cluster"))).tools()
    extracted, calls = await extract_preferring_llm(
        deps.llm, cluster, deps.knowledge, state["description"], state.get("namespace"), state.get("pod")
    )
    return {
        "extracted": extracted.model_dump(mode="json"),
        "tool_calls": cluster.calls,
        "llm_calls": [call.model_dump(mode="json") for call in calls],
    }


async def collect(state: InvestigationState, deps: Dependencies) -> dict[str, Any]:
    cluster = (await deps.clusters.get(state.get("cluster"))).tools()
    extracted = Extracted.model_validate(state["extracted"])
    if extracted.pod or extracted.workload:
        evidence = await collect_evidence(cluster, deps.knowledge, extracted)
        extracted, evidence, triage = await past_a_healthy_target(
            cluster, deps.knowledge, deps.rules, state["description"], extracted, evidence, deps.max_candidates
        )
        if triage is None:
            return {"evidence": evidence.model_dump(mode="json"), "tool_calls": cluster.calls}
    else:
        # The ticket names no workload: sweep what is unhealthy near the symptom and pick the culprit.
        triage, problems = await sweep(
            cluster, deps.knowledge, state["description"], extracted.namespace, suggested=extracted.llm_candidates
        )
        extracted, evidence = await investigate_candidates(
            cluster, deps.knowledge, deps.rules, extracted, triage, problems, deps.max_candidates
        )
    return {
        "extracted": extracted.model_dump(mode="json"),
        "evidence": evidence.model_dump(mode="json"),
        "triage": triage.model_dump(mode="json"),
        "tool_calls": cluster.calls,
    }


def correlate_evidence(state: InvestigationState, deps: Dependencies) -> dict[str, Any]:
    evaluation, catalog = correlate(
        deps.rules,
        deps.knowledge,
        Extracted.model_validate(state["extracted"]),
        CollectedEvidence.model_validate(state["evidence"]),
    )
    return {
        "findings": [f.model_dump(mode="json") for f in evaluation.findings],
        "rule_errors": evaluation.errors,
        "catalog": catalog,
    }


async def report(state: InvestigationState, deps: Dependencies) -> dict[str, Any]:
    evaluation = Evaluation(
        findings=[Finding.model_validate(f) for f in state["findings"]], errors=state.get("rule_errors", [])
    )
    evidence = CollectedEvidence.model_validate(state["evidence"])
    calls = [LLMCall.model_validate(c) for c in state.get("llm_calls", [])]
    analysis: Analysis | None = None
    if deps.llm is not None:
        logs = [excerpt.model_dump(mode="json") for excerpt in evidence.diagnosis.logs] if evidence.diagnosis else []
        from graphs.llm.analysis import analyse  # LangChain's message types, only with an LLM

        analysis, call = await analyse(deps.llm, state["description"], state["findings"], state["catalog"], logs, calls)
        calls.append(call)
    result = build_result(
        Extracted.model_validate(state["extracted"]),
        evaluation,
        evidence,
        state["catalog"],
        deps.knowledge,
        state.get("tool_calls", 0),
        analysis=analysis,
        llm=LLMUsage.of(calls, configured=deps.llm is not None),
        triage=Triage.model_validate(state["triage"]) if state.get("triage") else None,
    )
    return {"result": result.model_dump(mode="json")}


NODES: dict[str, Callable[..., Any]] = {
    "extract": extract,
    "collect": collect,
    "correlate": correlate_evidence,
    "report": report,
}


@cache
def _reducers() -> dict[str, Callable[[Any, Any], Any]]:
    """The state keys that accumulate (Annotated with a reducer, as LangGraph reads them)."""
    hints = get_type_hints(InvestigationState, include_extras=True)
    return {key: get_args(hint)[1] for key, hint in hints.items() if get_origin(hint) is Annotated}


async def run_in_order(deps: Dependencies, state: InvestigationState, on_step: OnStep) -> dict[str, Any]:
    """The four steps in order without a checkpointer; the final state."""
    reducers = _reducers()
    values: dict[str, Any] = dict(state)
    for step in STEPS:
        await on_step(step)
        update = NODES[step](values, deps)
        if inspect.isawaitable(update):  # correlate is plain CPU work, the others wait on the cluster
            update = await update
        for key, value in update.items():
            values[key] = reducers[key](values[key], value) if key in reducers and key in values else value
    return values


class ResumeError(RuntimeError):
    """An incident to take up again has no checkpoint to resume from."""


class InOrderInvestigator:
    """Runs the steps one after the other, with no checkpointer: one investigation, start to end.

    For `sre-orchestrator investigate`, which has no store to resume from: it answers without
    loading LangGraph. The REST server and the workflow server use GraphInvestigator, whose
    checkpoints let a restarted process resume an incident.
    """

    def __init__(self, deps: Dependencies, resources: AsyncExitStack | None = None) -> None:
        self.deps = deps
        self._resources = resources

    async def run(self, incident_id: str, request: Any, on_step: OnStep) -> dict[str, Any]:
        if request is None:
            raise ResumeError(f"incident {incident_id} has no checkpoint to resume from; submit it again")
        state: InvestigationState = {
            "incident_id": incident_id,
            "description": request.description,
            "namespace": request.namespace,
            "pod": request.pod,
            "cluster": request.cluster,
        }
        final = await run_in_order(self.deps, state, on_step)
        return final["result"]

    async def aclose(self) -> None:
        if self._resources is not None:
            await self._resources.aclose()
