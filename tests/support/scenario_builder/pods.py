"""Pods: spec with admission defaults, status computed the way the kubelet computes it, the
kubelet/scheduler events their history produces, and their log files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import ids
from .clock import NOW, recent, rfc3339, seconds
from .events import Event, ObjectRef
from .logs import LogContext, LogSource, render_logs
from .nodes import Node
from .spec import DEFAULT_TOLERATIONS, Container, Json, PodTemplate
from .status import Run, Running, Terminated, Waiting, completed, running

POD_SPEC_ORDER = (
    "volumes", "initContainers", "containers", "restartPolicy", "terminationGracePeriodSeconds",
    "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount", "nodeName",
    "hostNetwork", "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName",
    "tolerations", "priorityClassName", "priority", "enableServiceLinks", "preemptionPolicy",
)  # fmt: skip


@dataclass(frozen=True)
class Owner:
    kind: str
    name: str
    uid: str
    api_version: str

    def render(self) -> Json:
        body: Json = {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
        }
        if self.kind != "Node":  # mirror pods of static pods are owned by their Node, without blocking
            body["blockOwnerDeletion"] = True
        return body


def go_duration(total_seconds: int) -> str:
    minutes, secs = divmod(total_seconds, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def backoff_seconds(restarts: int) -> int:
    """The kubelet's crash-loop back-off: 10s doubling per restart, capped at 5 minutes."""
    return min(10 * 2 ** max(restarts - 1, 0), 300)


