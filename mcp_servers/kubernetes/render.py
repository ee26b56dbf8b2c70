"""Readable text for each tool result, beside its structured content.

A model reading a tool result, or a person in the MCP Inspector, scans text faster than JSON;
the layout follows `kubectl get` and `kubectl describe` so it reads familiar at 3 a.m.
"""

from __future__ import annotations

from functools import singledispatch

from pydantic import BaseModel

from mcp_servers.kubernetes.history_models import RevisionChange, RolloutHistory
from mcp_servers.kubernetes.models import (
    ContainerInfo,
    ContainerState,
    EventInfo,
    EventList,
    LogExcerpt,
    NodeDetail,
    PodDetail,
    PodDiagnosis,
    PodList,
    PodMatches,
    PodSummary,
    ServiceDetail,
    WorkloadDetail,
)
from mcp_servers.kubernetes.problem_models import ProblemReport


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in [header, *rows]
    )


def _truncated(flag: bool, what: str) -> str:
    return f"\n(more {what} exist; narrow the query or raise the limit)" if flag else ""


def _pod_row(pod: PodSummary) -> list[str]:
    return [pod.namespace, pod.name, pod.ready, pod.status, str(pod.restarts), pod.node or "<none>"]


@singledispatch
def render(result: BaseModel) -> str:
    return result.model_dump_json(indent=2)


@render.register
def _(result: PodList) -> str:
    if not result.pods:
        return "No pods found."
    rows = [_pod_row(p) for p in result.pods]
    return _table(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "NODE"], rows) + _truncated(
        result.truncated, "pods"
    )


@render.register
def _(result: PodMatches) -> str:
    if not result.pods:
        return f"No pod matches {result.query!r}."
    rows = [[*_pod_row(p), p.matched_on] for p in result.pods]
    header = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "NODE", "MATCHED ON"]
    return _table(header, rows) + _truncated(result.truncated, "matches")


def _state(state: ContainerState | None) -> str:
    if state is None:
        return "<none>"
    parts = [state.state.capitalize()]
    if state.reason:
        parts.append(state.reason)
    if state.exit_code is not None:
        parts.append(f"exit code {state.exit_code}")
    text = ", ".join(parts)
    if state.finished_at:
        text += f" (finished {state.finished_at})"
    elif state.started_at:
        text += f" (since {state.started_at})"
    if state.message:
        text += f"\n      message: {state.message}"
    return text


def _container(container: ContainerInfo) -> list[str]:
    kind = "init container" if container.init else "container"
    lines = [
        f"  {kind} {container.name}: image {container.image}",
        f"    state: {_state(container.state)}",
        f"    last state: {_state(container.last_state)}",
        f"    ready: {container.ready}, restarts: {container.restart_count}",
        f"    requests: {container.requests or '{}'}, limits: {container.limits or '{}'}",
    ]
    for label, probe in (
        ("liveness", container.liveness_probe),
        ("readiness", container.readiness_probe),
        ("startup", container.startup_probe),
    ):
        if probe:
            lines.append(
                f"    {label} probe: {probe.target} delay={probe.initial_delay_seconds}s "
                f"period={probe.period_seconds}s timeout={probe.timeout_seconds}s failures={probe.failure_threshold}"
            )
    for env in container.env:
        lines.append(f"    env {env.name}={env.value if env.value_from is None else '<' + env.value_from + '>'}")
    lines += [f"    envFrom {source}" for source in container.env_from]
    return lines


@render.register
def _(pod: PodDetail) -> str:
    owners = " <- ".join(f"{o.kind}/{o.name}" for o in pod.owner_chain) or "<none>"
    lines = [
        f"Pod {pod.namespace}/{pod.name}: {pod.status} (phase {pod.phase})",
        f"  node: {pod.node or '<not scheduled>'}, QoS: {pod.qos_class}, owners: {owners}",
    ]
    if pod.reason or pod.message:
        lines.append(f"  reason: {pod.reason} {pod.message or ''}".rstrip())
    lines += [
        f"  condition {c.type}={c.status}" + (f" {c.reason}: {c.message or ''}".rstrip() if c.reason else "")
        for c in pod.conditions
    ]
    for container in pod.init_containers + pod.containers:
        lines += _container(container)
    lines += [f"  volume {v.name}: {v.source}" for v in pod.volumes]
    return "\n".join(lines)


def _event_line(event: EventInfo) -> str:
    count = f" (x{event.count})" if event.count > 1 else ""
    return (
        f"{event.last_seen or '?'}  {event.type:<7} {event.reason:<20} "
        f"{event.object.kind}/{event.object.name}{count}: {event.message}"
    )


@render.register
def _(result: EventList) -> str:
    if not result.events:
        return "No events found."
    return "\n".join(_event_line(e) for e in result.events) + _truncated(result.truncated, "events")


@render.register
def _(log: LogExcerpt) -> str:
    which = "previous" if log.previous else "current"
    header = f"Logs of {log.namespace}/{log.pod} container {log.container} ({which}, {log.lines} lines"
    header += f", grep {log.grep!r}: {log.matches} matching" if log.grep is not None else ""
    header += ", truncated" if log.truncated else ""
    header += f", {log.redactions} secrets redacted)" if log.redactions else ")"
    if log.unavailable:
        return f"{header}\n{log.unavailable}"
    return f"{header}\n{log.text.rstrip()}" if log.text else f"{header}\n<empty>"


