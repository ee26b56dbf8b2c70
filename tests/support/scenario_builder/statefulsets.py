"""StatefulSets and their volume claim templates: ordered pods, rollouts by partition, revisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import ids
from .clock import recent, seconds
from .events import Event, ObjectRef
from .nodes import Node
from .pods import Owner, Pod
from .revisions import CHANGE_CAUSE, TemplateRevision, render_revision, revision_name
from .spec import Json, PodTemplate
from .workload_parts import active_pods, object_metadata, template_json


@dataclass(frozen=True)
class ClaimTemplate:
    name: str
    size: str
    storage_class: str
    access_mode: str = "ReadWriteOnce"


@dataclass
class StatefulSet:
    namespace: str
    name: str
    template: PodTemplate
    replicas: int
    created: datetime
    selector: dict[str, str]
    labels: dict[str, str]
    service_name: str
    claims: tuple[ClaimTemplate, ...] = ()
    pods: list[Pod] = field(default_factory=list)
    deletions: list[tuple[str, datetime]] = field(default_factory=list)
    generation: int = 1
    reused_claims: set[str] = field(default_factory=set)  # pods recreated onto claims that already existed
    history: list[TemplateRevision] = field(default_factory=list)  # earlier revisions, oldest first
    since: datetime | None = None  # when the current template became a revision (default: created)
    change_cause: str | None = None  # of the current revision
    rolling_from: str | None = None  # the previous revision's name while pods still run it

    @property
    def uid(self) -> str:
        return ids.uid("StatefulSet", self.namespace, self.name)

    def recreate(self, index: int, node: Node, at: datetime) -> Pod:
        """Pod `index` was deleted (a rollout, `kubectl delete`) and the controller created it
        again at `at` on `node`, reusing its existing claims."""
        pod = self.pods[index]
        self.deletions.append((pod.name, at - seconds(1)))
        pod.created = at
        pod.move_to(node)
        self.reused_claims.add(pod.name)
        return pod

    def scale(self, to: int, at: datetime) -> None:
        """Scale down (pods are deleted from the highest ordinal; their claims are retained)."""
        for pod in self.pods[to:][::-1]:
            self.deletions.append((pod.name, at))
        self.pods = self.pods[:to]
        self.replicas = to
        self.generation += 1

    def ref(self) -> ObjectRef:
        return ObjectRef("StatefulSet", self.namespace, self.name, self.uid, "apps/v1")

    def rollout(
        self, at: datetime, change: Callable[[PodTemplate], PodTemplate], *, updated: int | None = None,
        change_cause: str | None = None,
    ) -> None:  # fmt: skip
        """A new revision at `at`. The controller replaces pods from the highest ordinal down;
        `updated` of them (default: all) run the new template, the rest still the old one."""
        self.history.append(self.revisions()[-1])
        self.rolling_from = self.revision
        self.template, self.since, self.change_cause = change(self.template), at, change_cause
        self.generation += 1
        count = len(self.pods) if updated is None else updated
        for k, pod in enumerate(reversed(self.pods[len(self.pods) - count :])):
            self.deletions.append((pod.name, at + seconds(30 * k)))
            pod.template, pod.created = self.template, at + seconds(30 * k + 1)
            pod.extra_labels["controller-revision-hash"] = self.revision
            self.reused_claims.add(pod.name)

    def revisions(self) -> list[TemplateRevision]:
        current = TemplateRevision(
            len(self.history) + 1, self.since or self.created, template_json(self.template), self.change_cause
        )
        return [*self.history, current]

    def render_revisions(self, rv: Callable[[str], str]) -> list[Json]:
        owner = Owner("StatefulSet", self.name, self.uid, "apps/v1")
        return [
            render_revision(owner, self.namespace, self.selector, r, rv(revision_name(self.name, r.template)))
            for r in self.revisions()
        ]

    @property
    def revision(self) -> str:
        return f"{self.name}-{ids.template_hash(template_json(self.template))}"

    def pod(self, index: int) -> Pod:
        return self.pods[index]

    def spawn(self, nodes: list[Node | None]) -> None:
        for i, node in enumerate(nodes):
            name = f"{self.name}-{i}"
            pod = Pod(
                self.namespace,
                name,
                self.template,
                self.created + seconds(20 * i + 1),
                node,
                owner=Owner("StatefulSet", self.name, self.uid, "apps/v1"),
                generate_name=f"{self.name}-",
                extra_labels={
                    "apps.kubernetes.io/pod-index": str(i),
                    "controller-revision-hash": self.revision,
                    "statefulset.kubernetes.io/pod-name": name,
                },
                hostname=name,
                subdomain=self.service_name,
            )
            self.pods.append(pod)

    def claim_names(self, index: int) -> list[str]:
        return [f"{claim.name}-{self.name}-{index}" for claim in self.claims]

    def render(self, rv: str) -> Json:
        active = active_pods(self.pods)
        ready = [p for p in active if p.ready]
        spec: Json = {
            "replicas": self.replicas,
            "selector": {"matchLabels": dict(self.selector)},
            "template": template_json(self.template),
        }
        if self.claims:
            spec["volumeClaimTemplates"] = [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": c.name, "creationTimestamp": None},
                    "spec": {
                        "accessModes": [c.access_mode],
                        "resources": {"requests": {"storage": c.size}},
                        "storageClassName": c.storage_class,
                        "volumeMode": "Filesystem",
                    },
                    "status": {"phase": "Pending"},
                }
                for c in self.claims
            ]
        spec |= {
            "serviceName": self.service_name,
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        }
        status: Json = {"observedGeneration": self.generation, "replicas": len(active)}
        if ready:
            status["readyReplicas"] = len(ready)
        updated = [p for p in active if p.extra_labels.get("controller-revision-hash") == self.revision]
        done = len(updated) == len(active) or self.rolling_from is None
        status |= {
            "currentReplicas": len(active) if done else len(active) - len(updated),
            "updatedReplicas": len(updated) if self.rolling_from else len(active),
            "currentRevision": self.revision if done else self.rolling_from,
            "updateRevision": self.revision,
            "collisionCount": 0,
            "availableReplicas": len(ready),
        }
        annotations = {CHANGE_CAUSE: self.change_cause} if self.change_cause else None
        return {
            "metadata": object_metadata(
                "StatefulSet",
                self.namespace,
                self.name,
                self.created,
                rv,
                self.labels,
                annotations,
                generation=self.generation,
            ),
            "spec": spec,
            "status": status,
        }

    def events(self) -> list[Event]:
        events = []
        for i, pod in enumerate(self.pods):
            if recent(pod.created):
                for claim in self.claim_names(i) if pod.name not in self.reused_claims else []:
                    events.append(
                        Event(
                            self.ref(),
                            "SuccessfulCreate",
                            f"create Claim {claim} Pod {pod.name} in StatefulSet {self.name} success",
                            pod.created,
                            component="statefulset-controller",
                        )
                    )
                events.append(
                    Event(
                        self.ref(),
                        "SuccessfulCreate",
                        f"create Pod {pod.name} in StatefulSet {self.name} successful",
                        pod.created,
                        component="statefulset-controller",
                    )
                )
        for name, at in self.deletions:
            events.append(
                Event(
                    self.ref(),
                    "SuccessfulDelete",
                    f"delete Pod {name} in StatefulSet {self.name} successful",
                    at,
                    component="statefulset-controller",
                )
            )
        return events


# --- DaemonSet ----------------------------------------------------------------------------
