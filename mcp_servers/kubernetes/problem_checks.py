"""The checks of `find_problems` over objects already read: pure functions, raw API JSON in,
`Problem`s out (problem_models.py defines severity; problems.py reads and ranks).

Pods with the same reason under the same owner are grouped into one problem.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from common.redaction import redact_text
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.models import ObjectRef
from mcp_servers.kubernetes.problem_models import SEVERITIES, Problem, Severity
from mcp_servers.kubernetes.summaries import event_time, pod_status_text

if TYPE_CHECKING:
    from mcp_servers.kubernetes.problem_inventory import Owners

RECENT = timedelta(hours=1)
STUCK = timedelta(minutes=5)  # a pod still Pending (scheduled) after this is stuck, not starting
MAX_WHY = 300
MAX_OBJECTS = 5
FAILING_WAITING = frozenset(
    {
        "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreStartHookError",
        "PostStartHookError",
    }
)  # fmt: skip
SERIOUS_EVENTS = frozenset(
    {
        "BackOff", "Failed", "FailedScheduling", "FailedMount", "FailedAttachVolume", "FailedCreate",
        "FailedCreatePodSandBox", "Unhealthy", "Evicted", "OOMKilling", "SystemOOM", "NodeNotReady",
        "ProvisioningFailed", "FailedKillPod", "BackoffLimitExceeded", "FailedPreStopHook", "FailedPostStartHook",
    }
)  # fmt: skip
NODE_PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def meta_of(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def one_line(text: str | None) -> str:
    one = " ".join(str(text or "").split())
    one = redact_text(one)[0]
    return one if len(one) <= MAX_WHY else one[: MAX_WHY - 3] + "..."


def parse_time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _within(value: str | None, reference: str | None, window: timedelta) -> bool:
    moment, now = parse_time(value), parse_time(reference)
    return moment is not None and now is not None and now - moment <= window


def _older(value: str | None, reference: str | None, window: timedelta) -> bool:
    moment, now = parse_time(value), parse_time(reference)
    return moment is not None and now is not None and now - moment > window


def condition(obj: KubeObject, kind: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def newest_time(events: list[KubeObject], pods: list[KubeObject], nodes: list[KubeObject]) -> str | None:
    """The newest moment in the data: events, container state changes, pod and node conditions and
    node heartbeats."""
    times = [event_time(e) for e in events]
    for pod in pods:
        status = pod.get("status") or {}
        times += [c.get("lastTransitionTime") for c in status.get("conditions") or []]
        for container in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or []):
            for state in (container.get("state") or {}, container.get("lastState") or {}):
                for detail in state.values():
                    times += [(detail or {}).get("startedAt"), (detail or {}).get("finishedAt")]
    for node in nodes:  # a kubelet's heartbeat is the best clock a snapshot has of when it was taken
        for c in (node.get("status") or {}).get("conditions") or []:
            times += [c.get("lastTransitionTime"), c.get("lastHeartbeatTime")]
    parsed = [(moment, text) for text in times if text and (moment := parse_time(text)) is not None]
    return max(parsed)[1] if parsed else None


# --- pods -----------------------------------------------------------------------------------


def _last_termination(container: dict[str, Any]) -> str:
    last = (container.get("lastState") or {}).get("terminated")
    if not last:
        return ""
    return (
        f"; last terminated {last.get('reason') or 'Error'} (exit code {last.get('exitCode')})"
        f" at {last.get('finishedAt') or '?'}, {container.get('restartCount', 0)} restarts"
    )


def _container_failure(pod: KubeObject) -> tuple[str, str, str | None] | None:
    status = pod.get("status") or {}
    for key, init in (("initContainerStatuses", True), ("containerStatuses", False)):
        for container in status.get(key) or []:
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated")
            what = f"{'init container' if init else 'container'} {container.get('name')}"
            if waiting.get("reason") in FAILING_WAITING:
                message = f": {waiting['message']}" if waiting.get("message") else ""
                return waiting["reason"], f"{what} {waiting['reason']}{message}{_last_termination(container)}", None
            if terminated and terminated.get("exitCode") not in (0, None) and status.get("phase") != "Failed":
                reason = terminated.get("reason") or "Error"
                code, message = terminated.get("exitCode"), terminated.get("message") or ""
                why = f"{what} terminated {reason} (exit code {code}): {message}"
                return reason, why, terminated.get("finishedAt")
    return None


def _restarted(pod: KubeObject, judged_at: str | None) -> str | None:
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        last = (container.get("lastState") or {}).get("terminated") or {}
        if container.get("restartCount") and _within(last.get("finishedAt"), judged_at, RECENT):
            return f"container {container.get('name')} restarted{_last_termination(container)}"
    return None


def pod_finding(pod: KubeObject, judged_at: str | None) -> tuple[Severity, str, str, str | None] | None:
    """(severity, reason, why, since) of one pod, or None when it is healthy or finished."""
    status, meta = pod.get("status") or {}, meta_of(pod)
    phase, created = status.get("phase", "Unknown"), meta.get("creationTimestamp")
    if phase == "Succeeded":
        return None
    if meta.get("deletionTimestamp"):
        stuck = _older(meta["deletionTimestamp"], judged_at, STUCK)
        return ("medium", "Terminating", "stuck terminating", meta["deletionTimestamp"]) if stuck else None
    if phase == "Failed":
        return "medium", status.get("reason") or "Failed", status.get("message") or pod_status_text(pod), created
    scheduled = condition(pod, "PodScheduled")
    if phase == "Pending" and scheduled and scheduled.get("status") == "False":
        reason = scheduled.get("reason") or "Unschedulable"
        return (
            "high",
            reason,
            f"not scheduled: {scheduled.get('message') or reason}",
            scheduled.get("lastTransitionTime"),
        )
    failure = _container_failure(pod)
    if failure:
        return "high", failure[0], failure[1], failure[2] or created
    if phase == "Pending":
        stuck = _older(created, judged_at, STUCK)
        return ("medium", pod_status_text(pod), f"still {pod_status_text(pod)}", created) if stuck else None
    ready = condition(pod, "Ready")
    if ready and ready.get("status") != "True":
        not_ready = [c.get("name") for c in status.get("containerStatuses") or [] if not c.get("ready")]
        restarts = _restarted(pod, judged_at)
        said = ready.get("reason") or f"Ready={ready.get('status')}"
        why = f"not ready ({said})" + (f": containers {', '.join(map(str, not_ready))}" if not_ready else "")
        return "medium", "NotReady", why + (f"; {restarts}" if restarts else ""), ready.get("lastTransitionTime")
    restarts = _restarted(pod, judged_at)
    return ("medium", "RecentRestarts", restarts, None) if restarts else None


def pod_problems(pods: list[KubeObject], owners: Owners, judged_at: str | None) -> list[Problem]:
    groups: dict[tuple[str, str, str, str], list[tuple[KubeObject, tuple[Severity, str, str, str | None]]]] = {}
    totals: dict[tuple[str, str, str], int] = {}
    owner_of: dict[tuple[str, str, str], ObjectRef | None] = {}
    for pod in pods:
        meta = meta_of(pod)
        owner = owners.of(pod)
        key = (meta.get("namespace", ""), owner.kind if owner else "Pod", owner.name if owner else meta.get("name", ""))
        totals[key] = totals.get(key, 0) + 1
        owner_of[key] = owner
        finding = pod_finding(pod, judged_at)
        if finding:
            groups.setdefault((*key, finding[1]), []).append((pod, finding))
    problems = []
    for (namespace, kind, name, reason), members in groups.items():
        members.sort(key=lambda m: meta_of(m[0]).get("name", ""))
        first, (_, _, why, _) = members[0]
        total = totals[(namespace, kind, name)]
        prefix = f"{len(members)} of {total} pods of {kind} {name}: " if owner_of[(namespace, kind, name)] else ""
        problems.append(
            Problem(
                severity=min((m[1][0] for m in members), key=SEVERITIES.index),
                kind="Pod",
                namespace=namespace,
                name=meta_of(first).get("name", ""),
                owner=owner_of[(namespace, kind, name)],
                reason=reason,
                why=one_line(prefix + why),
                since=min((m[1][3] for m in members if m[1][3]), default=None),
                count=len(members),
                objects=[meta_of(m[0]).get("name", "") for m in members[:MAX_OBJECTS]],
            )
        )
    return problems


# --- nodes ----------------------------------------------------------------------------------


def node_problems(nodes: list[KubeObject], hosting: set[str | None] | None) -> list[Problem]:
    """Nodes NotReady, under pressure or cordoned; only those hosting `hosting` pods when given."""
    problems = []
    for node in nodes:
        name = meta_of(node).get("name", "")
        if hosting is not None and name not in hosting:
            continue

        def problem(severity: Severity, reason: str, why: str, since: str | None, name: str = name) -> Problem:
            return Problem(severity=severity, kind="Node", name=name, reason=reason, why=one_line(why), since=since)

        ready = condition(node, "Ready") or {"status": "Unknown", "reason": "NoReadyCondition"}
        if ready.get("status") != "True":
            why = f"Ready={ready.get('status')} {ready.get('reason') or ''}: {ready.get('message') or ''}"
            problems.append(problem("critical", "NodeNotReady", why, ready.get("lastTransitionTime")))
        for kind in NODE_PRESSURE:
            pressure = condition(node, kind)
            if pressure and pressure.get("status") == "True":
                why = f"{kind}: {pressure.get('message') or pressure.get('reason') or ''}"
                problems.append(problem("high", kind, why, pressure.get("lastTransitionTime")))
        if (node.get("spec") or {}).get("unschedulable"):
            problems.append(problem("low", "Cordoned", "cordoned: no new pods are scheduled here", None))
    return problems


# --- events ---------------------------------------------------------------------------------


def _event_target(event: KubeObject, pod_owners: dict[tuple[str, str], ObjectRef | None]) -> ObjectRef:
    involved = event.get("involvedObject") or {}
    ref = ObjectRef(kind=involved.get("kind", ""), name=involved.get("name", ""))
    if ref.kind == "Pod":
        owner = pod_owners.get((meta_of(event).get("namespace", ""), ref.name))
        return owner or ref
    return ref


def event_problems(
    events: list[KubeObject], pods: list[KubeObject], owners: Owners, judged_at: str | None
) -> list[Problem]:
    """Recent warning events, grouped by reason and by object (a pod's events under its owner)."""
    pod_owners = {(meta_of(p).get("namespace", ""), meta_of(p).get("name", "")): owners.of(p) for p in pods}
    groups: dict[tuple[str, str, str, str], list[KubeObject]] = {}
    for event in events:
        if event.get("type") != "Warning" or (judged_at and not _within(event_time(event), judged_at, RECENT)):
            continue
        target = _event_target(event, pod_owners)
        groups.setdefault(
            (meta_of(event).get("namespace", ""), target.kind, target.name, event.get("reason", "")), []
        ).append(event)
    problems = []
    for (namespace, kind, name, reason), members in groups.items():
        members.sort(key=lambda e: (event_time(e), meta_of(e).get("name", "")), reverse=True)
        latest = members[0]
        involved = sorted({(e.get("involvedObject") or {}).get("name", "") for e in members})
        count = sum(int((e.get("series") or {}).get("count") or e.get("count") or 1) for e in members)
        problems.append(
            Problem(
                severity="medium" if reason in SERIOUS_EVENTS else "low",
                kind="Event",
                namespace=namespace or None,
                name=f"{kind}/{name}",
                owner=owners.top(namespace, ObjectRef(kind=kind, name=name)) if kind != "Node" else None,
                reason=reason,
                why=one_line(f"{reason} x{count} on {len(involved)} object(s): {latest.get('message', '')}"),
                since=event_time(latest) or None,
                count=count,
                objects=involved[:MAX_OBJECTS],
            )
        )
    return problems
