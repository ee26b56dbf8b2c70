"""Codified SRE rules: YAML files with CEL conditions, compiled once, evaluated over facts.

A rule looks at one kind of fact (`for_each`: each container, event, log line, dependency, or
the pod, its owner workload or node), selects items with an optional regular expression on
their text (`pattern`, so that only a few log lines reach CEL) and a CEL condition (`when`),
and turns each match into a finding: a root-cause category, a sentence, a confidence that
corroborating conditions raise, the evidence ids of the matched items, and a remediation.

Rules are data: a user adds one by dropping a YAML file into a rules directory. Every file is
checked at load, and an invalid one fails startup naming the file and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.errors import validation_problems
from knowledge.cel_engine import cel
from knowledge.findings import Category, Evaluation, Finding, confidence_score
from knowledge.yaml_list import yaml_list

DEFAULT_RULES_DIR = Path(__file__).parent / "rules"

FactKind = Literal[
    "pod", "containers", "events", "log_lines", "dependencies", "owner", "node", "service", "changes", "neighbours"
]
# Which text field a rule's `pattern` is matched against, per kind of fact.
_PATTERN_FIELD: dict[str, str] = {"events": "message", "log_lines": "text", "containers": "message"}
_MAX_EVIDENCE_PER_FINDING = 8
# What a condition may refer to: the facts (see graphs/facts.py) and the item under test.
FACT_NAMES = frozenset(
    {
        "pod",
        "containers",
        "events",
        "log_lines",
        "dependencies",
        "owner",
        "node",
        "component",
        "symptoms",
        "changes",
        "neighbours",
        "item",
    }
)

_templates = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True)


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the rule."""


