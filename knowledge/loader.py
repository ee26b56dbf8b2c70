"""Reading a knowledge graph file: YAML in, a validated KnowledgeGraph out, or an error per problem
with the file, the line and the reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import KnowledgeGraphError, Problem
from .graph import KnowledgeGraph
from .messages import describe_error, yaml_kind
from .model import Component, Relationship
from .yaml_document import YamlDocument

DEFAULT_KNOWLEDGE_GRAPH = Path(__file__).parent / "knowledge_graph.yaml"
"""The graph of the bundled demo shop, used when no --knowledge-graph is given."""

TOP_LEVEL_KEYS = ("components", "relationships")

M = TypeVar("M", bound=BaseModel)


def load_knowledge_graph(path: str | os.PathLike[str]) -> KnowledgeGraph:
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise KnowledgeGraphError(
            [Problem(f"cannot read the knowledge graph: {error.strerror}", source=source)]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        reason = f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be decoded"
        raise KnowledgeGraphError([Problem(reason, source=source, line=line)]) from None
    return parse_knowledge_graph(text, source)


def parse_knowledge_graph(text: str, source_name: str = "<string>") -> KnowledgeGraph:
    document = YamlDocument.parse(text, source_name)
    components, relationships, problems = _read_entries(document.data)
    if problems:
        raise document.locate(problems)
    try:
        return KnowledgeGraph(components, relationships)
    except KnowledgeGraphError as error:
        raise document.locate(error.problems) from None


def _read_entries(data: object) -> tuple[list[Component], list[Relationship], list[Problem]]:
    if data is None:
        return [], [], [Problem("the file is empty: expected a mapping with a 'components' list")]
    if not isinstance(data, dict):
        allowed = " and ".join(f"'{key}'" for key in TOP_LEVEL_KEYS)
        return [], [], [Problem(f"expected a mapping with {allowed} at the top level, got {yaml_kind(data)}")]
    problems = [
        Problem(f"unknown top-level key '{key}' (allowed: {', '.join(TOP_LEVEL_KEYS)})", (key,))
        for key in data
        if key not in TOP_LEVEL_KEYS
    ]
    if "components" not in data:
        problems.append(Problem("missing top-level key 'components'"))
    components = _read_list(data, "components", Component, _component_label, problems)
    # An empty `relationships:` is a graph without relationships yet, not a mistake.
    relationships = _read_list(data, "relationships", Relationship, _relationship_label, problems)
    return components, relationships, problems


def _read_list(
    data: dict[object, object],
    section: str,
    model: type[M],
    label: Callable[[int, object], str],
    problems: list[Problem],
) -> list[M]:
    items = data.get(section)
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem(f"'{section}' must be a list, got {yaml_kind(items)}", (section,)))
        return []
    entries = []
    for index, item in enumerate(items):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as error:
            problems.extend(
                Problem(f"{label(index, item)}: {describe_error(detail, model)}", (section, index, *detail["loc"]))
                for detail in error.errors()
            )
    return entries


def _component_label(index: int, item: object) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"component '{name.strip()}'" if isinstance(name, str) and name.strip() else f"component #{index + 1}"


def _relationship_label(index: int, item: object) -> str:
    ends = (item.get("from"), item.get("to")) if isinstance(item, dict) else (None, None)
    if all(isinstance(end, str) for end in ends):
        return f"relationship {ends[0]} -> {ends[1]}"
    return f"relationship #{index + 1}"
