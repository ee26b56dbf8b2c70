"""Rules a graph must satisfy beyond the shape of each entry: names are unique, relationships
name real components, and no pod or host name could belong to two components."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterator, Sequence

from .errors import Problem, Related
from .model import Component, Relationship

_KNOWN_SHOWN = 10


def find_problems(components: Sequence[Component], relationships: Sequence[Relationship]) -> list[Problem]:
    duplicates = list(_duplicate_names(components))
    # A component defined twice would also clash with itself below; one report of the mistake is enough.
    repeated = {p.path[1] for p in duplicates}
    distinct = [c for i, c in enumerate(components) if i not in repeated]
    return [
        *duplicates,
        *_ambiguous_ownership(components, distinct),
        *_relationship_problems({c.name for c in components}, relationships),
    ]


def unknown_name_hint(name: str, known: set[str]) -> str:
    if not known:
        return "no components are defined"
    listing = sorted(known)
    shown = ", ".join(listing[:_KNOWN_SHOWN]) + (", ..." if len(listing) > _KNOWN_SHOWN else "")
    close = difflib.get_close_matches(name, listing, n=1)
    return f"did you mean '{close[0]}'? known: {shown}" if close else f"known: {shown}"


def _duplicate_names(components: Sequence[Component]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, component in enumerate(components):
        if component.name in first:
            where = Related("first defined", ("components", first[component.name], "name"))
            yield Problem(f"duplicate component name '{component.name}'", ("components", index, "name"), where)
        else:
            first[component.name] = index


def _ambiguous_ownership(components: Sequence[Component], checked: Sequence[Component]) -> Iterator[Problem]:
    """Two components claiming the same pods, Service or host would make lookups depend on file order."""
    owners: dict[tuple[str, Hashable], int] = {}
    index_of = {id(c): i for i, c in enumerate(components)}
    for component in checked:
        index = index_of[id(component)]
        for field, key, what in _claims(component):
            owner = owners.setdefault((field, key), index)
            if owner != index:
                other = components[owner].name
                yield Problem(
                    f"component '{component.name}': {what} already belongs to component '{other}'",
                    ("components", index, field),
                    Related("claimed", ("components", owner, field)),
                )


def _claims(component: Component) -> Iterator[tuple[str, Hashable, str]]:
    ns = component.namespace
    if component.selector is not None and ns is not None:
        yield (
            "selector",
            (ns, frozenset(component.selector.items())),
            f"selector {_labels(component.selector)} in namespace '{ns}'",
        )
    if component.service is not None and ns is not None:
        yield "service", (ns, component.service), f"service '{component.service}' in namespace '{ns}'"
    for host in component.hosts:
        yield "hosts", host, f"host '{host}'"


def _relationship_problems(known: set[str], relationships: Sequence[Relationship]) -> Iterator[Problem]:
    first: dict[tuple[str, str, str], int] = {}
    for index, rel in enumerate(relationships):
        label = f"relationship {rel.from_} -> {rel.to}"
        for end, name in (("from", rel.from_), ("to", rel.to)):
            if name not in known:
                hint = unknown_name_hint(name, known)
                yield Problem(f"{label}: unknown component '{name}' ({hint})", ("relationships", index, end))
        if rel.from_ == rel.to:
            yield Problem(f"{label}: a component cannot depend on itself", ("relationships", index))
        key = (rel.from_, rel.to, rel.type)
        if key in first:
            yield Problem(
                f"{label}: listed twice", ("relationships", index), Related("first", ("relationships", first[key]))
            )
        else:
            first[key] = index


def _labels(selector: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