@render.register
def _(workload: WorkloadDetail) -> str:
    lines = [
        f"{workload.kind} {workload.namespace}/{workload.name}: desired {workload.replicas}, "
        f"ready {workload.ready_replicas}, available {workload.available_replicas}, updated {workload.updated_replicas}"
    ]
    if workload.kind == "Job":
        lines.append(
            f"  active {workload.active}, succeeded {workload.succeeded}, failed {workload.failed}, "
            f"backoffLimit {workload.backoff_limit}"
        )
    lines.append(f"  selector: {workload.selector}, images: {', '.join(workload.images)}")
    lines += [
        f"  condition {c.type}={c.status} {c.reason or ''}: {c.message or ''}".rstrip(": ") for c in workload.conditions
    ]
    return "\n".join(lines)


@render.register
def _(service: ServiceDetail) -> str:
    def addresses(items: list) -> str:
        return ", ".join(f"{a.ip} ({a.pod or '?'})" for a in items) or "<none>"

    lines = [
        f"Service {service.namespace}/{service.name}: {service.type} {service.cluster_ip}, "
        f"ports {', '.join(service.ports)}",
        f"  selector: {service.selector}",
    ]
    if not service.endpoints_known:
        lines.append("  endpoints: unknown (no Endpoints object)")
    else:
        lines.append(f"  ready endpoints: {addresses(service.ready_endpoints)}")
        lines.append(f"  not-ready endpoints: {addresses(service.not_ready_endpoints)}")
    return "\n".join(lines) + _truncated(service.truncated, "endpoint addresses")


@render.register
def _(node: NodeDetail) -> str:
    lines = [
        f"Node {node.name}: Ready={node.ready}{' (cordoned)' if node.unschedulable else ''}, "
        f"roles {', '.join(node.roles) or '<none>'}, kubelet {node.kubelet_version}",
        f"  allocatable: {node.allocatable}",
    ]
    lines += [f"  taint {t.key}={t.value or ''}:{t.effect}" for t in node.taints]
    lines += [
        f"  condition {c.type}={c.status} {c.reason or ''}: {c.message or ''}".rstrip(": ") for c in node.conditions
    ]
    return "\n".join(lines)


@render.register
def _(diagnosis: PodDiagnosis) -> str:
    sections = [render(diagnosis.pod)]
    if diagnosis.owner:
        sections.append(render(diagnosis.owner))
    events = diagnosis.events + diagnosis.owner_events
    sections.append("Events:\n" + ("\n".join(_event_line(e) for e in events) if events else "<none>"))
    sections += [render(log) for log in diagnosis.logs]
    if diagnosis.owner_latest_change:
        sections.append("Latest change of the owner:\n" + "\n".join(_change_lines(diagnosis.owner_latest_change)))
    if diagnosis.node:
        sections.append(render(diagnosis.node))
    if diagnosis.notes:
        sections.append("Notes:\n" + "\n".join(f"  {n}" for n in diagnosis.notes))
    return "\n\n".join(sections)


def _change_lines(change: RevisionChange) -> list[str]:
    cause = f" ({change.change_cause})" if change.change_cause else ""
    lines = [f"  revision {change.from_revision} -> {change.to_revision} at {change.at or '?'}{cause}"]
    for field in change.changes:
        lines.append(f"    {field.field}: {field.before if field.before is not None else '<none>'}"
                     f" -> {field.after if field.after is not None else '<none>'}")  # fmt: skip
    if not change.changes:
        lines.append("    (pod template unchanged)")
    return lines + ([f"    (more fields changed than the {len(change.changes)} shown)"] if change.truncated else [])


@render.register
def _(history: RolloutHistory) -> str:
    current = history.current_revision if history.current_revision is not None else "<unknown>"
    lines = [f"{history.kind} {history.namespace}/{history.name}: current revision {current}"]
    rows = [
        [
            str(r.revision) + (" *" if r.current else ""),
            r.name,
            r.created_at or "<unknown>",
            "" if r.desired_replicas is None else str(r.desired_replicas),
            f"{r.ready_replicas}/{r.replicas}",
            ", ".join(r.images),
            r.change_cause or "<none>",
        ]
        for r in history.revisions
    ]
    header = ["REVISION", "NAME", "CREATED", "DESIRED", "READY", "IMAGES", "CHANGE-CAUSE"]
    lines.append(_table(header, rows) if rows else "No revisions found.")
    if history.changes:
        lines.append("Changes:")
        for change in history.changes:
            lines += _change_lines(change)
    lines += [f"note: {note}" for note in history.notes]
    return "\n".join(lines) + _truncated(history.truncated, "revisions")


@render.register
def _(report: ProblemReport) -> str:
    where = ", ".join(report.namespaces) if report.namespaces is not None else "all namespaces"
    found = ", ".join(f"{n} {severity}" for severity, n in report.counts.items() if n) or "none"
    lines = [f"Problems in {where} (judged at {report.judged_at or '?'}): {found}"]
    rows = [
        [
            p.severity.upper(),
            p.namespace or "",
            f"{p.kind}/{p.name}" + (f" (+{p.count - 1})" if p.kind == "Pod" and p.count > 1 else ""),
            f"{p.owner.kind}/{p.owner.name}" if p.owner else "<none>",
            p.reason,
            p.why,
        ]
        for p in report.problems
    ]
    lines.append(
        _table(["SEVERITY", "NAMESPACE", "OBJECT", "OWNER", "REASON", "WHY"], rows) if rows else "No problems found."
    )
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + _truncated(report.truncated, "problems")
