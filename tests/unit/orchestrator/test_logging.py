"""Structured logs: a real `serve` with SRE_LOG_FORMAT=json, every line of its output parsed as JSON.

The lines of an investigation (the runner's, uvicorn's access lines for the incident's POST and
GET) carry its incident id; the text format shows it too; secrets are redacted in both.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from api_server import serve_in_thread
from paths import ROOT
from processes import cli_server
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orchestrator import logs
from orchestrator.access_log import AccessLog
from orchestrator.log_writer import LineWriter

ROOT = ROOT
DEMO = ROOT / "knowledge" / "demo"
INCIDENTS = "/api/v1/incidents"
SECRET = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"


def investigate(base_url: str) -> str:
    """Report one incident, wait until it is finished, read it once more; its id."""
    created = httpx2.post(f"{base_url}{INCIDENTS}", json={"description": "auth-service is in CrashLoopBackOff"})
    assert created.status_code == 202
    incident_id = created.json()["incident_id"]
    deadline = time.monotonic() + 30
    while httpx2.get(f"{base_url}{INCIDENTS}/{incident_id}").json()["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline, "the investigation did not finish"
        time.sleep(0.05)
    return incident_id


def serve_args(tmp_path: Path) -> list[str | Path]:
    return [
        "serve",
        "--snapshot",
        DEMO / "cluster",
        "--knowledge-graph",
        DEMO / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{tmp_path}/logs.db",
    ]


def test_json_lines_carry_the_incident_id(tmp_path: Path) -> None:
    with cli_server(serve_args(tmp_path), tmp_path, {"SRE_LOG_FORMAT": "json"}) as api:
        incident_id = investigate(api.base_url)
        time.sleep(0.2)  # the access line of the last GET is written after its response
    output = api.log.read_text(encoding="utf-8").splitlines()
    lines = [json.loads(line) for line in output if line.strip()]  # every line, or this raises
    assert len(lines) == len([line for line in output if line.strip()]) > 5
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line

    ours = [line for line in lines if line.get("incident_id") == incident_id]
    messages = [line["message"] for line in ours]
    assert any(message == "investigation started" for message in messages), messages
    assert any(message.startswith("investigation completed in ") for message in messages), messages
    access = [line for line in ours if line["logger"] == "uvicorn.access"]
    assert {(line["method"], line["status"]) for line in access} >= {("POST", 202), ("GET", 200)}
    assert all(line["path"].endswith(incident_id) for line in access if line["method"] == "GET")
    # No line about another request claims the incident.
    assert all(line.get("incident_id") in (None, incident_id) for line in lines)


def test_text_lines_name_the_incident(tmp_path: Path) -> None:
    with cli_server(serve_args(tmp_path), tmp_path) as api:
        incident_id = investigate(api.base_url)
    text = api.log.read_text(encoding="utf-8")
    assert f"INFO sre.orchestrator.incidents.runner [{incident_id}]: investigation started" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The root logger writing to a buffer for the test, then as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_secrets_are_redacted_from_messages_and_tracebacks(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch, log_format: logs.LogFormat
) -> None:
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.setattr(logs, "_configured", None)  # this test's writer is gone after it
    logs.configure(log_format)
    log = logging.getLogger("sre.test")
    context = logs.incident_context("incident-1")
    context.run(log.warning, "the LLM refused api_key=%s", SECRET)
    try:
        raise RuntimeError(f"connect failed: Authorization: Bearer {SECRET}")
    except RuntimeError:
        log.exception("cannot reach the model")
    logs.flush()
    written = stream.getvalue()
    assert SECRET not in written
    assert written.count("[REDACTED]") == 2
    if log_format == "json":
        first, second = (json.loads(line) for line in written.splitlines() if line.startswith("{"))
        assert first["incident_id"] == "incident-1"
        assert "incident_id" not in second
        assert "RuntimeError: connect failed" in second["exception"]
    else:
        assert "sre.test [incident-1]: the LLM refused api_key=[REDACTED]" in written


class _StuckStream(io.StringIO):
    """stderr whose first write blocks until released: a log pipe nobody reads."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait(timeout=10)
        return super().write(text)


def test_a_stuck_stderr_drops_and_counts_lines_instead_of_blocking() -> None:
    stream = _StuckStream()
    writer = LineWriter(stream, max_lines=10)
    dropped_before = REGISTRY.get_sample_value("sre_log_lines_dropped_total") or 0.0
    started = time.perf_counter()
    for number in range(200):
        writer.write(f"line {number}\n")
    assert time.perf_counter() - started < 1.0  # the caller never waited on the stream
    dropped = (REGISTRY.get_sample_value("sre_log_lines_dropped_total") or 0.0) - dropped_before
    stream.release.set()
    writer.close()
    written = stream.getvalue().splitlines()
    assert dropped + len(written) == 200
    assert 180 <= dropped < 200
    assert written == sorted(written, key=lambda line: int(line.split()[1]))  # in order, none torn


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_access_lines_redact_every_request_with_a_secret_and_keep_clean_paths(log_format: logs.LogFormat) -> None:
    """Clean paths are remembered to spare the scan; one with a secret is redacted each time, never kept.
    A JSON line is exactly what json.dumps writes for it, whatever characters the path holds."""

    async def document(_: Request) -> Response:
        return Response(b"{}", media_type="application/json")

    stream = io.StringIO()
    writer = LineWriter(stream)
    app = AccessLog(Starlette(routes=[Route("/doc", document)]), writer, log_format)
    with serve_in_thread(app) as url, httpx2.Client(base_url=url) as client:
        for _ in range(3):
            assert client.get("/doc", params={"api_key": SECRET}).status_code == 200
            assert client.get("/doc", params={"page": "2"}).status_code == 200
        assert client.get("/d%22o%5Cc%C3%A9%09").status_code == 404  # uvicorn decodes it: /d"o\cé + tab
    writer.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 7
    assert SECRET not in stream.getvalue()
    if log_format == "json":
        parsed = [json.loads(line) for line in lines]
        assert lines == [json.dumps(line) for line in parsed]
        assert [(line["path"], line["status"]) for line in parsed[-2:]] == [("/doc?page=2", 200), ('/d"o\\cé\t', 404)]
        paths = [line["path"] for line in parsed]
    else:
        paths = [line.split('"')[1].split()[1] for line in lines[:-1]]
    assert paths[:6] == ["/doc?api_key=[REDACTED]", "/doc?page=2"] * 3
