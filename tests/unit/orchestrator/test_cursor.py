"""List cursors: what `decode_cursor` refuses as not handed out by this API (an InvalidCursor, never a crash)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from orchestrator.store.cursor import InvalidCursor, decode_cursor, encode_cursor


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_cursor_reads_back_as_it_was_written() -> None:
    moment = datetime(2026, 11, 7, 14, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, "inc-1")) == (moment, "inc-1")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("[" * 2000 + "]" * 2000),  # deeper than the JSON parser's recursion limit
        _cursor('["0001-01-01T00:00:00+14:00", "z"]'),  # no UTC time
        _cursor('["2026-11-07T14:00:00", "z"]'),  # no offset
        _cursor('["2026-11-07T14:00:00Z", "z\\u0000"]'),
        _cursor('["2026-11-07T14:00:00Z", 1e999]'),
        "////",
        "\x00",
    ],
    ids=["deep", "no-utc-time", "naive", "nul", "infinite", "not-base64", "nul-text"],
)
def test_a_forged_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="not a cursor from this API"):
        decode_cursor(cursor)
