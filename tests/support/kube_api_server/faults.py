"""Injected faults (errors and delays) for testing how clients cope with a flaky API server.

A fault matches a regular expression against the path below the cluster prefix (e.g.
`/api/v1/namespaces/shop/pods`), optionally only for one cluster, and fires a number of
times or until removed. Errors are proper Status bodies so clients parse them as they would
a real server's.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from .paths import split_cluster_path
from .status import REASONS, status_response


@dataclass
class Fault:
    pattern: re.Pattern[str]
    status: int | None  # None: only delay, then answer normally
    delay_seconds: float = 0.0
    times: int | None = None  # None: until removed
    cluster_id: str | None = None
    message: str = ""
    retry_after_seconds: int | None = None
    hits: int = field(default=0, init=False)

    def matches(self, cluster_id: str | None, path: str) -> bool:
        if self.cluster_id is not None and self.cluster_id != cluster_id:
            return False
        return self.pattern.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultRegistry:
    """Shared between the test thread that adds faults and the server thread that fires them."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        if fault.status is None and fault.delay_seconds <= 0:
            raise ValueError("a fault needs a status, a delay, or both")
        if fault.status is not None and fault.status < 400:
            raise ValueError(f"a fault status must be an error code, not {fault.status}")
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def fire(self, cluster_id: str | None, path: str) -> Fault | None:
        """The first live fault for this request, counted as hit."""
        with self._lock:
            for fault in self._faults:
                if not fault.exhausted and fault.matches(cluster_id, path):
                    fault.hits += 1
                    return fault
        return None


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: FaultRegistry) -> None:
        self.app, self.faults = app, faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            fault = self.faults.fire(*split_cluster_path(scope["path"]))
            if fault is not None:
                if fault.delay_seconds > 0 and not await _slept(fault.delay_seconds):
                    return
                if fault.status is not None:
                    message = fault.message or f"injected fault: {REASONS.get(fault.status, 'error')}"
                    headers = (
                        {"Retry-After": str(fault.retry_after_seconds)}
                        if fault.retry_after_seconds is not None
                        else None
                    )
                    await status_response(fault.status, message, headers=headers)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _slept(seconds: float) -> bool:
    """False when the server stopped meanwhile: the client gave up on this request long ago,
    and a traceback for it at teardown would only be noise."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        return False
    return True
