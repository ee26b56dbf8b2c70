"""What happened to a container: its current state, its last termination, its restarts.

Scenarios describe a container with one of the helpers below, e.g.

    crash_loop(oom_killed(t("03:14:02"), t("03:14:51")), restarts=14, since=t("02:41:00"),
               logs=java_heap_logs)

and the pod turns it into containerStatuses, the pod phase and conditions, kubelet events
(Pulled/Created/Started/BackOff/Unhealthy/Killing/Failed) and the log files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .logs import LogSource


@dataclass(frozen=True)
class Running:
    started: datetime


@dataclass(frozen=True)
class Waiting:
    reason: str
    message: str | None = None


@dataclass(frozen=True)
class Terminated:
    reason: str
    exit_code: int
    started: datetime
    finished: datetime
    message: str | None = None


ContainerState = Running | Waiting | Terminated


@dataclass(frozen=True)
class ProbeFailure:
    """Probe failures the kubelet reported as Unhealthy events (message after 'X probe failed: ')."""

    probe: str  # "Liveness" | "Readiness" | "Startup"
    message: str
    count: int
    since: datetime
    last: datetime | None = None


@dataclass(frozen=True)
class Run:
    """The observed life of one container of one pod."""

    state: ContainerState
    last: Terminated | None = None
    restarts: int = 0
    ready: bool | None = None  # None: ready exactly when running
    logs: LogSource | None = None  # None: the container image's usual logs
    previous_logs: LogSource | None = None
    probe_failures: tuple[ProbeFailure, ...] = ()
    since: datetime | None = None  # when the trouble began (first warning event)
    pull_error: str | None = None  # the registry error behind ErrImagePull/ImagePullBackOff
    start_error: str | None = None  # the runtime error behind RunContainerError/StartError
    killed_by_liveness: int = 0  # how many restarts were kubelet kills for a failed liveness probe

    @property
    def is_ready(self) -> bool:
        return self.ready if self.ready is not None else isinstance(self.state, Running)

    @property
    def ever_started(self) -> bool:
        return isinstance(self.state, Running | Terminated) or self.last is not None

    def but(self, **changes: object) -> Run:
        return replace(self, **changes)  # type: ignore[arg-type]


# --- terminations -----------------------------------------------------------------------


def oom_killed(started: datetime, finished: datetime) -> Terminated:
    return Terminated("OOMKilled", 137, started, finished)


def exited(code: int, started: datetime, finished: datetime, *, message: str | None = None) -> Terminated:
    """A process exit: reason Completed for 0, Error otherwise (as containerd reports it)."""
    return Terminated("Completed" if code == 0 else "Error", code, started, finished, message)


def start_error(message: str, at: datetime) -> Terminated:
    """The runtime could not start the process (containerd reports exit code 128)."""
    return Terminated("StartError", 128, at, at, message)


# --- runs -------------------------------------------------------------------------------


def running(
    started: datetime,
    *,
    ready: bool | None = None,
    restarts: int = 0,
    last: Terminated | None = None,
    logs: LogSource | None = None,
    previous_logs: LogSource | None = None,
    probe_failures: tuple[ProbeFailure, ...] = (),
    since: datetime | None = None,
    killed_by_liveness: int = 0,
) -> Run:
    return Run(
        Running(started),
        last=last,
        restarts=restarts,
        ready=ready,
        logs=logs,
        previous_logs=previous_logs,
        probe_failures=probe_failures,
        since=since,
        killed_by_liveness=killed_by_liveness,
    )


def crash_loop(
    last: Terminated,
    *,
    restarts: int,
    since: datetime,
    logs: LogSource | None = None,
    previous_logs: LogSource | None = None,
    probe_failures: tuple[ProbeFailure, ...] = (),
    killed_by_liveness: int = 0,
) -> Run:
    """Waiting in CrashLoopBackOff after `last`. While a container waits, `kubectl logs` shows
    the last terminated instance and `--previous` the one before it, so both default to `logs`."""
    return Run(
        Waiting("CrashLoopBackOff"),  # the message names the pod; the pod fills it in
        last=last,
        restarts=restarts,
        logs=logs,
        previous_logs=previous_logs if previous_logs is not None else logs,
        probe_failures=probe_failures,
        since=since,
        killed_by_liveness=killed_by_liveness,
    )


def image_pull_backoff(error: str, *, since: datetime, backoff: bool = True) -> Run:
    """The image cannot be pulled. `error` is the registry/runtime error text (after 'rpc error: ...')."""
    if backoff:
        return Run(Waiting("ImagePullBackOff"), since=since, pull_error=error, logs="")
    return Run(Waiting("ErrImagePull", error), since=since, pull_error=error, logs="")


def config_error(message: str, *, since: datetime) -> Run:
    """CreateContainerConfigError, e.g. `configmap "x" not found`."""
    return Run(Waiting("CreateContainerConfigError", message), since=since, logs="")


def run_container_error(
    message: str, *, restarts: int, since: datetime, last_attempt: datetime, logs: LogSource = ""
) -> Run:
    """The runtime fails to start the process every time (RunContainerError, last StartError 128)."""
    return Run(
        Waiting("RunContainerError", message),
        last=start_error(message, last_attempt),
        restarts=restarts,
        since=since,
        start_error=message,
        logs=logs,
        previous_logs=logs,
    )


def creating(*, since: datetime) -> Run:
    """Still ContainerCreating (volumes not mounted, sandbox not created)."""
    return Run(Waiting("ContainerCreating"), since=since, logs="")


def pending_init() -> Run:
    """A regular container waiting for init containers to finish."""
    return Run(Waiting("PodInitializing"), logs="")


def completed(started: datetime, finished: datetime, *, logs: LogSource | None = None) -> Run:
    """An init container (or Job container) that ran to completion."""
    return Run(Terminated("Completed", 0, started, finished), logs=logs)


def failed(last: Terminated, *, logs: LogSource | None = None, restarts: int = 0, since: datetime | None = None) -> Run:
    """A container that terminated and will not be restarted (Job pods, restartPolicy Never)."""
    return Run(last, restarts=restarts, logs=logs, since=since)
