"""Which component a host name seen in a log line refers to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .host_names import normalize_host, service_references
from .model import Component


@dataclass(frozen=True)
class HostIndex:
    declared: Mapping[str, Component]  # a component's `hosts`, matched exactly
    qualified: Mapping[tuple[str, str], Component]  # (service or component name, namespace)
    bare: Mapping[str, tuple[Component, ...]]  # a single-label name: may exist in several namespaces

    @classmethod
    def build(cls, components: Sequence[Component]) -> HostIndex:
        declared = {host: c for c in components for host in c.hosts}
        qualified: dict[tuple[str, str], Component] = {}
        bare: dict[str, list[Component]] = {}
        # Service names go first: DNS resolves them, so they beat a component merely named the same.
        for name, component in [(c.service, c) for c in components] + [(c.name, c) for c in components]:
            if name is None:
                continue
            name = name.lower()
            if component.namespace is not None:
                qualified.setdefault((name, component.namespace), component)
            owners = bare.setdefault(name, [])
            if component not in owners:
                owners.append(component)
        return cls(declared, qualified, {name: tuple(owners) for name, owners in bare.items()})

    def lookup(self, host: str, namespace: str | None = None) -> Component | None:
        name = normalize_host(host)
        if not name:
            return None
        if (component := self.declared.get(name)) is not None:
            return component
        labels = name.split(".")
        if len(labels) == 1:
            return self._bare(name, namespace)
        for reference in service_references(labels):
            if (component := self.qualified.get(reference)) is not None:
                return component
        return None

    def _bare(self, name: str, namespace: str | None) -> Component | None:
        candidates = self.bare.get(name, ())
        # A single-label name resolves through the caller's own namespace first, as cluster DNS does.
        if namespace is not None:
            for component in candidates:
                if component.namespace == namespace:
                    return component
        return candidates[0] if len(candidates) == 1 else None
