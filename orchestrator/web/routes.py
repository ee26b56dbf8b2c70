"""The web UI's pages under /ui/: the incident list, an incident, the form to open one, login.

Every page reads and writes through the IncidentService, as the REST API does, and a new
incident is validated by the same IncidentRequest model. Pages are rendered on the server and
work without JavaScript; while an investigation runs they refresh themselves with a meta tag.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args
from urllib.parse import parse_qsl, urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from orchestrator.bodies import BodyTooLarge, media_type, read_body
from orchestrator.incidents.feedback import NothingToJudge
from orchestrator.incidents.render import redaction_note
from orchestrator.incidents.service import FINISHED, IncidentService, UnknownIncident
from orchestrator.models import Category, FeedbackRequest, IncidentRequest, IncidentStatus
from orchestrator.problems import ProblemError
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import InvalidCursor
from orchestrator.web.auth import LOGIN_PATH, SESSION_COOKIE, UI_PREFIX, Sessions, safe_next
from orchestrator.web.login_limit import LoginLimiter, wait_message
from orchestrator.web.views import age, incident_target, incident_view

_HERE = Path(__file__).parent
PAGE_SIZE = 25
REFRESH_SECONDS = 2
STATUSES: tuple[str, ...] = get_args(IncidentStatus)
_FORM_FIELDS = ("description", "namespace", "pod")
_OPTIONAL_FIELDS = ("namespace", "pod")
_FORM = "application/x-www-form-urlencoded"
_FEEDBACK_FIELDS = ("verdict", "actual_category", "actual_component", "comment")


class WebUi:
    """The pages, the session signer they share with the auth middleware, and the templates."""

    def __init__(self, settings: OrchestratorSettings, service: Callable[[], IncidentService]) -> None:
        self.settings = settings
        self._service = service
        self.sessions = Sessions(
            settings.tokens(), settings.ui_secret(), settings.ui_session_max_age_seconds, revocations=service
        )
        self.login_limiter = LoginLimiter(settings.ui_login_max_failures, settings.ui_login_failure_window_seconds)
        self.templates = Jinja2Templates(directory=_HERE / "templates")
        self.templates.env.globals.update(
            ui=UI_PREFIX,
            statuses=STATUSES,
            age=age,
            target=incident_target,
            categories=get_args(Category),
            redaction_note=redaction_note,
        )

    @property
    def mount(self) -> Mount:
        return Mount(
            UI_PREFIX,
            routes=[
                Route("/", self.incident_list, methods=["GET"]),
                Route("/incidents", self.create_incident, methods=["POST"]),
                Route("/incidents/new", self.new_incident, methods=["GET"]),
                Route("/incidents/{incident_id}.json", self.incident_json, methods=["GET"]),
                Route("/incidents/{incident_id}", self.incident_page, methods=["GET"]),
                Route("/incidents/{incident_id}/feedback", self.give_feedback, methods=["POST"]),
                Route("/login", self.login, methods=["GET", "POST"]),
                Route("/logout", self.logout, methods=["POST"]),
                Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
                Route("/{path:path}", self.not_found),
            ],
        )

    def _render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context["logout"] = getattr(request.state, "ui_login_required", False)
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        # The pages show cluster data: keep them out of shared caches and other sites' frames.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    async def incident_list(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        cursor = request.query_params.get("cursor") or None
        if status is not None and status not in STATUSES:
            return self._render(
                request, "list.html", 400, items=[], status=None, error=f"there is no status {status!r}"
            )
        try:
            page = await self._service().list_incidents(limit=PAGE_SIZE, cursor=cursor, status=status)  # type: ignore[arg-type]
        except InvalidCursor:
            return self._render(
                request, "list.html", 400, items=[], status=status, error="that page link is no longer valid"
            )
        running = any(i.status not in FINISHED for i in page.items)
        older = f"?{urlencode({k: v for k, v in (('status', status), ('cursor', page.next_cursor)) if v})}"
        return self._render(
            request,
            "list.html",
            items=page.items,
            status=status,
            older=older if page.next_cursor else None,
            refresh=REFRESH_SECONDS if running else None,
        )

    async def incident_page(
        self,
        request: Request,
        status_code: int = 200,
        feedback_values: dict[str, str] | None = None,
        feedback_errors: dict[str, str] | None = None,
    ) -> Response:
        incident_id: str = request.path_params["incident_id"]
        service = self._service()
        try:
            incident = await service.get(incident_id)
        except UnknownIncident as exc:
            return self._render(request, "not_found.html", 404, message=str(exc))
        running = incident.status not in FINISHED
        return self._render(
            request,
            "incident.html",
            status_code,
            view=incident_view(incident),
            refresh=REFRESH_SECONDS if running else None,
            feedback=await service.feedback(incident_id) if incident.status == "completed" else None,
            feedback_values=feedback_values or {},
            feedback_errors=feedback_errors or {},
        )

    async def give_feedback(self, request: Request) -> Response:
        """The incident page's feedback form: a verdict button and the optional fields."""
        incident_id: str = request.path_params["incident_id"]
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        values = {field: form.get(field, "") for field in _FEEDBACK_FIELDS}
        try:
            feedback = FeedbackRequest.model_validate({k: v for k, v in values.items() if v.strip()})
            author = getattr(request.state, "author", None)
            await self._service().give_feedback(incident_id, feedback, author)
        except ValidationError as exc:
            problem = ProblemError.invalid(exc, FeedbackRequest)
            errors = {e.field: e.message for e in problem.errors or []}
            return await self.incident_page(request, 422, values, errors)
        except UnknownIncident as exc:
            return self._render(request, "not_found.html", 404, message=str(exc))
        except NothingToJudge as exc:
            return await self.incident_page(request, 409, values, {"incident": str(exc)})
        return RedirectResponse(f"{UI_PREFIX}/incidents/{incident_id}#feedback", 303)

    async def not_found(self, request: Request) -> Response:
        return self._render(request, "not_found.html", 404, message=f"there is no page {request.url.path}")

    async def incident_json(self, request: Request) -> Response:
        """The same document as GET /api/v1/incidents/{id}, reachable with the UI's session."""
        incident_id: str = request.path_params["incident_id"]
        try:
            incident = await self._service().get(incident_id)
        except UnknownIncident as exc:
            raise ProblemError(404, str(exc)) from None
        return Response(incident.model_dump_json(indent=2), media_type="application/json")

    async def new_incident(self, request: Request) -> Response:
        return self._render(request, "new.html", values={}, errors={})

    async def create_incident(self, request: Request) -> Response:
        form = await self._read_form(request)
        if isinstance(form, Response):
            return form
        values = {field: form.get(field, "") for field in _FORM_FIELDS}
        try:
            # An empty optional field means "not known", as an absent JSON field does.
            fields = {k: v for k, v in values.items() if k not in _OPTIONAL_FIELDS or v.strip()}
            incident_request = IncidentRequest.model_validate(fields)
        except ValidationError as exc:
            problem = ProblemError.invalid(exc, IncidentRequest)
            errors = {e.field: e.message for e in problem.errors or []}
            return self._render(request, "new.html", 422, values=values, errors=errors)
        incident = await self._service().report(incident_request)
        return RedirectResponse(f"{UI_PREFIX}/incidents/{incident.incident_id}", 303)

    async def _read_form(self, request: Request) -> dict[str, str] | Response:
        """The urlencoded form, refused past the API's body limit like a JSON body."""
        if media_type(request) != _FORM:
            return self._render(request, "new.html", 415, values={}, errors={"form": f"send the form as {_FORM}"})
        try:
            body = await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge as exc:
            message = f"the form is {exc}; shorten the description"
            return self._render(request, "new.html", 413, values={}, errors={"form": message})
        return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))

    async def login(self, request: Request) -> Response:
        target = safe_next(request.query_params.get("next"))
        if not self.sessions.required:
            return RedirectResponse(target, 303)  # nothing to log in to
        if request.method == "GET":
            return self._render(request, "login.html", target=target, error=None)
        form = await self._read_form(request)
        form = form if isinstance(form, dict) else {}
        target = safe_next(form.get("next"))
        client = request.client.host if request.client else ""
        # Checked before the token, so that a guesser who must wait learns nothing from trying.
        wait = self.login_limiter.retry_after(client)
        if wait is not None:
            response = self._render(request, "login.html", 429, target=target, error=wait_message(wait))
            response.headers["Retry-After"] = str(wait)
            return response
        token = form.get("token", "")
        cookie = self.sessions.login(token) if token.strip() else None
        if cookie is None:
            if token.strip():
                self.login_limiter.failed(client)
            error = "that token is not one of the server's API tokens" if token.strip() else "enter an API token"
            return self._render(request, "login.html", 401, target=target, error=error)
        self.login_limiter.succeeded(client)
        response = RedirectResponse(target, 303)
        self.sessions.set_cookie(response, request, cookie)
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse(LOGIN_PATH, 303)
        if SESSION_COOKIE in request.cookies:
            # Revoked, not only cleared: a copy of the cookie (another tab, a stolen one) is refused too.
            await self.sessions.revoke(request.cookies[SESSION_COOKIE])
            self.sessions.clear_cookie(response, request)
        return response
