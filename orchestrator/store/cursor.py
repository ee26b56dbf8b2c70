"""List cursors: the position after a page (creation time, incident id), opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime


class InvalidCursor(ValueError):
    """A list cursor this store did not hand out."""


def encode_cursor(created_at: datetime, incident_id: str) -> str:
    position = [timestamp(created_at), incident_id]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    refused = InvalidCursor("not a cursor from this API; pass next_cursor of the previous page")
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, RecursionError) as exc:  # RecursionError: '[[[[...' a thousand deep
        raise refused from exc
    if not (isinstance(position, list) and len(position) == 2 and all(isinstance(p, str) for p in position)):
        raise refused
    try:
        created_at = datetime.fromisoformat(position[0])
        # A date at the edge of the calendar (0001-01-01T00:00:00+14:00) overflows in UTC.
        created_at.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise refused from exc
    if created_at.utcoffset() is None or "\x00" in position[1]:
        raise refused
    return created_at, position[1]


def timestamp(moment: datetime) -> str:
    # Fixed width, so text order is time order (SQLite's keyset relies on it); the year by hand, as
    # strftime's %Y does not pad years before 1000 on glibc ("3-01-01", which no parser reads back).
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S.%fZ")
