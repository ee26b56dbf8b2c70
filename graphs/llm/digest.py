"""What the LLM may read of an investigation: the evidence, redacted, escaped and cut to a token budget.

Everything here came from the cluster (log lines, event messages, container messages) or from
whoever reported the incident, so all of it is untrusted. It goes to the model as JSON strings
inside one data block, with `<` and `>` escaped, so no line can close the block or pose as
another part of the prompt. Lines that read like instructions to a model (`injection.py`) are
listed, so the report can say that the evidence tried to talk to one.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from common.redaction import redact_text
from graphs.llm.client import estimate_tokens
from graphs.llm.injection import addresses_a_model
from graphs.log_lines import numbered_log_lines

_MAX_ITEM_CHARS = 300
_MAX_LOG_CHARS = 240
_RECENT_LOG_LINES = 40  # per excerpt: the lines a crash is explained by are near the end
_MAX_FINDINGS = 3
_DIGITS = re.compile(r"\d+")


@dataclass
class Digest:
    """The evidence as the model sees it, and what that view leaves out."""

    items: list[dict[str, str]] = field(default_factory=list)
    left_out: int = 0
    addresses_a_model: list[str] = field(default_factory=list)  # evidence ids

    @property
    def ids(self) -> set[str]:
        return {item["id"] for item in self.items}

    def as_json(self) -> str:
        """One item a line: easy for the model to read, and fewer tokens than indented JSON."""
        lines = ",\n".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in self.items)
        return escape_markup(f"[\n{lines}\n]")


def escape_markup(text: str) -> str:
    """JSON text with `<` and `>` as \\u escapes: still the same JSON, but no tag can appear in it."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def untrusted(text: str, limit: int) -> str:
    """A redacted, single-line, bounded copy of a text from the cluster or the reporter."""
    cleaned = " ".join(redact_text(text)[0].split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _distinct_newest_first(excerpt: dict[str, Any], listed: set[str]) -> list[tuple[str, str]]:
    """The excerpt's recent lines, newest first, each kind of line once: a probe's 404 every 5 s is one
    line saying how often it repeats, so the budget buys more of the story."""
    kinds: dict[str, list[tuple[str, str]]] = {}
    for item_id, _, text in reversed(numbered_log_lines(excerpt)[-_RECENT_LOG_LINES:]):
        if item_id not in listed and text.strip():
            kinds.setdefault(_DIGITS.sub("#", text), []).append((item_id, text))
    distinct = []
    for (item_id, text), *alike in kinds.values():
        distinct.append((item_id, f"{text} [and {len(alike)} more lines like it]" if alike else text))
    return distinct


def _latest_log_lines(logs: list[dict[str, Any]], listed: set[str]) -> list[tuple[str, str, str]]:
    """Log lines newest first, taking turns between the excerpts, so a cut budget keeps each one's end."""
    newest_first = [_distinct_newest_first(excerpt, listed) for excerpt in logs]
    turns = itertools.zip_longest(*newest_first)
    return [(i, "log", untrusted(t, _MAX_LOG_CHARS)) for turn in turns for i, t in filter(None, turn)]


def build_digest(catalog: list[dict[str, Any]], logs: list[dict[str, Any]], token_budget: int) -> Digest:
    """The catalog (cited items first, as correlate ordered it), then the latest log lines, until the budget."""
    candidates = [(item["id"], item["kind"], untrusted(item["summary"], _MAX_ITEM_CHARS)) for item in catalog]
    candidates += _latest_log_lines(logs, {item_id for item_id, _, _ in candidates})
    digest = Digest()
    spent = 0
    for item_id, kind, text in candidates:
        item = {"id": item_id, "kind": kind, "text": text}
        cost = estimate_tokens(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        if spent + cost > token_budget:
            digest.left_out += 1
            continue  # a shorter item further down may still fit
        spent += cost
        digest.items.append(item)
        if addresses_a_model(text):
            digest.addresses_a_model.append(item_id)
    # Logs back in reading order: the model follows a story better forwards.
    digest.items.sort(key=_reading_order)
    return digest


def _reading_order(item: dict[str, str]) -> tuple[int, str, int]:
    if item["kind"] != "log":
        return (0, "", 0)
    stream, _, number = item["id"].rpartition(":")
    return (1, stream, int(number))


def verdict(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules' findings, as much of them as the model needs to explain them."""
    return [
        {
            "rule_id": finding["rule_id"],
            "category": finding["category"],
            "confidence_score": finding["confidence_score"],
            # Rule texts quote the cluster (a container message, a log line): untrusted too.
            "title": untrusted(finding["title"], _MAX_ITEM_CHARS),
            "root_cause": untrusted(finding["root_cause"], _MAX_ITEM_CHARS),
            "evidence": finding["evidence"],
            "dependency": finding.get("dependency"),
        }
        for finding in findings[:_MAX_FINDINGS]
    ]


def verdict_json(findings: list[dict[str, Any]]) -> str:
    return escape_markup(json.dumps(verdict(findings), ensure_ascii=False))
