"""Errors as RFC 9457 problem details (`application/problem+json`) that tell the client what to fix.

Endpoints raise `ProblemError`; the handlers here also turn Starlette's own 404/405 and any
unexpected exception into problems, so no error leaves the API in another shape.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from orchestrator.models import PATTERN_MESSAGES, FieldError, Problem

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sre.orchestrator.problems")
# How long a client should wait before retrying when the database cannot take writes.
STORAGE_RETRY_AFTER_SECONDS = 5


class ProblemError(Exception):
    """Answer the request with this problem."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers

    @classmethod
    def storage_unavailable(cls, exc: BaseException) -> ProblemError:
        """503: the database cannot take the request's write for now (locked by another process, its
        disk full); nothing was recorded, and the same request later will work."""
        log.warning("the incident database refused a write: %s", exc)
        detail = (
            f"the incident database cannot take writes right now ({str(exc).strip()}); nothing was recorded: "
            f"retry in {STORAGE_RETRY_AFTER_SECONDS} s"
        )
        return cls(503, detail, headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)})

    @classmethod
    def field(cls, status: int, field: str, message: str) -> ProblemError:
        """A problem with one named field of the request."""
        return cls(status, f"{field}: {message}", errors=[FieldError(field=field, message=message)])

    @classmethod
    def invalid(cls, exc: ValidationError, model: type[BaseModel]) -> ProblemError:
        """422 naming each invalid field of `model` and what is wrong with it."""
        errors = [
            FieldError(field=".".join(map(str, e["loc"])) or "body", message=_message(e, model)) for e in exc.errors()
        ]
        return cls(422, "; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    problem = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, instance=request.url.path, errors=errors
    )
    return Response(problem.model_dump_json(exclude_none=True), status, headers, media_type=PROBLEM_JSON)


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    """Pydantic's message, reworded where it would not tell a person what to send."""
    kind, context = error["type"], error.get("ctx", {})
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return f"unknown field; the fields are: {', '.join(model.model_fields)}"
    if kind == "model_type":
        return "must be a JSON object"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty or blank"
    if kind == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(context.get("pattern", ""), error["msg"])
    return error["msg"]


async def _problem_error(request: Request, exc: ProblemError) -> Response:
    return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


async def _http_exception(request: Request, exc: HTTPException) -> Response:
    """Starlette's routing errors: an unknown path or a method the path does not take."""
    if exc.status_code == 404:
        detail = f"there is no {request.url.path}; the API is described at /openapi.json"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}"
    else:
        detail = exc.detail
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises after this answer so uvicorn logs the traceback; the client learns nothing
    # internal. uvicorn then closes the connection, so tell the client not to reuse it.
    detail = "the server failed to handle this request; its log has the details"
    return problem_response(request, 500, detail, headers={"Connection": "close"})


EXCEPTION_HANDLERS: Mapping[type[Exception], Callable[[Request, Any], Awaitable[Response]]] = {
    ProblemError: _problem_error,
    HTTPException: _http_exception,
    Exception: _server_error,
}
