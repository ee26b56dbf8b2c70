"""`get_pod_logs grep=REGEX`: matching lines with a little context, the way `grep -C` shows them.

The pattern runs over text that is already redacted, so it can never be used as an oracle on a
secret (asking `password=a.*`, then `password=b.*`, ... would otherwise reveal it). Groups of lines
that are not adjacent in the log are separated by a `--` line, as grep separates them; the newest
groups are kept when the answer must be cut.
"""

from __future__ import annotations

import re

CONTEXT_LINES = 2
MAX_PATTERN_LENGTH = 256
SEPARATOR = "--\n"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled pattern; ValueError says what is wrong with it."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"grep is longer than {MAX_PATTERN_LENGTH} characters: shorten the pattern")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"grep {pattern!r} is not a valid regular expression: {exc}") from exc


def grep_lines(lines: list[str], pattern: re.Pattern[str], max_lines: int) -> tuple[list[str], int, bool]:
    """The matching lines with CONTEXT_LINES around each (lines keep their newlines), how many lines
    matched, and whether older groups were left out to stay within `max_lines` (separators excluded)."""
    matched = [i for i, line in enumerate(lines) if pattern.search(line.rstrip("\n"))]
    keep: set[int] = set()
    for index in matched:
        keep.update(range(max(0, index - CONTEXT_LINES), min(len(lines), index + CONTEXT_LINES + 1)))
    chosen = sorted(keep)
    truncated = len(chosen) > max_lines
    chosen = chosen[-max_lines:] if max_lines else []
    out: list[str] = []
    for position, index in enumerate(chosen):
        if position and index != chosen[position - 1] + 1:
            out.append(SEPARATOR)
        out.append(lines[index] if lines[index].endswith("\n") else lines[index] + "\n")
    return out, len(matched), truncated
