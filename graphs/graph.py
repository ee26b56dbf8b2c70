"""The investigation as a LangGraph state machine: extract -> collect -> correlate -> report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from graphs.analysis import analyse
from graphs.cluster import ClusterSessions
from graphs.collect import collect_evidence
from graphs.correlate import correlate
from graphs.llm import LLM
from graphs.llm_extract import extract_preferring_llm
from graphs.models import Analysis, Extracted, LLMCall, LLMUsage
from graphs.report import build_result
from graphs.state import InvestigationState
from knowledge.findings import Evaluation, Finding
from knowledge.graph import KnowledgeGraph
from knowledge.rules import RuleSet

STEPS = ("extract", "collect", "correlate", "report")


@dataclass(frozen=True)
class Dependencies:
    """What every investigation shares: the ways to the clusters, the application model, the rules, the LLM."""

    clusters: ClusterSessions
    graph: KnowledgeGraph
    rules: RuleSet
    llm: LLM | None = None  # None: deterministic extraction and no narrative


def build_graph(deps: Dependencies, checkpointer: Checkpointer = None) -> CompiledStateGraph:
    async def extract(state: InvestigationState) -> dict[str, Any]:
        cluster = (await deps.clusters.get(state.get("cluster"))).tools()
        extracted, calls = await extract_preferring_llm(
            deps.llm, cluster, deps.graph, state["description"], state.get("namespace"), state.get("pod")
        )
        return {
            "extracted": extracted.model_dump(mode="json"),
            "tool_calls": cluster.calls,
            "llm_calls": [call.model_dump(mode="json") for call in calls],
        }

    async def collect(state: InvestigationState) -> dict[str, Any]:
        cluster = (await deps.clusters.get(state.get("cluster"))).tools()
        evidence = await collect_evidence(cluster, deps.graph, Extracted.model_validate(state["extracted"]))
        return {"evidence": evidence, "tool_calls": cluster.calls}

    def correlate_step(state: InvestigationState) -> dict[str, Any]:
        evaluation, catalog = correlate(
            deps.rules, deps.graph, Extracted.model_validate(state["extracted"]), state["evidence"]
        )
        return {
            "findings": [f.model_dump(mode="json") for f in evaluation.findings],
            "rule_errors": evaluation.errors,
            "catalog": catalog,
        }

    async def report(state: InvestigationState) -> dict[str, Any]:
        evaluation = Evaluation(
            findings=[Finding.model_validate(f) for f in state["findings"]], errors=state.get("rule_errors", [])
        )
        calls = [LLMCall.model_validate(c) for c in state.get("llm_calls", [])]
        analysis: Analysis | None = None
        if deps.llm is not None:
            logs = (state["evidence"].get("diagnosis") or {}).get("logs") or []
            analysis, call = await analyse(
                deps.llm, state["description"], state["findings"], state["catalog"], logs, calls
            )
            calls.append(call)
        result = build_result(
            Extracted.model_validate(state["extracted"]),
            evaluation,
            state["evidence"],
            state["catalog"],
            deps.graph,
            state.get("tool_calls", 0),
            analysis=analysis,
            llm=LLMUsage.of(calls, configured=deps.llm is not None),
        )
        return {"result": result.model_dump(mode="json")}

    builder = StateGraph(InvestigationState)
    builder.add_node("extract", extract)
    builder.add_node("collect", collect)
    builder.add_node("correlate", correlate_step)
    builder.add_node("report", report)
    builder.add_edge(START, "extract")
    builder.add_edge("extract", "collect")
    builder.add_edge("collect", "correlate")
    builder.add_edge("correlate", "report")
    builder.add_edge("report", END)
    return builder.compile(checkpointer=checkpointer)
