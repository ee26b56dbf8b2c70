"""Where to look when the ticket names no workload: namespaces and knowledge-graph components.

Contract (pure: text and knowledge graph in, `Scope` out; the cluster is not asked):
- Namespaces are those the text states as such (`namespace=x`, `namespace x`, `x namespace`,
  `ns x`, `x ns`, Alertmanager's `namespace/pod`) and words that are a namespace of the
  knowledge graph.
- A component matches a word of the ticket by its name, a distinctive part of its name
  (`indexer workers` -> `es-indexer`), an alias, or words of its description, in singular or
  plural. Parts every cluster uses (`api`, `service`, `db`...) never match on their own.
- The scope to sweep: the mentioned namespaces, else the namespaces of the matching components,
  else every namespace the knowledge graph names, else None (the whole allowed cluster).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.graph import KnowledgeGraph
from knowledge.model import Component

_WORD = re.compile(r"[a-z0-9]+")
_NAMESPACE_STATED = (
    re.compile(r"\bnamespace\s*[=:]\s*\"?([a-z0-9][a-z0-9-]*)"),
    re.compile(r"\b(?:namespace|ns)\s+([a-z0-9][a-z0-9-]*)"),
    re.compile(r"\b([a-z0-9][a-z0-9-]*)\s+(?:namespace|ns)\b(?!\s*[=:])"),
    re.compile(r"\b([a-z0-9][a-z0-9-]*)/[a-z0-9][a-z0-9.-]*-[a-z0-9]{5}\b"),  # namespace/pod
)
# Parts of names that say what kind of thing it is, not which one: they match everything.
_GENERIC = frozenset(
    {
        *("api", "apis", "service", "services", "svc", "server", "app", "apps", "web", "worker", "workers"),
        *("job", "jobs", "db", "database", "cache", "queue", "backend", "frontend", "main", "core"),
        *("prod", "staging", "dev", "v1", "v2", "the", "and", "for", "with"),
    }
)
_MIN_WORD = 4
# Words after "namespace" that continue the sentence ("the shop namespace got evicted pods").
_NOT_A_NAMESPACE = frozenset(
    {"the", "this", "that", "a", "all", "every", "any", "is", "was", "are", "were", "has", "had", "got", "gets"}
    | {"keeps", "seems", "looks", "went", "and", "or", "but", "since", "for", "with"}
)


def stem(word: str) -> str:
    """Singular of a plural, well enough to compare ticket words with names ('indexers' -> 'indexer')."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower())}


def _same_word(part: str, word: str) -> bool:
    """'transcode' for 'transcoder', 'index' for 'indexer': one word, another ending."""
    if part == word:
        return True
    short, long = sorted((part, word), key=len)
    return len(short) >= 5 and long.startswith(short) and len(long) - len(short) <= 3


@dataclass(frozen=True)
class ComponentMatch:
    name: str
    score: int
    why: str


@dataclass(frozen=True)
class Scope:
    """The namespaces to sweep (None: every namespace the server may read) and why."""

    namespaces: list[str] | None
    reason: str
    mentioned_namespaces: list[str] = field(default_factory=list)
    components: list[ComponentMatch] = field(default_factory=list)

    def score_of(self, component: str | None) -> int:
        return next((m.score for m in self.components if m.name == component), 0)


def stated_namespaces(text: str) -> list[str]:
    """Words the text says are namespaces (`namespace=x`, `x namespace`, `ns x`, `x/pod-abcde`)."""
    lowered = text.lower()
    found = [m.group(1) for pattern in _NAMESPACE_STATED for m in pattern.finditer(lowered)]
    return list(dict.fromkeys(n for n in found if n not in _NOT_A_NAMESPACE))


def namespaces_in(text: str, graph: KnowledgeGraph) -> list[str]:
    lowered = text.lower()
    stated = stated_namespaces(lowered)
    known = {c.namespace for c in graph.components if c.namespace}
    words = set(re.findall(r"[a-z0-9][a-z0-9-]*", lowered))
    return list(dict.fromkeys([*stated, *sorted(known & words)]))


def _match(component: Component, text: str, words: set[str]) -> ComponentMatch | None:
    name = component.name.lower()
    if re.search(rf"(?<![a-z0-9-]){re.escape(name)}(?![a-z0-9-])", text):
        return ComponentMatch(component.name, 4, f"named {component.name!r}")
    for alias in component.aliases:
        alias_stems = _stems(alias)
        if alias_stems and alias_stems <= words:
            return ComponentMatch(component.name, 3, f"alias {alias!r}")
    parts = {stem(p) for p in _WORD.findall(name) if len(p) >= 3} - _GENERIC
    named = sorted(p for p in parts if any(_same_word(p, w) for w in words))
    if named:
        return ComponentMatch(component.name, 2, f"part of its name: {', '.join(named)}")
    described = sorted(
        w for w in _stems(component.description or "") & words if len(w) >= _MIN_WORD and w not in _GENERIC
    )
    if described:
        return ComponentMatch(component.name, 1, f"its description: {', '.join(described[:3])}")
    return None


def scope_of(text: str, graph: KnowledgeGraph, namespace: str | None, stop_words: frozenset[str]) -> Scope:
    lowered = text.lower()
    words = _stems(lowered) - stop_words
    matches = [m for c in graph.components if (m := _match(c, lowered, words)) is not None]
    matches.sort(key=lambda m: -m.score)
    mentioned = [namespace] if namespace else namespaces_in(lowered, graph)
    if mentioned:
        return Scope(mentioned, "the namespaces the ticket names", mentioned, matches)
    component_namespaces = [
        ns for m in matches if (c := graph.component(m.name)) is not None and (ns := c.namespace) is not None
    ]
    if component_namespaces:
        namespaces = list(dict.fromkeys(component_namespaces))
        return Scope(namespaces, "the namespaces of the components the ticket describes", [], matches)
    known = sorted({c.namespace for c in graph.components if c.namespace})
    if known:
        return Scope(known, "every namespace the knowledge graph names", [], matches)
    return Scope(None, "every namespace the Kubernetes server may read", [], matches)
