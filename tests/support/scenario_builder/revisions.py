"""ControllerRevisions: the history a StatefulSet or DaemonSet controller keeps of its pod templates.

Each revision is named `<workload>-<hash>`, carries the workload's selector labels plus
`controller.kubernetes.io/hash`, the workload's annotations at the time (so a
`kubernetes.io/change-cause` shows in `kubectl rollout history`), and as data the strategic merge
patch the controllers store: `{"spec": {"template": {..., "$patch": "replace"}}}`. Snapshots hold
them in the optional `<ns>/controllerrevisions.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import ids
from .clock import rfc3339
from .pods import Owner
from .spec import Json

CHANGE_CAUSE = "kubernetes.io/change-cause"


@dataclass(frozen=True)
class TemplateRevision:
    """One revision of a workload's pod template: its number, when, why and the rendered template."""

    number: int
    created: datetime
    template: Json
    change_cause: str | None = None


def revision_name(workload: str, template: Json, *, short: bool = False) -> str:
    """`<workload>-<hash>`; a DaemonSet's pods carry the hash cut to ten characters."""
    digest = ids.template_hash(template)
    return f"{workload}-{digest[:10] if short else digest}"


def render_revision(
    owner: Owner, namespace: str, selector: dict[str, str], revision: TemplateRevision, rv: str, *, short: bool = False
) -> Json:
    name = revision_name(owner.name, revision.template, short=short)
    metadata: Json = {
        "name": name,
        "namespace": namespace,
        "uid": ids.uid("ControllerRevision", namespace, name),
        "resourceVersion": rv,
        "creationTimestamp": rfc3339(revision.created),
        "labels": {**selector, "controller.kubernetes.io/hash": name.removeprefix(f"{owner.name}-")},
    }
    if revision.change_cause:
        metadata["annotations"] = {CHANGE_CAUSE: revision.change_cause}
    metadata["ownerReferences"] = [owner.render()]
    return {
        "metadata": metadata,
        "data": {"spec": {"template": {**revision.template, "$patch": "replace"}}},
        "revision": revision.number,
    }
