"""The OpenAPI 3.1 description of the REST API, with its schemas generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from common.version import package_version
from orchestrator.incidents.alert_models import AlertmanagerNotification, AlertReceipt
from orchestrator.models import (
    Feedback,
    FeedbackRequest,
    Incident,
    IncidentList,
    IncidentRequest,
    ListQuery,
    Problem,
    RuleStats,
)
from orchestrator.problems import PROBLEM_JSON

INCIDENTS = "/api/v1/incidents"
ALERTMANAGER = "/api/v1/alerts/alertmanager"
RULE_STATS = "/api/v1/stats/rules"
_PROBLEMS = {
    400: "The body is not valid JSON.",
    401: "No bearer token, or not one of the server's.",
    404: "No such incident, or no such path.",
    409: "The incident has no verdict to give feedback on (not completed, or failed).",
    405: "The path does not take this method.",
    413: "The body is larger than the server accepts.",
    415: "The body is not sent as application/json.",
    422: "A field is invalid; `errors` names each one and why.",
    500: "The server failed; its log has the details.",
    503: "The incident store does not answer or cannot take writes for now (locked, disk full: nothing was "
    "recorded), or (alerts) too many concurrent notifications: retry after Retry-After seconds.",
}


def _json(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {"content": {media_type: {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/Problem{status}"} for status in statuses}


def _list_parameters() -> list[dict[str, Any]]:
    parameters = []
    for name, schema in ListQuery.model_json_schema()["properties"].items():
        description = schema.pop("description")
        if "anyOf" in schema:  # `X | None`: a query parameter is absent, never null
            (value,) = [variant for variant in schema.pop("anyOf") if variant != {"type": "null"}]
            del schema["default"]
            schema.update(value)
        parameters.append({"name": name, "in": "query", "description": description, "schema": schema})
    return parameters


def _verdict_paths(feedback_request: dict[str, Any], feedback: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    incident_id = [{"name": "incident_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        f"{INCIDENTS}/{{incident_id}}/feedback": {
            "post": {
                "summary": "Say whether the incident's suggested root cause was right",
                "description": "One feedback per incident: a later one replaces it. The author is the name "
                "of the API token used, when the token is written `name:secret`.",
                "operationId": "giveFeedback",
                "parameters": incident_id,
                "requestBody": {"required": True, **_json(feedback_request)},
                "responses": {
                    "200": {"description": "Recorded.", **_json(feedback)},
                    **_problems(400, 401, 404, 409, 413, 415, 422, 500, 503),
                },
            },
            "get": {
                "summary": "The feedback recorded on the incident's verdict",
                "operationId": "getFeedback",
                "parameters": incident_id,
                "responses": {"200": {"description": "The feedback.", **_json(feedback)}, **_problems(401, 404)},
            },
        },
        RULE_STATS: {
            "get": {
                "summary": "Per rule and per category: verdicts given, confirmed, rejected, precision",
                "operationId": "ruleStats",
                "responses": {"200": {"description": "The stats.", **_json(stats)}, **_problems(401)},
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    refs, definitions = models_json_schema(
        [
            (IncidentRequest, "validation"),
            (Incident, "serialization"),
            (IncidentList, "serialization"),
            (Problem, "serialization"),
            (AlertmanagerNotification, "validation"),
            (AlertReceipt, "serialization"),
            (FeedbackRequest, "validation"),
            (Feedback, "serialization"),
            (RuleStats, "serialization"),
        ],
        ref_template="#/components/schemas/{model}",
    )
    request, incident, incident_list, problem, notification, receipt, *verdicts = refs.values()
    location = {"Location": {"description": "The incident's URL.", "schema": {"type": "string"}}}
    open_access: list[dict[str, list[str]]] = []  # probes and this document need no token
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SRE Orchestrator",
            "version": package_version(),
            "description": "Post an incident sentence; a read-only investigation of the Kubernetes cluster "
            "finds the likely root cause. Request bodies are JSON, at most the server's size limit "
            "(64 KiB by default). Errors are RFC 9457 problem details.",
        },
        "security": [{"bearer": []}],
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness: the process answers",
                    "operationId": "health",
                    "security": open_access,
                    "responses": {"200": {"description": "Alive.", **_json({"$ref": "#/components/schemas/Status"})}},
                }
            },
            "/ready": {
                "get": {
                    "summary": "Readiness: the incident store answers",
                    "operationId": "ready",
                    "security": open_access,
                    "responses": {
                        "200": {"description": "Ready.", **_json({"$ref": "#/components/schemas/Status"})},
                        **_problems(503),
                    },
                }
            },
            INCIDENTS: {
                "post": {
                    "summary": "Report an incident; its investigation starts in the background",
                    "operationId": "createIncident",
                    "requestBody": {"required": True, **_json(request)},
                    "responses": {
                        "202": {
                            "description": "Stored as pending; poll the Location for the result.",
                            "headers": location,
                            **_json(incident),
                        },
                        **_problems(400, 401, 413, 415, 422, 500, 503),
                    },
                },
                "get": {
                    "summary": "List incidents, newest first",
                    "operationId": "listIncidents",
                    "parameters": _list_parameters(),
                    "responses": {"200": {"description": "One page.", **_json(incident_list)}, **_problems(401, 422)},
                },
            },
            f"{INCIDENTS}/{{incident_id}}": {
                "get": {
                    "summary": "An incident, with its findings once investigated",
                    "operationId": "getIncident",
                    "parameters": [
                        {"name": "incident_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "The incident.", **_json(incident)}, **_problems(401, 404)},
                }
            },
            **_verdict_paths(*verdicts),
            ALERTMANAGER: {
                "post": {
                    "summary": "Alertmanager's webhook receiver: one incident per alert group",
                    "description": "Point a `webhook_configs` receiver here (payload version 4). The first "
                    "notification of a group opens an incident; later ones, firing or resolved, update the "
                    "alerts recorded on it. Once every alert has resolved and the investigation has finished, "
                    "the group's next firing notification opens a new incident; so does one after a failed "
                    "investigation.",
                    "operationId": "receiveAlertmanagerNotification",
                    "requestBody": {"required": True, **_json(notification)},
                    "responses": {
                        "202": {
                            "description": "A new incident, stored as pending.",
                            "headers": location,
                            **_json(receipt),
                        },
                        "200": {
                            "description": "The group's incident was updated (deduplicated), or nothing to open.",
                            "headers": location,
                            **_json(receipt),
                        },
                        **_problems(400, 401, 413, 415, 422, 500, 503),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": open_access,
                    "responses": {"200": {"description": "OpenAPI 3.1.", **_json({"type": "object"})}},
                }
            },
        },
        "components": {
            "schemas": {
                **definitions["$defs"],
                "Status": {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]},
            },
            "responses": {
                f"Problem{status}": {"description": description, **_json(problem, PROBLEM_JSON)}
                for status, description in _PROBLEMS.items()
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
