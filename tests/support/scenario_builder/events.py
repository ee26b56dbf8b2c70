"""core/v1 Events as the API server serves them.

Two writers exist in a real cluster and both shapes appear here:

* the legacy recorder (kubelet, controllers): `firstTimestamp`/`lastTimestamp`/`count`,
  `source.component`, `eventTime: null`;
* the events.k8s.io recorder (kube-scheduler and other newer components): `eventTime`
  (MicroTime), an optional `series {count, lastObservedTime}`, `action`,
  `reportingController`, and *null* first/last timestamps with an empty `source`.

An investigation that only reads `lastTimestamp` misses the scheduler's events entirely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import ids
from .clock import micro, rfc3339
from .spec import Json


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    namespace: str | None
    name: str
    uid: str
    api_version: str = "v1"
    field_path: str | None = None
    resource_version: str | None = None

    def with_field(self, field_path: str) -> ObjectRef:
        return ObjectRef(
            self.kind, self.namespace, self.name, self.uid, self.api_version, field_path, self.resource_version
        )

    def render(self) -> Json:
        body: Json = {"kind": self.kind}
        if self.namespace:
            body["namespace"] = self.namespace
        body |= {"name": self.name, "uid": self.uid, "apiVersion": self.api_version}
        if self.resource_version:
            body["resourceVersion"] = self.resource_version
        if self.field_path:
            body["fieldPath"] = self.field_path
        return body


@dataclass(frozen=True)
class Event:
    """One Event object. `first`/`last`/`count` describe the whole aggregated series."""

    involved: ObjectRef
    reason: str
    message: str
    first: datetime
    last: datetime | None = None
    count: int = 1
    type: str = "Normal"
    component: str = "kubelet"
    host: str | None = None
    modern: bool = False  # written through events.k8s.io (eventTime/series), e.g. by the scheduler
    action: str | None = None
    reporting_instance: str | None = None
    namespace: str | None = None  # where the Event lives; defaults to the object's namespace

    @property
    def ns(self) -> str:
        return self.namespace or self.involved.namespace or "default"

    @property
    def last_seen(self) -> datetime:
        return self.last or self.first

    @property
    def name(self) -> str:
        # The recorder names events <object>.<UnixNano in hex> of the first occurrence.
        nanos = int(self.first.timestamp()) * 1_000_000_000 + ids.number(
            0, 999_999_999, self.involved.uid, self.reason, self.message, self.involved.field_path
        )
        return f"{self.involved.name}.{nanos:x}"

    def render(self, resource_version: str) -> Json:
        metadata: Json = {
            "name": self.name,
            "namespace": self.ns,
            "uid": ids.uid("Event", self.ns, self.name),
            "resourceVersion": resource_version,
            "creationTimestamp": rfc3339(self.first),
        }
        body: Json = {
            "metadata": metadata,
            "involvedObject": self.involved.render(),
            "reason": self.reason,
            "message": self.message,
        }
        if self.modern:
            body |= {
                "source": {},
                "firstTimestamp": None,
                "lastTimestamp": None,
                "type": self.type,
                "eventTime": micro(self.first + timedelta(microseconds=ids.number(0, 999_999, self.name))),
            }
            if self.count > 1:
                body["series"] = {
                    "count": self.count,
                    "lastObservedTime": micro(
                        self.last_seen + timedelta(microseconds=ids.number(0, 999_999, self.name, "last"))
                    ),
                }
            body |= {
                "action": self.action or "",
                "reportingComponent": self.component,
                "reportingInstance": self.reporting_instance or self.component,
            }
            return body
        source: Json = {"component": self.component}
        if self.host:
            source["host"] = self.host
        body |= {
            "source": source,
            "firstTimestamp": rfc3339(self.first),
            "lastTimestamp": rfc3339(self.last_seen),
            "count": self.count,
            "type": self.type,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host or "",
        }
        return body


def spread(first: datetime, last: datetime, count: int) -> tuple[datetime, datetime, int]:
    """Clamp an aggregated series so that one occurrence has first == last."""
    if count <= 1:
        return first, first, 1
    return first, max(first, last), count
