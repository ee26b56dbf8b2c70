"""Symptom-first triage: when the ticket names no workload, sweep the scope and find the culprit.

Contract:
- `sweep` runs when extraction resolved no target. It reads the scope from the ticket
  (`scope.py`), asks the Kubernetes server for what is unhealthy there (`find_problems`) and
  ranks the problems by relevance to the ticket (a name in the text, a described component,
  being on the dependency path of one, in either direction, a mentioned namespace), then by
  severity.
- `investigate_candidates` runs the ordinary collect and rules on the best few candidates
  (distinct workloads, at most `max_candidates`) and keeps the one whose finding explains the
  symptom best: the strongest finding, and among findings worth acting on (medium or high),
  the one furthest upstream on the dependency path, because a dependency that is down explains
  its dependents' failures and not the other way round. The others that depend on it are named
  as its consequences.
- `past_a_healthy_target` runs when a target was named but no rule explains it: the sweep of
  what it depends on (only those problems), else of the ticket's scope (only problems the words
  relate to, never the target itself).
- Everything is deterministic; no candidate is invented, every one is a problem the cluster showed.
  `Triage` (the report's `triage` section) records the scope, the problems, the candidates
  investigated, the culprit, the path to it and its consequences.
"""

from __future__ import annotations

import re
from dataclasses import asdict

from graphs import suggestions
from graphs.collect import collect_evidence
from graphs.consequences import CONSEQUENCES
from graphs.correlate import correlate
from graphs.extract import _STOP_WORDS, Candidates, Target, find_target
from graphs.mcp_client import ClusterTools, ToolCallError
from graphs.models import CollectedEvidence, Extracted, SweptProblem, Triage
from graphs.scope import ComponentMatch, Scope, scope_of, stem
from knowledge.consequence_rules import explains
from knowledge.findings import Finding
from knowledge.graph import KnowledgeGraph
from knowledge.model import Component
from knowledge.rule_engine import RuleSet
from mcp_servers.kubernetes.problem_models import SEVERITIES, Problem

MAX_CANDIDATES = 3
_SWEEP_LIMIT = 50
_TARGET_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "Service", "CronJob")
_BAND = {"high": 0, "medium": 1, "low": 2}


def _component_of(problem: Problem, graph: KnowledgeGraph) -> Component | None:
    """The component a problem is about: by its owner workload's name, else its own (a Service, a workload)."""
    names = [problem.owner.name] if problem.owner else []
    names.append(problem.name)
    for component in graph.components:
        if component.namespace != problem.namespace:
            continue
        if component.name in names or (problem.kind == "Service" and component.service == problem.name):
            return component
    return None


def _relevance(
    problem: Problem, component: Component | None, scope: Scope, graph: KnowledgeGraph, words: set[str]
) -> tuple[int, str]:
    """How strongly the ticket points at the problem, and why in words."""
    score, why = 0, []
    owner = problem.owner.name if problem.owner else problem.name
    if stem(owner.lower()) in words or owner.lower() in words:
        score, why = score + 4, [*why, "named in the ticket"]
    if component is not None:
        direct = scope.score_of(component.name)
        if direct:
            score, why = score + direct, [*why, f"the ticket describes {component.name}"]
        else:
            for match in scope.components:
                if match.name not in graph:
                    continue
                if component in graph.dependencies(match.name, transitive=True):
                    score, why = score + 2, [*why, f"{match.name} depends on it"]
                    break
                if component in graph.dependents(match.name, transitive=True):
                    score, why = score + 1, [*why, f"it depends on {match.name}"]
                    break
    if problem.namespace and problem.namespace in scope.mentioned_namespaces:
        score, why = score + 1, [*why, f"in namespace {problem.namespace}"]
    return score, "; ".join(why) or "in the scope swept"


def rank(problems: list[Problem], scope: Scope, graph: KnowledgeGraph, text: str) -> list[SweptProblem]:
    tokens = re.findall(r"[a-z0-9][a-z0-9-]*", text.lower())
    words = set(tokens) | {stem(w) for w in tokens}
    ranked = []
    for problem in problems:
        component = _component_of(problem, graph)
        score, relation = _relevance(problem, component, scope, graph, words)
        ranked.append(
            SweptProblem(
                **problem.model_dump(include={"severity", "kind", "namespace", "name", "reason", "why", "since"}),
                component=component.name if component else None,
                relevance=score,
                relation=relation,
            )
        )
    return _ordered(ranked)


def _ordered(problems: list[SweptProblem]) -> list[SweptProblem]:
    """Most relevant first; among equals, what the LLM suggested; then the most severe."""
    order = {severity: i for i, severity in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: (-p.relevance, p.source != "llm", order.get(p.severity, len(order))))


def _downstream_of(origin: Component, graph: KnowledgeGraph) -> Scope:
    """The scope behind a named component that looks fine: what it depends on, where those run."""
    needs = [origin, *graph.dependencies(origin.name, transitive=True)]
    namespaces = list(dict.fromkeys(c.namespace for c in needs if c.namespace))
    reason = f"what {origin.name} depends on (it looks healthy itself)"
    return Scope(namespaces, reason, [], [ComponentMatch(origin.name, 4, "named")])


