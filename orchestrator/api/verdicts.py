"""Feedback on an incident's verdict, and the stats of how often each rule was right."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orchestrator import logs
from orchestrator.api.openapi import INCIDENTS, RULE_STATS
from orchestrator.incidents.feedback import NothingToJudge
from orchestrator.incidents.service import IncidentService, UnknownIncident
from orchestrator.models import FeedbackRequest
from orchestrator.problems import ProblemError
from orchestrator.settings import OrchestratorSettings


class VerdictApi:
    def __init__(
        self,
        settings: OrchestratorSettings,
        service: Callable[[], IncidentService],
        read_json: Callable[..., object],
        validate: Callable[..., FeedbackRequest],
    ) -> None:
        self.settings = settings
        self._service = service
        self._read_json = read_json
        self._validate = validate

    @property
    def routes(self) -> list[Route]:
        return [
            Route(f"{INCIDENTS}/{{incident_id}}/feedback", self.feedback, methods=["GET", "POST"]),
            Route(RULE_STATS, self.rule_stats, methods=["GET"]),
        ]

    async def feedback(self, request: Request) -> Response:
        incident_id: str = request.path_params["incident_id"]
        logs.INCIDENT_ID.set(incident_id[:64])  # for the access log line
        service = self._service()
        try:
            if request.method == "GET":
                await service.get(incident_id)
                recorded = await service.feedback(incident_id)
                if recorded is None:
                    raise ProblemError(404, f"incident {incident_id} has no feedback yet; POST it here")
                return Response(recorded.model_dump_json(), media_type="application/json")
            body = await self._read_json(request, self.settings.max_body_bytes, "shorten the comment")
            feedback_request = self._validate(FeedbackRequest, body)
            author = getattr(request.state, "author", None)
            recorded = await service.give_feedback(incident_id, feedback_request, author)
        except UnknownIncident as exc:
            raise ProblemError(404, f"{exc}; list them at {INCIDENTS}") from None
        except NothingToJudge as exc:
            raise ProblemError(409, str(exc)) from None
        except ProblemError:
            raise
        except Exception as exc:
            if not service.unavailable(exc):
                raise
            raise ProblemError.storage_unavailable(exc) from exc
        return Response(recorded.model_dump_json(), media_type="application/json")

    async def rule_stats(self, request: Request) -> Response:
        stats = await self._service().rule_stats()
        return Response(stats.model_dump_json(), media_type="application/json")
