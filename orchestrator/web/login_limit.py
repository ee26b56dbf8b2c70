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

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class LoginLimiter:
    """Wrong tokens per client address within a moving window."""

    def __init__(self, max_failures: int, window_seconds: int) -> None:
        self._failures = RateLimitItemPerSecond(max_failures, window_seconds)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, client: str) -> int | None:
        """Whole seconds the client must wait before it may try a token again; None when it may now."""
        if self._limiter.test(self._failures, client):
            return None
        reset_at = self._limiter.get_window_stats(self._failures, client).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, client: str) -> None:
        self._limiter.hit(self._failures, client)

    def succeeded(self, client: str) -> None:
        self._limiter.clear(self._failures, client)


def wait_message(seconds: int) -> str:
    """What the login form says to a client that must wait."""
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return f"too many wrong tokens from your address: wait {wait} before trying again"
