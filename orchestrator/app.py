"""The HTTP application of `serve`: three faces over one incident service.

The REST API (`api/`), the web UI (`web/`, at /ui/) and the workflow MCP server (`mcp/`, at
/mcp) each get the service from the lifespan, which opens the store and the investigator and
takes up unfinished investigations. One middleware authenticates all three with the same tokens.
Without tokens, a second one answers only to loopback names and SRE_ALLOWED_HOSTS (DNS rebinding:
a web page could otherwise read every incident through a domain that resolves to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.http_guard import AllowedHostsMiddleware
from orchestrator import logs, metrics
from orchestrator.access_log import AccessLog
from orchestrator.api.incidents import IncidentApi
from orchestrator.incidents.service import IncidentService, InvestigatorFactory
from orchestrator.mcp.http import WorkflowHttp
from orchestrator.problems import EXCEPTION_HANDLERS, problem_response
from orchestrator.settings import OrchestratorSettings
from orchestrator.web import ApiAndUiAuth, WebUi

OPEN_PATHS = ("/health", "/ready", "/openapi.json")
METRICS_PATH = "/metrics"
_READY_TIMEOUT_SECONDS = 2.0
log = logging.getLogger("sre.orchestrator.app")


class Server:
    """The service the lifespan opens, and the endpoints about the process itself (health, readiness, metrics)."""

    service: IncidentService

    def __init__(self, settings: OrchestratorSettings, investigator_factory: InvestigatorFactory) -> None:
        self.settings = settings
        self.investigator_factory = investigator_factory
        self.workflow = WorkflowHttp(lambda: self.service, settings.hosts())

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        async with IncidentService.open(self.settings, self.investigator_factory) as service, self.workflow.run():
            self.service = service
            # What is loaded by now (modules, schemas, the graph) lives as long as the process: moved
            # out of the collector's sight, a full collection no longer walks it while requests wait.
            gc.collect()
            gc.freeze()
            yield

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(self, request: Request) -> Response:
        try:
            async with asyncio.timeout(_READY_TIMEOUT_SECONDS):
                await self.service.ping()
        except Exception:
            log.exception("the incident store does not answer")
            return problem_response(request, 503, "the incident store does not answer; the server log says why")
        return JSONResponse({"status": "ok"})

    async def metrics(self, request: Request) -> Response:
        counts = await self.service.count_by_status()
        stats = await self.service.rule_stats()
        return Response(metrics.exposition(counts, self.service.running, stats), media_type=metrics.CONTENT_TYPE)


def create_app(settings: OrchestratorSettings, investigator_factory: InvestigatorFactory) -> Starlette:
    """The REST API, the web UI at /ui/ and the workflow MCP server at /mcp, over one service."""
    server = Server(settings, investigator_factory)
    api = IncidentApi(settings, lambda: server.service)
    ui = WebUi(settings, lambda: server.service)
    routes = [
        # The router tries each route in turn; the API's come first, as the most requested (a
        # client polling an incident). No two routes overlap, so the order changes nothing else.
        *api.routes,
        Route("/health", server.health, methods=["GET"]),
        Route("/ready", server.ready, methods=["GET"]),
        Route(METRICS_PATH, server.metrics, methods=["GET"]),
        *server.workflow.routes,  # /mcp
        ui.mount,
    ]
    open_paths = (*OPEN_PATHS, METRICS_PATH) if settings.metrics_public else OPEN_PATHS
    tokens = settings.tokens()
    middleware = [Middleware(ApiAndUiAuth, tokens=tokens, open_paths=open_paths, sessions=ui.sessions)]
    if not tokens:
        # Probes stay open: a kubelet sends the pod's IP as Host, and /health, /ready, /metrics show no incident.
        hosts = Middleware(
            AllowedHostsMiddleware,
            allowed_hosts=settings.hosts(),
            setting="SRE_ALLOWED_HOSTS",
            open_paths=(*OPEN_PATHS, METRICS_PATH),
        )
        middleware.insert(0, hosts)
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=server.lifespan,
    )
    if not settings.access_log:
        return app
    # Outermost, so that the line has the status even of a request that failed with a 500.
    writer, log_format = logs.line_writer()
    return AccessLog(app, writer, log_format)  # type: ignore[return-value]
