"""The checks of `find_problems` on controllers, Services and claims: pure functions over the
lists already read (problems.py), raw API JSON in, `Problem`s out.

- Deployments, StatefulSets, DaemonSets: no available replica (critical), some unavailable,
  ProgressDeadlineExceeded, ReplicaFailure, a newest ReplicaSet that wants pods and has none.
- Jobs: Failed condition, or failed pods before the backoff limit.
- Services with a selector and an Endpoints object but no ready address: why, including the
  workloads behind them that are scaled to 0 (deliberate, so only medium) or a selector that
  matches no workload (high: clients of the Service fail).
- PVCs Pending or Lost, with their newest provisioning event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.models import ObjectRef
from mcp_servers.kubernetes.problem_checks import condition, meta_of, one_line
from mcp_servers.kubernetes.problem_models import Problem, Severity
from mcp_servers.kubernetes.summaries import event_time

if TYPE_CHECKING:
    from mcp_servers.kubernetes.problem_inventory import Inventory

_REVISION = "deployment.kubernetes.io/revision"
_WORKLOADS = (("deployments", "Deployment"), ("statefulsets", "StatefulSet"), ("daemonsets", "DaemonSet"))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _problem(obj: KubeObject, kind: str, severity: Severity, reason: str, why: str, since: str | None) -> Problem:
    meta = meta_of(obj)
    return Problem(
        severity=severity,
        kind=kind,
        namespace=meta.get("namespace"),
        name=meta.get("name", ""),
        owner=ObjectRef(kind=kind, name=meta.get("name", "")),
        reason=reason,
        why=one_line(why),
        since=since,
    )


def replica_counts(workload: KubeObject, kind: str) -> tuple[int, int]:
    """(desired, available) pods of a Deployment, StatefulSet or DaemonSet."""
    spec, status = workload.get("spec") or {}, workload.get("status") or {}
    if kind == "DaemonSet":
        return _int(status.get("desiredNumberScheduled")), _int(status.get("numberAvailable"))
    desired = _int(spec.get("replicas", 1))
    if kind == "StatefulSet":
        return desired, _int(status.get("availableReplicas", status.get("readyReplicas")))
    return desired, _int(status.get("availableReplicas"))


OwnedReplicaSets = dict[tuple[str, str], list[KubeObject]]  # (namespace, Deployment) -> its ReplicaSets


def _replica_sets_by_deployment(replica_sets: list[KubeObject]) -> OwnedReplicaSets:
    """The ReplicaSets each Deployment controls, by (namespace, name): one pass, not one per Deployment."""
    owned: OwnedReplicaSets = {}
    for rs in replica_sets:
        meta = meta_of(rs)
        for ref in meta.get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Deployment":
                owned.setdefault((meta.get("namespace", ""), ref.get("name", "")), []).append(rs)
    return owned


def _newest_replica_set(deployment: KubeObject, owned: OwnedReplicaSets) -> KubeObject | None:
    meta = meta_of(deployment)
    candidates = owned.get((meta.get("namespace", ""), meta.get("name", ""))) or []
    return max(candidates, key=lambda rs: _int((meta_of(rs).get("annotations") or {}).get(_REVISION)), default=None)


def _rollout_problems(deployment: KubeObject, owned: OwnedReplicaSets) -> list[Problem]:
    problems = []
    progressing = condition(deployment, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        why = f"rollout stalled: {progressing.get('message') or 'progress deadline exceeded'}"
        problems.append(
            _problem(
                deployment, "Deployment", "high", "ProgressDeadlineExceeded", why, progressing.get("lastTransitionTime")
            )
        )
    failure = condition(deployment, "ReplicaFailure")
    if failure and failure.get("status") == "True":
        why = f"cannot create pods: {failure.get('reason')}: {failure.get('message') or ''}"
        problems.append(
            _problem(deployment, "Deployment", "high", "ReplicaFailure", why, failure.get("lastTransitionTime"))
        )
    newest = _newest_replica_set(deployment, owned)
    wants = newest is not None and _int((newest.get("spec") or {}).get("replicas")) > 0
    if newest is not None and wants and not _int((newest.get("status") or {}).get("replicas")):
        revision = (meta_of(newest).get("annotations") or {}).get(_REVISION, "?")
        why = (
            f"new ReplicaSet {meta_of(newest).get('name')} (revision {revision}) wants "
            f"{_int((newest.get('spec') or {}).get('replicas'))} pods and has none"
        )
        problems.append(
            _problem(
                deployment,
                "Deployment",
                "high",
                "NewReplicaSetWithoutPods",
                why,
                meta_of(newest).get("creationTimestamp"),
            )
        )
    return problems


def workload_problems(inventory: Inventory) -> list[Problem]:
    problems = []
    owned = _replica_sets_by_deployment(inventory["replicasets"])
    for resource, kind in _WORKLOADS:
        for workload in inventory[resource]:
            desired, available = replica_counts(workload, kind)
            if desired > 0 and available == 0:
                why = f"0 of {desired} {'scheduled pods' if kind == 'DaemonSet' else 'replicas'} available"
                problems.append(_problem(workload, kind, "critical", "NoAvailableReplicas", why, None))
            elif available < desired:
                problems.append(
                    _problem(workload, kind, "high", "ReplicasUnavailable", f"{available} of {desired} available", None)
                )
            if kind == "Deployment":
                problems += _rollout_problems(workload, owned)
    for job in inventory["jobs"]:
        problems += _job_problems(job)
    return problems


def _job_problems(job: KubeObject) -> list[Problem]:
    status = job.get("status") or {}
    failed_condition = condition(job, "Failed")
    owner_ref = next((r for r in meta_of(job).get("ownerReferences") or [] if r.get("controller")), None)
    if failed_condition and failed_condition.get("status") == "True":
        why = f"failed: {failed_condition.get('reason')}: {failed_condition.get('message') or ''}"
        problem = _problem(job, "Job", "high", "JobFailed", why, failed_condition.get("lastTransitionTime"))
    elif _int(status.get("failed")) and not condition(job, "Complete"):
        backoff = _int((job.get("spec") or {}).get("backoffLimit", 6))
        why = f"{_int(status.get('failed'))} pods failed so far (backoffLimit {backoff})"
        problem = _problem(job, "Job", "medium", "JobPodsFailing", why, status.get("startTime"))
    else:
        return []
    if owner_ref:
        problem.owner = ObjectRef(kind=owner_ref.get("kind", ""), name=owner_ref.get("name", ""))
    return [problem]


# --- services -------------------------------------------------------------------------------


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _backends(service: KubeObject, inventory: Inventory) -> list[tuple[str, KubeObject]]:
    """The workloads whose pod template the Service's selector matches."""
    meta, selector = meta_of(service), (service.get("spec") or {}).get("selector") or {}
    found = []
    for resource, kind in _WORKLOADS:
        for workload in inventory[resource]:
            labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            if meta_of(workload).get("namespace") == meta.get("namespace") and _selects(selector, labels):
                found.append((kind, workload))
    return found


