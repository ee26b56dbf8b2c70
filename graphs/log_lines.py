"""Log lines as evidence: each line the rules read gets an id that reports and the LLM cite."""

from __future__ import annotations

from typing import Any

MAX_LOG_LINES_PER_EXCERPT = 200


def numbered_log_lines(excerpt: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(evidence id, line number, text) of the log lines the rules read: the excerpt's last lines."""
    which = "previous" if excerpt["previous"] else "current"
    lines = excerpt["text"].splitlines()[-MAX_LOG_LINES_PER_EXCERPT:]
    return [(f"log:{excerpt['container']}:{which}:{n}", n, text) for n, text in enumerate(lines, start=1)]
