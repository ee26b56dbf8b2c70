"""Keep secrets out of everything the tools return.

Logs and event messages are written by applications that leak credentials: a debug line with
an Authorization header, a DSN with its password, a cloud key in a stack trace. Every string
a tool returns passes through `redact_text`; environment variables whose *name* says they are
secret are hidden whole by `redact_env_value`.

Contract:
- `redact_text(text)` returns the text with each secret replaced by `[REDACTED]` and how many
  were replaced. Only the secret goes: the key, scheme, host or header name around it stays, so
  an SRE can still read the line. Line endings (`\\n` or `\\r\\n`) are kept as they were.
- The rules are the maintained gitleaks rule set (`secret_rules.gitleaks_rules`, vendored as
  data) plus the hand-written rules (`secret_hand_rules.py`) for what it misses in cluster text: `key = value` in
  every syntax applications log, credentials in URLs, label-less key pairs, headers, cookies,
  private keys cut by a tail window.
- Cost: every rule names keywords; one scan of the lowercased text for all keywords at once
  finds the lines that may hold a secret, and only there, only the rules whose keywords occur
  run. A clean log line costs that one scan (bench/redaction.py measures it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from common.secret_hand_rules import (
    KEY_BODY_AT_LINE_END,
    KEY_BODY_LINE,
    LINE_RULES,
    LONG_BASE64_RUN,
    PRIVATE_KEY_BLOCK,
    PRIVATE_KEY_TAIL,
)
from common.secret_rules import ASCII_LOWER, Rule, gitleaks_rules, keyword_pattern

REDACTED = "[REDACTED]"

# An env var whose name says it holds a secret is hidden whole. "pass", "auth", "key", "sig" and
# "pw" count only as a whole word of the name: REDIS_AUTH and JWT_KEY do, AUTH_SERVICE_URL,
# PASSIVE_MODE and KEYCLOAK_REALM do not.
_SECRET_NAME = re.compile(
    r"password|passwd|passphrase|pwd|secret|token|api[-_]?key|apikey|private[-_]?key|credential|"
    r"access[-_]?key|session[-_]?key|signing[-_]?key|encryption[-_]?key|client[-_]?secret|"
    r"^dsn$|_dsn$|cookie|webhook|signature|salt|hmac|"
    r"(?:^|[_.-])(?:pass|pw|psk)(?:$|[_.-])|(?:^|[_.-])(?:auth|key|sig)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Engine:
    # Finds the longest keyword starting at a position. It is searched for again from the next
    # position, not from the end of the keyword, so overlapping keywords are all seen (a lookahead
    # would see them too, but costs `re` its fast skip over characters no keyword starts with).
    trigger: re.Pattern[str]
    # keyword -> the rules to run on a line holding it, including the rules of every keyword
    # that is a substring of it (the scan reports only the longest keyword at a position).
    rules_for: dict[str, tuple[Rule, ...]]
    order: dict[str, int]

    def line_spans(self, text: str, start: int, end: int, hits: dict[str, list[int]]) -> list[tuple[int, int]]:
        """The secrets in the line text[start:end], given where in it each keyword was found."""
        if text[end - 1 : end] == "\r":
            end -= 1  # CRLF: the rules see the line without its '\r', so `$` still ends it
        rules: dict[str, Rule] = {}
        where: dict[str, list[int]] = {}
        for keyword, positions in hits.items():
            for rule in self.rules_for[keyword]:
                rules[rule.id] = rule
                where.setdefault(rule.id, []).extend(positions)
        spans = []
        for rule_id in sorted(rules, key=self.order.__getitem__):
            for lo, hi in _segments(start, end, where[rule_id]):
                spans.extend(rules[rule_id].spans(text[lo:hi], lo))
        return spans


# A line longer than this is searched only around its keywords. Python's `re` backtracks, so a
# rule such as gitleaks' `[\w.-]{0,50}?(?:sumo)(?:[ \t\w.-]{0,20})...` costs seconds on a 200 KB
# line of base64; around each keyword it costs what it costs on an ordinary line. The window
# reaches far enough back for a label and far enough ahead for any token the rules describe.
_LONG_LINE = 4096
_BEFORE, _AFTER = 512, 4096


def _segments(start: int, end: int, positions: list[int]) -> list[tuple[int, int]]:
    if end - start <= _LONG_LINE:
        return [(start, end)]
    segments: list[tuple[int, int]] = []
    for position in sorted(positions):
        lo, hi = max(start, position - _BEFORE), min(end, position + _AFTER)
        if segments and lo <= segments[-1][1]:
            segments[-1] = (segments[-1][0], hi)
        else:
            segments.append((lo, hi))
    return segments


@cache
def _engine() -> _Engine:
    rules = (*LINE_RULES, *gitleaks_rules().rules)
    by_keyword: dict[str, list[Rule]] = {}
    for rule in rules:
        for keyword in rule.keywords:
            by_keyword.setdefault(keyword, []).append(rule)
    rules_for = {
        keyword: tuple(rule for other, found in by_keyword.items() if other in keyword for rule in found)
        for keyword in by_keyword
    }
    trigger = re.compile(keyword_pattern(by_keyword))
    return _Engine(trigger, rules_for, {rule.id: i for i, rule in enumerate(rules)})


def find_secrets(text: str) -> list[tuple[int, int]]:
    """Where the secrets in a text are: sorted, non-overlapping (start, end) spans."""
    engine = _engine()
    lowered = text.lower() if text.isascii() else text.translate(ASCII_LOWER)
    spans: list[tuple[int, int]] = []
    if "-----begin" in lowered:
        spans.extend(PRIVATE_KEY_BLOCK.spans(text))
    if "-----end" in lowered:
        spans.extend(PRIVATE_KEY_TAIL.spans(text))
    if LONG_BASE64_RUN.search(text):
        spans.extend(KEY_BODY_LINE.spans(text))
        spans.extend(KEY_BODY_AT_LINE_END.spans(text))
    line_start, line_end = 0, -1
    hits: dict[str, list[int]] = {}  # keyword -> where in the current line it was found
    search = engine.trigger.search
    match = search(lowered)
    while match is not None:
        position = match.start()
        if position >= line_end:
            if hits:
                spans.extend(engine.line_spans(text, line_start, line_end, hits))
            line_start = text.rfind("\n", 0, position) + 1
            line_end = text.find("\n", position)
            line_end = len(text) if line_end < 0 else line_end
            hits = {}
        hits.setdefault(match.group(), []).append(position)
        match = search(lowered, position + 1)
    if hits:
        spans.extend(engine.line_spans(text, line_start, line_end, hits))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def redact_text(text: str) -> tuple[str, int]:
    """The text with every secret-like value replaced, and how many were replaced."""
    if not text:
        return text, 0
    spans = find_secrets(text)
    if not spans:
        return text, 0
    pieces, last = [], 0
    for start, end in spans:
        pieces += (text[last:start], REDACTED)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), len(spans)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_env_value(name: str, value: str) -> tuple[str, bool]:
    """A literal env value as it may be shown: hidden whole when its name says it is secret."""
    if is_secret_name(name):
        return REDACTED, True
    redacted, count = redact_text(value)
    return redacted, count > 0
