"""The ceiling for bench/api_latency.py: a bare Starlette endpoint that returns a fixed JSON document.

python bench/bare_server.py DOCUMENT.json PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

body = Path(sys.argv[1]).read_bytes()


async def document(_: Request) -> Response:
    return Response(body, media_type="application/json")


async def health(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/doc", document), Route("/health", health)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
