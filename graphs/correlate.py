"""Step 3: correlate. The rules engine over facts built from the evidence and the knowledge graph;
findings another finding explains are marked as its consequences (consequences.py)."""

from __future__ import annotations

from typing import Any

from graphs.consequences import explain
from graphs.facts import FactBuilder
from graphs.models import CollectedEvidence, Extracted
from knowledge.findings import Evaluation
from knowledge.graph import KnowledgeGraph
from knowledge.rule_engine import RuleSet


def correlate(
    rules: RuleSet, knowledge: KnowledgeGraph, extracted: Extracted, evidence: CollectedEvidence
) -> tuple[Evaluation, list[dict[str, Any]]]:
    """Ranked findings, and the catalog of every evidence item a finding cites."""
    builder = FactBuilder(knowledge, extracted, evidence)
    facts = builder.build()
    evaluation = rules.evaluate(facts)
    # A probe failing on a container that crash-loops is what the crash looks like, not a second cause.
    evaluation.findings = explain(evaluation.findings)
    log_lines = {line["evidence"]: line for line in facts["log_lines"]}
    cited: dict[str, Any] = {}
    for finding in evaluation.findings:
        for item_id in finding.evidence:
            if item_id in log_lines:
                builder.cite_log_line(log_lines[item_id])
            if item_id in builder.catalog:
                cited[item_id] = builder.catalog[item_id].model_dump()
    # Everything observed is listed, cited first, so a reader sees what supports the answer.
    uncited = [
        item.model_dump() for key, item in builder.catalog.items() if key not in cited and not key.startswith("log:")
    ]
    return evaluation, [*cited.values(), *uncited]