class Corroboration(BaseModel):
    """A condition that raises a finding's confidence; `cite` adds what corroborates it to the evidence."""

    model_config = ConfigDict(extra="forbid")
    when: str | None = Field(None, description="CEL; without it, the corroboration holds when `cite` finds any.")
    add: float = Field(gt=0, le=0.5)
    why: str = Field(description="Template; `cited` is what `cite` returned.")
    cite: str | None = Field(
        None, description="CEL: a list of facts (or evidence ids) whose evidence the finding also cites."
    )

    @model_validator(mode="after")
    def _when_or_cite(self) -> Corroboration:
        if self.when is None and self.cite is None:
            raise ValueError("a corroboration needs `when`, `cite` or both")
        return self


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: Category
    title: str
    for_each: FactKind
    pattern: str | None = None
    when: str = "true"
    confidence: float = Field(gt=0, le=1)
    corroborate: list[Corroboration] = Field(default_factory=list)
    root_cause: str
    remediation: str
    dependency: str | None = Field(None, description="Template naming the dependency a finding is about.")
    culprit: str | None = Field(
        None, description="Template: 'namespace/pod' of another pod that causes what the investigated one shows."
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return value


@dataclass(frozen=True)
class _Compiled:
    spec: RuleSpec
    order: int
    file: str
    pattern: re.Pattern[str] | None
    when: Any
    corroborations: tuple[tuple[Any, float, Any, Any], ...]
    root_cause: Any
    remediation: Any
    dependency: Any
    culprit: Any
    facts: frozenset[str]  # the names its CEL refers to (besides `item`): what its context must hold


class _Contexts:
    """The CEL contexts of one evaluation: one per set of facts that rules refer to, made at first use.

    The CEL binding copies every variable of a context into each evaluation that follows a
    change to it, and every item is such a change: with all the facts in one context that copy
    cost ~175 us per item and rule (two thirds of the correlate step's CPU), against a few us
    with only the facts the rule reads. Converting a fact to CEL costs too (a pod ~0.2 ms, 42 log
    lines ~1.7 ms), so each set is converted once, and only when a rule with that set has an item.
    """

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self._facts = facts
        self._made: dict[frozenset[str], Any] = {}

    def holding(self, names: frozenset[str]) -> Any:
        context = self._made.get(names)
        if context is None:
            context = cel.Context(variables={name: self._facts[name] for name in names if name in self._facts})
            self._made[names] = context
        return context


class RuleSet:
    def __init__(self, rules: Iterable[_Compiled]) -> None:
        self._rules = tuple(rules)

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        return tuple(rule.spec for rule in self._rules)

    def files(self) -> dict[str, str]:
        """Rule id -> the file that defines it."""
        return {rule.spec.id: rule.file for rule in self._rules}

    def evaluate(self, facts: Mapping[str, Any]) -> Evaluation:
        """Findings ranked by confidence, then by rule order (earlier rules are more specific)."""
        contexts = _Contexts(facts)
        errors: list[str] = []
        ranked: dict[tuple[str, str], tuple[int, Finding]] = {}
        for rule in self._rules:
            for item in _items(facts, rule.spec.for_each):
                if rule.pattern is not None and not rule.pattern.search(
                    str(item.get(_PATTERN_FIELD.get(rule.spec.for_each, "message"), ""))
                ):
                    continue
                context = contexts.holding(rule.facts)
                context.add_variable("item", item)
                try:
                    if rule.when.execute(context) is not True:
                        continue
                except (KeyError, ValueError, TypeError, RuntimeError) as exc:
                    # A rule that trips over facts it did not expect must not end the investigation.
                    errors.append(f"rule {rule.spec.id!r} could not be evaluated: {exc}")
                    continue
                try:
                    finding = _finding(rule, item, context, facts)
                except (KeyError, ValueError, TypeError, RuntimeError, TemplateError) as exc:
                    # A corroboration or template that trips over the facts costs this finding, not the rest.
                    errors.append(f"rule {rule.spec.id!r} could not be evaluated: {exc}")
                    continue
                # One finding per rule (per dependency for rules about one): ten log lines saying
                # the same thing are one finding with ten pieces of evidence.
                key = (rule.spec.id, finding.dependency or "")
                if key in ranked:
                    merged = ranked[key][1]
                    merged.evidence = _merge_evidence(merged.evidence, finding.evidence)
                    if finding.confidence > merged.confidence:
                        merged.confidence, merged.confidence_score = finding.confidence, finding.confidence_score
                        merged.root_cause, merged.corroborated_by = finding.root_cause, finding.corroborated_by
                else:
                    ranked[key] = (rule.order, finding)
        findings = [f for _, f in sorted(ranked.values(), key=lambda pair: (-pair[1].confidence, pair[0]))]
        return Evaluation(findings=findings, errors=errors)


def _items(facts: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    value = facts.get(kind)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _merge_evidence(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys(first + second))[:_MAX_EVIDENCE_PER_FINDING]


def _cited(value: Any) -> list[Any]:
    """What a `cite` expression returned: facts carrying `evidence`, or evidence ids."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) or (isinstance(v, Mapping) and v.get("evidence"))]


def _finding(rule: _Compiled, item: Mapping[str, Any], context: Any, facts: Mapping[str, Any]) -> Finding:
    variables = {**facts, "item": item}
    confidence = rule.spec.confidence
    corroborated_by = []
    evidence = [str(item["evidence"])] if item.get("evidence") else []
    for condition, add, why, cite in rule.corroborations:
        cited = _cited(cite.execute(context)) if cite is not None else []
        if (condition.execute(context) is True) if condition is not None else bool(cited):
            confidence += add
            corroborated_by.append(why.render({**variables, "cited": cited}))
            # What corroborates a finding is part of its evidence: a reader can open it.
            evidence += [str(c["evidence"]) if isinstance(c, Mapping) else str(c) for c in cited]
    confidence = round(min(confidence, 0.99), 2)
    return Finding(
        rule_id=rule.spec.id,
        category=rule.spec.category,
        title=rule.spec.title,
        root_cause=rule.root_cause.render(variables).strip(),
        confidence=confidence,
        confidence_score=confidence_score(confidence),
        evidence=_merge_evidence(evidence, []),
        remediation=rule.remediation.render(variables).strip(),
        dependency=(rule.dependency.render(variables).strip() or None) if rule.dependency else None,
        culprit=(rule.culprit.render(variables).strip() or None) if rule.culprit else None,
        corroborated_by=corroborated_by,
    )


def _compile(spec: RuleSpec, order: int, where: str) -> _Compiled:
    names: set[str] = set()

    def expression(source: str, field: str) -> Any:
        try:
            program = cel.compile(source)
        except ValueError as exc:
            raise RuleError(f"{where}: rule {spec.id!r}: {field} is not valid CEL: {exc}") from exc
        # Comprehension variables (the c in containers.exists(c, ...)) are reported too; only
        # names that look like typos of facts are worth refusing.
        unknown = [name for name in program.variables() if name not in FACT_NAMES and len(name) > 2]
        if unknown:
            raise RuleError(
                f"{where}: rule {spec.id!r}: {field} refers to unknown {', '.join(unknown)} "
                f"(facts are: {', '.join(sorted(FACT_NAMES))})"
            )
        names.update(program.variables())
        return program

    def template(source: str, field: str) -> Any:
        try:
            return _templates.from_string(source)
        except TemplateError as exc:
            raise RuleError(f"{where}: rule {spec.id!r}: {field} is not a valid template: {exc}") from exc

    when = expression(spec.when, "when")
    corroborations = tuple(
        (
            expression(c.when, f"corroborate[{i}].when") if c.when is not None else None,
            c.add,
            template(c.why, f"corroborate[{i}].why"),
            expression(c.cite, f"corroborate[{i}].cite") if c.cite else None,
        )
        for i, c in enumerate(spec.corroborate)
    )
    return _Compiled(
        spec=spec,
        order=order,
        file=where,
        pattern=re.compile(spec.pattern, re.IGNORECASE) if spec.pattern else None,
        when=when,
        corroborations=corroborations,
        root_cause=template(spec.root_cause, "root_cause"),
        remediation=template(spec.remediation, "remediation"),
        dependency=template(spec.dependency, "dependency") if spec.dependency else None,
        culprit=template(spec.culprit, "culprit") if spec.culprit else None,
        # Comprehension variables are among the names too; they name no fact, so they add nothing.
        facts=frozenset(names - {"item"}),
    )


def _rule_specs(path: Path) -> list[tuple[RuleSpec, str]]:
    specs = []
    for index, raw in enumerate(yaml_list(path, "rules", RuleError)):
        name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
        try:
            specs.append((RuleSpec.model_validate(raw), str(path)))
        except ValidationError as exc:
            raise RuleError(f"{path}: rule {name!r}: {validation_problems(exc, 'rule')}") from exc
    return specs


def load_rules(*directories: Path) -> RuleSet:
    """Every `*.yaml` in the directories, in name order; later directories add rules."""
    compiled: list[_Compiled] = []
    seen: dict[str, str] = {}
    for directory in directories or (DEFAULT_RULES_DIR,):
        if not directory.is_dir():
            raise RuleError(f"{directory}: rules directory does not exist")
        for path in sorted(directory.glob("*.yaml")):
            for spec, where in _rule_specs(path):
                if spec.id in seen:
                    raise RuleError(f"{where}: rule {spec.id!r} is already defined in {seen[spec.id]}")
                seen[spec.id] = where
                compiled.append(_compile(spec, len(compiled), where))
    return RuleSet(compiled)
