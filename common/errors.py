"""Turning exceptions into sentences a person can act on."""

from __future__ import annotations

from pydantic import ValidationError


def innermost(exc: BaseException) -> BaseException:
    """The first real error inside task-group exception groups (anyio and asyncio wrap what failed)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def validation_problems(exc: ValidationError, whole: str = "value") -> str:
    """'field.path: message; other: message' for every error, `whole` naming an error of the whole value."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}"
        for e in exc.errors(include_url=False, include_input=False)
    )
