"""A YAML document that remembers where each value was written, so that errors can cite lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import yaml

from .errors import DocPath, KnowledgeGraphError, Problem

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlDocument:
    source: str
    root: yaml.Node | None
    data: object

    @classmethod
    def parse(cls, text: str, source: str) -> YamlDocument:
        """Safe-load one document; syntax errors and duplicate keys (which PyYAML would silently let
        the last one win) raise KnowledgeGraphError with their line."""
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return cls(source, None, None)
            duplicates = [Problem(reason, source=source, line=line) for line, reason in sorted(_duplicate_keys(root))]
            if duplicates:
                raise KnowledgeGraphError(duplicates)
            return cls(source, root, loader.construct_document(root))
        except yaml.MarkedYAMLError as error:
            raise KnowledgeGraphError([_syntax_problem(error, source)]) from None
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            reason = f"invalid YAML: unacceptable character #x{error.character:04x}: {error.reason}"
            raise KnowledgeGraphError([Problem(reason, source=source, line=line)]) from None
        finally:
            loader.dispose()

    def line_of(self, path: DocPath) -> int:
        """The line of the deepest part of `path` that exists: the key for a mapping entry (where
        people look), the item for a list entry. A missing key resolves to its parent."""
        if self.root is None:
            return 1  # an empty file still has a first line to point editors at
        node = self.root
        line = node.start_mark.line + 1
        for step in path:
            found = _child(node, step)
            if found is None:
                break
            marker, node = found
            line = marker.start_mark.line + 1
        return line

    def locate(self, problems: Sequence[Problem]) -> KnowledgeGraphError:
        """The problems, each given this file and its line, in the order they appear in the file."""
        located = [self._locate(p) for p in problems]
        return KnowledgeGraphError(sorted(located, key=lambda p: p.line or 0))

    def _locate(self, problem: Problem) -> Problem:
        reason = problem.reason
        if problem.related is not None:
            reason += f" ({problem.related.label} at line {self.line_of(problem.related.path)})"
        return replace(problem, reason=reason, related=None, source=self.source, line=self.line_of(problem.path))


def _child(node: yaml.Node, step: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(node to cite, node to descend into) for one step of a path."""
    if isinstance(node, yaml.MappingNode):
        for key, value in reversed(node.value):  # the last of equal keys is the one that was loaded
            if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                return key, value
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item = node.value[step]
        return item, item
    return None


def _duplicate_keys(root: yaml.Node) -> Iterator[tuple[int, str]]:
    # Aliases make the node tree a graph (possibly cyclic); visit each node once.
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                pending.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                    continue
                line = key.start_mark.line + 1
                if key.value in first_line:
                    yield line, f"duplicate key '{key.value}' (first at line {first_line[key.value]})"
                else:
                    first_line[key.value] = line
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def _syntax_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    problem, context = error.problem or "", error.context or ""
    if problem.startswith("but "):  # PyYAML splits some sentences: "expected X" / "but found Y"
        reason = f"{context}, {problem}"
    elif context and error.context_mark is not None:
        reason = f"{problem} ({context} at line {error.context_mark.line + 1})"
    else:
        reason = problem or context
    return Problem(f"invalid YAML: {reason}", source=source, line=None if mark is None else mark.line + 1)
