"""Log lines as JSON objects (for a log pipeline) or as text (for a terminal), each carrying its incident.

The incident an investigation works on is a context variable, set in the context its task runs
in (incidents/runner.py) and in the request that reads or reports it (api/incidents.py): every
line logged under it, the LangGraph steps', the MCP client's and the access line
(access_log.py), names the incident without any call site passing it along. Messages go through
the same redaction as the tools' results, so a secret that reaches an exception message still
does not reach the log. Lines are written to stderr by one background thread (log_writer.py).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal, TypeAlias

from common.redaction import redact_text
from orchestrator.log_writer import LineWriter

LogFormat = Literal["json", "text"]
_ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

INCIDENT_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("incident_id", default=None)
_TEXT = "%(asctime)s %(levelname)s %(name)s%(incident)s: %(message)s"
# The fields uvicorn passes to its access log line, named.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


def incident_context(incident_id: str) -> contextvars.Context:
    """A copy of the current context in which INCIDENT_ID is `incident_id`, to run a task in."""
    context = contextvars.copy_context()
    context.run(INCIDENT_ID.set, incident_id)
    return context


class IncidentFilter(logging.Filter):
    """Adds `incident_id` (or None) to every record and redacts its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.incident_id = INCIDENT_ID.get()
        record.incident = f" [{record.incident_id}]" if record.incident_id else ""
        message = record.getMessage()
        redacted, replaced = redact_text(message)
        if replaced:
            record.msg, record.args = redacted, None
        return True


class TextFormatter(logging.Formatter):
    """A line of text, the incident in brackets after the logger's name; tracebacks redacted."""

    def __init__(self) -> None:
        super().__init__(_TEXT)

    def formatException(self, ei: _ExcInfo) -> str:
        return redact_text(super().formatException(ei))[0]


class JsonFormatter(TextFormatter):
    """One JSON object a line: time, level, logger, message, incident_id, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if incident_id := getattr(record, "incident_id", None):
            line["incident_id"] = incident_id
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            line.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class LineHandler(logging.Handler):
    """Formats a record where it is logged (the incident is a context variable there) and hands the
    line to the background writer: the caller never waits on stderr."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


_configured: tuple[LineWriter, LogFormat] | None = None


def configure(log_format: LogFormat, level: str = "INFO") -> None:
    """Send every logger's records (uvicorn's too, which must be run with log_config=None) to stderr,
    through one background writer that the access log (access_log.py) shares."""
    global _configured
    if _configured is not None:
        _configured[0].close()
    writer = LineWriter(sys.stderr)
    _configured = (writer, log_format)
    handler = LineHandler(writer)
    handler.addFilter(IncidentFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True


def flush() -> None:
    """Write every line logged so far (the writer otherwise does within a few milliseconds)."""
    if _configured is not None:
        _configured[0].flush()


def line_writer() -> tuple[LineWriter, LogFormat]:
    """The writer and format `configure` set up; text to stderr when nothing configured logging."""
    if _configured is None:
        configure("text", logging.getLevelName(logging.getLogger().getEffectiveLevel()))
    assert _configured is not None
    return _configured
