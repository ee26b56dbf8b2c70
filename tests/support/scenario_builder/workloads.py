"""DaemonSets (one pod per node) and Jobs (pods that run to completion, with backoff), with the
status and events their controllers compute. Deployments are in deployments.py, StatefulSets in
statefulsets.py; what they share is in workload_parts.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import ids
from .clock import recent, rfc3339, seconds
from .events import Event, ObjectRef
from .nodes import Node
from .pods import Owner, Pod
from .revisions import TemplateRevision, render_revision, revision_name
from .spec import Json, PodTemplate
from .workload_parts import object_metadata, template_json


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
        return ids.template_hash(template_json(self.template))[:10]

    def render_revisions(self, rv: Callable[[str], str]) -> list[Json]:
        owner = Owner("DaemonSet", self.name, self.uid, "apps/v1")
        revision = TemplateRevision(1, self.created, template_json(self.template))
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
            "metadata": object_metadata(
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
                "template": template_json(self.template),
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
            "metadata": object_metadata(
                "Job", self.namespace, self.name, self.created, rv, labels, owner=self.owner, generation=1
            ),
            "spec": {
                "parallelism": 1,
                "completions": 1,
                "backoffLimit": self.backoff_limit,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": self.uid}},
                "manualSelector": False,
                "template": template_json(template),
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
