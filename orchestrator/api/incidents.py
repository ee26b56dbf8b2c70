"""The REST API's incident endpoints and the Alertmanager receiver, described at /openapi.json.

Every endpoint goes through the IncidentService; domain errors (an unknown cluster or incident,
an invalid notification, a database that cannot take writes) become problems here, and only here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.errors import nul_path
from orchestrator import logs
from orchestrator.api.document_cache import DocumentCache, is_final
from orchestrator.api.openapi import ALERTMANAGER, INCIDENTS, openapi_document
from orchestrator.api.verdicts import VerdictApi
from orchestrator.bodies import BodyTooLarge, media_type, read_body
from orchestrator.incidents import alertmanager
from orchestrator.incidents.alert_models import AlertmanagerNotification
from orchestrator.incidents.clusters import UnknownCluster
from orchestrator.incidents.service import IncidentService, UnknownIncident
from orchestrator.models import IncidentRequest, ListQuery
from orchestrator.problems import ProblemError
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import InvalidCursor

# Answered before the body was read to its end: the rest of it is still on the connection, which
# uvicorn therefore closes, so clients must not send another request on it.
_BODY_UNREAD = {"Connection": "close"}


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
    if media_type(request) != "application/json":
        got = f"got {content_type!r}" if content_type else "no Content-Type was sent"
        detail = f"send the body as JSON with 'Content-Type: application/json' ({got})"
        raise ProblemError(415, detail, headers=_BODY_UNREAD)
    try:
        body = await read_body(request, max_bytes)
    except BodyTooLarge as exc:
        raise ProblemError(413, f"the body is {exc}; {shorten}", headers=_BODY_UNREAD) from None
    if not body.strip():
        raise ProblemError(400, 'the body is empty; send a JSON object such as {"description": "..."}')
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            400, f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, a number too long, nesting too deep
        raise ProblemError(400, f"the body is not valid JSON: {exc}") from None
    if field := nul_path(document):
        raise ProblemError.field(422, field, "must not contain NUL characters (\\u0000)")
    return document


class IncidentApi:
    """The incident endpoints and the Alertmanager receiver, over the service the app's lifespan opens."""

    def __init__(self, settings: OrchestratorSettings, service: Callable[[], IncidentService]) -> None:
        self.settings = settings
        self._service = service
        self.openapi = openapi_document()
        self.documents = DocumentCache(settings.document_cache_bytes)
        self.verdicts = VerdictApi(settings, service, read_json, _validate)

    @property
    def routes(self) -> list[Route]:
        return [
            Route(INCIDENTS, self.incidents, methods=["GET", "POST"]),
            Route(f"{INCIDENTS}/{{incident_id}}", self.get_incident, methods=["GET"]),
            *self.verdicts.routes,
            Route(ALERTMANAGER, self.receive_alerts, methods=["POST"]),
            Route("/openapi.json", self.openapi_json, methods=["GET"]),
        ]

    async def incidents(self, request: Request) -> Response:
        # One route for both methods, so a PUT learns from 405's Allow that GET and POST exist.
        if request.method == "POST":
            return await self.create_incident(request)
        return await self.list_incidents(request)

    async def create_incident(self, request: Request) -> Response:
        incident_request = _validate(IncidentRequest, await read_json(request, self.settings.max_body_bytes))
        service = self._service()
        try:
            incident = await service.report(incident_request)  # committed before we answer
        except UnknownCluster as exc:
            raise ProblemError.field(422, "cluster", str(exc)) from None
        except Exception as exc:
            if not service.unavailable(exc):
                raise
            raise ProblemError.storage_unavailable(exc) from exc
        logs.INCIDENT_ID.set(incident.incident_id)  # for the access log line
        return _json(incident, 202, {"Location": f"{INCIDENTS}/{incident.incident_id}"})

    async def receive_alerts(self, request: Request) -> Response:
        body = await read_json(
            request, self.settings.max_alert_body_bytes, "lower max_alerts in the receiver's webhook_configs"
        )
        try:
            receipt = await alertmanager.receive(self._service(), _validate(AlertmanagerNotification, body))
        except alertmanager.InvalidNotification as exc:
            raise ProblemError.field(422, exc.field, exc.message) from None
        except alertmanager.GroupBusy as exc:
            raise ProblemError(503, str(exc), headers={"Retry-After": "1"}) from None
        headers = {"Location": f"{INCIDENTS}/{receipt.incident_id}"} if receipt.incident_id else None
        return _json(receipt, 202 if receipt.outcome == "created" else 200, headers)

    async def get_incident(self, request: Request) -> Response:
        incident_id: str = request.path_params["incident_id"]
        logs.INCIDENT_ID.set(incident_id[:64])  # for the access log line
        document = self.documents.get(incident_id)
        if document is None:
            try:
                incident = await self._service().get(incident_id)
            except UnknownIncident as exc:
                raise ProblemError(404, f"{exc}; list them at {INCIDENTS}") from None
            document = incident.model_dump_json().encode()
            if is_final(incident):
                self.documents.put(incident_id, document)
        return Response(document, media_type="application/json")

    async def list_incidents(self, request: Request) -> Response:
        query = _validate(ListQuery, dict(request.query_params))
        try:
            page = await self._service().list_incidents(limit=query.limit, cursor=query.cursor, status=query.status)
        except InvalidCursor as exc:
            raise ProblemError.field(422, "cursor", str(exc)) from None
        return _json(page)

    async def openapi_json(self, request: Request) -> Response:
        return JSONResponse(self.openapi)
