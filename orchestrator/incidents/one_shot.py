"""One investigation in this process, for `sre-orchestrator investigate`: no store, no runner."""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestrator.incidents.investigator import open_investigator
from orchestrator.incidents.runner import describe_failure
from orchestrator.models import Incident, IncidentRequest, IncidentResult
from orchestrator.settings import OrchestratorSettings


@dataclass
class Phases:
    """Where a one-shot investigation's time went, in seconds (the CLI prints it)."""

    setup: float = 0.0  # the knowledge graph, the rules, the MCP server and client
    investigation: float = 0.0

    def items(self) -> list[tuple[str, float]]:
        return [("setup", self.setup), ("investigation", self.investigation)]


async def investigate_once(
    settings: OrchestratorSettings,
    description: str,
    namespace: str | None = None,
    pod: str | None = None,
    phases: Phases | None = None,
) -> Incident:
    """The same incident document `GET /api/v1/incidents/{id}` returns, investigated in this process."""
    phases = phases if phases is not None else Phases()
    request, redactions = IncidentRequest(description=description, namespace=namespace, pod=pod).redacted()
    incident_id = str(uuid.uuid4())
    created = datetime.now(UTC)
    started = time.perf_counter()

    async def progress(step: str) -> None:
        print(f"  {time.perf_counter() - started:6.2f}s  {step}", file=sys.stderr, flush=True)

    header = {
        "incident_id": incident_id,
        "description": request.description,
        "description_redactions": redactions,
        "namespace": request.namespace,
        "pod": request.pod,
        "created_at": created,
    }
    investigator = await open_investigator(settings)
    phases.setup = time.perf_counter() - started
    try:
        result = IncidentResult.model_validate(await investigator.run(incident_id, request, progress))
    except Exception as exc:
        return Incident(**header, status="failed", updated_at=datetime.now(UTC), error=describe_failure(exc))
    finally:
        await investigator.aclose()
        phases.investigation = time.perf_counter() - started - phases.setup
    return Incident(**header, **result.model_dump(), status="completed", updated_at=datetime.now(UTC))
