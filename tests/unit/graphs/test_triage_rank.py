"""Ranking the sweep: relevance to the ticket first, severity second."""

from __future__ import annotations

from graphs.extract import _STOP_WORDS
from graphs.scope import scope_of
from graphs.triage import rank
from knowledge.loader import parse_knowledge_graph
from mcp_servers.kubernetes.models import ObjectRef
from mcp_servers.kubernetes.problem_models import Problem

GRAPH = parse_knowledge_graph("""
components:
  - {name: wishlist-api, type: service, namespace: shop, selector: {app: wishlist-api}, aliases: [favourites]}
  - {name: broker, type: queue, namespace: shop, selector: {app: broker}, service: broker}
  - {name: web, type: service, namespace: shop, selector: {app: web}}
  - {name: backup, type: service, namespace: ops, selector: {app: backup}}
relationships:
  - {from: wishlist-api, to: broker}
  - {from: web, to: wishlist-api}
""")


def problem(severity: str, kind: str, namespace: str, name: str, owner: str | None = None) -> Problem:
    ref = ObjectRef(kind="Deployment", name=owner) if owner else None
    return Problem(severity=severity, kind=kind, namespace=namespace, name=name, owner=ref, reason="R", why="w")  # type: ignore[arg-type]


def test_what_the_ticket_describes_and_its_dependencies_outrank_a_worse_unrelated_problem() -> None:
    text = "customers cannot open their favourites"
    problems = [
        problem("critical", "Deployment", "ops", "backup"),
        problem("medium", "Service", "shop", "broker"),
        problem("high", "Pod", "shop", "wishlist-api-7d9c6b5f4-x2x8q", owner="wishlist-api"),
        problem("high", "Pod", "shop", "web-5d9f8b7c6d-abcde", owner="web"),
    ]
    ranked = rank(problems, scope_of(text, GRAPH, None, _STOP_WORDS), GRAPH, text)
    assert [(p.component, p.relevance) for p in ranked] == [
        ("wishlist-api", 3),  # its alias
        ("broker", 2),  # what it depends on: a cause
        ("web", 1),  # what depends on it: a consequence at most
        ("backup", 0),  # only in the scope
    ]
    assert ranked[1].relation == "wishlist-api depends on it"
