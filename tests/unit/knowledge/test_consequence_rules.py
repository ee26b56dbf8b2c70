"""What explains what is data (knowledge/consequences.yaml), checked when it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.consequence_rules import DEFAULT_CONSEQUENCES, ConsequenceError, load_consequences
from knowledge.rule_engine import load_rules


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "consequences.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bundled_name_is_a_category_or_a_bundled_rule() -> None:
    entries = load_consequences().entries
    rule_ids = {rule.id for rule in load_rules().rules}
    named = {e.consequence for e in entries} | {n for e in entries for n in e.explained_by}
    unknown = {n for n in named if "_" not in n and n not in rule_ids}
    assert entries and not unknown, f"{DEFAULT_CONSEQUENCES} names rules that do not exist: {unknown}"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "consequences:\n  - {consequence: eviction, explained_by: [Node Failure], why: x}\n",
            "entry #1: explained_by",
        ),
        ("consequences:\n  - {consequence: evictions_all, explained_by: [node_failure], why: x}\n", "evictions_all"),
        ("consequences:\n  - {consequence: eviction, explained_by: [], why: x}\n", "at least 1 item"),
        ("consequences:\n  - {consequence: eviction, explained_by: [node_failure], why: x, across: true}\n", "across"),
        ("- {consequence: eviction}\n", "a mapping with a 'consequences' list"),
        ("consequences: [\n", "cannot read"),
    ],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_entry(tmp_path: Path, text: str, complaint: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConsequenceError, match=complaint) as caught:
        load_consequences(path)
    assert str(path) in str(caught.value)
