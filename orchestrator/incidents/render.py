"""An incident as text for a person: the CLI's output and the workflow MCP server's text content."""

from __future__ import annotations

from textwrap import indent, wrap

from graphs.models import Report
from orchestrator.models import Incident

WIDTH = 100


def _wrapped(text: str) -> list[str]:
    return indent("\n".join(wrap(text, WIDTH)), "  ").splitlines()


def _analysis_lines(report: Report) -> list[str]:
    analysis, llm = report.analysis, report.llm
    if analysis is None:
        return []
    lines = [
        "",
        f"LLM analysis ({llm.calls} calls, {llm.input_tokens} + {llm.output_tokens} tokens, "
        f"{llm.latency_seconds:.1f} s):",
    ]
    lines += _wrapped(analysis.narrative) if analysis.narrative else [f"  not shown: {analysis.error}"]
    if analysis.hypothesis is not None:
        lines.append(f"  Hypothesis (low confidence, no rule confirms it): {analysis.hypothesis.text}")
    return lines


def _change_lines(report: Report) -> list[str]:
    """What changed, newest first: a few fields per revision; the web UI shows the whole diff."""
    if not report.changes:
        return []
    lines = ["", "What changed:"]
    for record in report.changes[:3]:
        timing = ""
        if record.seconds_before_first_failure is not None:
            seconds = record.seconds_before_first_failure
            timing = f", {abs(seconds)} s {'before' if seconds >= 0 else 'after'} the first failure"
        cited = " [cited]" if record.cited else ""
        at = record.at or "an unknown time"
        lines.append(f"  {record.kind} {record.name} revision {record.revision} at {at}{timing}{cited}")
        for change in record.changes[:4]:
            lines.append(f"     {change.field}: {change.before or '(none)'} -> {change.after or '(none)'}")
        if len(record.changes) > 4:
            lines.append(f"     ... and {len(record.changes) - 4} more fields")
    return lines


def _triage_lines(report: Report) -> list[str]:
    """How the culprit was found when the ticket named none: scope, problems, path."""
    triage = report.triage
    if triage is None:
        return []
    where = ", ".join(triage.scope) if triage.scope else "every readable namespace"
    lines = ["", f"Symptom-first triage: swept {where} ({triage.scope_reason})"]
    if triage.components:
        lines.append(f"  components the ticket describes: {', '.join(triage.components)}")
    lines += [f"  {p.severity} {p.kind} {p.namespace}/{p.name}: {p.reason} ({p.relation})" for p in triage.problems[:8]]
    lines += [f"  investigated {outcome}" for outcome in triage.investigated]
    if triage.culprit:
        path = f" via {' -> '.join(triage.path)}" if len(triage.path) > 1 else ""
        lines.append(f"  culprit: {triage.culprit}{path}")
    lines += [f"  consequence of the culprit: {c}" for c in triage.consequences]
    lines += [f"  note: {note}" for note in triage.notes]
    return lines


def redaction_note(incident: Incident) -> str | None:
    """Said under the description when secrets were taken out of it, so a reader knows why it reads so."""
    count = incident.description_redactions
    if not count:
        return None
    return f"{count} secret{'s' if count != 1 else ''} in the description replaced by [REDACTED]"


def description_lines(incident: Incident) -> list[str]:
    """The description, indented, and the redaction note if there is one."""
    note = redaction_note(incident)
    return [f"  {incident.description}", *([f"  ({note})"] if note else [])]


def render_incident(incident: Incident) -> str:
    if incident.status == "failed":
        return f"Investigation failed: {incident.error}"
    report, evidence, extracted = incident.report, incident.evidence, incident.extracted
    if report is None or evidence is None or extracted is None:
        step = f" ({incident.step})" if incident.step else ""
        return f"Incident {incident.incident_id} is {incident.status}{step}"
    lines = [
        f"Incident {incident.incident_id}",
        *description_lines(incident),
        "",
        f"Root cause ({incident.confidence_score}, {incident.confidence or 0:.2f}): [{report.category}]",
        *_wrapped(incident.suggested_root_cause or ""),
        "",
        f"Target: {evidence.target} (extracted by {incident.extraction_method}: {extracted.resolution})",
    ]
    if report.dependency_path:
        lines.append(f"Dependency path: {' -> '.join(report.dependency_path)}")
    if incident.related_incidents:  # the seen-before note, e.g. "3rd time in 7 days: ..."
        lines += [f"Seen before: {note}" for note in report.notes if " time in " in note]
    lines += _triage_lines(report)
    lines += _analysis_lines(report)
    if incident.findings:
        lines += ["", "Findings:"]
        for rank, finding in enumerate(incident.findings, start=1):
            lines.append(f"  {rank}. {finding.title} [{finding.category}] {finding.confidence:.2f}")
            if finding.consequence_of:
                lines.append(f"     consequence of {finding.consequence_of}, not a root cause of its own")
            lines.append(f"     evidence: {', '.join(finding.evidence)}")
    if evidence.items:
        lines += ["", "Evidence:"]
        lines += [f"  {item.id}: {item.summary[:160]}" for item in evidence.items[:12]]
    lines += _change_lines(report)
    lines += ["", "Next steps:"]
    lines += [f"  - {step}" for step in report.next_steps]
    return "\n".join(lines)
