"""Secret-detection rules: what a rule is, and the maintained gitleaks rule set loaded as one.

A `Rule` finds secrets in one line of text (or, when `multiline`, in a whole text): its regex
matches, the secret is one capture group of the match, and the match counts only when the
secret passes the rule's entropy floor and allow-lists. Each rule names lowercase `keywords`,
one of which must occur in the text for the rule to run at all: that pre-filter is what keeps a
clean log line cheap, whatever the number of rules.

`gitleaks_rules()` compiles the rules of the vendored gitleaks configuration
(`secret_rules_data/gitleaks.toml`, MIT, provenance in the README beside it) once. Gitleaks
writes Go (RE2) expressions; `go_regex_to_python` rewrites the few constructs Python's `re`
spells differently. Rules that apply only to some file paths, and the rules `_SUPERSEDED` names,
are left out; everything else is used as gitleaks means it: the secret group, the entropy floor,
and the allow-lists that test the secret, the match or the line.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

GITLEAKS_TOML = Path(__file__).parent / "secret_rules_data" / "gitleaks.toml"

# Rules the hand-written rules in redaction.py replace:
# - generic-api-key, the catch-all `key = value` rule, wants an entropy of 3.5, which real
#   passwords in logs ("hunter2xyz": 3.3) fall below; the assignment rule has no entropy floor.
# - curl-auth-header and curl-auth-user start with `\bcurl\b.*?`: Python's backtracking `re` (not
#   RE2, which gitleaks runs) makes them quadratic in the number of "curl" on a line, minutes
#   for a 200 KB line; the authorization-header and `-u user:password` rules cover them.
_SUPERSEDED = frozenset({"generic-api-key", "curl-auth-header", "curl-auth-user"})

# Most rules that need a label start with `[\w.-]{0,50}?`, the key's left part, to show it in
# gitleaks' report. It never decides whether the rule matches or what the secret is, but Python's
# `re` tries it at every position (50 steps each, 2,500 where it is nested): dropped.
_LEFT_CONTEXT = r"[\w.-]{0,50}?"


@dataclass(frozen=True)
class Allow:
    """A gitleaks allow-list: a finding it matches is not a secret."""

    regexes: tuple[re.Pattern[str], ...] = ()
    target: str = "secret"  # what the regexes test: "secret", "match" or "line"
    stopwords: tuple[str, ...] = ()  # lowercase substrings of the secret

    def allows(self, secret: str, match: str, line: str) -> bool:
        subject = {"secret": secret, "match": match, "line": line}[self.target]
        if any(regex.search(subject) for regex in self.regexes):
            return True
        lowered = secret.lower()
        return any(word in lowered for word in self.stopwords)


@dataclass(frozen=True)
class Rule:
    id: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...]
    # The capture group holding the secret; 0 means gitleaks' choice: the first group that
    # matched, else the whole match.
    group: int = 0
    entropy: float = 0.0
    allow: tuple[Allow, ...] = ()
    multiline: bool = False
    # A further test of the secret, for hand-written rules whose shape alone is too loose.
    accept: Callable[[str], bool] | None = field(default=None, compare=False)
    # A further test of the whole match (what surrounds the secret).
    accept_match: Callable[[re.Match[str]], bool] | None = field(default=None, compare=False)
    # Where a match may start, searched for in the lowercased text: `regex` is then only tried
    # there. A case-insensitive alternation of many words costs ~15 µs a line in `re` when tried
    # at every position; a trie over lowercased text finds the same words in ~2 µs.
    anchor: re.Pattern[str] | None = field(default=None, compare=False)

    def spans(self, text: str, offset: int = 0) -> list[tuple[int, int]]:
        """Where, in the text this line starts at `offset` of, the secrets this rule finds are."""
        found = []
        for match in self._matches(text):
            start, end = _secret_span(match, self.group)
            if start == end:
                continue
            secret = text[start:end]
            if self.entropy and shannon_entropy(secret) < self.entropy:
                continue
            if self.accept is not None and not self.accept(secret):
                continue
            if self.accept_match is not None and not self.accept_match(match):
                continue
            if any(allow.allows(secret, match.group(0), text) for allow in self.allow):
                continue
            found.append((start + offset, end + offset))
        return found

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        if self.anchor is None:
            yield from self.regex.finditer(text)
            return
        lowered = text.lower() if text.isascii() else text.translate(ASCII_LOWER)
        end = 0
        for anchor in self.anchor.finditer(lowered):
            if anchor.start() < end:
                continue  # inside the previous match
            match = self.regex.match(text, anchor.start())
            if match is not None:
                end = match.end()
                yield match


# Lowercases ASCII letters only, so offsets stay those of the original text (str.lower can
# change the length of non-ASCII text; every keyword and label is ASCII).
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _secret_span(match: re.Match[str], group: int) -> tuple[int, int]:
    if group:
        return match.span(group) if match.group(group) is not None else (0, 0)
    for index in range(1, (match.re.groups or 0) + 1):
        if match.group(index):
            return match.span(index)
    return match.span()


def shannon_entropy(text: str) -> float:
    """Bits per character, as gitleaks measures a secret's randomness."""
    if not text:
        return 0.0
    length = len(text)
    return -sum(n / length * math.log2(n / length) for n in Counter(text).values())


