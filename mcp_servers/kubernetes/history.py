"""`get_rollout_history`: a workload's revisions and the field-level change between each two.

Contract:
- Deployment: its revisions are the ReplicaSets it controls, numbered by their
  `deployment.kubernetes.io/revision` annotation (what `kubectl rollout history` shows).
  StatefulSet and DaemonSet: their ControllerRevisions, numbered by `.revision`; pods per
  revision are counted from the pods' `controller-revision-hash` label.
- Reads are one list per kind (ReplicaSets or ControllerRevisions, and pods for the latter),
  selected by the workload's labels and filtered by controller reference; never a call per
  revision. A snapshot holds ControllerRevisions only in the optional `controllerrevisions.json`.
- Revisions newest first, at most `limit`, with `truncated` when older ones exist; one
  `RevisionChange` per shown revision that has a predecessor (template_diff.py says how values
  are redacted). The change-cause annotation is redacted like any free text.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from common.redaction import redact_text
from mcp_servers.kubernetes import template_diff
from mcp_servers.kubernetes.backend import Backend, KubeObject
from mcp_servers.kubernetes.history_models import Revision, RevisionChange, RolloutHistory, RolloutKind


class _ScanLimits(Protocol):
    find_scan: int


class ClusterReader(Protocol):
    """What the history needs of cluster.ClusterReader (which calls into this module, so it is not imported)."""

    backend: Backend
    limits: _ScanLimits

    def check_namespace(self, namespace: str) -> None: ...


REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
REVISION_HASH_LABEL = "controller-revision-hash"
ROLLOUT_RESOURCES: dict[str, str] = {
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
}
MAX_FIELD_CHANGES = 60


@dataclass
class _Entry:
    revision: int
    name: str
    created_at: str | None
    change_cause: str | None
    template: KubeObject
    desired: int | None = None
    replicas: int = 0
    ready: int = 0


def _meta(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _selector(workload: KubeObject) -> str | None:
    """The workload's matchLabels as a label selector (None when it also has expressions)."""
    selector = (workload.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    if selector.get("matchExpressions") or not labels:
        return None
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _controlled_by(obj: KubeObject, kind: str, workload: KubeObject) -> bool:
    meta, uid = _meta(workload), _meta(workload).get("uid")
    for ref in _meta(obj).get("ownerReferences") or []:
        same_uid = not uid or not ref.get("uid") or ref.get("uid") == uid
        if ref.get("controller") and ref.get("kind") == kind and ref.get("name") == meta.get("name") and same_uid:
            return True
    return False


def _change_cause(obj: KubeObject) -> str | None:
    cause = (_meta(obj).get("annotations") or {}).get(CHANGE_CAUSE_ANNOTATION)
    return None if cause is None else redact_text(str(cause))[0]


def _owned(reader: ClusterReader, resource: str, kind: str, workload: KubeObject) -> list[KubeObject]:
    namespace = _meta(workload).get("namespace")
    page = reader.backend.list(
        resource,  # type: ignore[arg-type]
        namespace,
        label_selector=_selector(workload),
        limit=reader.limits.find_scan,
    )
    return [obj for obj in page.items if _controlled_by(obj, kind, workload)]


def _replica_set_entries(reader: ClusterReader, workload: KubeObject) -> list[_Entry]:
    entries = []
    for rs in _owned(reader, "replicasets", "Deployment", workload):
        meta, spec, status = _meta(rs), rs.get("spec") or {}, rs.get("status") or {}
        entries.append(
            _Entry(
                revision=_int((meta.get("annotations") or {}).get(REVISION_ANNOTATION)),
                name=meta.get("name", ""),
                created_at=meta.get("creationTimestamp"),
                change_cause=_change_cause(rs),
                template=spec.get("template") or {},
                desired=spec.get("replicas"),
                replicas=_int(status.get("replicas")),
                ready=_int(status.get("readyReplicas")),
            )
        )
    return entries


def _revision_template(revision: KubeObject) -> KubeObject:
    """The pod template a ControllerRevision records (its data is a patch of the workload's spec)."""
    template = dict((((revision.get("data") or {}).get("spec") or {}).get("template")) or {})
    template.pop("$patch", None)
    return template


def _controller_revision_entries(reader: ClusterReader, kind: str, workload: KubeObject) -> list[_Entry]:
    name = _meta(workload).get("name", "")
    total: Counter[str] = Counter()
    ready: Counter[str] = Counter()
    for pod in _owned(reader, "pods", kind, workload):
        label = (_meta(pod).get("labels") or {}).get(REVISION_HASH_LABEL)
        if label is None:
            continue
        # A StatefulSet labels its pods with the revision's name, a DaemonSet with its hash only.
        revision_name = label if label.startswith(f"{name}-") else f"{name}-{label}"
        total[revision_name] += 1
        conditions = (pod.get("status") or {}).get("conditions") or []
        ready[revision_name] += any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    entries = []
    for revision in _owned(reader, "controllerrevisions", kind, workload):
        meta = _meta(revision)
        revision_name = meta.get("name", "")
        entries.append(
            _Entry(
                revision=_int(revision.get("revision")),
                name=revision_name,
                created_at=meta.get("creationTimestamp"),
                change_cause=_change_cause(revision),
                template=_revision_template(revision),
                replicas=total[revision_name],
                ready=ready[revision_name],
            )
        )
    return entries


def _current_revision(kind: str, workload: KubeObject, entries: list[_Entry]) -> int | None:
    if kind == "Deployment":
        annotated = (_meta(workload).get("annotations") or {}).get(REVISION_ANNOTATION)
        if annotated is not None:
            return _int(annotated)
    if kind == "StatefulSet":
        update = (workload.get("status") or {}).get("updateRevision")
        found = next((e.revision for e in entries if e.name == update), None)
        if found is not None:
            return found
    # A DaemonSet's controller always makes its current template the highest revision.
    return entries[0].revision if entries else None


def _change(newer: _Entry, older: _Entry) -> RevisionChange:
    changes, truncated = template_diff.diff(older.template, newer.template, MAX_FIELD_CHANGES)
    return RevisionChange(
        from_revision=older.revision,
        to_revision=newer.revision,
        at=newer.created_at,
        change_cause=newer.change_cause,
        changes=changes,
        truncated=truncated,
    )


def history_of(reader: ClusterReader, kind: RolloutKind, workload: KubeObject, limit: int) -> RolloutHistory:
    """The history of a workload object already read (diagnose_pod has it from the owner chain)."""
    if kind == "Deployment":
        entries = _replica_set_entries(reader, workload)
    else:
        entries = _controller_revision_entries(reader, kind, workload)
    entries.sort(key=lambda e: (e.revision, e.name), reverse=True)
    current = _current_revision(kind, workload, entries)
    meta = _meta(workload)
    notes = []
    if not entries:
        what = "ReplicaSet" if kind == "Deployment" else "ControllerRevision"
        notes.append(
            f"no {what} of {kind} {meta.get('name')} was found"
            + ("" if kind == "Deployment" else " (a snapshot has them only in the optional controllerrevisions.json)")
        )
    revisions = [
        Revision(
            revision=e.revision,
            name=e.name,
            created_at=e.created_at,
            change_cause=e.change_cause,
            images=template_diff.images(e.template),
            desired_replicas=e.desired,
            replicas=e.replicas,
            ready_replicas=e.ready,
            current=e.revision == current,
        )
        for e in entries[:limit]
    ]
    changes = [_change(newer, older) for newer, older in itertools.pairwise(entries[: limit + 1])]
    return RolloutHistory(
        kind=kind,
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        current_revision=current,
        revisions=revisions,
        changes=changes,
        notes=notes,
        truncated=len(entries) > limit,
    )


def get_rollout_history(
    reader: ClusterReader, kind: RolloutKind, namespace: str, name: str, limit: int
) -> RolloutHistory:
    reader.check_namespace(namespace)
    workload = reader.backend.get(ROLLOUT_RESOURCES[kind], namespace, name)  # type: ignore[arg-type]
    return history_of(reader, kind, workload, limit)


def latest_change(reader: ClusterReader, kind: str, workload: KubeObject) -> RevisionChange | None:
    """What the newest revision of a workload changed, when it has an older one to compare with."""
    if kind not in ROLLOUT_RESOURCES:
        return None
    history = history_of(reader, kind, workload, 1)  # type: ignore[arg-type]
    return history.changes[0] if history.changes else None
