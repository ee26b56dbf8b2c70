"""The ceiling for bench/api_latency.py: a bare Starlette endpoint that returns a fixed JSON document.

python bench/bare_server.py DOCUMENT.json PORT

Served as `sre-orchestrator serve` serves the API: the same uvicorn configuration
(orchestrator/serve.py); with SRE_ACCESS_LOG=true (the default) also the same access log
(orchestrator/access_log.py, SRE_LOG_FORMAT), so that bench/api_latency.py can compare the API
with a ceiling that logs nothing and with one that logs as the API does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from orchestrator import logs
from orchestrator.access_log import AccessLog
from orchestrator.log_settings import LogSettings
from orchestrator.serve import uvicorn_config
from orchestrator.settings import OrchestratorSettings

body = Path(sys.argv[1]).read_bytes()


async def document(_: Request) -> Response:
    return Response(body, media_type="application/json")


async def health(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/doc", document), Route("/health", health)])

if __name__ == "__main__":
    log_settings = LogSettings()
    logs.configure(log_settings.log_format, log_settings.log_level)
    served: ASGIApp = app
    if OrchestratorSettings().access_log:
        writer, log_format = logs.line_writer()
        served = AccessLog(app, writer, log_format)
    uvicorn.Server(uvicorn_config(served, "127.0.0.1", int(sys.argv[2]))).run()
