"""Fixed time for every scenario, so the generated files never change from run to run.

Every scenario is a snapshot taken at `NOW` (2026-11-20 03:20 UTC). Incidents unfold in the
twenty minutes before it; long-running noise was created days earlier. Kubernetes keeps
events for one hour, so only what happened after `NOW - EVENT_TTL` has events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 20, 3, 20, 0, tzinfo=UTC)
EVENT_TTL = timedelta(hours=1)


def t(clock: str, *, day: int = 20) -> datetime:
    """A moment on the incident night: t("03:05:12") is 2026-11-20T03:05:12Z."""
    parts = [int(p) for p in clock.split(":")]
    hour, minute, second = [*parts, 0, 0][:3]
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def days_ago(days: float, *, clock: str = "09:14:07") -> datetime:
    """A moment `days` whole days before the incident night, at the given time of day."""
    base = t(clock) - timedelta(days=int(days))
    return base + timedelta(hours=(days - int(days)) * 24)


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def rfc3339(moment: datetime) -> str:
    """metav1.Time as the API server serialises it: second precision, Z suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro(moment: datetime) -> str:
    """metav1.MicroTime (events.k8s.io eventTime, series.lastObservedTime)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def recent(moment: datetime | None) -> bool:
    """Whether something that happened at `moment` still has events in the snapshot."""
    return moment is not None and moment >= NOW - EVENT_TTL
