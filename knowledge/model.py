"""The two kinds of entries in a knowledge graph file, validated at the boundary."""

from __future__ import annotations

from typing import Annotated, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .host_names import normalize_host

ComponentType = Literal["service", "database", "cache", "queue", "external"]
RelationshipType = Literal["depends_on"]
COMPONENT_TYPES: tuple[str, ...] = get_args(ComponentType)
RELATIONSHIP_TYPES: tuple[str, ...] = get_args(RelationshipType)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Component(BaseModel):
    """Something the application is made of: a workload in the cluster or an external system."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    type: ComponentType
    namespace: Name | None = None
    selector: dict[str, str] | None = None
    service: Name | None = None
    runbook: str | None = None
    description: str | None = None
    hosts: tuple[str, ...] = ()
    # Words people use for it in tickets ("wishlist", "favourites"): symptom-first triage matches them.
    aliases: tuple[str, ...] = ()

    # The selector dict is not hashable; a name is unique within a graph, so it identifies a component.
    def __hash__(self) -> int:
        return hash((self.name, self.type, self.namespace))

    @field_validator("selector")
    @classmethod
    def _selector_not_empty(cls, selector: dict[str, str] | None) -> dict[str, str] | None:
        if selector is not None and not selector:
            raise ValueError("selector must not be empty: an empty selector would match every pod")
        return selector

    @field_validator("hosts")
    @classmethod
    def _normalized_hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        # Stored in the form lookups normalize to, so `https://API.example.com:443` in the file still matches.
        normalized = tuple(dict.fromkeys(normalize_host(h) for h in hosts))
        if "" in normalized:
            raise ValueError("hosts must not contain an empty host name")
        return normalized

    @model_validator(mode="after")
    def _in_cluster_needs_pods(self) -> Self:
        # Only external systems live outside the cluster; anything else must say where its pods are,
        # or no pod could ever be mapped to it.
        if self.type != "external":
            missing = [key for key in ("namespace", "selector") if getattr(self, key) is None]
            if missing:
                raise ValueError(
                    f"a {self.type} component needs {' and '.join(missing)} (only external components may omit them)"
                )
        return self


class Relationship(BaseModel):
    """`from_` depends on `to`. `from` is a Python keyword, so the attribute is `from_`; the file (and
    `model_dump(by_alias=True)`) spells it `from`."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    from_: Name = Field(alias="from")
    to: Name
    type: RelationshipType = "depends_on"
