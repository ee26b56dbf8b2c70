"""The ceiling for bench/api_latency.py: a bare Starlette endpoint that returns a fixed JSON document.

python bench/bare_server.py DOCUMENT.json PORT

Served exactly as `sre-orchestrator serve` serves the API: the same uvicorn configuration
(orchestrator/serve.py) and the same logging (SRE_LOG_FORMAT, SRE_ACCESS_LOG), so that the
difference measured is the API's own work.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orchestrator import logs
from orchestrator.serve import uvicorn_config
from orchestrator.settings import LogSettings, OrchestratorSettings

body = Path(sys.argv[1]).read_bytes()


async def document(_: Request) -> Response:
    return Response(body, media_type="application/json")


async def health(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/doc", document), Route("/health", health)])

if __name__ == "__main__":
    log_settings = LogSettings()
    logs.configure(log_settings.log_format, log_settings.log_level)
    access_log = OrchestratorSettings().access_log
    uvicorn.Server(uvicorn_config(app, "127.0.0.1", int(sys.argv[2]), access_log=access_log)).run()
