"""Kubernetes label and field selectors, parsed once and matched against raw objects.

The snapshot backend needs the same filtering the API server does, so that a tool gives the
same answer whichever backend serves it. The grammar follows
k8s.io/apimachinery/pkg/labels (equality, set-based and existence requirements) and
pkg/fields (equality and inequality on dotted paths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Operator = Literal["=", "!=", "in", "notin", "exists", "!"]

_SET_REQUIREMENT = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY_REQUIREMENT = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_EXISTENCE_REQUIREMENT = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*$")


class SelectorError(ValueError):
    """A selector string that does not parse; the message says which part."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" match objects without the key, as the API server does.
        return not present or labels[self.key] not in self.values


def _split_top_level(selector: str) -> list[str]:
    """Split on commas that are not inside the parentheses of a set requirement."""
    parts, depth, current = [], 0, []
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def parse_label_selector(selector: str | None) -> tuple[Requirement, ...]:
    if not selector or not selector.strip():
        return ()
    requirements = []
    for part in _split_top_level(selector):
        if match := _SET_REQUIREMENT.match(part):
            values = frozenset(v.strip() for v in match.group(3).split(",") if v.strip())
            requirements.append(Requirement(match.group(1), match.group(2), values))  # type: ignore[arg-type]
        elif match := _EQUALITY_REQUIREMENT.match(part):
            operator: Operator = "!=" if match.group(2) == "!=" else "="
            requirements.append(Requirement(match.group(1), operator, frozenset({match.group(3)})))
        elif match := _EXISTENCE_REQUIREMENT.match(part):
            requirements.append(Requirement(match.group(2), "!" if match.group(1) else "exists"))
        else:
            raise SelectorError(f"cannot parse label selector requirement {part.strip()!r}")
    return tuple(requirements)


def parse_field_selector(selector: str | None) -> tuple[Requirement, ...]:
    if not selector or not selector.strip():
        return ()
    requirements = []
    for part in selector.split(","):
        match = _EQUALITY_REQUIREMENT.match(part)
        if not match:
            raise SelectorError(f"cannot parse field selector requirement {part.strip()!r}")
        operator: Operator = "!=" if match.group(2) == "!=" else "="
        requirements.append(Requirement(match.group(1), operator, frozenset({match.group(3)})))
    return tuple(requirements)


# Field selectors the API server reads from Go booleans: an absent one is "false", not "".
_BOOLEAN_FIELDS = frozenset({"spec.unschedulable", "spec.hostNetwork"})


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string value at a dotted path, or "" when absent (how the API server compares)."""
    value: Any = obj
    for key in path.split("."):
        if not isinstance(value, Mapping):
            value = None
            break
        value = value.get(key)
    if value is None and path in _BOOLEAN_FIELDS:
        value = False
    if isinstance(value, bool):
        # Go formats booleans lowercase: `spec.unschedulable=true` must match True.
        return "true" if value else "false"
    return "" if value is None else str(value)


def matches(
    obj: Mapping[str, Any],
    labels: tuple[Requirement, ...] = (),
    fields: tuple[Requirement, ...] = (),
) -> bool:
    object_labels = (obj.get("metadata") or {}).get("labels") or {}
    if not all(requirement.matches(object_labels) for requirement in labels):
        return False
    for requirement in fields:
        value = field_value(obj, requirement.key)
        if requirement.matches({requirement.key: value}) is False:
            return False
    return True
