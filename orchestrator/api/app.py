"""The REST API: report incidents, read their investigations, probes and the OpenAPI document."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orchestrator import logs, metrics
from orchestrator.api.document_cache import DocumentCache, is_final
from orchestrator.api.openapi import ALERTMANAGER, INCIDENTS, openapi_document
from orchestrator.api.problems import EXCEPTION_HANDLERS, ProblemError, problem_response
from orchestrator.incidents import alertmanager
from orchestrator.incidents.alertmanager import AlertmanagerNotification
from orchestrator.incidents.clusters import UnknownCluster
from orchestrator.incidents.models import FieldError, IncidentRequest, ListQuery
from orchestrator.incidents.runner import InvestigationRunner
from orchestrator.incidents.service import IncidentService, InvestigatorFactory, UnknownIncident
from orchestrator.mcp.server import WorkflowHttp
from orchestrator.settings import OrchestratorSettings
from orchestrator.store.base import IncidentStore, InvalidCursor
from orchestrator.web import ApiAndUiAuth, WebUi

# /mcp (the workflow MCP server) is not open: it takes the same tokens as the REST API.
OPEN_PATHS = ("/health", "/ready", "/openapi.json")
METRICS_PATH = "/metrics"
_READY_TIMEOUT_SECONDS = 2.0
# Answered before the body was read to its end: the rest of it is still on the connection, which
# uvicorn therefore closes, so clients must not send another request on it.
_BODY_UNREAD = {"Connection": "close"}
log = logging.getLogger("sre.orchestrator.api.app")


def _json(model: BaseModel, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), status_code, headers, media_type="application/json")


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: object) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemError.invalid(exc, model) from None


async def read_json(request: Request, max_bytes: int, shorten: str = "shorten the description") -> object:
    """The JSON body, refused before it is read past `max_bytes`, with or without a Content-Length."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        got = f"got {content_type!r}" if content_type else "no Content-Type was sent"
        detail = f"send the body as JSON with 'Content-Type: application/json' ({got})"
        raise ProblemError(415, detail, headers=_BODY_UNREAD)
    too_large = ProblemError(413, f"the body is larger than {max_bytes} bytes; {shorten}", headers=_BODY_UNREAD)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    if not body.strip():
        raise ProblemError(400, 'the body is empty; send a JSON object such as {"description": "..."}')
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            400, f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, a number too long, nesting too deep
        raise ProblemError(400, f"the body is not valid JSON: {exc}") from None


class IncidentApi:
    """The endpoints, and the incident service (store and runner) that the lifespan opens for them.

    The workflow MCP server at /mcp works through the same service.
    """

    service: IncidentService
    store: IncidentStore
    runner: InvestigationRunner

    def __init__(self, settings: OrchestratorSettings, investigator_factory: InvestigatorFactory) -> None:
        self.settings = settings
        self.investigator_factory = investigator_factory
        self.openapi = openapi_document()
        self.documents = DocumentCache(settings.document_cache_bytes)
        self.workflow = WorkflowHttp(lambda: self.service, settings.mcp_allowed_hosts)

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        async with IncidentService.open(self.settings, self.investigator_factory) as service, self.workflow.run():
            self.service, self.store, self.runner = service, service.store, service.runner
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
                await self.store.ping()
        except Exception:
            log.exception("the incident store does not answer")
            return problem_response(request, 503, "the incident store does not answer; the server log says why")
        return JSONResponse({"status": "ok"})

    async def incidents(self, request: Request) -> Response:
        # One route for both methods, so a PUT learns from 405's Allow that GET and POST exist.
        if request.method == "POST":
            return await self.create_incident(request)
        return await self.list_incidents(request)

    async def create_incident(self, request: Request) -> Response:
        incident_request = _validate(IncidentRequest, await read_json(request, self.settings.max_body_bytes))
        try:
            incident = await self.service.report(incident_request)  # committed before we answer
        except UnknownCluster as exc:
            raise ProblemError(422, f"cluster: {exc}", errors=[FieldError(field="cluster", message=str(exc))]) from None
        except Exception as exc:
            if not self.store.unavailable(exc):
                raise
            raise ProblemError.storage_unavailable(exc) from exc
        logs.INCIDENT_ID.set(incident.incident_id)  # for the access log line
        return _json(incident, 202, {"Location": f"{INCIDENTS}/{incident.incident_id}"})

    async def receive_alerts(self, request: Request) -> Response:
        body = await read_json(
            request, self.settings.max_alert_body_bytes, "lower max_alerts in the receiver's webhook_configs"
        )
        receipt = await alertmanager.receive(self.service, _validate(AlertmanagerNotification, body))
        headers = {"Location": f"{INCIDENTS}/{receipt.incident_id}"} if receipt.incident_id else None
        return _json(receipt, 202 if receipt.outcome == "created" else 200, headers)

    async def get_incident(self, request: Request) -> Response:
        incident_id: str = request.path_params["incident_id"]
        logs.INCIDENT_ID.set(incident_id[:64])  # for the access log line
        document = self.documents.get(incident_id)
        if document is None:
            try:
                incident = await self.service.get(incident_id)
            except UnknownIncident as exc:
                raise ProblemError(404, f"{exc}; list them at {INCIDENTS}") from None
            document = incident.model_dump_json().encode()
            if is_final(incident):
                self.documents.put(incident_id, document)
        return Response(document, media_type="application/json")

    async def list_incidents(self, request: Request) -> Response:
        query = _validate(ListQuery, dict(request.query_params))
        try:
            page = await self.store.list_incidents(limit=query.limit, cursor=query.cursor, status=query.status)
        except InvalidCursor as exc:
            raise ProblemError(422, f"cursor: {exc}", errors=[FieldError(field="cursor", message=str(exc))]) from None
        return _json(page)

    async def openapi_json(self, request: Request) -> Response:
        return JSONResponse(self.openapi)

    async def metrics(self, request: Request) -> Response:
        counts = await self.store.count_by_status()
        return Response(metrics.exposition(counts, self.runner.running), media_type=metrics.CONTENT_TYPE)


def create_app(settings: OrchestratorSettings, investigator_factory: InvestigatorFactory) -> Starlette:
    """The REST API and the workflow MCP server at /mcp; the lifespan opens the store and the investigator
    and takes up unfinished investigations."""
    api = IncidentApi(settings, investigator_factory)
    ui = WebUi(settings, lambda: api.service)  # /ui/: pages over the same service
    routes = [
        Route("/health", api.health, methods=["GET"]),
        Route("/ready", api.ready, methods=["GET"]),
        Route(INCIDENTS, api.incidents, methods=["GET", "POST"]),
        Route(f"{INCIDENTS}/{{incident_id}}", api.get_incident, methods=["GET"]),
        Route(ALERTMANAGER, api.receive_alerts, methods=["POST"]),
        Route("/openapi.json", api.openapi_json, methods=["GET"]),
        Route(METRICS_PATH, api.metrics, methods=["GET"]),
        *api.workflow.routes,  # /mcp
        ui.mount,
    ]
    open_paths = (*OPEN_PATHS, METRICS_PATH) if settings.metrics_public else OPEN_PATHS
    auth = Middleware(ApiAndUiAuth, tokens=settings.tokens(), open_paths=open_paths, sessions=ui.sessions)
    middleware = [auth]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        lifespan=api.lifespan,
    )
