"""Runs investigations in the background, a bounded number at a time, each within a deadline.

The store is the only record of progress: an incident is `pending` until its investigation
reports its first step, `investigating` while steps run, then `completed` or `failed`. A
cancelled run (shutdown, crash) leaves the status as it was, so the incident is taken up
again: resumed from its LangGraph checkpoint when it was investigating, from the start when
it was still pending.

Work is shared through the store's leases, so any number of replicas can run on one database.
Whenever a slot is free the runner claims the next incident nobody holds (one reported in this
process wakes it at once; others', and those of a replica that died, are found by polling),
renews its leases every third of their length, stops an investigation whose lease another
replica took over, and gives its leases back when it shuts down. A database that refuses writes
for a while (locked by another process, its disk full) is waited out: the run and its outcome
are tried again until the database takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol

from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from common.errors import innermost
from graphs.models import OnStep
from orchestrator import logs, metrics
from orchestrator.incidents.seen_before import link_related
from orchestrator.models import Incident, IncidentRequest, IncidentResult
from orchestrator.notify.policy import NotifyPolicy
from orchestrator.store import IncidentStore

log = logging.getLogger("sre.orchestrator.incidents.runner")


# Exceptions that mean a bug rather than a condition of the cluster: their message alone
# ("'pod'") tells a reader nothing, so the report names the type and points to the log.
_BUG_TYPES = (LookupError, AttributeError, TypeError, NameError, AssertionError)
# The longest wait between two tries of an investigation the database refused.
STORAGE_RETRY_MAX_SECONDS = 10.0


class Investigator(Protocol):
    async def run(self, incident_id: str, request: IncidentRequest | None, on_step: OnStep) -> dict[str, Any]:
        """Run one investigation, resuming its LangGraph checkpoint (thread_id = incident_id) when one
        has steps left, else from `request`; call on_step(node_name) as each graph step starts; return
        the result fields to merge into the incident document (see IncidentResult). Raises on failure."""
        ...

    async def aclose(self) -> None: ...


def describe_failure(exc: BaseException) -> str:
    """The exception's own message, which a person can act on; the traceback goes to the log."""
    exc = innermost(exc)  # task groups wrap the real error
    if isinstance(exc, ValidationError):  # a pydantic model at some boundary, maybe our IncidentResult
        first = exc.errors()[0]
        return f"invalid {exc.title}: {'.'.join(map(str, first['loc']))}: {first['msg']}"
    message = str(exc).strip()
    if isinstance(exc, _BUG_TYPES) or not message:
        shown = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        return f"internal error ({shown}); the server log has the details"
    return message


