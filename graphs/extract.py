"""Step 1: what is the incident about? Names and symptoms from the text, confirmed against the cluster.

The deterministic extractor reads candidate names (pods, apps, workloads, namespaces) and
symptom keywords from the description, asks the cluster which pods each name refers to
(`find_pods`), and picks the pod the incident is most likely about: the best kind of match,
in a namespace the text mentions, unhealthy rather than healthy. When no pod exists (a
Deployment that cannot create any), it falls back to the workload itself.

That resolution (`find_target`) is shared with the LLM extractor (`graphs/llm/extract.py`): whoever
reads the names, only what the cluster confirms becomes the target.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from graphs.mcp_client import ClusterTools, ToolCallError
from graphs.models import Extracted
from graphs.scope import stated_namespaces
from knowledge.graph import KnowledgeGraph
from mcp_servers.kubernetes.models import HEALTHY_POD_STATUSES, PodMatch

_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_POD_NAME = re.compile(r"^[a-z0-9-]+-(?:[a-z0-9]{8,10}-[a-z0-9]{5}|[a-z0-9]{5}|\d+)$")
_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
_MAX_LOOKUPS = 8

_STOP_WORDS = frozenset(
    word
    for line in (Path(__file__).parent / "stop_words.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)

SYMPTOMS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "crash_loop": r"crash\s*loop|crashloopbackoff|crash(?:ing|es)|keeps? restarting|restarts?",
        "oom": r"\boom\b|oomkilled|out of memory|memory",
        "pending": r"\bpending\b|not scheduled|unschedulable|never starts",
        "image_pull": r"imagepull|errimagepull|image pull|pull(?:ing)? image",
        "evicted": r"evict",
        "not_ready": r"not ready|never becomes ready|0/\d+ ready|unready|readiness",
        "config": r"config(?:map|uration)?|env(?:ironment)? var|secret",
        "connectivity": r"connection refused|timed? ?out|timeout|unreachable|cannot connect|503|502|504",
        "dns": r"\bdns\b|lookup|no such host|resolve",
        "permission": r"forbidden|permission|rbac|unauthori[sz]ed|access denied",
        "storage": r"\bpvc\b|volume|disk|storage|mount",
        "init": r"\binit\b|init:|initcontainer|migration",
    }.items()
}


@dataclass(frozen=True)
class Candidates:
    names: list[str]
    namespaces: set[str]


def symptoms_of(text: str) -> list[str]:
    return [name for name, pattern in SYMPTOMS.items() if pattern.search(text)]


def candidates_of(text: str, graph: KnowledgeGraph, namespace: str | None, pod: str | None) -> Candidates:
    """Names worth asking the cluster about, most promising first."""
    lowered = text.lower()
    tokens = list(dict.fromkeys(_NAME.findall(lowered)))
    components = {c.name for c in graph.components}

    def score(token: str) -> int:
        if _POD_NAME.match(token):
            return 0
        if token in components:
            return 1
        return 2 if "-" in token else 3

    # A word the text states is a namespace ("in the web namespace") names where, not what.
    stated = set(stated_namespaces(lowered))
    names = [
        t
        for t in tokens
        if len(t) >= 3 and t not in _STOP_WORDS and not t.isdigit() and "." not in t and t not in stated
    ]
    names.sort(key=score)
    if pod:
        names.insert(0, pod)
    namespaces = set(tokens) | ({namespace} if namespace else set())
    return Candidates(names=list(dict.fromkeys(names)), namespaces=namespaces)


def _preference(match: PodMatch, namespaces: set[str], requested_namespace: str | None) -> tuple:
    rank = {"name": 0}.get(match.matched_on, 1 if match.matched_on.startswith(("label", "owner")) else 2)
    ready, total = (int(n) for n in match.ready.split("/"))
    finished = match.status in ("Completed", "Succeeded")  # a finished Job pod is never ready, and fine
    unhealthy = (
        match.status not in HEALTHY_POD_STATUSES
        or match.restarts > 0
        or (not finished and (ready < total or match.ready_condition == "False"))
    )
    return (
        rank,
        0 if requested_namespace is None or match.namespace == requested_namespace else 1,
        0 if match.namespace in namespaces else 1,
        0 if unhealthy else 1,
        -match.restarts,
        # Among equals, the one failing longest has gathered the most evidence.
        match.created_at or "",
    )


async def _find_workload(cluster: ClusterTools, name: str, namespaces: list[str]) -> tuple[str, str] | None:
    for namespace in namespaces:
        for kind in _WORKLOAD_KINDS:
            try:
                await cluster.get_workload(kind, namespace, name)
            except ToolCallError:
                continue
            return kind, namespace
    return None


@dataclass(frozen=True)
class Target:
    """What the cluster confirmed; the field names are those of `Extracted`."""

    namespace: str
    component: str | None
    resolution: str
    pod: str | None = None
    workload: str | None = None
    workload_kind: str | None = None


async def find_target(
    cluster: ClusterTools, graph: KnowledgeGraph, candidates: Candidates, namespace: str | None
) -> Target | None:
    """The pod (else the pod-less workload) the candidate names most likely refer to; None when none exists.

    `namespace` (given with the incident) restricts the search; the candidates' namespaces only
    break ties. Whoever read the names (the text scanner or an LLM), only the cluster decides.
    """
    found = await _best_pod(cluster, graph, candidates, namespace)
    if found is not None and not found[1]:
        return found[0]
    # Nothing, or only a pod whose name happens to start with a word of the text: a name read
    # earlier may be a workload that has no pods at all (quota, admission, scaled to zero).
    earlier = candidates.names[: found[2]] if found is not None else candidates.names
    workload = await _workload_without_pods(cluster, graph, Candidates(earlier, candidates.namespaces), namespace)
    return workload or (found[0] if found is not None else None)


async def _best_pod(
    cluster: ClusterTools, graph: KnowledgeGraph, candidates: Candidates, namespace: str | None
) -> tuple[Target, bool, int] | None:
    """The best pod, whether it matched only by name prefix, and the index of the name that found it."""
    best: tuple[tuple, PodMatch, str, int] | None = None
    for index, name in enumerate(candidates.names[:_MAX_LOOKUPS]):
        # A failed lookup (the API erring, a namespace the server refuses) fails every other name
        # the same way: the investigation stops here and says why, rather than "nothing matches".
        found = await cluster.find_pods(name, namespace=namespace)
        good = [m for m in found.pods if m.matched_on != "name contains"]
        for match in good:
            key = _preference(match, candidates.namespaces, namespace)
            if best is None or key < best[0]:
                best = (key, match, name, index)
        if best is not None and best[0][0] == 0:
            break  # an exact pod name cannot be beaten
    if best is None:
        return None
    key, match, name, index = best
    component = graph.component_for_pod(match.namespace, match.labels)
    target = Target(
        namespace=match.namespace,
        pod=match.name,
        component=component.name if component else None,
        resolution=f"{name!r} matched pod {match.namespace}/{match.name} by {match.matched_on}",
    )
    return target, key[0] == 2, index


async def _workload_without_pods(
    cluster: ClusterTools, graph: KnowledgeGraph, candidates: Candidates, namespace: str | None
) -> Target | None:
    """No pod matched: the workload may exist without pods (quota, admission, scaled to zero)."""
    for name in candidates.names[:_MAX_LOOKUPS]:
        component = graph.component(name)
        namespaces = [namespace] if namespace else []
        if component and component.namespace:
            namespaces.append(component.namespace)
        namespaces += sorted(candidates.namespaces - set(namespaces) - _STOP_WORDS)[:4]
        found = await _find_workload(cluster, name, list(dict.fromkeys(n for n in namespaces if n)))
        if found:
            kind, workload_namespace = found
            return Target(
                namespace=workload_namespace,
                workload=name,
                workload_kind=kind,
                component=component.name if component else None,
                resolution=f"{name!r} has no pods; found {kind} {workload_namespace}/{name}",
            )
    return None


async def extract_deterministic(
    cluster: ClusterTools,
    graph: KnowledgeGraph,
    description: str,
    namespace: str | None = None,
    pod: str | None = None,
) -> Extracted:
    candidates = candidates_of(description, graph, namespace, pod)
    names = candidates.names[:_MAX_LOOKUPS]
    read = {"symptoms": symptoms_of(description), "candidates": names}
    target = await find_target(cluster, graph, candidates, namespace)
    if target is not None:
        return Extracted(**read, **asdict(target))
    return Extracted(
        **read,
        namespace=namespace,
        resolution="no pod or workload in the cluster matches the names in the description "
        f"({', '.join(names) or 'none found'})",
    )
