"""Runs investigations in the background, a bounded number at a time, each within a deadline.

The store is the only record of progress: an incident is `pending` until its investigation
reports its first step, `investigating` while steps run, then `completed` or `failed`. A
cancelled run (shutdown, crash) leaves the status as it was, so `start()` of the next process
picks the incident up again: resumed from its LangGraph checkpoint when it was investigating,
from the start when it was still pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Protocol

from pydantic import ValidationError

from orchestrator.models import IncidentRequest, IncidentResult
from orchestrator.store import IncidentStore

log = logging.getLogger("sre.orchestrator.runner")

OnStep = Callable[[str], Awaitable[None]]

# Exceptions that mean a bug rather than a condition of the cluster: their message alone
# ("'pod'") tells a reader nothing, so the report names the type and points to the log.
_BUG_TYPES = (LookupError, AttributeError, TypeError, NameError, AssertionError)


class Investigator(Protocol):
    async def run(self, incident_id: str, request: IncidentRequest | None, on_step: OnStep) -> dict[str, Any]:
        """Run (request given) or resume from its LangGraph checkpoint (request None, thread_id =
        incident_id) one investigation; call on_step(node_name) as each graph step starts; return
        the result fields to merge into the incident document (see IncidentResult). Raises on failure."""
        ...

    async def aclose(self) -> None: ...


def describe_failure(exc: BaseException) -> str:
    """The exception's own message, which a person can act on; the traceback goes to the log."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # task groups wrap the real error
        exc = exc.exceptions[0]
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
    ) -> None:
        self._store = store
        self._investigator = investigator
        self._timeout = timeout_seconds
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Take up every investigation an earlier process left unfinished."""
        for incident in await self._store.unfinished():
            request = None
            if incident.status == "pending":  # never started: no checkpoint to resume from
                request = IncidentRequest(**incident.model_dump(include=set(IncidentRequest.model_fields)))
            self.submit(incident.incident_id, request)
        if self._tasks:
            log.info("taking up %d unfinished investigation(s)", len(self._tasks))

    def submit(self, incident_id: str, request: IncidentRequest | None) -> None:
        """Queue an investigation (request None: resume it from its checkpoint); returns at once."""
        if incident_id in self._tasks:
            return
        task = asyncio.create_task(self._investigate(incident_id, request), name=f"investigation {incident_id}")
        self._tasks[incident_id] = task
        task.add_done_callback(lambda done: self._forget(incident_id, done))

    async def aclose(self) -> None:
        """Cancel every queued and running investigation; their incidents resume on the next start."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> InvestigationRunner:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _investigate(self, incident_id: str, request: IncidentRequest | None) -> None:
        async with self._slots:
            step: str | None = None

            async def on_step(name: str) -> None:
                nonlocal step
                step = name
                await self._store.set_step(incident_id, name)

            deadline = asyncio.timeout(self._timeout)
            try:
                async with deadline:
                    raw = await self._investigator.run(incident_id, request, on_step)
                result = IncidentResult.model_validate(raw)
            except Exception as exc:
                where = f" in step {step}" if step else ""
                if isinstance(exc, TimeoutError) and deadline.expired():
                    error = f"investigation timed out after {self._timeout:g} s{where}"
                    log.warning("incident %s: %s", incident_id, error)
                else:
                    error = f"investigation failed{where}: {describe_failure(exc)}"
                    log.exception("incident %s: %s", incident_id, error)
                await self._store.fail(incident_id, error)
                return
            if unknown := raw.keys() - IncidentResult.model_fields.keys():
                log.warning("incident %s: the investigation returned unknown fields %s", incident_id, sorted(unknown))
            await self._store.complete(incident_id, result)

    def _forget(self, incident_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.pop(incident_id, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Only a store that stopped working gets here; the incident resumes on the next start.
            log.error("incident %s: cannot record the investigation's outcome: %s", incident_id, exc, exc_info=exc)
