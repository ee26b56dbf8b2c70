"""The investigation as a LangGraph state machine: extract -> collect -> correlate -> report.

Each step is a module-level function of the state and the investigation's shared Dependencies
(bound with functools.partial), and returns the state update it makes. State values are JSON
so the checkpointer can persist every step; each step reads them back into typed models.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from graphs.collect import collect_evidence
from graphs.correlate import correlate
from graphs.llm.analysis import analyse
from graphs.llm.client import LLM
from graphs.llm.extract import extract_preferring_llm
from graphs.mcp_client import Clusters
from graphs.models import STEPS, Analysis, CollectedEvidence, Extracted, LLMCall, LLMUsage, Triage
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
        return {
            "extracted": extracted.model_dump(mode="json"),
            "evidence": evidence.model_dump(mode="json"),
            "triage": triage.model_dump(mode="json"),
            "tool_calls": cluster.calls,
        }
    # The ticket names no workload: sweep what is unhealthy near the symptom and pick the culprit.
    triage, problems = await sweep(cluster, deps.knowledge, state["description"], extracted.namespace)
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


NODES = {"extract": extract, "collect": collect, "correlate": correlate_evidence, "report": report}


def build_graph(deps: Dependencies, checkpointer: Checkpointer = None) -> CompiledStateGraph:
    builder = StateGraph(InvestigationState)
    for step in STEPS:
        builder.add_node(step, partial(NODES[step], deps=deps))
    for before, after in zip((START, *STEPS), (*STEPS, END), strict=True):
        builder.add_edge(before, after)
    return builder.compile(checkpointer=checkpointer)