class InvestigationRunner:
    def __init__(
        self,
        store: IncidentStore,
        investigator: Investigator,
        *,
        max_concurrent: int,
        timeout_seconds: float,
        lease_seconds: float = 30.0,
        poll_seconds: float = 2.0,
        seen_before_days: float = 0.0,
        notify: NotifyPolicy | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._investigator = investigator
        self._timeout = timeout_seconds
        self._lease = lease_seconds
        self._poll = poll_seconds
        self._seen_before_days = seen_before_days
        self._notify = notify or NotifyPolicy(targets=())
        self._on_finished = on_finished
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start claiming work: what an earlier process left unfinished, then whatever comes."""
        try:
            if freed := await self._store.release_dead_local_owners():
                log.info("took back the leases of %d crashed process(es) on this host", freed)
        except Exception:  # their leases lapse instead
            log.warning("could not check for leases left by crashed processes", exc_info=True)
        self._loops = [
            asyncio.create_task(self._claim_loop(), name="claim investigations"),
            asyncio.create_task(self._renew_loop(), name="renew leases"),
        ]

    def wake(self) -> None:
        """An incident was stored: look for work now rather than at the next poll; returns at once.

        Whichever replica has a free slot first claims it; the request is read back from the store.
        """
        self._wake.set()

    async def aclose(self) -> None:
        """Cancel every running investigation and give its lease back, so it resumes elsewhere at once."""
        tasks = [*self._loops, *self._tasks.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self._store.release()
        except Exception:  # the store is gone: the leases lapse instead
            log.warning("could not give back this replica's leases; they lapse in %g s", self._lease, exc_info=True)

    async def __aenter__(self) -> InvestigationRunner:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _claim_loop(self) -> None:
        while True:
            await self._slots.acquire()
            self._wake.clear()  # before the claim: a report arriving during it wakes the next round
            try:
                incident = await self._store.claim(self._lease)
            except Exception:
                log.exception("cannot claim investigations; trying again in %g s", self._poll)
                incident = None
            if incident is None:
                self._slots.release()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wake.wait()
                continue
            if incident.incident_id in self._tasks:  # still running here: the lease lapsed and is ours again
                self._slots.release()
                continue
            self._start(incident)

    def _start(self, incident: Incident) -> None:
        """Investigate a claimed incident in a task that holds one of the slots until it ends."""
        # Always with its request: the investigator resumes from a checkpoint when there is one, and a
        # crash between the first step's start and its checkpoint leaves none, so it starts over.
        request = IncidentRequest(**incident.model_dump(include=set(IncidentRequest.model_fields)))
        if incident.status == "investigating":
            log.info("incident %s: resuming the investigation from its checkpoint", incident.incident_id)
        incident_id = incident.incident_id
        # Its own context, so that every line it logs (and its outcome's) names the incident.
        context = logs.incident_context(incident_id)
        task = asyncio.create_task(
            self._investigate(incident_id, request, incident.source),
            name=f"investigation {incident_id}",
            context=context,
        )
        self._tasks[incident_id] = task
        task.add_done_callback(lambda done: self._forget(incident_id, done), context=context)

    @property
    def running(self) -> int:
        """Investigations running in this process now."""
        return len(self._tasks)

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                held = await self._store.renew(self._lease)
            except Exception:
                log.exception("cannot renew this replica's leases")
                continue
            for incident_id, task in list(self._tasks.items()):
                if incident_id not in held and not task.done():
                    # Another replica took it over (this one was paused or cut off for longer than a
                    # lease): its writes are refused anyway, so stop spending work on it.
                    log.warning("incident %s: the lease went to another replica; stopping here", incident_id)
                    task.cancel()

    async def _investigate(self, incident_id: str, request: IncidentRequest | None, source: str = "api") -> None:
        # The database failing (locked by another process, its disk full) is not the
        # investigation's failure: run again (resuming from the last checkpoint) and write the
        # outcome again until the database takes it, so the incident never stays unfinished
        # (its lease, renewed meanwhile, would keep any other replica from taking it up).
        with metrics.investigation_timer() as label:
            log.info("investigation started")
            async for attempt in self._until_stored(incident_id, "investigation"):
                with attempt:
                    outcome = await self._outcome(incident_id, request, label)
            async for attempt in self._until_stored(incident_id, "outcome"):
                with attempt:
                    cluster = request.cluster if request else None
                    if isinstance(outcome, IncidentResult):
                        linked = await self._linked(incident_id, request, outcome)
                        notify = self._notify.targets_for(source, cluster, linked)
                        await self._store.complete(incident_id, linked, notify)
                    else:
                        await self._store.fail(incident_id, outcome, self._notify.targets_for(source, cluster, None))
            if self._on_finished is not None:
                self._on_finished()  # the deliverer looks at once rather than at its next poll
            if isinstance(outcome, IncidentResult):
                label.set("completed")
                log.info(
                    "investigation completed in %.3f s: %s (confidence %s)",
                    label.seconds,
                    outcome.suggested_root_cause or "no root cause",
                    outcome.confidence,
                )
                metrics.count_llm_use(outcome.report)

    async def _linked(
        self, incident_id: str, request: IncidentRequest | None, result: IncidentResult
    ) -> IncidentResult:
        """The result with the incidents seen before; unlinked if the lookup fails for any other reason than
        the database refusing (which the caller retries)."""
        cluster = request.cluster if request else None
        try:
            return await link_related(
                self._store, incident_id, cluster, result, datetime.now(UTC), self._seen_before_days
            )
        except Exception as exc:
            if self._store.unavailable(exc):
                raise
            log.exception("incident %s: cannot look up the incidents seen before; completing without them", incident_id)
            return result

    def _until_stored(self, incident_id: str, what: str) -> AsyncRetrying:
        """Retry while the database cannot be written, for as long as the process runs."""

        def warn(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning("incident %s: the database refused the %s (%s); retrying", incident_id, what, error)

        return AsyncRetrying(
            retry=retry_if_exception(self._store.unavailable),
            wait=wait_exponential_jitter(initial=0.2, max=STORAGE_RETRY_MAX_SECONDS),
            before_sleep=warn,
        )

    async def _outcome(
        self, incident_id: str, request: IncidentRequest | None, label: metrics.OutcomeLabel
    ) -> IncidentResult | str:
        """The investigation's result, or why it failed; a database failure propagates."""
        step: str | None = None
        timer = metrics.StepTimer()

        async def on_step(name: str) -> None:
            nonlocal step
            step = name
            timer.started(name)
            await self._store.set_step(incident_id, name)

        deadline = asyncio.timeout(self._timeout)
        try:
            async with deadline:
                raw = await self._investigator.run(incident_id, request, on_step)
            timer.done()
            result = IncidentResult.model_validate(raw)
        except Exception as exc:
            if self._store.unavailable(exc):
                raise
            where = f" in step {step}" if step else ""
            if isinstance(exc, TimeoutError) and deadline.expired():
                error = f"investigation timed out after {self._timeout:g} s{where}"
                log.warning("incident %s: %s", incident_id, error)
                label.set("timed_out")
            else:
                error = f"investigation failed{where}: {describe_failure(exc)}"
                log.exception("incident %s: %s", incident_id, error)
                label.set("failed")
            return error
        if unknown := raw.keys() - IncidentResult.model_fields.keys():
            log.warning("incident %s: the investigation returned unknown fields %s", incident_id, sorted(unknown))
        return result

    def _forget(self, incident_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.pop(incident_id, None)
        self._slots.release()  # here, not in the task: a task cancelled before it ran still frees its slot
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Only a bug gets here (database failures are retried); the incident resumes when its lease lapses.
            log.error("incident %s: cannot record the investigation's outcome: %s", incident_id, exc, exc_info=exc)
