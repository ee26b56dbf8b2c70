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


def nul_path(value: object, path: str = "") -> str | None:
    """The dotted path of the first string holding a NUL character in a JSON value, None when none does.

    PostgreSQL refuses NUL in text and SQLite keeps it: inputs are refused with NUL on both, so that
    the same request gets the same answer whichever database is behind the API.
    """
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key}".lstrip(".") or "body"
        found = nul_path(item, f"{path}.{key}".lstrip("."))
        if found:
            return found
    return None