async def sweep(
    cluster: ClusterTools,
    graph: KnowledgeGraph,
    description: str,
    namespace: str | None,
    origin: Component | None = None,
    suggested: list[str] | None = None,
) -> tuple[Triage, list[Problem]]:
    """The ranked problems of the ticket's scope; with `origin`, only those of what it depends on;
    `suggested`: names an LLM read the ticket as implying (graphs/suggestions.py)."""
    scope = scope_of(description, graph, namespace, _STOP_WORDS) if origin is None else _downstream_of(origin, graph)
    namespaces = scope.namespaces
    if namespaces is not None and suggested:
        namespaces = list(dict.fromkeys([*namespaces, *suggestions.namespaces_of(suggested, graph)]))
    triage = Triage(scope=namespaces, scope_reason=scope.reason, components=[m.name for m in scope.components])
    try:
        report = await cluster.find_problems(namespaces, limit=_SWEEP_LIMIT)
    except ToolCallError as exc:
        triage.investigated.append(f"the sweep failed: {exc.message}")
        return triage, []
    triage.problems = rank(report.problems, scope, graph, description)
    by_key = {(p.kind, p.namespace, p.name): p for p in report.problems}
    if suggested:
        owners = [o.name if (o := by_key[(p.kind, p.namespace, p.name)].owner) else None for p in triage.problems]
        triage.notes += suggestions.apply(suggested, graph, triage.problems, owners)
        triage.problems = _ordered(triage.problems)
    if origin is not None:
        upstream = _upstream(origin.name, graph)
        triage.problems = [p for p in triage.problems if p.component in upstream]
    ordered = [by_key[(p.kind, p.namespace, p.name)] for p in triage.problems]
    return triage, ordered


async def _target_of(
    cluster: ClusterTools, graph: KnowledgeGraph, swept: SweptProblem, problem: Problem
) -> Target | None:
    """The pod (else the workload) to investigate for a problem: the best pod of its workload."""
    if swept.kind not in _TARGET_KINDS or not problem.namespace:
        return None
    names = [problem.name] if problem.kind == "Pod" else []
    names += [n for n in (swept.component, problem.owner.name if problem.owner else None, problem.name) if n]
    candidates = Candidates(names=list(dict.fromkeys(names)), namespaces={problem.namespace})
    return await find_target(cluster, graph, candidates, problem.namespace)


def _upstream(component: str | None, graph: KnowledgeGraph) -> set[str]:
    if component is None or component not in graph:
        return set()
    return {c.name for c in graph.dependencies(component, transitive=True)}


def _upstream_first(chosen: int, outcomes: list, graph: KnowledgeGraph) -> int:
    """Among candidates with a finding worth acting on, one the chosen one depends on explains it."""
    visited = {chosen}
    while True:
        upstream = _upstream(outcomes[chosen][0].component, graph)
        better = [
            index
            for index, (target, _, top) in enumerate(outcomes)
            if index not in visited and target.component in upstream and top is not None and top.confidence >= 0.5
        ]
        if not better:
            return chosen
        chosen = better[0]
        visited.add(chosen)


def _choose(outcomes: list, graph: KnowledgeGraph) -> tuple[int, set[int]]:
    """The candidate whose finding explains the symptom best, and the candidates it explains.

    The strongest band first; then a candidate upstream on the dependency path; then one whose
    finding explains the chosen one's across workloads (`knowledge/consequences.yaml`: a lost
    node explains the pods waiting for room)."""
    scored = [i for i, (_, _, top) in enumerate(outcomes) if top is not None]
    if not scored:
        return 0, set()
    chosen = _upstream_first(min(scored, key=lambda i: (_BAND[outcomes[i][2].confidence_score], i)), outcomes, graph)
    explained: set[int] = set()
    while True:
        explainers = CONSEQUENCES.across_candidates(outcomes[chosen][2])
        cause = next(
            (
                i
                for i in scored
                if i != chosen
                and i not in explained
                and outcomes[i][2].confidence >= 0.5
                and explains(explainers, outcomes[i][2])
            ),
            None,
        )
        if cause is None:
            # Whatever order they were found in, the candidates its finding explains are its consequences.
            top = outcomes[chosen][2]
            also = {i for i in scored if i != chosen and explains(CONSEQUENCES.across_candidates(outcomes[i][2]), top)}
            return chosen, explained | also
        explained.add(chosen)
        chosen = cause


async def _culprit_pod(cluster: ClusterTools, graph: KnowledgeGraph, culprit: str) -> Target | None:
    namespace, _, pod = culprit.partition("/")
    if not namespace or not pod:
        return None
    return await find_target(cluster, graph, Candidates(names=[pod], namespaces={namespace}), namespace)


