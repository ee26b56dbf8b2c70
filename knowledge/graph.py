"""The loaded knowledge graph and the questions the investigation asks of it."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from .checks import find_problems
from .errors import KnowledgeGraphError
from .host_index import HostIndex
from .model import Component, Relationship
from .pod_index import PodIndex


class KnowledgeGraph:
    """Components and their `depends_on` relationships, indexed once at construction. Cycles are
    allowed (real systems have them); every traversal visits each component at most once.

    Query methods raise KeyError for a name that is not a component: names come from the graph
    itself (`component_for_pod`, `component_for_host`), so an unknown one is a bug, not a miss."""

    __slots__ = ("_by_name", "_components", "_dependents", "_hosts", "_needs", "_pods", "_relationships", "_walks")

    def __init__(self, components: Iterable[Component] = (), relationships: Iterable[Relationship] = ()) -> None:
        self._components = tuple(components)
        self._relationships = tuple(relationships)
        problems = find_problems(self._components, self._relationships)
        if problems:
            raise KnowledgeGraphError(problems)
        self._by_name = {c.name: c for c in self._components}
        self._needs = _adjacency(self._by_name, ((r.from_, r.to) for r in self._relationships))
        self._dependents = _adjacency(self._by_name, ((r.to, r.from_) for r in self._relationships))
        self._pods = PodIndex(self._components)
        self._hosts = HostIndex.build(self._components)
        # Transitive walks are memoized: the graph never changes, and an investigation asks repeatedly.
        self._walks: dict[tuple[str, bool], tuple[Component, ...]] = {}

    @property
    def components(self) -> tuple[Component, ...]:
        return self._components

    @property
    def relationships(self) -> tuple[Relationship, ...]:
        return self._relationships

    def __len__(self) -> int:
        return len(self._components)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __repr__(self) -> str:
        return f"KnowledgeGraph({len(self._components)} components, {len(self._relationships)} relationships)"

    def component(self, name: str) -> Component | None:
        return self._by_name.get(name)

    def dependencies(self, name: str, transitive: bool = False) -> list[Component]:
        """What `name` depends on: direct, in file order; or transitive, breadth first, without repeats."""
        return self._related(name, transitive, self._needs, dependents=False)

    def dependents(self, name: str, transitive: bool = False) -> list[Component]:
        """What depends on `name`, ordered like `dependencies`."""
        return self._related(name, transitive, self._dependents, dependents=True)

    def dependency_path(self, from_name: str, to_name: str) -> list[str] | None:
        """The shortest chain of `depends_on` from one component to another, both included; None if
        `from_name` does not depend on `to_name`, even indirectly."""
        self._require(from_name)
        self._require(to_name)
        previous: dict[str, str | None] = {from_name: None}
        queue = deque([from_name])
        while queue:
            current = queue.popleft()
            if current == to_name:
                return _unwind(previous, to_name)
            for step in self._needs[current]:
                if step.name not in previous:
                    previous[step.name] = current
                    queue.append(step.name)
        return None

    def component_for_pod(self, namespace: str, labels: Mapping[str, str]) -> Component | None:
        """The component whose selector the pod's labels satisfy in its namespace; the most specific
        selector wins, then the one defined first."""
        return self._pods.lookup(namespace, labels)

    def component_for_host(self, host: str, namespace: str | None = None) -> Component | None:
        """The component a host name refers to, as written in a log line or URL: a Service name (alone,
        `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, with or without `:port`), a component name
        or one of a component's `hosts`. `namespace` is where the caller runs: a single-label name
        resolves there first, as cluster DNS does. None when unknown or ambiguous."""
        return self._hosts.lookup(host, namespace)

    def _require(self, name: str) -> None:
        if name not in self._by_name:
            raise KeyError(f"unknown component {name!r}")

    def _related(
        self, name: str, transitive: bool, edges: Mapping[str, tuple[Component, ...]], *, dependents: bool
    ) -> list[Component]:
        self._require(name)
        if not transitive:
            return list(edges[name])
        key = (name, dependents)
        if key not in self._walks:
            self._walks[key] = _breadth_first(name, edges)
        return list(self._walks[key])


def _adjacency(by_name: Mapping[str, Component], edges: Iterable[tuple[str, str]]) -> dict[str, tuple[Component, ...]]:
    adjacent: dict[str, list[Component]] = {name: [] for name in by_name}
    for source, target in edges:
        adjacent[source].append(by_name[target])
    return {name: tuple(targets) for name, targets in adjacent.items()}


def _breadth_first(start: str, edges: Mapping[str, tuple[Component, ...]]) -> tuple[Component, ...]:
    # The start counts as seen, so a cycle back to it does not list it as its own dependency.
    seen = {start}
    order: list[Component] = []
    queue = deque([start])
    while queue:
        for component in edges[queue.popleft()]:
            if component.name not in seen:
                seen.add(component.name)
                order.append(component)
                queue.append(component.name)
    return tuple(order)


def _unwind(previous: Mapping[str, str | None], last: str) -> list[str]:
    path: list[str] = []
    step: str | None = last
    while step is not None:
        path.append(step)
        step = previous[step]
    return path[::-1]
