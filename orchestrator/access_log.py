"""One access line per HTTP request, made cheaply on the event loop and written in the background.

uvicorn's own access log goes through `logging` with a lock and a write per request, which
cost as much as serving a finished incident. This middleware formats the line once (JSON or
text, the same fields as before: client, method, path, http_version, status, and the incident
the request is about), redacts only the part a secret can be in (the path and query), and hands
it to the LineWriter.

Per request it does no more than it must: a client polling an incident asks for the same path
again and again, so a path found clean is remembered (a bounded set; a path with a secret is
redacted every time and never kept); the time is formatted to the second once per second; a
JSON line is the text json.dumps would write for it, built without a dict.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_string  # json.dumps's own C escaper

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.redaction import redact_text
from orchestrator import logs
from orchestrator.log_writer import LineWriter

LOGGER = "uvicorn.access"  # the logger name log pipelines already know these lines by
# Bounds on the memory of clean paths: at most this many, each at most this long (a long query
# is rarely sent twice). When full, the set is emptied and fills again with the paths in use.
_CLEAN_PATHS = 4096
_CLEAN_PATH_CHARS = 512


class _Redactor:
    """Paths and queries as they may be logged. Redaction depends on the text alone, so a path
    found clean once needs no second scan (8 us per line, as much as the rest of the line's work)."""

    def __init__(self) -> None:
        self._clean: set[str] = set()

    def __call__(self, path: str) -> str:
        if path in self._clean:
            return path
        redacted, found = redact_text(path)
        if not found and len(path) <= _CLEAN_PATH_CHARS:
            if len(self._clean) >= _CLEAN_PATHS:
                self._clean.clear()
            self._clean.add(path)
        return redacted


@functools.lru_cache(maxsize=4)
def _second(seconds: int, utc: bool) -> str:
    """The time to the second, formatted once per second rather than once per request."""
    if utc:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def _local_stamp(now: float) -> str:
    """As logging's default asctime: '2026-12-06 02:40:01,123'."""
    return f"{_second(int(now), False)},{int(now % 1 * 1000):03d}"


def _utc_stamp(now: float) -> str:
    """As the JSON log lines' time: '2026-12-06T02:40:01.123+00:00'."""
    return f"{_second(int(now), True)}.{int(now % 1 * 1000):03d}+00:00"


class AccessLog:
    def __init__(self, app: ASGIApp, writer: LineWriter, log_format: logs.LogFormat) -> None:
        self.app = app
        self.writer = writer
        self.json = log_format == "json"
        self._redacted = _Redactor()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client sees when the app fails before it answers

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.writer.write(self._line(scope, status))

    def _line(self, scope: Scope, status: int) -> str:
        client = scope.get("client")
        address = f"{client[0]}:{client[1]}" if client else "-"
        path = scope.get("path", "")
        if query := scope.get("query_string", b""):
            path = f"{path}?{query.decode('latin-1')}"
        path = self._redacted(path)
        method, version = scope["method"], scope.get("http_version", "1.1")
        message = f'{address} - "{method} {path} HTTP/{version}" {status}'
        incident_id = logs.INCIDENT_ID.get()
        now = time.time()
        if not self.json:
            incident = f" [{incident_id}]" if incident_id else ""
            return f"{_local_stamp(now)} INFO {LOGGER}{incident}: {message}\n"
        # The text json.dumps writes for the object (same keys and order, separators, ASCII only),
        # built around the strings that vary: a quarter of the cost of a dict and json.dumps.
        incident = f'"incident_id": {_json_string(incident_id)}, ' if incident_id else ""
        return (
            f'{{"time": "{_utc_stamp(now)}", "level": "INFO", "logger": "{LOGGER}", '
            f'"message": {_json_string(message)}, {incident}"client": {_json_string(address)}, '
            f'"method": {_json_string(method)}, "path": {_json_string(path)}, '
            f'"http_version": {_json_string(version)}, "status": {status:d}}}\n'
        )
