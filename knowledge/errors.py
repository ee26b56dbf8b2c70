"""The one error a knowledge graph raises: every problem found, each with its file, line and reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DocPath = tuple[str | int, ...]
"""Where a value sits in the document, e.g. ("relationships", 3, "to")."""

PROGRAMMATIC_SOURCE = "<knowledge graph>"


def format_path(path: DocPath) -> str:
    """("components", 2, "name") -> "components[2].name", for graphs built in code (no lines to cite)."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


@dataclass(frozen=True)
class Related:
    """Another place a problem involves, e.g. where a duplicated name was first defined."""

    label: str
    path: DocPath


@dataclass(frozen=True)
class Problem:
    reason: str
    path: DocPath = ()
    related: Related | None = None
    source: str = PROGRAMMATIC_SOURCE
    line: int | None = None

    @property
    def message(self) -> str:
        if self.related is None:
            return self.reason
        return f"{self.reason} ({self.related.label} at {format_path(self.related.path)})"

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class KnowledgeGraphError(ValueError):
    """A knowledge graph that cannot be used. A ValueError so that startup code which already
    reports bad configuration values reports this one too, one problem per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("KnowledgeGraphError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def reason(self) -> str:
        return self.problems[0].message
