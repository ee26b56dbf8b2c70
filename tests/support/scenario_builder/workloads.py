"""Workload controllers and the pods they own: Deployment -> ReplicaSet -> Pod, StatefulSet,
DaemonSet, Job. Status fields and conditions are computed from the pods the way the
controllers compute them, and the controllers' events are derived from the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import ids
from .clock import NOW, recent, rfc3339, seconds
from .events import Event, ObjectRef
from .nodes import Node
from .pods import Owner, Pod
from .revisions import CHANGE_CAUSE, TemplateRevision, render_revision, revision_name
from .spec import Container, EnvValue, Json, PodTemplate

Placer = Callable[[int, str], list[Node]]  # (how many pods, seed) -> nodes, round-robin


def _metadata(
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


def _template_json(template: PodTemplate, extra_labels: dict[str, str] | None = None) -> Json:
    rendered = template.render()
    metadata: Json = {"creationTimestamp": None, "labels": {**rendered["metadata"]["labels"], **(extra_labels or {})}}
    if "annotations" in rendered["metadata"]:
        metadata["annotations"] = rendered["metadata"]["annotations"]
    return {"metadata": metadata, "spec": rendered["spec"]}


def _active(pods: list[Pod]) -> list[Pod]:
    return [p for p in pods if p.phase not in ("Failed", "Succeeded")]


def _condition(
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


def _pod_start_offset(index: int) -> int:
    return 1 + 2 * index


# --- Deployment ---------------------------------------------------------------------------


@dataclass
class ReplicaSet:
    namespace: str
    deployment: Deployment
    template: PodTemplate
    revision: int
    created: datetime
    desired: int
    pods: list[Pod] = field(default_factory=list)
    failed_create: tuple[str, datetime] | None = None  # (forbidden reason, since): pods rejected by admission
    generation: int = 1
    change_cause: str | None = None  # the Deployment's kubernetes.io/change-cause when this revision was made

    @property
    def hash(self) -> str:
        return ids.template_hash(_template_json(self.template))

    @property
    def name(self) -> str:
        return f"{self.deployment.name}-{self.hash}"

    @property
    def uid(self) -> str:
        return ids.uid("ReplicaSet", self.namespace, self.name)

    @property
    def owner(self) -> Owner:
        return Owner("ReplicaSet", self.name, self.uid, "apps/v1")

    def ref(self) -> ObjectRef:
        return ObjectRef("ReplicaSet", self.namespace, self.name, self.uid, "apps/v1")

    def new_pod(self, node: Node | None, created: datetime) -> Pod:
        name = f"{self.name}-{ids.safe_suffix(5, self.name, len(self.pods), created)}"
        pod = Pod(
            self.namespace,
            name,
            self.template,
            created,
            node,
            owner=self.owner,
            generate_name=f"{self.name}-",
            extra_labels={"pod-template-hash": self.hash},
        )
        self.pods.append(pod)
        return pod

    def fail_create(self, forbidden: str, since: datetime) -> ReplicaSet:
        """Admission rejects this ReplicaSet's pods from `since` on; `forbidden` is the text after
        'is forbidden: ' (e.g. 'exceeded quota: compute-quota, requested: ...')."""
        self.failed_create = (forbidden, since)
        return self

    def _forbidden(self, attempt: object) -> str:
        assert self.failed_create is not None
        name = f"{self.name}-{ids.safe_suffix(5, self.name, 'rejected', attempt)}"
        return f'pods "{name}" is forbidden: {self.failed_create[0]}'

    def render(self, rv: str) -> Json:
        labels = {**self.template.labels, "pod-template-hash": self.hash}
        annotations = {
            "deployment.kubernetes.io/desired-replicas": str(self.deployment.replicas),
            "deployment.kubernetes.io/max-replicas": str(self.deployment.replicas + self.deployment.max_surge),
            "deployment.kubernetes.io/revision": str(self.revision),
        }
        if self.change_cause:
            annotations[CHANGE_CAUSE] = self.change_cause
        active = _active(self.pods)
        ready = [p for p in active if p.ready]
        status: Json = {"replicas": len(active)}
        if active:
            status["fullyLabeledReplicas"] = len(active)
        if ready:
            status |= {"readyReplicas": len(ready), "availableReplicas": len(ready)}
        status["observedGeneration"] = self.generation
        if self.failed_create:
            status["conditions"] = [
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "lastTransitionTime": rfc3339(self.failed_create[1]),
                    "reason": "FailedCreate",
                    "message": self._forbidden("latest"),
                }
            ]
        return {
            "metadata": _metadata(
                "ReplicaSet",
                self.namespace,
                self.name,
                self.created,
                rv,
                labels,
                annotations,
                self.deployment.owner,
                generation=status["observedGeneration"],
            ),
            "spec": {
                "replicas": self.desired,
                "selector": {"matchLabels": {**self.deployment.selector, "pod-template-hash": self.hash}},
                "template": _template_json(self.template, {"pod-template-hash": self.hash}),
            },
            "status": status,
        }

    def events(self) -> list[Event]:
        events = [
            Event(
                self.ref(), "SuccessfulCreate", f"Created pod: {p.name}", p.created, component="replicaset-controller"
            )
            for p in self.pods
            if recent(p.created)
        ]
        if self.failed_create:
            since = self.failed_create[1]
            # The first ten rejections are recorded one by one; after that the event correlator
            # folds the differently-named attempts into one "combined" event.
            for attempt in range(10):
                events.append(
                    Event(
                        self.ref(),
                        "FailedCreate",
                        f"Error creating: {self._forbidden(attempt)}",
                        since + seconds(attempt // 3),
                        type="Warning",
                        component="replicaset-controller",
                    )
                )
            count = max(2, int((NOW - since).total_seconds() // 60) + 4)
            events.append(
                Event(
                    self.ref(),
                    "FailedCreate",
                    f"(combined from similar events): Error creating: {self._forbidden('latest')}",
                    since + seconds(12),
                    NOW - seconds(ids.number(10, 50, self.name)),
                    count,
                    "Warning",
                    "replicaset-controller",
                )
            )
        return events


@dataclass
class Deployment:
    namespace: str
    name: str
    replicas: int
    created: datetime
    selector: dict[str, str]
    labels: dict[str, str]
    place: Placer
    replica_sets: list[ReplicaSet] = field(default_factory=list)
    progress_deadline: int = 600
    generation: int = 1
    scalings: list[tuple[datetime, ReplicaSet, int, int]] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return ids.uid("Deployment", self.namespace, self.name)

    @property
    def owner(self) -> Owner:
        return Owner("Deployment", self.name, self.uid, "apps/v1")

    def ref(self) -> ObjectRef:
        return ObjectRef("Deployment", self.namespace, self.name, self.uid, "apps/v1")

    @property
    def max_surge(self) -> int:
        return -(-self.replicas * 25 // 100)  # 25%, rounded up

    @property
    def max_unavailable(self) -> int:
        return self.replicas * 25 // 100  # 25%, rounded down

    @property
    def current(self) -> ReplicaSet:
        return self.replica_sets[-1]

    @property
    def pods(self) -> list[Pod]:
        return [p for rs in self.replica_sets for p in rs.pods]

    def pod(self, index: int) -> Pod:
        """The index-th pod of the newest ReplicaSet."""
        return self.current.pods[index]

    def start(
        self, template: PodTemplate, at: datetime, pods: int | None = None, desired: int | None = None
    ) -> ReplicaSet:
        """A new ReplicaSet at `at` with `pods` pods (default: all replicas). With pods=0 the
        ReplicaSet still wants all replicas (e.g. admission rejects every pod) unless `desired`
        says how many it wants (a rollout surging by one)."""
        count = self.replicas if pods is None else pods
        rs = ReplicaSet(
            self.namespace, self, template, len(self.replica_sets) + 1, at, desired or count or self.replicas
        )
        for i, node in enumerate(self.place(count, f"{self.name}/{rs.revision}")):
            rs.new_pod(node, at + seconds(_pod_start_offset(i)))
        self.replica_sets.append(rs)
        self.scalings.append((at, rs, 0, rs.desired))
        return rs

    def rollout(
        self,
        at: datetime,
        template: PodTemplate | None = None,
        *,
        new_pods: int | None = None,
        old_pods_left: int = 0,
        change: Callable[[PodTemplate], PodTemplate] | None = None,
        desired: int | None = None,
        change_cause: str | None = None,
    ) -> ReplicaSet:
        """A new revision at `at`: `new_pods` pods of the new template are created, the
        previous ReplicaSet keeps `old_pods_left` (a stuck rollout keeps them all). `desired`
        is what the new ReplicaSet asks for when that differs (pods rejected by admission);
        `change_cause` is the kubernetes.io/change-cause annotation it records."""
        previous = self.current
        new_template = template or (change(previous.template) if change else previous.template)
        rs = self.start(new_template, at, new_pods, desired)
        rs.change_cause = change_cause
        self.generation += 1
        before = len(_active(previous.pods))
        previous.pods = previous.pods[:old_pods_left]
        if previous.desired != old_pods_left:
            previous.desired, previous.generation = old_pods_left, previous.generation + 1
        if old_pods_left < before:
            self.scalings.append((at + seconds(40), previous, before, old_pods_left))
        return rs

    def release(
        self,
        at: datetime,
        *,
        container: str = "app",
        new_pods: int | None = None,
        old_pods_left: int = 0,
        env: dict[str, EnvValue] | None = None,
        desired: int | None = None,
        change_cause: str | None = None,
        **changes: Any,
    ) -> ReplicaSet:
        """The usual "someone deployed": a new revision that changes one container (image,
        probes, resources...; `env` entries are merged into its env). See `rollout`."""

        def change(ct: Container) -> Container:
            return ct.but(env={**ct.env, **(env or {})}, **changes)

        return self.rollout(
            at,
            change=lambda tpl: tpl.map_container(container, change),
            new_pods=new_pods,
            old_pods_left=old_pods_left,
            desired=desired,
            change_cause=change_cause,
        )

    def scale(self, to: int, at: datetime) -> list[Pod]:
        """Scale the newest ReplicaSet (an HPA or a person) and return the new pods."""
        rs = self.current
        before = len(rs.pods)
        nodes = self.place(to - before, f"{self.name}/scale/{to}")
        new = [rs.new_pod(node, at + seconds(_pod_start_offset(i))) for i, node in enumerate(nodes)]
        self.scalings.append((at, rs, before, to))
        self.replicas = rs.desired = to
        rs.generation += 1
        self.generation += 1
        return new

    def render(self, rv: str) -> Json:
        current = self.current
        active = [p for rs in self.replica_sets for p in _active(rs.pods)]
        updated = _active(current.pods)
        available = [p for p in active if p.ready]
        total_desired = sum(rs.desired for rs in self.replica_sets)
        status: Json = {"observedGeneration": self.generation}
        if active:
            status["replicas"] = len(active)
        if updated:
            status["updatedReplicas"] = len(updated)
        if available:
            status |= {"readyReplicas": len(available), "availableReplicas": len(available)}
        if total_desired - len(available) > 0:
            status["unavailableReplicas"] = total_desired - len(available)
        status["conditions"] = self._conditions(len(available), len(updated))
        annotations = {"deployment.kubernetes.io/revision": str(current.revision)}
        if current.change_cause:
            annotations[CHANGE_CAUSE] = current.change_cause
        return {
            "metadata": _metadata(
                "Deployment",
                self.namespace,
                self.name,
                self.created,
                rv,
                self.labels,
                annotations,
                generation=self.generation,
            ),
            "spec": {
                "replicas": self.replicas,
                "selector": {"matchLabels": dict(self.selector)},
                "template": _template_json(current.template),
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": self.progress_deadline,
            },
            "status": status,
        }

    def _conditions(self, available: int, updated: int) -> list[Json]:
        current = self.current
        first_ready = self.created + seconds(25)
        conditions: list[Json] = []
        if available >= self.replicas - self.max_unavailable:
            conditions.append(
                _condition(
                    "Available", True, first_ready, "MinimumReplicasAvailable", "Deployment has minimum availability."
                )
            )
        else:
            lost = min((self._unavailable_since(p) for p in self.pods if not p.ready), default=current.created)
            conditions.append(
                _condition(
                    "Available",
                    False,
                    lost,
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                )
            )
        rollout_done = not recent(current.created) or (
            updated == self.replicas and available == self.replicas and len(self.pods) == len(current.pods)
        )
        if rollout_done:
            done = current.created + seconds(30)
            conditions.append(
                _condition(
                    "Progressing",
                    True,
                    self.created,
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{current.name}" has successfully progressed.',
                    updated=done,
                )
            )
        elif (NOW - current.created).total_seconds() > self.progress_deadline:
            timed_out = current.created + seconds(self.progress_deadline + 2)
            conditions.append(
                _condition(
                    "Progressing",
                    False,
                    timed_out,
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{current.name}" has timed out progressing.',
                )
            )
        else:
            conditions.append(
                _condition(
                    "Progressing",
                    True,
                    current.created,
                    "ReplicaSetUpdated",
                    f'ReplicaSet "{current.name}" is progressing.',
                    updated=current.created + seconds(2),
                )
            )
        failing = next((rs for rs in self.replica_sets if rs.failed_create), None)
        if failing and failing.failed_create:
            message, since = failing.failed_create
            conditions.append(_condition("ReplicaFailure", True, since, "FailedCreate", message))
        return conditions

    @staticmethod
    def _unavailable_since(pod: Pod) -> datetime:
        runs = [r for _, r in pod.container_runs() if not r.is_ready]
        moments = [r.since for r in runs if r.since] + [r.last.finished for r in runs if r.last]
        return min(moments, default=pod.created)

    def events(self) -> list[Event]:
        events = []
        for at, rs, before, after in self.scalings:
            if recent(at):
                verb = "up" if after > before else "down"
                events.append(
                    Event(
                        self.ref(),
                        "ScalingReplicaSet",
                        f"Scaled {verb} replica set {rs.name} from {before} to {after}",
                        at,
                        component="deployment-controller",
                    )
                )
        for rs in self.replica_sets:
            events += rs.events()
        return events


# --- StatefulSet ----------------------------------------------------------------------------


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
            len(self.history) + 1, self.since or self.created, _template_json(self.template), self.change_cause
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
        return f"{self.name}-{ids.template_hash(_template_json(self.template))}"

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
        active = _active(self.pods)
        ready = [p for p in active if p.ready]
        spec: Json = {
            "replicas": self.replicas,
            "selector": {"matchLabels": dict(self.selector)},
            "template": _template_json(self.template),
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
            "metadata": _metadata(
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


@dataclass
class DaemonSet:
    namespace: str
    name: str
    template: PodTemplate
    created: datetime
    selector: dict[str, str]
    labels: dict[str, str]
    pods: list[Pod] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return ids.uid("DaemonSet", self.namespace, self.name)

    def ref(self) -> ObjectRef:
        return ObjectRef("DaemonSet", self.namespace, self.name, self.uid, "apps/v1")

    @property
    def revision_hash(self) -> str:
        return ids.template_hash(_template_json(self.template))[:10]

    def render_revisions(self, rv: Callable[[str], str]) -> list[Json]:
        owner = Owner("DaemonSet", self.name, self.uid, "apps/v1")
        revision = TemplateRevision(1, self.created, _template_json(self.template))
        name = revision_name(self.name, revision.template, short=True)
        return [render_revision(owner, self.namespace, self.selector, revision, rv(name), short=True)]

    def spawn(self, nodes: list[Node]) -> None:
        for node in nodes:
            affinity = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node.name]}]}
                        ]
                    }
                }
            }
            template = self.template.but(affinity=affinity)
            created = max(self.created, node.created) + seconds(ids.number(2, 30, self.name, node.name))
            name = f"{self.name}-{ids.safe_suffix(5, self.name, node.name)}"
            self.pods.append(
                Pod(
                    self.namespace,
                    name,
                    template,
                    created,
                    node,
                    owner=Owner("DaemonSet", self.name, self.uid, "apps/v1"),
                    generate_name=f"{self.name}-",
                    extra_labels={"controller-revision-hash": self.revision_hash, "pod-template-generation": "1"},
                )
            )

    def render(self, rv: str) -> Json:
        desired = len(self.pods)
        ready = [p for p in self.pods if p.ready]
        status: Json = {
            "currentNumberScheduled": desired,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": desired,
            "numberReady": len(ready),
            "observedGeneration": 1,
            "updatedNumberScheduled": desired,
            "numberAvailable": len(ready),
        }
        if desired > len(ready):
            status["numberUnavailable"] = desired - len(ready)
        return {
            "metadata": _metadata(
                "DaemonSet",
                self.namespace,
                self.name,
                self.created,
                rv,
                self.labels,
                {"deprecated.daemonset.template.generation": "1"},
                generation=1,
            ),
            "spec": {
                "selector": {"matchLabels": dict(self.selector)},
                "template": _template_json(self.template),
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                "revisionHistoryLimit": 10,
            },
            "status": status,
        }

    def events(self) -> list[Event]:
        return [
            Event(self.ref(), "SuccessfulCreate", f"Created pod: {p.name}", p.created, component="daemonset-controller")
            for p in self.pods
            if recent(p.created)
        ]


# --- Job ----------------------------------------------------------------------------------


@dataclass
class Job:
    namespace: str
    name: str
    template: PodTemplate
    created: datetime
    backoff_limit: int = 6
    owner: Owner | None = None
    pods: list[Pod] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return ids.uid("Job", self.namespace, self.name)

    def ref(self) -> ObjectRef:
        return ObjectRef("Job", self.namespace, self.name, self.uid, "batch/v1")

    @property
    def selector_labels(self) -> dict[str, str]:
        return {
            "batch.kubernetes.io/controller-uid": self.uid,
            "batch.kubernetes.io/job-name": self.name,
            "controller-uid": self.uid,
            "job-name": self.name,
        }

    def new_pod(self, node: Node | None, created: datetime) -> Pod:
        name = f"{self.name}-{ids.safe_suffix(5, self.name, len(self.pods))}"
        template = self.template.but(labels={**self.selector_labels, **self.template.labels})
        pod = Pod(
            self.namespace,
            name,
            template,
            created,
            node,
            owner=Owner("Job", self.name, self.uid, "batch/v1"),
            generate_name=f"{self.name}-",
        )
        self.pods.append(pod)
        return pod

    @property
    def succeeded(self) -> int:
        return sum(p.phase == "Succeeded" for p in self.pods)

    @property
    def failed(self) -> int:
        return sum(p.phase == "Failed" for p in self.pods)

    def _finished_at(self) -> datetime:
        ends = [r.state.finished for p in self.pods for _, r in p.container_runs() if hasattr(r.state, "finished")]
        return max(ends, default=self.created) + seconds(1)

    def render(self, rv: str) -> Json:
        labels = {**self.selector_labels, **self.template.labels}
        template = self.template.but(labels=labels)
        status: Json = {}
        finished = self._finished_at()
        if self.succeeded:
            status["conditions"] = [
                {
                    "type": "SuccessCriteriaMet",
                    "status": "True",
                    "lastProbeTime": rfc3339(finished),
                    "lastTransitionTime": rfc3339(finished),
                    "reason": "CompletionsReached",
                    "message": "Reached expected number of succeeded pods",
                },
                {
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": rfc3339(finished),
                    "lastTransitionTime": rfc3339(finished),
                    "reason": "CompletionsReached",
                    "message": "Reached expected number of succeeded pods",
                },
            ]
        elif self.failed > self.backoff_limit:
            message = "Job has reached the specified backoff limit"
            status["conditions"] = [
                {
                    "type": "FailureTarget",
                    "status": "True",
                    "lastProbeTime": rfc3339(finished),
                    "lastTransitionTime": rfc3339(finished),
                    "reason": "BackoffLimitExceeded",
                    "message": message,
                },
                {
                    "type": "Failed",
                    "status": "True",
                    "lastProbeTime": rfc3339(finished),
                    "lastTransitionTime": rfc3339(finished),
                    "reason": "BackoffLimitExceeded",
                    "message": message,
                },
            ]
        status["startTime"] = rfc3339(self.created)
        if self.succeeded or self.failed > self.backoff_limit:
            status["completionTime" if self.succeeded else "endTime"] = rfc3339(finished)
        if self.succeeded:
            status["succeeded"] = self.succeeded
        if self.failed:
            status["failed"] = self.failed
        status |= {"terminating": 0, "uncountedTerminatedPods": {}, "ready": sum(p.ready for p in self.pods)}
        return {
            "metadata": _metadata(
                "Job", self.namespace, self.name, self.created, rv, labels, owner=self.owner, generation=1
            ),
            "spec": {
                "parallelism": 1,
                "completions": 1,
                "backoffLimit": self.backoff_limit,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": self.uid}},
                "manualSelector": False,
                "template": _template_json(template),
                "completionMode": "NonIndexed",
                "suspend": False,
                "podReplacementPolicy": "TerminatingOrFailed",
            },
            "status": status,
        }

    def events(self) -> list[Event]:
        events = [
            Event(self.ref(), "SuccessfulCreate", f"Created pod: {p.name}", p.created, component="job-controller")
            for p in self.pods
            if recent(p.created)
        ]
        finished = self._finished_at()
        if self.succeeded and recent(finished):
            events.append(Event(self.ref(), "Completed", "Job completed", finished, component="job-controller"))
        elif self.failed > self.backoff_limit and recent(finished):
            events.append(
                Event(
                    self.ref(),
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    finished,
                    type="Warning",
                    component="job-controller",
                )
            )
        return events