def _no_endpoints(service: KubeObject, inventory: Inventory, not_ready: int) -> tuple[Severity, str, ObjectRef | None]:
    backends = _backends(service, inventory)
    owner = ObjectRef(kind=backends[0][0], name=meta_of(backends[0][1]).get("name", "")) if backends else None
    if not_ready:
        return "critical", f"no ready endpoint: {not_ready} not ready", owner
    scaled = [f"{kind} {meta_of(w).get('name')}" for kind, w in backends if replica_counts(w, kind)[0] == 0]
    if backends and len(scaled) == len(backends):
        return "medium", f"no endpoints: {', '.join(scaled)} scaled to 0", owner
    if backends:
        names = ", ".join(f"{kind} {meta_of(w).get('name')}" for kind, w in backends)
        return "critical", f"no endpoints: no ready pod of {names}", owner
    selector = ",".join(f"{k}={v}" for k, v in sorted(((service.get("spec") or {}).get("selector") or {}).items()))
    return "high", f"no endpoints: selector {selector} matches no workload", None


def service_problems(inventory: Inventory) -> list[Problem]:
    endpoints = {(meta_of(e).get("namespace"), meta_of(e).get("name")): e for e in inventory["endpoints"]}
    problems = []
    for service in inventory["services"]:
        meta, spec = meta_of(service), service.get("spec") or {}
        found = endpoints.get((meta.get("namespace"), meta.get("name")))
        if not spec.get("selector") or spec.get("type") == "ExternalName" or found is None:
            continue
        subsets = found.get("subsets") or []
        if any(subset.get("addresses") for subset in subsets):
            continue
        not_ready = sum(len(subset.get("notReadyAddresses") or []) for subset in subsets)
        severity, why, owner = _no_endpoints(service, inventory, not_ready)
        problem = _problem(service, "Service", severity, "NoReadyEndpoints", why, None)
        problem.owner = owner
        problems.append(problem)
    return problems


# --- claims ---------------------------------------------------------------------------------


def claim_problems(claims: list[KubeObject], events: list[KubeObject]) -> list[Problem]:
    by_claim: dict[tuple[str, str], list[KubeObject]] = {}
    for event in events:
        involved = event.get("involvedObject") or {}
        if involved.get("kind") == "PersistentVolumeClaim":
            by_claim.setdefault((meta_of(event).get("namespace", ""), involved.get("name", "")), []).append(event)
    problems = []
    for claim in claims:
        meta, phase = meta_of(claim), (claim.get("status") or {}).get("phase", "Pending")
        if phase not in ("Pending", "Lost"):
            continue
        found = sorted(by_claim.get((meta.get("namespace", ""), meta.get("name", "")), []), key=event_time)
        latest = found[-1] if found else None
        said = f": {latest.get('reason')}: {latest.get('message', '')}" if latest else " (no provisioning events)"
        severity: Severity = "high" if phase == "Lost" or (latest and latest.get("type") == "Warning") else "medium"
        problem = _problem(
            claim, "PersistentVolumeClaim", severity, f"Claim{phase}", f"{phase}{said}", meta.get("creationTimestamp")
        )
        problem.owner = None
        problems.append(problem)
    return problems
