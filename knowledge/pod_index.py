"""Which component a pod belongs to, from its namespace and labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import Component

Label = tuple[str, str]


@dataclass(frozen=True)
class _Candidate:
    selector: tuple[Label, ...]
    rank: tuple[int, int]  # (-specificity, position in the file): the smallest rank wins
    component: Component


class PodIndex:
    """Each selector is filed under its rarest label in its namespace, so a lookup only checks the
    few selectors that share at least that label with the pod instead of every component."""

    def __init__(self, components: Sequence[Component]) -> None:
        placed = [(i, c, p) for i, c in enumerate(components) if (p := _placement(c)) is not None]
        frequency = Counter((namespace, label) for _, _, (namespace, selector) in placed for label in selector)
        buckets: dict[tuple[str, str, str], list[_Candidate]] = {}
        for position, component, (namespace, selector) in placed:
            anchor_key, anchor_value = min(selector, key=lambda label: (frequency[(namespace, label)], label))
            candidate = _Candidate(selector, (-len(selector), position), component)
            buckets.setdefault((namespace, anchor_key, anchor_value), []).append(candidate)
        self._buckets = {key: tuple(candidates) for key, candidates in buckets.items()}

    def lookup(self, namespace: str, labels: Mapping[str, str]) -> Component | None:
        best: _Candidate | None = None
        for key, value in labels.items():
            for candidate in self._buckets.get((namespace, key, value), ()):
                if (best is None or candidate.rank < best.rank) and _matches(candidate.selector, labels):
                    best = candidate
        return None if best is None else best.component


def _placement(component: Component) -> tuple[str, tuple[Label, ...]] | None:
    """(namespace, sorted selector) of a component with pods; None for one without (an external system)."""
    if component.namespace is None or not component.selector:
        return None
    return component.namespace, tuple(sorted(component.selector.items()))


def _matches(selector: tuple[Label, ...], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector)
