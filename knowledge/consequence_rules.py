"""Which findings explain which: `knowledge/consequences.yaml`, validated once at load.

Contract: `load_consequences(path)` returns `Consequences`, whose `explainers(finding)` are the
categories and rule ids that explain a finding (by its rule id first, then its category), and
`across_candidates(finding)` the same restricted to entries that hold between two workloads.
Every name must be a root-cause category (`knowledge/findings.py`) or a rule id (lower-case letters,
digits and dashes); anything else raises `ConsequenceError` naming the file and the entry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.errors import validation_problems
from knowledge.findings import Category, Finding
from knowledge.yaml_list import yaml_list

DEFAULT_CONSEQUENCES = Path(__file__).parent / "consequences.yaml"
_CATEGORIES = frozenset(get_args(Category))
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]*-[a-z0-9-]+|[a-z0-9]+")  # as RuleSpec.id; categories use underscores


class ConsequenceError(ValueError):
    """The consequences file cannot be used; the message names the file and the entry."""


def _known(name: str) -> str:
    if name not in _CATEGORIES and not _RULE_ID.fullmatch(name):
        raise ValueError(f"{name!r} is neither a category ({', '.join(sorted(_CATEGORIES))}) nor a rule id")
    return name


class Consequence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consequence: str
    explained_by: list[str] = Field(min_length=1)
    why: str
    across_candidates: bool = False

    @field_validator("consequence")
    @classmethod
    def _consequence_known(cls, value: str) -> str:
        return _known(value)

    @field_validator("explained_by")
    @classmethod
    def _explainers_known(cls, value: list[str]) -> list[str]:
        return [_known(v) for v in value]


class Consequences:
    def __init__(self, entries: list[Consequence]) -> None:
        self.entries = entries

    def _matching(self, finding: Finding, across: bool) -> frozenset[str]:
        names = (finding.rule_id, finding.category)
        return frozenset(
            name
            for entry in self.entries
            if entry.consequence in names and (entry.across_candidates or not across)
            for name in entry.explained_by
        )

    def explainers(self, finding: Finding) -> frozenset[str]:
        return self._matching(finding, across=False)

    def across_candidates(self, finding: Finding) -> frozenset[str]:
        return self._matching(finding, across=True)


def explains(explainers: frozenset[str], cause: Finding) -> bool:
    return cause.rule_id in explainers or cause.category in explainers


def load_consequences(path: Path = DEFAULT_CONSEQUENCES) -> Consequences:
    entries = []
    for index, raw in enumerate(yaml_list(path, "consequences", ConsequenceError)):
        try:
            entries.append(Consequence.model_validate(raw))
        except ValidationError as exc:
            raise ConsequenceError(f"{path}: entry #{index + 1}: {validation_problems(exc, 'entry')}") from exc
    return Consequences(entries)
