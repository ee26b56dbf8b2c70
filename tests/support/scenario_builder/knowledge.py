"""The knowledge graph of a scenario, in the schema knowledge/model.py checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

COMPONENT_TYPES = ("service", "database", "cache", "queue", "external")


@dataclass
class Component:
    name: str
    type: str
    namespace: str | None = None
    selector: dict[str, str] | None = None
    service: str | None = None
    runbook: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"name": self.name, "type": self.type}
        for key in ("namespace", "selector", "service", "runbook", "description"):
            value = getattr(self, key)
            if value:
                body[key] = value
        if self.aliases:
            body["aliases"] = list(self.aliases)
        return body


@dataclass
class KnowledgeGraph:
    components: list[Component] = field(default_factory=list)
    relationships: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, component: Component) -> Component:
        if component.type not in COMPONENT_TYPES:
            raise ValueError(f"component {component.name}: type must be one of {COMPONENT_TYPES}")
        if any(c.name == component.name for c in self.components):
            raise ValueError(f"component {component.name} defined twice")
        self.components.append(component)
        return component

    def external(self, name: str, description: str) -> Component:
        """A dependency outside the cluster (a SaaS API, a managed database)."""
        return self.add(Component(name, "external", description=description))

    def depends(self, source: str, *targets: str) -> None:
        for target in targets:
            self.relationships.append((source, target, "depends_on"))

    def component(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(f"no component {name!r} in the knowledge graph")

    def check(self) -> None:
        names = {c.name for c in self.components}
        for source, target, _ in self.relationships:
            missing = {source, target} - names
            if missing:
                raise ValueError(f"relationship {source} -> {target} names unknown components {sorted(missing)}")

    def to_yaml(self) -> str:
        self.check()
        document = {
            "components": [c.as_dict() for c in self.components],
            "relationships": [{"from": s, "to": t, "type": kind} for s, t, kind in self.relationships],
        }
        return yaml.safe_dump(document, sort_keys=False, width=120, default_flow_style=None)
