"""Feedback on verdicts: people say whether an investigation's suggested root cause was right.

Only a completed investigation has a verdict to judge; the latest feedback on an incident
replaces any earlier one (a person who clicked the wrong button corrects it). Stats count, per
rule and per category, the verdicts given and how many were confirmed or rejected.
"""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.models import Feedback, FeedbackRequest, Incident
from orchestrator.store import IncidentStore


class NothingToJudge(Exception):
    """The incident has no verdict (yet): it is still pending or investigating, or it failed."""

    def __init__(self, incident: Incident) -> None:
        if incident.status == "failed":
            reason = "its investigation failed, so there is no verdict to judge"
        else:
            reason = f"it is still {incident.status}; send feedback once its investigation has completed"
        super().__init__(f"incident {incident.incident_id} cannot take feedback: {reason}")


async def give_feedback(
    store: IncidentStore, incident: Incident, request: FeedbackRequest, author: str | None
) -> Feedback:
    """Record `request` on a completed incident; raises NothingToJudge for any other."""
    if incident.status != "completed":
        raise NothingToJudge(incident)
    return await store.record_feedback(incident.incident_id, request, author, datetime.now(UTC))


async def feedback_on(store: IncidentStore, incident_id: str) -> Feedback | None:
    return (await store.feedback([incident_id])).get(incident_id)
