"""Deployment -> ReplicaSet -> Pod: rollouts, releases and scaling, with the status and events the
controller would compute from them."""

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
from .revisions import CHANGE_CAUSE
from .spec import Container, EnvValue, Json, PodTemplate
from .workload_parts import Placer, active_pods, object_metadata, pod_start_offset, template_json, workload_condition


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
        return ids.template_hash(template_json(self.template))

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
        active = active_pods(self.pods)
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
            "metadata": object_metadata(
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
                "template": template_json(self.template, {"pod-template-hash": self.hash}),
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
            rs.new_pod(node, at + seconds(pod_start_offset(i)))
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
        before = len(active_pods(previous.pods))
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
        new = [rs.new_pod(node, at + seconds(pod_start_offset(i))) for i, node in enumerate(nodes)]
        self.scalings.append((at, rs, before, to))
        self.replicas = rs.desired = to
        rs.generation += 1
        self.generation += 1
        return new

    def render(self, rv: str) -> Json:
        current = self.current
        active = [p for rs in self.replica_sets for p in active_pods(rs.pods)]
        updated = active_pods(current.pods)
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
            "metadata": object_metadata(
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
                "template": template_json(current.template),
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
                workload_condition(
                    "Available", True, first_ready, "MinimumReplicasAvailable", "Deployment has minimum availability."
                )
            )
        else:
            lost = min((self._unavailable_since(p) for p in self.pods if not p.ready), default=current.created)
            conditions.append(
                workload_condition(
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
                workload_condition(
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
                workload_condition(
                    "Progressing",
                    False,
                    timed_out,
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{current.name}" has timed out progressing.',
                )
            )
        else:
            conditions.append(
                workload_condition(
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
            conditions.append(workload_condition("ReplicaFailure", True, since, "FailedCreate", message))
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
