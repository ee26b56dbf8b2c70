"""What every workload controller shares: object metadata, the pod template's JSON, conditions,
which pods count as active, and when the n-th pod of a rollout starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from . import ids
from .clock import rfc3339
from .nodes import Node
from .pods import Owner, Pod
from .spec import Json, PodTemplate

Placer = Callable[[int, str], list[Node]]  # (how many pods, seed) -> nodes, round-robin


def object_metadata(
    kind: str,
    namespace: str,
    name: str,
    created: datetime,
    rv: str,
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
    owner: Owner | None = None,
    generation: int | None = None,
) -> Json:
    metadata: Json = {
        "name": name,
        "namespace": namespace,
        "uid": ids.uid(kind, namespace, name),
        "resourceVersion": rv,
    }
    if generation is not None:
        metadata["generation"] = generation
    metadata |= {"creationTimestamp": rfc3339(created), "labels": dict(labels)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    if owner:
        metadata["ownerReferences"] = [owner.render()]
    return metadata


def template_json(template: PodTemplate, extra_labels: dict[str, str] | None = None) -> Json:
    rendered = template.render()
    metadata: Json = {"creationTimestamp": None, "labels": {**rendered["metadata"]["labels"], **(extra_labels or {})}}
    if "annotations" in rendered["metadata"]:
        metadata["annotations"] = rendered["metadata"]["annotations"]
    return {"metadata": metadata, "spec": rendered["spec"]}


def active_pods(pods: list[Pod]) -> list[Pod]:
    return [p for p in pods if p.phase not in ("Failed", "Succeeded")]


def workload_condition(
    kind: str, ok: bool, at: datetime, reason: str, message: str, *, updated: datetime | None = None
) -> Json:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "lastUpdateTime": rfc3339(updated or at),
        "lastTransitionTime": rfc3339(at),
        "reason": reason,
        "message": message,
    }


def pod_start_offset(index: int) -> int:
    return 1 + 2 * index


# --- Deployment ---------------------------------------------------------------------------
