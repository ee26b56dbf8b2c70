"""The notifications outbox: what is still to be posted, in the incidents' own database.

The write that finishes an incident also records which targets it goes to (`notify_targets`),
so a crash right after the finish loses nothing. The deliverer then turns that column into one
`notifications` row per incident and target (INSERT ... ON CONFLICT DO NOTHING: replicas doing it
together make one row), claims rows with a lease like the incidents' (FOR UPDATE SKIP LOCKED on
PostgreSQL), and records each attempt: delivered, to retry at a later time, or failed for good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.models import NotificationState
from orchestrator.store.leases import dead_here

ENQUEUE_BATCH = 100


@dataclass(frozen=True)
class ClaimedNotification:
    notification_id: str
    incident_id: str
    target: str
    attempts: int


class OutboxQueries:
    """Mixed into IncidentStore, which supplies _execute, owner and the dialect's expressions."""

    owner: str
    NOW: str
    LEASE_END: str
    LOCK_CLAIMED: str

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    async def enqueue_notifications(self) -> int:
        """Turn finished incidents' `notify_targets` into outbox rows; how many incidents were enqueued."""
        rows = await self._execute(
            "SELECT incident_id, notify_targets FROM incidents WHERE notify_targets IS NOT NULL "
            "ORDER BY updated_at LIMIT %s",
            [ENQUEUE_BATCH],
        )
        for row in rows:
            for target in row["notify_targets"].split(","):
                await self._execute(
                    "INSERT INTO notifications (notification_id, incident_id, target, status, attempts, "  # noqa: S608
                    f"next_attempt_at, created_at) VALUES (%s, %s, %s, 'pending', 0, {self.NOW}, {self.NOW}) "
                    "ON CONFLICT (notification_id) DO NOTHING",
                    [f"{row['incident_id']}:{target}", row["incident_id"], target],
                )
            await self._execute(
                "UPDATE incidents SET notify_targets = NULL WHERE incident_id = %s AND notify_targets = %s",
                [row["incident_id"], row["notify_targets"]],
            )
        return len(rows)

    async def claim_notification(self, lease_seconds: float) -> ClaimedNotification | None:
        """Take the lease of the notification due first that nobody holds; it counts as an attempt."""
        rows = await self._execute(
            "UPDATE notifications SET lease_owner = %s, "  # noqa: S608 (dialect expressions are ours)
            f"lease_expires_at = {self.LEASE_END}, attempts = attempts + 1 "
            "WHERE notification_id = (SELECT notification_id FROM notifications "
            f"WHERE status = 'pending' AND next_attempt_at <= {self.NOW} "
            f"AND (lease_expires_at IS NULL OR lease_expires_at < {self.NOW}) "
            f"ORDER BY next_attempt_at LIMIT 1 {self.LOCK_CLAIMED}) "
            "RETURNING notification_id, incident_id, target, attempts",
            [self.owner, lease_seconds],
        )
        if not rows:
            return None
        row = rows[0]
        return ClaimedNotification(row["notification_id"], row["incident_id"], row["target"], int(row["attempts"]))

    async def notification_done(self, notification_id: str, status: str, error: str | None) -> bool:
        """Record `delivered` or `failed` (with why), if this replica still holds the lease."""
        rows = await self._execute(
            f"UPDATE notifications SET status = %s, last_error = %s, finished_at = {self.NOW}, "  # noqa: S608
            "lease_expires_at = NULL WHERE notification_id = %s AND lease_owner = %s AND status = 'pending' "
            "RETURNING notification_id",
            [status, error, notification_id, self.owner],
        )
        return bool(rows)

    async def notification_retry(self, notification_id: str, error: str, delay_seconds: float) -> None:
        """Try again after `delay_seconds` (any replica may), remembering why this attempt failed."""
        await self._execute(
            "UPDATE notifications SET last_error = %s, "  # noqa: S608 (dialect expressions are ours)
            f"next_attempt_at = {self.LEASE_END}, lease_expires_at = NULL "
            "WHERE notification_id = %s AND lease_owner = %s AND status = 'pending'",
            [error, delay_seconds, notification_id, self.owner],
        )

    async def release_dead_notification_leases(self) -> int:
        """Free the notifications leased by processes on this host that died (SIGKILL mid-post), so a
        restart posts them at once instead of after their lease."""
        rows = await self._execute(
            "SELECT DISTINCT lease_owner FROM notifications "
            "WHERE status = 'pending' AND lease_owner IS NOT NULL AND lease_owner <> %s",
            [self.owner],
        )
        dead = [row["lease_owner"] for row in rows if dead_here(row["lease_owner"])]
        for owner in dead:
            await self._execute(
                "UPDATE notifications SET lease_expires_at = NULL WHERE lease_owner = %s AND status = 'pending'",
                [owner],
            )
        return len(dead)

    async def notifications_of(self, incident_id: str) -> list[NotificationState] | None:
        """The incident's notifications (those still to enqueue as pending); None when it has none.

        One round trip: the outbox's rows, and the targets the finish recorded but no deliverer has
        enqueued yet (a row of status 'queued' holding them comma-separated).
        """
        rows = await self._execute(
            "SELECT target, status, attempts, last_error FROM notifications WHERE incident_id = %s "
            "UNION ALL SELECT notify_targets, 'queued', 0, NULL FROM incidents "
            "WHERE incident_id = %s AND notify_targets IS NOT NULL",
            [incident_id, incident_id],
        )
        states = [NotificationState.model_validate(dict(row)) for row in rows if row["status"] != "queued"]
        known = {state.target for state in states}
        for row in rows:
            if row["status"] == "queued":
                states += [
                    NotificationState(target=target, status="pending", attempts=0, last_error=None)
                    for target in row["target"].split(",")
                    if target not in known
                ]
        return sorted(states, key=lambda state: state.target) or None
