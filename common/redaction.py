"""Keep secrets out of everything the tools return.

Logs and event messages are written by applications that leak credentials: a debug line with
an Authorization header, a DSN with its password, a cloud key in a stack trace. Every string
a tool returns passes through `redact_text`; environment variables whose *name* says they are
secret are hidden whole by `redact_env_value`.

Patterns are anchored on the shape of the secret (prefixes, JWT structure, key=value with a
secret-like key) so that ordinary log lines survive untouched: an SRE still needs to read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

REDACTED = "[REDACTED]"

_SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[-_]?key|apikey|private[-_]?key|credential|"
    r"access[-_]?key|session[-_]?key|signing[-_]?key|encryption[-_]?key|client[-_]?secret|"
    r"^dsn$|_dsn$|cookie",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Pattern:
    name: str
    regex: re.Pattern[str]
    # Replace only this group (keeps the key or scheme visible so the line stays readable).
    group: int = 0


def _p(name: str, pattern: str, group: int = 0, flags: int = 0) -> _Pattern:
    return _Pattern(name, re.compile(pattern, flags), group)


_PATTERNS: tuple[_Pattern, ...] = (
    _p(
        "private key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        flags=re.DOTALL,
    ),
    # A tail window can start inside a key block, leaving body lines without their BEGIN line.
    _p("pem body line", r"^[A-Za-z0-9+/]{60,}={0,2}$", flags=re.MULTILINE),
    _p("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    _p("bearer token", r"\b(?:Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]{8,})", 1, re.IGNORECASE),
    _p("url credentials", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:([^\s@/]+)@", 1),
    _p("aws access key id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"),
    _p("google api key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    _p("github token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    _p("slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    _p("stripe key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    _p("openai key", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b"),
    _p("azure connection string", r"\b(?:AccountKey|SharedAccessKey)=([^;\s]+)", 1, re.IGNORECASE),
    # key=value, key: value, "key": "value" where the key names a secret.
    _p(
        "secret assignment",
        r"""(?ix)
        \b[\w.-]*(?:password|passwd|pwd|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|
        client[-_]?secret|credentials?)[\w.-]*
        ["']?\s*[:=]\s*["']?
        ([^\s"',;&}]{3,})""",
        1,
    ),
)


# Every pattern above needs one of these; most text (an access log line, an ordinary log line)
# has none, and looking for them costs a small part of running every pattern.
_SECRET_MARKS = (
    "-----begin", "eyj", "bearer", "basic", "token", "akia", "asia", "agpa", "aida", "aroa", "anpa",
    "aiza", "gh", "xox", "k_live_", "k_test_", "sk-", "accountkey", "sharedaccesskey",
    "pass", "pwd", "secret", "key", "credential",
)  # fmt: skip
_LONG_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{60}")


def _may_hold_a_secret(text: str) -> bool:
    lowered = text.lower()
    return (
        any(mark in lowered for mark in _SECRET_MARKS)
        or ("://" in text and "@" in text)
        or _LONG_BASE64_RUN.search(text) is not None
    )


def redact_text(text: str) -> tuple[str, int]:
    """The text with every secret-like value replaced, and how many were replaced."""
    if not _may_hold_a_secret(text):
        return text, 0
    count = 0
    for pattern in _PATTERNS:
        text, replaced = pattern.regex.subn(_replacer(pattern.group), text)
        count += replaced
    return text, count


def _replacer(group: int) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if group == 0 or match.group(group) is None:
            return REDACTED
        start, end = match.span(group)
        offset = match.start()
        whole = match.group(0)
        return whole[: start - offset] + REDACTED + whole[end - offset :]

    return replace


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_env_value(name: str, value: str) -> tuple[str, bool]:
    """A literal env value as it may be shown: hidden whole when its name says it is secret."""
    if is_secret_name(name):
        return REDACTED, True
    redacted, count = redact_text(value)
    return redacted, count > 0
