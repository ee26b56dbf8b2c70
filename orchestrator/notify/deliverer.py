"""Delivers the outbox's notifications: claim one, post it, record the outcome; retries with backoff.

Runs in every replica inside `serve`'s lifespan. A notification is claimed with a lease (so one
replica posts it at a time), and whatever happens to the process (a restart, a crash, SIGKILL
between the finish and the post) it stays in the outbox until an attempt is recorded: a post
that succeeded but whose outcome was not recorded is posted again once the lease lapses, with
the same `X-SRE-Delivery` id for the receiver to drop. A failed attempt waits (exponential
backoff with jitter, SRE_NOTIFY_RETRY_*), and after SRE_NOTIFY_MAX_ATTEMPTS it is `failed` with
the reason, shown on the incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from datetime import UTC, datetime
from types import TracebackType

import httpx2

from orchestrator import metrics
from orchestrator.models import Incident
from orchestrator.notify.payloads import slack_message, webhook_request
from orchestrator.notify_settings import NotifySettings, Target
from orchestrator.store import IncidentStore
from orchestrator.store.outbox import ClaimedNotification

log = logging.getLogger("sre.orchestrator.notify")
POLL_SECONDS = 1.0
WORKERS = 2


class DeliveryFailed(Exception):
    """The receiver did not take the notification (the reason is recorded on the incident)."""


def backoff_seconds(attempt: int, initial: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: between half and all of initial * 2^(attempt-1), at most `cap`."""
    ceiling = min(cap, initial * 2 ** min(attempt - 1, 30))
    return rng.uniform(ceiling / 2, ceiling)


class Deliverer:
    def __init__(self, store: IncidentStore, settings: NotifySettings) -> None:
        self._store = store
        self._settings = settings
        self._targets: dict[Target, str] = settings.notify_targets()
        self._secret = settings.notify_secret()
        self._lease = settings.notify_timeout_seconds * 3 + 5
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._rng = random.Random()  # noqa: S311 (jitter, not a secret)
        self._client: httpx2.AsyncClient | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._targets)

    def wake(self) -> None:
        self._wake.set()

    async def __aenter__(self) -> Deliverer:
        if self.enabled:
            verify: ssl.SSLContext | bool = True
            if self._settings.notify_ca_bundle is not None:
                verify = ssl.create_default_context(cafile=str(self._settings.notify_ca_bundle))
            self._client = httpx2.AsyncClient(
                verify=verify, timeout=self._settings.notify_timeout_seconds, follow_redirects=False
            )
            try:
                if freed := await self._store.release_dead_notification_leases():
                    log.info("took back the notifications of %d crashed process(es) on this host", freed)
            except Exception:  # their leases lapse instead
                log.warning("could not check for notifications left by crashed processes", exc_info=True)
            self._tasks = [asyncio.create_task(self._loop(), name=f"notify {n}") for n in range(WORKERS)]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._store.enqueue_notifications()
                claimed = await self._store.claim_notification(self._lease)
            except Exception:
                log.exception("cannot read the notifications outbox; trying again in %g s", POLL_SECONDS)
                claimed = None
            if claimed is None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POLL_SECONDS):
                        await self._wake.wait()
                continue
            await self._attempt(claimed)

    async def _attempt(self, claimed: ClaimedNotification) -> None:
        target = claimed.target
        try:
            incident = await self._store.get(claimed.incident_id)
            if incident is None:
                raise DeliveryFailed("the incident no longer exists")
            await self._post(claimed, incident)
        except Exception as exc:
            error = str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            for url in self._targets.values():  # a Slack webhook URL is a secret: never record it
                error = error.replace(url, f"<{claimed.target} URL>")
            await self._failed(claimed, error)
            return
        if await self._store.notification_done(claimed.notification_id, "delivered", None):
            metrics.NOTIFICATIONS.labels(target, "delivered").inc()
            delay = (datetime.now(UTC) - incident.updated_at).total_seconds()
            metrics.NOTIFICATION_DELAY_SECONDS.labels(target).observe(max(delay, 0.0))
            log.info(
                "incident %s: notification to %s delivered (attempt %d)", incident.incident_id, target, claimed.attempts
            )

    async def _failed(self, claimed: ClaimedNotification, error: str) -> None:
        settings = self._settings
        if claimed.attempts >= settings.notify_max_attempts:
            await self._store.notification_done(claimed.notification_id, "failed", error)
            metrics.NOTIFICATIONS.labels(claimed.target, "failed").inc()
            log.error(
                "incident %s: gave up notifying %s after %d attempts: %s",
                claimed.incident_id,
                claimed.target,
                claimed.attempts,
                error,
            )
            return
        delay = backoff_seconds(
            claimed.attempts, settings.notify_retry_initial_seconds, settings.notify_retry_max_seconds, self._rng
        )
        await self._store.notification_retry(claimed.notification_id, error, delay)
        metrics.NOTIFICATIONS.labels(claimed.target, "retried").inc()
        log.warning(
            "incident %s: notifying %s failed (%s); retrying in %.1f s",
            claimed.incident_id,
            claimed.target,
            error,
            delay,
        )

    async def _post(self, claimed: ClaimedNotification, incident: Incident) -> None:
        if self._client is None:
            raise DeliveryFailed("notifications are not configured")
        url = self._targets.get(claimed.target)  # type: ignore[call-overload]
        if url is None:
            raise DeliveryFailed(f"the target {claimed.target!r} is no longer configured")
        public_url = self._settings.public_url
        if claimed.target == "webhook":
            body, headers = webhook_request(
                incident, claimed.notification_id, self._secret, int(time.time()), public_url
            )
            response = await self._client.post(url, content=body, headers=headers)
        else:
            response = await self._client.post(url, json=slack_message(incident, public_url))
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"the receiver answered {response.status_code}: {response.text[:200]}")
