"""Candidates an LLM adds to symptom-first triage: checked against the knowledge graph and the sweep.

Contract: with an LLM configured, extraction may return names the ticket implies without naming
them (`Extracted.llm_candidates`: "card payments" implies the payment service). They never decide
the verdict; they only join the candidates:
- `namespaces_of(names, graph)`: the namespaces of those that are knowledge-graph components, so
  the sweep covers them;
- `apply(names, graph, problems)`: each swept problem a name refers to (its component, owner
  workload or own name) is flagged `source: llm` and ranked before the others of its relevance
  (the ticket's own words still come first, and relevance, which caps the confidence, is not
  raised by what the model says). A name that is neither a component nor any problem swept is
  dropped, and a note says so; a component that shows no problem gets a note too.
"""

from __future__ import annotations

from graphs.models import SweptProblem
from knowledge.graph import KnowledgeGraph


def namespaces_of(names: list[str], graph: KnowledgeGraph) -> list[str]:
    return list(
        dict.fromkeys(ns for n in names if (c := graph.component(n)) is not None and (ns := c.namespace) is not None)
    )


def _refers_to(name: str, problem: SweptProblem, owner: str | None) -> bool:
    return name in (problem.component, owner, problem.name)


def apply(names: list[str], graph: KnowledgeGraph, problems: list[SweptProblem], owners: list[str | None]) -> list[str]:
    """Flag the problems the names refer to (in place); the notes on the names that were not used."""
    notes = []
    for name in names:
        matched = [p for p, owner in zip(problems, owners, strict=True) if _refers_to(name, p, owner)]
        for problem in matched:
            problem.source = "llm"
            problem.relation = f"{problem.relation}; suggested by the LLM"
        if not matched:
            notes.append(
                f"the LLM suggested {name!r}, which shows no problem in the sweep"
                if graph.component(name) is not None
                else f"the LLM suggested {name!r}, which is neither a knowledge-graph component nor anything the "
                "sweep found: dropped"
            )
    return notes