def _path(triage: Triage, graph: KnowledgeGraph, culprit: str | None, dependency: str | None) -> list[str]:
    """From the component the ticket describes (what users see) to the culprit and what its finding blames."""
    ends = [n for n in (culprit, dependency) if n and n in graph]
    if not ends:
        return []
    end = ends[-1]
    for origin in triage.components:
        if origin in graph and (path := graph.dependency_path(origin, end)):
            return path
    return list(dict.fromkeys(ends))


async def investigate_candidates(
    cluster: ClusterTools,
    graph: KnowledgeGraph,
    rules: RuleSet,
    extracted: Extracted,
    triage: Triage,
    problems: list[Problem],
    max_candidates: int = MAX_CANDIDATES,
) -> tuple[Extracted, CollectedEvidence]:
    """The best candidate's extraction and evidence (the original ones when no candidate is found)."""
    outcomes: list[tuple[Target, CollectedEvidence, Finding | None]] = []
    relevance: list[int] = []
    seen: set[tuple[str | None, str]] = set()
    for swept, problem in zip(triage.problems, problems, strict=True):
        if len(outcomes) >= max_candidates:
            break
        # One candidate per workload: its replicas fail alike, and the best pod of it is chosen below.
        workload = (problem.namespace, swept.component or (problem.owner.name if problem.owner else problem.name))
        if workload in seen:
            continue
        target = await _target_of(cluster, graph, swept, problem)
        if target is None:
            continue
        seen.add(workload)
        candidate = extracted.model_copy(update=asdict(target))
        evidence = await collect_evidence(cluster, graph, candidate)
        evaluation, _ = correlate(rules, graph, candidate, evidence)
        top = evaluation.findings[0] if evaluation.findings else None
        outcomes.append((target, evidence, top))
        relevance.append(swept.relevance)
        outcome = f"{top.title} ({top.confidence_score})" if top else "no rule matched"
        triage.investigated.append(f"{_describe(target)}: {outcome}")
    if not outcomes:
        return extracted, CollectedEvidence(notes=["the sweep found nothing unhealthy to investigate"])
    chosen, explained = _choose(outcomes, graph)
    target, evidence, top = outcomes[chosen]
    triage.culprit = _describe(target) if top is not None else None
    triage.culprit_relevance = relevance[chosen] if top is not None else None
    if top is not None:
        triage.consequences = [
            _describe(other)
            for index, (other, _, _) in enumerate(outcomes)
            if index != chosen and (index in explained or target.component in _upstream(other.component, graph))
        ]
        triage.path = _path(triage, graph, target.component, top.dependency)
        if top.culprit and (found := await _culprit_pod(cluster, graph, top.culprit)) is not None:
            # The finding blames another pod (the neighbour that filled the node): it is the culprit,
            # and the pod investigated is its consequence.
            triage.consequences.insert(0, _describe(target))
            target = found
            triage.culprit, triage.path = _describe(target), _path(triage, graph, target.component, None)
    resolution = f"the ticket names no workload; symptom-first triage chose {_describe(target)}"
    return extracted.model_copy(update={**asdict(target), "resolution": resolution}), evidence


def _describe(target: Target) -> str:
    if target.pod:
        return f"pod {target.namespace}/{target.pod}"
    return f"{target.workload_kind} {target.namespace}/{target.workload}"


async def past_a_healthy_target(
    cluster: ClusterTools,
    graph: KnowledgeGraph,
    rules: RuleSet,
    description: str,
    extracted: Extracted,
    evidence: CollectedEvidence,
    max_candidates: int = MAX_CANDIDATES,
) -> tuple[Extracted, CollectedEvidence, Triage | None]:
    """'checkout returns 503 but the pods look fine': when no rule explains the named target, a
    failing dependency may (only what the target depends on is considered); failing that, a
    problem the ticket's own words point at (a word read as a name may have named the wrong
    thing: 'billing' for billing-db when a billing Job failed)."""
    if correlate(rules, graph, extracted, evidence)[0].findings:
        return extracted, evidence, None
    origin = graph.component(extracted.component) if extracted.component else None
    triage, problems = Triage(scope=None, scope_reason=""), []
    if origin is not None and graph.dependencies(origin.name):
        triage, problems = await sweep(cluster, graph, description, extracted.namespace, origin)
    if not triage.problems:
        triage, problems = await sweep(cluster, graph, description, None)
        related = [
            (t, p)
            for t, p in zip(triage.problems, problems, strict=True)
            if t.relevance > 0 and t.component != (origin.name if origin else None)
        ]
        triage.problems, problems = [t for t, _ in related], [p for _, p in related]
    if not triage.problems:
        return extracted, evidence, None
    found, found_evidence = await investigate_candidates(
        cluster, graph, rules, extracted, triage, problems, max_candidates
    )
    if triage.culprit is None:
        return extracted, evidence, None
    triage.path = _path(triage, graph, found.component, None) if not triage.path else triage.path
    return (
        found.model_copy(
            update={
                "resolution": f"{extracted.resolution}; it looks healthy, and "
                f"{triage.culprit}, which it depends on, does not"
            }
        ),
        found_evidence,
        triage,
    )