def keyword_pattern(words: Iterable[str]) -> str:
    """One regex matching any of the words, shaped as a trie so the scan branches once per character.

    An alternation of 250 literals makes `re` try each at every position; a trie tries one
    character class. Longer words come first so the longest keyword at a position is reported.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?" if len(branches) == 1 else body + "?"
        return body

    return build(trie)


_POSIX_CLASSES = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "xdigit": "0-9a-fA-F"}


def go_regex_to_python(pattern: str) -> str:
    """An RE2 expression as Python's `re` reads it.

    Three differences matter for the gitleaks rules: a flag group such as `(?i)` in the middle
    of an expression (RE2 applies it to the rest of the enclosing group; Python wants it first,
    so it becomes a scoped `(?i:...)` closed where that group ends), `\\z` (Python's `\\Z`), and
    POSIX classes like `[[:alnum:]]`. A `[` inside a class is escaped, which Python would
    otherwise warn about.
    """
    out: list[str] = []
    closes: list[int] = [0]  # per open group: how many scoped flag groups to close with it
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            pair = pattern[i : i + 2]
            out.append("\\Z" if pair == "\\z" else pair)
            i += 2
            continue
        if in_class:
            posix = re.match(r"\[:(\w+):\]", pattern[i:])
            if posix and posix.group(1) in _POSIX_CLASSES:
                out.append(_POSIX_CLASSES[posix.group(1)])
                i += posix.end()
                continue
            if char == "]":
                in_class = False
            out.append("\\[" if char == "[" else char)
            i += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            i += 1
            # A ']' first in a class (after an optional '^') is a literal.
            for literal in ("^", "]"):
                if pattern[i : i + 1] == literal:
                    out.append(literal)
                    i += 1
            continue
        flags = re.match(r"\(\?([imsU]+)\)", pattern[i:])
        if flags and out:
            out.append(f"(?{flags.group(1)}:")
            closes[-1] += 1
            i += flags.end()
            continue
        if char == "(":
            closes.append(0)
        elif char == ")":
            out.append(")" * closes.pop())
        out.append(char)
        i += 1
    out.append(")" * closes.pop())
    return "".join(out)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(go_regex_to_python(pattern))


def without_left_context(pattern: str) -> str:
    r"""The pattern without the leading `[\w.-]{0,50}?` runs (also inside a leading `(?i)`/`(?i:`)."""
    prefix = ""
    while True:
        if pattern.startswith(_LEFT_CONTEXT):
            pattern = pattern[len(_LEFT_CONTEXT) :]
        elif pattern.startswith(("(?i)", "(?i:")):
            prefix, pattern = prefix + pattern[:4], pattern[4:]
        else:
            return prefix + pattern


def _allow(raw: dict[str, Any]) -> Allow | None:
    if raw.get("paths") and raw.get("condition", "OR").upper() == "AND":
        return None  # needs a file path to match, and text from a cluster has none
    regexes = tuple(_compile(r) for r in raw.get("regexes") or ())
    stopwords = tuple(w.lower() for w in raw.get("stopwords") or ())
    if not regexes and not stopwords:
        return None
    return Allow(regexes, raw.get("regexTarget", "secret"), stopwords)


@dataclass(frozen=True)
class LoadedRules:
    rules: tuple[Rule, ...]
    skipped: dict[str, str]  # rule id -> why it is not used


@cache
def gitleaks_rules(path: Path = GITLEAKS_TOML) -> LoadedRules:
    """The vendored gitleaks rules, compiled once, with the global allow-list folded into each."""
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    global_allow = _allow(config.get("allowlist") or {})
    rules, skipped = [], {}
    for raw in config.get("rules", []):
        rule_id = raw["id"]
        if rule_id in _SUPERSEDED:
            skipped[rule_id] = "superseded by a hand-written rule"
            continue
        if raw.get("path") or not raw.get("regex"):
            skipped[rule_id] = "applies to file paths only"
            continue
        try:
            regex = _compile(without_left_context(raw["regex"]))
            allows = [a for a in map(_allow, raw.get("allowlists") or ()) if a is not None]
        except re.error as error:
            skipped[rule_id] = f"does not compile in Python: {error}"
            continue
        if global_allow is not None:
            allows.append(global_allow)
        rules.append(
            Rule(
                id=f"gitleaks:{rule_id}",
                regex=regex,
                keywords=tuple(k.lower() for k in raw.get("keywords") or ()),
                group=int(raw.get("secretGroup", 0)),
                entropy=float(raw.get("entropy", 0.0)),
                allow=tuple(allows),
            )
        )
    return LoadedRules(tuple(rules), skipped)
