"""Slows token guessing at the UI's login form: a client that typed too many wrong tokens waits.

After `max_failures` wrong tokens from one client address within `window_seconds`, its next
attempts are answered 429 with Retry-After until the oldest failure leaves the window (a moving
window, from the `limits` library, kept in this process's memory), whether or not the token
would have been right, so that waiting is the only way on. A right token clears the count.

The count lives in each replica's memory: with several replicas behind a Service, a client
spreading its guesses over them gets up to `max_failures` per replica per window, and a restart
forgets the count. It slows a guesser down; long random API tokens are what make guessing futile.
Behind a proxy, let uvicorn trust its X-Forwarded-For (FORWARDED_ALLOW_IPS), or every client
shares the proxy's address.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.strategies import MovingWindowRateLimiter


class LoginLimiter:
    """Wrong tokens per client address within a moving window.

    `limits` (and the `deprecated`/`wrapt` it brings, ~2.4 MiB resident) is imported at the first
    wrong token: a serve whose form never sees one does not carry it (bench/footprint.py)."""

    def __init__(self, max_failures: int, window_seconds: int) -> None:
        self._max_failures = max_failures
        self._window_seconds = window_seconds
        self._counting: tuple[RateLimitItem, MovingWindowRateLimiter] | None = None

    def retry_after(self, client: str) -> int | None:
        """Whole seconds the client must wait before it may try a token again; None when it may now."""
        if self._counting is None:
            return None
        failures, limiter = self._counting
        if limiter.test(failures, client):
            return None
        reset_at = limiter.get_window_stats(failures, client).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, client: str) -> None:
        failures, limiter = self._start_counting()
        limiter.hit(failures, client)

    def succeeded(self, client: str) -> None:
        if self._counting is not None:
            failures, limiter = self._counting
            limiter.clear(failures, client)

    def _start_counting(self) -> tuple[RateLimitItem, MovingWindowRateLimiter]:
        if self._counting is None:
            from limits import RateLimitItemPerSecond
            from limits.storage import MemoryStorage
            from limits.strategies import MovingWindowRateLimiter

            failures = RateLimitItemPerSecond(self._max_failures, self._window_seconds)
            self._counting = (failures, MovingWindowRateLimiter(MemoryStorage()))
        return self._counting


def wait_message(seconds: int) -> str:
    """What the login form says to a client that must wait."""
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return f"too many wrong tokens from your address: wait {wait} before trying again"
