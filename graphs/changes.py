"""What changed: a workload's rollout history as facts, evidence, a rollback hint and one timeline.

Contract:
- Input: the owner workload's `RolloutHistory` (get_rollout_history, newest revision first) and
  what collect saw of the target (the pod's diagnosis, or the workload's warnings).
- `change_facts`: one fact per changed field of every revision change in the history, newest
  first: `kind, workload, namespace, revision, previous_revision, at, change_cause, field,
  container` (null for pod-level fields), `init, aspect` (what kind of field, see `_aspect`),
  `before, after, decreased` (for quantities: the new value is lower; else null), `on_target`,
  `previous_healthy, seconds_before_first_failure, evidence` (`change:<kind>/<name>:<revision>`).
- The onset, the first sign that the target fails: the earliest first sight of a warning about
  the pod (a failing probe, a back-off, a failed pull) or a non-zero termination of one of its
  containers; when the pod fails and no such time is known, its creation (the pod of the failing
  revision). Without a pod, the earliest warning about the workload. `seconds_before_first_failure`
  is onset minus the change's time: positive when the change came first, null when either is unknown.
- `previous_healthy`: the previous revision still runs pods and all are ready (true), runs pods
  that are not all ready (false), runs none (null: nothing to compare with).
- `on_target`: the investigated pod runs this revision (without a pod: it is the current revision).
- `preceded_failure`: on_target, and the change came before the first sign of failure.
The facts only describe; whether a change explains a failure is for the rules to say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphs.models import ChangeRecord, CollectedEvidence, TimelineEntry
from mcp_servers.kubernetes.history_models import RevisionChange, RolloutHistory
from mcp_servers.kubernetes.models import PodDiagnosis
from mcp_servers.kubernetes.quantities import parse_quantity as quantity

_CONTAINER_FIELD = re.compile(r"^(initContainers|containers)\[([^\]]*)\]\.(.+)$")
_CONTAINER_ASPECTS = {
    "image": "image",
    "command": "command",
    "args": "command",
    "resources.limits.memory": "memory_limit",
    "resources.requests.memory": "memory_request",
    "livenessProbe": "liveness_probe",
    "readinessProbe": "readiness_probe",
    "startupProbe": "startup_probe",
}
_POD_ASPECTS = {
    "volumes": "volume",
    "labels": "metadata",
    "annotations": "metadata",
    "nodeSelector": "scheduling",
    "tolerations": "scheduling",
    "affinity": "scheduling",
    "serviceAccountName": "service_account",
}


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # The API server writes UTC with a Z; a value without a zone is read as UTC, not local time.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _aspect(field: str) -> tuple[str | None, bool, str]:
    """(container, init, aspect) of a template field as get_rollout_history names it."""
    match = _CONTAINER_FIELD.match(field)
    if match:
        sub = match.group(3)
        head = sub.split("[", 1)[0]
        if sub in _CONTAINER_ASPECTS or head in _CONTAINER_ASPECTS:
            aspect = _CONTAINER_ASPECTS.get(sub) or _CONTAINER_ASPECTS[head]
        elif head in ("env", "envFrom"):
            aspect = "env"
        elif head == "volumeMounts":
            aspect = "volume"
        elif sub.startswith("resources."):
            aspect = "resources"
        else:
            aspect = "container"
        return match.group(2), match.group(1) == "initContainers", aspect
    return None, False, _POD_ASPECTS.get(field.split("[", 1)[0], "pod")


def _decreased(aspect: str, before: str | None, after: str | None) -> bool | None:
    if aspect not in ("memory_limit", "memory_request", "resources"):
        return None
    old, new = quantity(before), quantity(after)
    return None if old is None or new is None else new < old


def _pod_failing(diagnosis: PodDiagnosis) -> bool:
    containers = diagnosis.pod.init_containers + diagnosis.pod.containers
    return any(c.restart_count > 0 or not c.ready for c in diagnosis.pod.containers) or any(
        c.state.state == "waiting" and c.state.reason not in (None, "ContainerCreating", "PodInitializing")
        for c in containers
    )


def onset(evidence: CollectedEvidence) -> datetime | None:
    """When the target first showed a failure, as far as the evidence tells (see the module's contract)."""
    diagnosis = evidence.diagnosis
    if diagnosis is None:
        times = [_time(e.first_seen or e.last_seen) for e in evidence.workload_events if e.type == "Warning"]
        return min((t for t in times if t), default=None)
    times = [_time(e.first_seen or e.last_seen) for e in diagnosis.events if e.type == "Warning"]
    for container in diagnosis.pod.init_containers + diagnosis.pod.containers:
        for state in (container.state, container.last_state):
            if state is not None and state.state == "terminated" and state.exit_code not in (None, 0):
                times.append(_time(state.finished_at))
    known = [t for t in times if t is not None]
    if known:
        return min(known)
    return _time(diagnosis.pod.created_at) if _pod_failing(diagnosis) else None


def target_revision(history: RolloutHistory, diagnosis: PodDiagnosis | None) -> int | None:
    """The revision the investigated pod runs: its ReplicaSet, or its controller-revision-hash label."""
    if diagnosis is None:
        return history.current_revision
    names = {ref.name for ref in diagnosis.pod.owner_chain}
    label = diagnosis.pod.labels.get("controller-revision-hash")
    if label:
        names |= {label, f"{history.name}-{label}"}
    return next((r.revision for r in history.revisions if r.name in names), None)


def _previous_healthy(history: RolloutHistory, revision: int) -> bool | None:
    previous = next((r for r in history.revisions if r.revision == revision), None)
    if previous is None or previous.replicas == 0:
        return None
    return previous.ready_replicas >= previous.replicas


def change_id(history: RolloutHistory, revision: int) -> str:
    return f"change:{history.kind}/{history.name}:{revision}"


@dataclass(frozen=True)
class _Context:
    history: RolloutHistory
    onset: datetime | None
    target: int | None


def _seconds(context: _Context, at: str | None) -> int | None:
    when = _time(at)
    if when is None or context.onset is None:
        return None
    return round((context.onset - when).total_seconds())


def _facts_of(context: _Context, change: RevisionChange) -> list[dict[str, Any]]:
    history = context.history
    seconds = _seconds(context, change.at)
    shared = {
        "kind": history.kind,
        "workload": history.name,
        "namespace": history.namespace,
        "revision": change.to_revision,
        "previous_revision": change.from_revision,
        "at": change.at or "",
        "change_cause": change.change_cause or "",
        "on_target": context.target == change.to_revision,
        "previous_healthy": _previous_healthy(history, change.from_revision),
        "seconds_before_first_failure": seconds,
        "preceded_failure": context.target == change.to_revision and seconds is not None and seconds >= 0,
        "evidence": change_id(history, change.to_revision),
    }
    facts = []
    for field in change.changes:
        container, init, aspect = _aspect(field.field)
        facts.append(
            {
                **shared,
                "field": field.field,
                "container": container,
                "init": init,
                "aspect": aspect,
                "before": field.before,
                "after": field.after,
                "decreased": _decreased(aspect, field.before, field.after),
            }
        )
    return facts


def change_facts(evidence: CollectedEvidence) -> list[dict[str, Any]]:
    """The `changes` fact: every changed field of the revisions collect read, newest revision first."""
    history = evidence.rollout_history
    if history is None:
        return []
    context = _Context(history, onset(evidence), target_revision(history, evidence.diagnosis))
    return [fact for change in history.changes for fact in _facts_of(context, change)]


def _change_text(before: str | None, after: str | None) -> str:
    if before is None:
        return f"added {after}"
    if after is None:
        return f"removed (was {before})"
    return f"{before} -> {after}"


def summary(facts: list[dict[str, Any]]) -> str:
    """One revision's change as the evidence catalogue shows it (facts of one revision)."""
    first = facts[0]
    text = f"{first['kind']} {first['namespace']}/{first['workload']} revision {first['revision']}"
    text += f" at {first['at'] or 'an unknown time'}"
    if first["change_cause"]:
        text += f" ({first['change_cause']})"
    text += ": " + "; ".join(f"{f['field']} {_change_text(f['before'], f['after'])}" for f in facts[:6])
    if len(facts) > 6:
        text += f"; and {len(facts) - 6} more fields"
    seconds = first["seconds_before_first_failure"]
    if seconds is not None:
        text += f"; {abs(seconds)} s {'before' if seconds >= 0 else 'after'} the first sign of failure"
    healthy = first["previous_healthy"]
    if healthy is not None:
        text += f"; revision {first['previous_revision']}'s pods are {'all ready' if healthy else 'NOT all ready'}"
    return text


def by_revision(facts: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        grouped.setdefault(fact["evidence"], []).append(fact)
    return grouped


def rollback_command(record: ChangeRecord) -> str:
    return (
        f"kubectl rollout undo {record.kind.lower()}/{record.name} -n {record.namespace} "
        f"--to-revision={record.previous_revision}"
    )


def change_records(evidence: CollectedEvidence, cited: set[str]) -> list[ChangeRecord]:
    """The report's 'What changed': one record per revision change, newest first."""
    history = evidence.rollout_history
    if history is None:
        return []
    grouped = by_revision(change_facts(evidence))
    records = []
    for change in history.changes:
        item_id = change_id(history, change.to_revision)
        facts = grouped.get(item_id) or []
        first = facts[0] if facts else {}
        records.append(
            ChangeRecord(
                id=item_id,
                kind=history.kind,
                namespace=history.namespace,
                name=history.name,
                revision=change.to_revision,
                previous_revision=change.from_revision,
                at=change.at,
                change_cause=change.change_cause,
                changes=change.changes,
                seconds_before_first_failure=first.get("seconds_before_first_failure"),
                previous_healthy=first.get("previous_healthy"),
                cited=item_id in cited,
            )
        )
    return records


def rollback_step(records: list[ChangeRecord], top_evidence: list[str]) -> str | None:
    """A rollback for a person to consider, when the top finding cites a change whose previous revision is healthy."""
    for record in records:
        if record.id in top_evidence and record.previous_healthy:
            return (
                f"Suggestion for a person (this tool changes nothing): revision {record.previous_revision} was "
                f"healthy; to roll back: {rollback_command(record)}"
            )
    return None


def timeline(evidence: CollectedEvidence, records: list[ChangeRecord]) -> list[TimelineEntry]:
    """Events and changes on one time axis, oldest first; entries without a time last."""
    diagnosis = evidence.diagnosis
    events = (diagnosis.events + diagnosis.owner_events if diagnosis else []) + evidence.workload_events
    entries: dict[tuple[str, str], TimelineEntry] = {}
    for event in events:
        count = f" (x{event.count})" if event.count > 1 else ""
        text = f"{event.type} {event.reason} on {event.object.kind}/{event.object.name}{count}: {event.message}"
        at = event.first_seen or event.last_seen
        entries.setdefault((at or "", text), TimelineEntry(at=at, source="event", text=text[:500]))
    for record in records:
        fields = ", ".join(c.field for c in record.changes[:4]) + (" ..." if len(record.changes) > 4 else "")
        text = f"{record.kind} {record.name} revision {record.revision} rolled out: {fields or 'no template change'}"
        entries[(record.at or "", text)] = TimelineEntry(at=record.at, source="change", text=text, evidence=record.id)
    when = onset(evidence)
    if when is not None:
        at = when.isoformat().replace("+00:00", "Z")
        entries[(at, "onset")] = TimelineEntry(at=at, source="onset", text="first sign of failure of the target")
    unknown = datetime.min.replace(tzinfo=UTC)
    return sorted(entries.values(), key=lambda e: (e.at is None, _time(e.at) or unknown, e.source))