@dataclass
class Pod:
    namespace: str
    name: str
    template: PodTemplate
    created: datetime
    node: Node | None
    owner: Owner | None = None
    generate_name: str | None = None
    extra_labels: dict[str, str] = field(default_factory=dict)
    hostname: str | None = None
    subdomain: str | None = None
    runs: dict[str, Run] = field(default_factory=dict)
    unschedulable: str | None = None  # the scheduler's FailedScheduling message
    evicted: tuple[str, datetime] | None = None  # (message, when)
    ip: str | None = None
    extra_events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.node is not None and self.ip is None:
            self.ip = self.node.ip if self.template.host_network else self.node.allocate_pod_ip()

    # --- identity ------------------------------------------------------------------------

    @property
    def uid(self) -> str:
        return ids.uid("Pod", self.namespace, self.name)

    @property
    def labels(self) -> dict[str, str]:
        return {**self.template.labels, **self.extra_labels}

    def ref(self, container: str | None = None) -> ObjectRef:
        ref = ObjectRef("Pod", self.namespace, self.name, self.uid)
        if container is None:
            return ref
        kind = "initContainers" if any(c.name == container for c in self.template.init_containers) else "containers"
        return ref.with_field(f"spec.{kind}{{{container}}}")

    @property
    def scheduled_at(self) -> datetime:
        return self.created + seconds(1)

    @property
    def kubelet_id(self) -> str:
        """How the kubelet names the pod in messages: name_namespace(uid)."""
        return f"{self.name}_{self.namespace}({self.uid})"

    # --- scenario API --------------------------------------------------------------------

    def set(self, container: str, run: Run) -> Pod:
        """Describe what happened to one container (see status.py)."""
        self.template.container(container)  # raises for a typo
        self.runs[container] = run
        return self

    def warn(
        self,
        reason: str,
        message: str,
        *,
        first: datetime,
        last: datetime | None = None,
        count: int = 1,
        component: str = "kubelet",
        type: str = "Warning",
    ) -> Pod:
        """Add a pod-level event that the container states do not imply (FailedMount, ...)."""
        host = self.node.name if self.node is not None and component == "kubelet" else None
        self.extra_events.append(Event(self.ref(), reason, message, first, last, count, type, component, host))
        return self

    def unschedule(self, message: str) -> Pod:
        """The scheduler cannot place this pod: no node, Pending, FailedScheduling `message`."""
        self.node, self.ip, self.unschedulable = None, None, message
        return self

    def move_to(self, node: Node) -> Pod:
        self.node, self.ip = node, node.ip if self.template.host_network else node.allocate_pod_ip()
        return self

    def evict(self, message: str, at: datetime) -> Pod:
        """Evicted by the kubelet under node pressure: phase Failed, reason Evicted."""
        self.evicted = (message, at)
        return self

    def run(self, container: Container, init: bool = False) -> Run:
        if container.name in self.runs:
            run = self.runs[container.name]
        elif init and container.restart_policy != "Always":
            start = self.scheduled_at + seconds(2 + 3 * self.template.init_containers.index(container))
            run = completed(start, start + seconds(2))
        else:
            run = running(self._containers_start)
        if self.evicted is not None and not isinstance(run.state, Terminated):
            started = run.state.started if isinstance(run.state, Running) else self.scheduled_at
            run = run.but(state=Terminated("Error", 137, started, self.evicted[1]), ready=False)
        return run

    @property
    def _containers_start(self) -> datetime:
        inits = [c for c in self.template.init_containers if c.restart_policy != "Always"]
        if not inits:
            return self.scheduled_at + seconds(3)
        last = self.run(inits[-1], init=True).state
        return (last.finished if isinstance(last, Terminated) else self.scheduled_at) + seconds(1)

    # --- status --------------------------------------------------------------------------

    def init_runs(self) -> list[tuple[Container, Run]]:
        return [(c, self.run(c, init=True)) for c in self.template.init_containers]

    def container_runs(self) -> list[tuple[Container, Run]]:
        return [(c, self.run(c)) for c in self.template.containers]

    @property
    def initialized(self) -> bool:
        return all(
            c.restart_policy == "Always" or (isinstance(r.state, Terminated) and r.state.exit_code == 0)
            for c, r in self.init_runs()
        )

    @property
    def phase(self) -> str:
        if self.evicted is not None:
            return "Failed"
        if self.node is None or not self.initialized:
            return "Pending"
        waiting = running_ = stopped = failed = 0
        for _, run in self.container_runs():
            state = run.state
            if isinstance(state, Running):
                running_ += 1
            elif isinstance(state, Terminated):
                stopped += 1
                failed += state.exit_code != 0
            elif run.last is not None:
                stopped += 1
            else:
                waiting += 1
        if waiting:
            return "Pending"
        if running_:
            return "Running"
        if self.template.restart_policy == "Always":
            return "Running"
        if self.template.restart_policy == "Never" or not failed:
            return "Failed" if failed else "Succeeded"
        return "Running"

    @property
    def ready(self) -> bool:
        return (
            self.phase == "Running"
            and self.node is not None
            and self.node.ready == "True"
            and all(r.is_ready for _, r in self.container_runs())
        )

    @property
    def qos_class(self) -> str:
        containers = (*self.template.init_containers, *self.template.containers)
        tracked = ("cpu", "memory")
        if not any(k in c.limits or k in c.requests for c in containers for k in tracked):
            return "BestEffort"
        guaranteed = all(
            all(k in c.limits and c.effective_requests.get(k) == c.limits[k] for k in tracked) for c in containers
        )
        return "Guaranteed" if guaranteed else "Burstable"

    def render(self, resource_version: str) -> Json:
        metadata: Json = {"name": self.name}
        if self.generate_name:
            metadata["generateName"] = self.generate_name
        metadata |= {
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": resource_version,
            "creationTimestamp": rfc3339(self.created),
            "labels": self.labels,
        }
        if self.template.annotations:
            metadata["annotations"] = dict(self.template.annotations)
        if self.owner:
            metadata["ownerReferences"] = [self.owner.render()]
        return {"metadata": metadata, "spec": self._spec(), "status": self._status()}

    def _spec(self) -> Json:
        spec = self.template.render_spec(ids.safe_suffix(5, "kube-api-access", self.uid))
        if self.node is not None:
            spec["nodeName"] = self.node.name
        if self.hostname:
            spec["hostname"] = self.hostname
        if self.subdomain:
            spec["subdomain"] = self.subdomain
        tolerations = list(spec.get("tolerations", []))
        for default in DEFAULT_TOLERATIONS:
            if not any(t.get("key") == default["key"] and t.get("effect") == "NoExecute" for t in tolerations):
                tolerations.append(dict(default))
        spec["tolerations"] = tolerations
        spec["priority"] = (
            2000001000
            if self.template.priority_class == "system-node-critical"
            else (2000000000 if self.template.priority_class == "system-cluster-critical" else 0)
        )
        spec["enableServiceLinks"] = True
        spec["preemptionPolicy"] = "PreemptLowerPriority"
        return {key: spec[key] for key in POD_SPEC_ORDER if key in spec}

    def _status(self) -> Json:
        phase = self.phase
        if self.node is None:
            return {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "lastProbeTime": None,
                        "lastTransitionTime": rfc3339(self.created),
                        "reason": "Unschedulable",
                        "message": self.unschedulable or "",
                    }
                ],
                "qosClass": self.qos_class,
            }
        status: Json = {"phase": phase, "conditions": self._conditions()}
        if self.evicted is not None:
            status |= {"message": self.evicted[0], "reason": "Evicted"}
        status |= {
            "hostIP": self.node.ip,
            "hostIPs": [{"ip": self.node.ip}],
        }
        if self.ip and self.evicted is None:
            status |= {"podIP": self.ip, "podIPs": [{"ip": self.ip}]}
        status["startTime"] = rfc3339(self.scheduled_at)
        if self.template.init_containers:
            status["initContainerStatuses"] = [self._container_status(c, r, init=True) for c, r in self.init_runs()]
        status["containerStatuses"] = [self._container_status(c, r) for c, r in self.container_runs()]
        status["qosClass"] = self.qos_class
        return status

    def _conditions(self) -> list[Json]:
        def cond(kind: str, ok: bool, at: datetime, reason: str | None = None, message: str | None = None) -> Json:
            body: Json = {
                "type": kind,
                "status": "True" if ok else "False",
                "lastProbeTime": None,
                "lastTransitionTime": rfc3339(at),
            }
            if reason:
                body["reason"] = reason
            if message:
                body["message"] = message
            return body

        runs = self.container_runs()
        inits = self.init_runs()
        sandbox_ready = self.phase not in ("Failed", "Succeeded") and not all(
            isinstance(r.state, Waiting) and r.state.reason == "ContainerCreating" for _, r in runs
        )
        conditions: list[Json] = []
        if self.evicted is not None:
            conditions.append(cond("DisruptionTarget", True, self.evicted[1], "TerminationByKubelet", self.evicted[0]))
        conditions.append(
            cond(
                "PodReadyToStartContainers",
                sandbox_ready,
                self.scheduled_at + seconds(2) if sandbox_ready or not self._terminal_at() else self._terminal_at(),
            )
        )
        incomplete = [
            c.name
            for c, r in inits
            if c.restart_policy != "Always" and not (isinstance(r.state, Terminated) and r.state.exit_code == 0)
        ]
        init_done_at = self._containers_start - seconds(1) if self.template.init_containers else self.scheduled_at
        if incomplete:
            conditions.append(
                cond(
                    "Initialized",
                    False,
                    self.scheduled_at,
                    "ContainersNotInitialized",
                    f"containers with incomplete status: [{' '.join(incomplete)}]",
                )
            )
        else:
            conditions.append(cond("Initialized", True, init_done_at))
        unready = [c.name for c, r in runs if not r.is_ready]
        ready_at = max((self._ready_since(r) for _, r in runs), default=self.scheduled_at)
        phase = self.phase
        if phase in ("Failed", "Succeeded"):
            ended = self._terminal_at() or self.scheduled_at
            reason = "PodFailed" if phase == "Failed" else "PodCompleted"
            ready = cond("Ready", False, ended, reason)
            containers_ready = cond("ContainersReady", False, ended, reason)
        elif unready:
            message = f"containers with unready status: [{' '.join(unready)}]"
            since = min(self._unready_since(r) for c, r in runs if c.name in unready)
            ready = cond("Ready", False, since, "ContainersNotReady", message)
            containers_ready = cond("ContainersReady", False, since, "ContainersNotReady", message)
        else:
            ready = cond("Ready", True, ready_at)
            containers_ready = cond("ContainersReady", True, ready_at)
        if self.node is not None and self.node.ready != "True" and self.node.not_ready_since and not unready:
            # The node lifecycle controller flips Ready only; the kubelet is gone and reports nothing.
            ready = cond("Ready", False, self.node.not_ready_since + seconds(41))
        conditions += [ready, containers_ready, cond("PodScheduled", True, self.scheduled_at)]
        return conditions

    def _terminal_at(self) -> datetime | None:
        """When a Failed/Succeeded pod stopped (None while it is not terminal)."""
        if self.evicted is not None:
            return self.evicted[1]
        if self.phase not in ("Failed", "Succeeded"):
            return None
        ends = [r.state.finished for _, r in self.container_runs() if isinstance(r.state, Terminated)]
        return max(ends, default=self.scheduled_at)

    @staticmethod
    def _ready_since(run: Run) -> datetime:
        state = run.state
        return state.started + seconds(6) if isinstance(state, Running) else NOW

    def _unready_since(self, run: Run) -> datetime:
        if run.since is not None:
            return run.since
        state = run.state
        if isinstance(state, Running):
            return state.started
        if run.last is not None:
            return run.last.finished
        return self.scheduled_at

    def _container_status(self, container: Container, run: Run, *, init: bool = False) -> Json:
        state = run.state
        status: Json = {"name": container.name, "state": self._render_state(container, state)}
        status["lastState"] = (
            {"terminated": self._render_terminated(container, run.last, run.restarts - 1)} if run.last else {}
        )
        if init and container.restart_policy != "Always":
            status["ready"] = isinstance(state, Terminated) and state.exit_code == 0
        else:
            status["ready"] = run.is_ready
        status["restartCount"] = run.restarts
        pulled = run.pull_error is None
        status["image"] = _status_image(container.image) if pulled else container.image
        status["imageID"] = ids.image_id(container.image) if pulled and run.ever_started else ""
        if isinstance(state, Running | Terminated):
            status["containerID"] = self._container_id(container, run.restarts)
        elif run.last is not None:
            status["containerID"] = self._container_id(container, run.restarts - 1 if run.restarts else 0)
        status["started"] = isinstance(state, Running) and (container.startup is None or run.is_ready)
        return status

    def _container_id(self, container: Container, instance: int) -> str:
        return ids.container_id(self.uid, container.name, instance)

    def _render_state(self, container: Container, state: Running | Waiting | Terminated) -> Json:
        if isinstance(state, Running):
            return {"running": {"startedAt": rfc3339(state.started)}}
        if isinstance(state, Terminated):
            run = self.run(container, init=container in self.template.init_containers)
            return {"terminated": self._render_terminated(container, state, run.restarts)}
        body: Json = {"reason": state.reason}
        message = state.message
        run = self.runs.get(container.name)
        if state.reason == "CrashLoopBackOff" and message is None and run is not None:
            message = (
                f"back-off {go_duration(backoff_seconds(run.restarts))} restarting failed "
                f"container={container.name} pod={self.kubelet_id}"
            )
        if state.reason == "ImagePullBackOff" and message is None and run is not None:
            message = f'Back-off pulling image "{container.image}": ErrImagePull: {run.pull_error}'
        if message:
            body["message"] = message
        return {"waiting": body}

    def _render_terminated(self, container: Container, state: Terminated, instance: int) -> Json:
        body: Json = {"exitCode": state.exit_code, "reason": state.reason}
        if state.message:
            body["message"] = state.message
        body |= {
            "startedAt": rfc3339(state.started) if state.reason != "StartError" else "1970-01-01T00:00:00Z",
            "finishedAt": rfc3339(state.finished),
            "containerID": self._container_id(container, max(instance, 0)),
        }
        return body

    # --- logs ----------------------------------------------------------------------------

    def log_files(self) -> tuple[str, str | None]:
        """(logs.txt, logs.previous.txt or None) in kubectl cluster-info dump's block format."""
        current: list[str] = []
        previous: list[str] = []
        for container, run in [*self.init_runs(), *self.container_runs()]:
            if self.node is None:  # never scheduled: no container ever ran
                current.append(self._block(container, ""))
                continue
            current.append(self._block(container, self._current_logs(container, run)))
            if run.restarts > 0 or (run.last is not None and isinstance(run.state, Running)):
                previous.append(self._block(container, self._previous_logs(container, run)))
        return "".join(current), ("".join(previous) if previous else None)

    def _block(self, container: Container, text: str) -> str:
        who = f"container {container.name} of pod {self.namespace}/{self.name}"
        return f"==== START logs for {who} ====\n{text}==== END logs for {who} ====\n"

    def _ctx(self, container: Container, start: datetime, end: datetime, instance: int) -> LogContext:
        return LogContext(
            self.namespace,
            self.name,
            container.name,
            self.ip or "",
            self.node.name if self.node else "",
            start,
            end,
            instance,
            self.node.ip if self.node else "",
        )

    def _current_logs(self, container: Container, run: Run) -> str:
        state = run.state
        source: LogSource | None = run.logs if run.logs is not None else container.logs
        if isinstance(state, Running):
            end = NOW
            if self.node is not None and self.node.ready != "True" and self.node.not_ready_since:
                end = self.node.not_ready_since
            return render_logs(source, self._ctx(container, state.started, end, run.restarts))
        if isinstance(state, Terminated):
            return render_logs(source, self._ctx(container, state.started, state.finished, run.restarts))
        if run.last is not None and run.last.reason != "StartError":
            return render_logs(source, self._ctx(container, run.last.started, run.last.finished, run.restarts))
        if run.last is not None:
            return render_logs(run.logs or "", self._ctx(container, run.last.started, run.last.finished, run.restarts))
        return ""

    def _previous_logs(self, container: Container, run: Run) -> str:
        state = run.state
        source = run.previous_logs if run.previous_logs is not None else container.logs
        last = run.last
        if last is None:
            return ""
        if isinstance(state, Running):
            return render_logs(source, self._ctx(container, last.started, last.finished, run.restarts - 1))
        lived = last.finished - last.started
        end = last.started - seconds(backoff_seconds(max(run.restarts - 1, 0)))
        start = end - lived
        if last.reason == "StartError":
            return render_logs(run.previous_logs or "", self._ctx(container, start, start, run.restarts - 1))
        return render_logs(source, self._ctx(container, start, end, run.restarts - 1))

    # --- events --------------------------------------------------------------------------

    def events(self, scheduler_instance: str) -> list[Event]:
        events: list[Event] = []
        ref = self.ref()
        if self.node is None:
            elapsed = (NOW - self.created).total_seconds()
            count = 1 + int(elapsed // 300) + (1 if elapsed > 60 else 0)
            events.append(
                Event(
                    ref,
                    "FailedScheduling",
                    self.unschedulable or "",
                    self.created,
                    NOW - seconds(ids.number(5, 50, self.name)),
                    count,
                    "Warning",
                    "default-scheduler",
                    modern=True,
                    action="Scheduling",
                    reporting_instance=scheduler_instance,
                )
            )
            return events + self.extra_events
        if recent(self.scheduled_at):
            events.append(
                Event(
                    ref,
                    "Scheduled",
                    f"Successfully assigned {self.namespace}/{self.name} to {self.node.name}",
                    self.scheduled_at,
                    modern=True,
                    action="Binding",
                    reporting_instance=scheduler_instance,
                    component="default-scheduler",
                )
            )
        host = self.node.name
        for container, run in [*self.init_runs(), *self.container_runs()]:
            events += self._container_events(container, run, host)
        if self.evicted is not None:
            message, at = self.evicted
            events.append(Event(ref, "Evicted", message, at, type="Warning", host=host))
            for container, _ in self.container_runs():
                events.append(
                    Event(
                        self.ref(container.name),
                        "Killing",
                        f"Stopping container {container.name}",
                        at + seconds(1),
                        host=host,
                    )
                )
        if self.node.ready != "True" and self.node.not_ready_since:
            events.append(
                Event(
                    ref,
                    "NodeNotReady",
                    "Node is not ready",
                    self.node.not_ready_since + seconds(41),
                    type="Warning",
                    component="node-controller",
                )
            )
        return events + self.extra_events

    def _container_events(self, container: Container, run: Run, host: str) -> list[Event]:
        ref = self.ref(container.name)
        events: list[Event] = []

        def add(
            reason: str,
            message: str,
            first: datetime,
            last: datetime | None = None,
            count: int = 1,
            type: str = "Normal",
        ) -> None:
            if recent(last or first):
                first = max(first, NOW - timedelta(minutes=59))
                events.append(Event(ref, reason, message, first, last, max(count, 1), type, "kubelet", host))

        image = container.image
        created_recently = recent(self.scheduled_at)
        if container in self.template.init_containers:
            first_start = self.scheduled_at + seconds(2 + 3 * self.template.init_containers.index(container))
        else:
            first_start = self._containers_start
        state = run.state
        if run.pull_error is not None:
            since = run.since or first_start
            attempts = 1 + int((NOW - since).total_seconds() // 300) + 3
            backoffs = max(1, int((NOW - since).total_seconds() // 20))
            add("Pulling", f'Pulling image "{image}"', since, NOW - seconds(70), attempts)
            add(
                "Failed",
                f'Failed to pull image "{image}": {run.pull_error}',
                since + seconds(1),
                NOW - seconds(69),
                attempts,
                "Warning",
            )
            add("Failed", "Error: ErrImagePull", since + seconds(1), NOW - seconds(69), attempts, "Warning")
            add("BackOff", f'Back-off pulling image "{image}"', since + seconds(2), NOW - seconds(8), backoffs)
            add("Failed", "Error: ImagePullBackOff", since + seconds(2), NOW - seconds(8), backoffs, "Warning")
            return events
        if isinstance(state, Waiting) and state.reason == "CreateContainerConfigError":
            since = run.since or first_start
            tries = max(2, int((NOW - since).total_seconds() // 15))
            add("Pulled", f'Container image "{image}" already present on machine', since, NOW - seconds(11), tries)
            add("Failed", f"Error: {state.message}", since, NOW - seconds(11), tries, "Warning")
            return events
        if isinstance(state, Waiting) and state.reason in ("ContainerCreating", "PodInitializing") and run.last is None:
            return events
        starts = run.restarts + 1 if created_recently else (run.restarts if recent(run.since) else 0)
        latest_start = self._latest_start(run)
        first_start = min(first_start, latest_start)
        first = first_start if created_recently else min(run.since or first_start, latest_start)
        if created_recently:
            size = ids.number(20_000_000, 480_000_000, image)
            pulling = max(first_start - seconds(2), self.scheduled_at + seconds(1))
            pull = min(ids.number(600, 1_700, image, self.name) / 1000, (first_start - pulling).total_seconds())
            add("Pulling", f'Pulling image "{image}"', pulling)
            add(
                "Pulled",
                f'Successfully pulled image "{image}" in {pull:.3f}s ({pull:.3f}s including waiting). '
                f"Image size: {size} bytes.",
                pulling + seconds(pull),
            )
            if run.restarts and container.pull_policy == "IfNotPresent":
                add(
                    "Pulled",
                    f'Container image "{image}" already present on machine',
                    first + seconds(40),
                    latest_start,
                    run.restarts,
                )
        elif starts and container.pull_policy == "IfNotPresent":
            add("Pulled", f'Container image "{image}" already present on machine', first, latest_start, starts)
        if starts:
            add("Created", f"Created container: {container.name}", first, latest_start, starts)
            if run.start_error is None:
                add("Started", f"Started container {container.name}", first, latest_start, starts)
            else:
                add("Failed", f"Error: {run.start_error}", first, latest_start, starts, "Warning")
        for failure in run.probe_failures:
            add(
                "Unhealthy",
                f"{failure.probe} probe failed: {failure.message}",
                failure.since,
                failure.last or NOW - seconds(ids.number(2, 9, self.name, failure.probe)),
                failure.count,
                "Warning",
            )
        if run.killed_by_liveness:
            probe = "liveness" if any(f.probe == "Liveness" for f in run.probe_failures) else "startup"
            last_kill = run.last.finished if run.last is not None else latest_start - seconds(1)
            add(
                "Killing",
                f"Container {container.name} failed {probe} probe, will be restarted",
                (run.since or first) + seconds(30),
                last_kill,
                run.killed_by_liveness,
            )
        if isinstance(state, Waiting) and run.last is not None:
            backoffs = max(run.restarts, int((NOW - (run.since or first)).total_seconds() // 25))
            add(
                "BackOff",
                f"Back-off restarting failed container {container.name} in pod {self.kubelet_id}",
                (run.since or first) + seconds(12),
                NOW - seconds(ids.number(3, 14, self.name)),
                backoffs,
                "Warning",
            )
        return events

    def _latest_start(self, run: Run) -> datetime:
        state = run.state
        if isinstance(state, Running | Terminated):
            return state.started
        if run.last is not None:
            return run.last.started
        return self.scheduled_at + seconds(2)


def _status_image(image: str) -> str:
    return ids.qualified_image(image)
