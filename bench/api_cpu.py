"""CPU per GET of a finished incident inside the process: `serve`'s app against a bare Starlette app.

    .venv/bin/python bench/api_cpu.py [--requests 5000] [--rounds 5]

bench/api_latency.py measures the whole server with wrk, whose req/s swing with whatever else
runs on the machine. This calls the two ASGI apps directly, as uvicorn would (behind uvicorn's
proxy-headers middleware, which it adds to both), and reads the calling thread's CPU time, which
other jobs barely move: the serve app over the demo snapshot with a finished incident, the bare
endpoint returning the same bytes (bench/bare_server.py's), and the bare endpoint with the API's
access log. Access lines go to the log writer's thread as in `serve`, here into /dev/null; its
CPU is not in the figures (it writes ~100 lines a call). SRE_LOG_FORMAT picks text or JSON lines.
Each round measures the three in turn; the ratios are the median of each round's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from orchestrator import logs
from orchestrator.access_log import AccessLog
from orchestrator.app import create_app
from orchestrator.incidents.investigator import open_server_investigator
from orchestrator.log_settings import LogSettings
from orchestrator.log_writer import LineWriter
from orchestrator.settings import OrchestratorSettings

DEMO = Path(__file__).resolve().parents[1] / "knowledge" / "demo"


def request_scope(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """What uvicorn hands the app for one HTTP/1.1 request from a loopback client."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 51234),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"), *(headers or [])],
        "state": {},
    }


async def call(app: ASGIApp, scope: dict[str, Any], body: bytes = b"") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def cpu_per_request(app: ASGIApp, path: str, requests: int) -> float:
    """Microseconds of this thread's CPU per GET, after a warm-up."""
    for _ in range(requests // 10):
        await call(app, request_scope(path))
    started = time.thread_time()
    for _ in range(requests):
        await call(app, request_scope(path))
    return (time.thread_time() - started) / requests * 1e6


async def finished_incident(app: ASGIApp) -> tuple[str, bytes]:
    """POST an incident about the demo's broken service and wait for it: its path and document."""
    headers = [(b"content-type", b"application/json")]
    body = json.dumps({"description": "auth-service is in CrashLoopBackOff"}).encode()
    start = (await call(app, request_scope("/api/v1/incidents", "POST", headers), body))[0]
    path = dict(start["headers"])[b"location"].decode()
    while True:
        document = (await call(app, request_scope(path)))[1]["body"]
        if json.loads(document)["status"] in ("completed", "failed"):
            return path, document
        await asyncio.sleep(0.05)


def bare_app(document: bytes) -> Starlette:
    async def serve_document(_: Request) -> Response:
        return Response(document, media_type="application/json")

    return Starlette(routes=[Route("/doc", serve_document)])


async def measure(requests: int, rounds: int) -> None:
    log_format = LogSettings().log_format
    with open(os.devnull, "w") as sink, tempfile.TemporaryDirectory() as work:
        writer = LineWriter(sink)
        stderr, sys.stderr = sys.stderr, sink
        logs.configure(log_format, "WARNING")  # serve's log writer, here into /dev/null too
        sys.stderr = stderr
        settings = OrchestratorSettings(
            database_url=f"sqlite:///{Path(work) / 'incidents.db'}",
            snapshot=DEMO / "cluster",
            knowledge_graph=DEMO / "knowledge_graph.yaml",
        )
        served = create_app(settings, open_server_investigator)
        starlette = served.app if isinstance(served, AccessLog) else served
        async with starlette.router.lifespan_context(starlette):
            path, document = await finished_incident(served)
            bare = bare_app(document)
            apps = {
                "bare endpoint, no access log": (ProxyHeadersMiddleware(bare), "/doc"),
                "bare endpoint, same access log": (ProxyHeadersMiddleware(AccessLog(bare, writer, log_format)), "/doc"),
                "serve, GET incident": (ProxyHeadersMiddleware(served), path),
            }
            figures: dict[str, list[float]] = {name: [] for name in apps}
            for _ in range(rounds):
                for name, (app, app_path) in apps.items():
                    figures[name].append(await cpu_per_request(app, app_path, requests))
        writer.close()
    report(figures, len(document), log_format)


def report(figures: dict[str, list[float]], document_bytes: int, log_format: str) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"document {document_bytes} bytes; SRE_LOG_FORMAT={log_format}; load average {load}")
    baseline = figures["bare endpoint, no access log"]
    for name, values in figures.items():
        ratios = sorted(value / base for value, base in zip(values, baseline, strict=True))
        median = sorted(values)[len(values) // 2]
        print(
            f"  {name:<32} {median:6.1f} us CPU per GET (median)  {ratios[len(ratios) // 2]:.2f}x the bare endpoint's"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds))


if __name__ == "__main__":
    main()
