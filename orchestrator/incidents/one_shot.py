"""One investigation from the terminal, and the incident rendered for a person to read."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from textwrap import indent, wrap
from typing import Any

from orchestrator.incidents.investigator import open_investigator
from orchestrator.incidents.models import Incident, IncidentRequest, IncidentResult
from orchestrator.incidents.runner import describe_failure
from orchestrator.settings import OrchestratorSettings


async def investigate_once(
    settings: OrchestratorSettings, description: str, namespace: str | None = None, pod: str | None = None
) -> Incident:
    """The same incident document `GET /api/v1/incidents/{id}` returns, investigated in this process."""
    request = IncidentRequest(description=description, namespace=namespace, pod=pod)
    incident_id = str(uuid.uuid4())
    created = datetime.now(UTC)
    started = time.perf_counter()

    async def progress(step: str) -> None:
        print(f"  {time.perf_counter() - started:6.2f}s  {step}", file=sys.stderr, flush=True)

    header = {
        "incident_id": incident_id,
        "description": request.description,
        "namespace": request.namespace,
        "pod": request.pod,
        "created_at": created,
    }
    investigator = await open_investigator(settings)
    try:
        result = IncidentResult.model_validate(await investigator.run(incident_id, request, progress))
    except Exception as exc:
        return Incident(**header, status="failed", updated_at=datetime.now(UTC), error=describe_failure(exc))
    finally:
        await investigator.aclose()
    return Incident(**header, **result.model_dump(), status="completed", updated_at=datetime.now(UTC))


def _analysis_lines(report: dict[str, Any]) -> list[str]:
    analysis, llm = report.get("analysis"), report.get("llm") or {}
    if not analysis:
        return []
    lines = [
        "",
        f"LLM analysis ({llm.get('calls', 0)} calls, {llm.get('input_tokens', 0)} + "
        f"{llm.get('output_tokens', 0)} tokens, {llm.get('latency_seconds', 0):.1f} s):",
    ]
    if analysis.get("narrative"):
        lines += indent("\n".join(wrap(analysis["narrative"], 100)), "  ").splitlines()
    else:
        lines.append(f"  not shown: {analysis.get('error')}")
    if analysis.get("hypothesis"):
        lines.append(f"  Hypothesis (low confidence, no rule confirms it): {analysis['hypothesis']['text']}")
    return lines


def render_incident(incident: Incident) -> str:
    if incident.status == "failed":
        return f"Investigation failed: {incident.error}"
    report = incident.report or {}
    lines = [
        f"Incident {incident.incident_id}",
        f"  {incident.description}",
        "",
        f"Root cause ({incident.confidence_score}, {incident.confidence:.2f}): [{report.get('category')}]",
        *indent("\n".join(wrap(incident.suggested_root_cause or "", 100)), "  ").splitlines(),
        "",
        f"Target: {(incident.evidence or {}).get('target')} (extracted by {incident.extraction_method}: "
        f"{(incident.extracted or {}).get('resolution', '')})",
    ]
    if report.get("dependency_path"):
        lines.append(f"Dependency path: {' -> '.join(report['dependency_path'])}")
    lines += _analysis_lines(report)
    findings = incident.findings or []
    if findings:
        lines += ["", "Findings:"]
        for rank, finding in enumerate(findings, start=1):
            lines.append(f"  {rank}. {finding['title']} [{finding['category']}] {finding['confidence']:.2f}")
            lines.append(f"     evidence: {', '.join(finding['evidence'])}")
    items = (incident.evidence or {}).get("items", [])
    if items:
        lines += ["", "Evidence:"]
        lines += [f"  {item['id']}: {item['summary'][:160]}" for item in items[:12]]
    lines += ["", "Next steps:"]
    lines += [f"  - {step}" for step in report.get("next_steps", [])]
    return "\n".join(lines)
