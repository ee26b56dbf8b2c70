"""Alertmanager's webhook (payload version 4): one incident per alert group, investigated like any other.

The rule, as an on-call engineer expects it:

- The first notification of a group (its `groupKey`, in its cluster) opens an incident and
  starts its investigation.
- Every later notification of that group, firing again or resolved, updates the alerts
  recorded on that incident and opens nothing new: Alertmanager repeats a firing group every
  `repeat_interval`, and a group keeps its incident while any of its alerts fires.
- Once every alert of the group has resolved and the investigation has finished, the episode
  is over: the next firing notification of the group opens a new incident. A group that fires
  again while its investigation still runs stays on that incident.
- A failed investigation (its cluster's MCP server was down, say) does not hold the group: the
  next firing notification, at the latest Alertmanager's repeat, opens a new incident that
  investigates again.
- A resolved notification of a group without an incident opens none.

Episodes are numbered per group, and the store's unique index on (group, cluster, episode)
lets exactly one of several concurrent identical notifications create an episode; the others
find it and are answered as deduplicated. So deduplication holds across restarts and replicas.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from orchestrator.incidents.alert_models import AlertmanagerNotification, AlertReceipt
from orchestrator.incidents.clusters import UnknownCluster, resolve_cluster
from orchestrator.incidents.service import FINISHED, IncidentService
from orchestrator.models import AlertRecord, Incident, IncidentRequest, NamespaceName, PodName
from orchestrator.store import AlertEpisodeTaken, AlertGroupEntry

# Where Kubernetes alerts keep the object's namespace and pod, most specific first: `exported_*`
# is the metric's own label when the scrape target's label (kube-state-metrics' pod) took its name.
NAMESPACE_LABELS = ("exported_namespace", "namespace", "kubernetes_namespace")
POD_LABELS = ("exported_pod", "pod", "kubernetes_pod_name")
TEXT_ANNOTATIONS = ("summary", "description", "message")
MAX_LISTED_PODS = 5
MAX_DESCRIPTION = 4000
# Concurrent notifications of one group settle within a few rounds: each round one of them wins.
MAX_ATTEMPTS = 5

_NAMESPACE = TypeAdapter(NamespaceName)


class InvalidNotification(ValueError):
    """The notification cannot be taken as it is: `field` says where, the message what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class GroupBusy(RuntimeError):
    """Concurrent notifications of one group kept overtaking this one; the sender should retry."""


_POD = TypeAdapter(PodName)


def _label_values(notification: AlertmanagerNotification, names: tuple[str, ...]) -> list[str]:
    """The label's value(s) among the firing alerts (all alerts once resolved), common value first."""
    for name in names:
        if name in notification.common_labels:
            return [notification.common_labels[name]]
    alerts = [a for a in notification.alerts if a.status == "firing"] or notification.alerts
    values: dict[str, None] = {}
    for alert in alerts:
        value = next((alert.labels[n] for n in names if n in alert.labels), None)
        if value is not None:
            values[value] = None
    return list(values)


def _valid(adapter: TypeAdapter[str], values: list[str]) -> str | None:
    if len(values) != 1:
        return None
    try:
        return adapter.validate_python(values[0])
    except ValidationError:  # not a Kubernetes name: the description still carries it
        return None


def describe(notification: AlertmanagerNotification) -> str:
    """`alertname: summary. description`, and how many alerts of which pods when there are several."""
    firing = [a for a in notification.alerts if a.status == "firing"] or notification.alerts
    first = firing[0]
    name = notification.common_labels.get("alertname") or first.labels.get("alertname") or "Alert"
    annotations = notification.common_annotations or first.annotations
    texts = list(dict.fromkeys(annotations[key].strip() for key in TEXT_ANNOTATIONS if annotations.get(key)))
    parts = [f"{name}: {' '.join(texts)}" if texts else name]
    pods = _label_values(notification, POD_LABELS)
    if len(firing) > 1:
        parts.append(f"({len(firing)} alerts firing)")
    if len(pods) > 1:
        listed = ", ".join(pods[:MAX_LISTED_PODS]) + (", ..." if len(pods) > MAX_LISTED_PODS else "")
        parts.append(f"Pods: {listed}.")
    return " ".join(parts)[:MAX_DESCRIPTION]


def _cluster(service: IncidentService, notification: AlertmanagerNotification) -> str | None:
    """The configured cluster the group's alerts name; None (the default) when no clusters are configured."""
    settings = service.settings
    if not settings.clusters:
        return None
    label = settings.alert_cluster_label
    values = _label_values(notification, (label,))
    if len(values) > 1:
        message = (
            f"the alerts of this group come from several clusters ({', '.join(values)}); add {label!r} to the "
            "route's group_by so that each group is one cluster"
        )
        raise InvalidNotification(f"alerts.labels.{label}", message)
    try:
        return resolve_cluster(settings, values[0] if values else None)
    except UnknownCluster as exc:
        raise InvalidNotification(f"commonLabels.{label}", str(exc)) from None


def _merge(recorded: list[AlertRecord] | None, notified: list[AlertRecord]) -> list[AlertRecord]:
    """The group's alerts: each as its latest notification says (a notification may omit some, max_alerts)."""
    alerts = {alert.fingerprint: alert for alert in recorded or []}
    alerts.update((alert.fingerprint, alert) for alert in notified)
    return sorted(alerts.values(), key=lambda alert: (alert.starts_at, alert.fingerprint))


def _resolved_at(notification: AlertmanagerNotification) -> datetime | None:
    if notification.status != "resolved":
        return None
    ends = [alert.ends_at for alert in notification.alerts if alert.ends_at is not None]
    return max(ends).astimezone(UTC) if ends else datetime.now(UTC)


def _episode_over(incident: Incident) -> bool:
    return incident.status == "failed" or (incident.resolved_at is not None and incident.status in FINISHED)


async def receive(service: IncidentService, notification: AlertmanagerNotification) -> AlertReceipt:
    """Open, update or leave the group's incident (see the module's rule).

    Raises InvalidNotification for alerts that name several or unknown clusters, GroupBusy when
    concurrent notifications of the group did not settle.
    """
    cluster = _cluster(service, notification)
    notified = [alert.record() for alert in notification.alerts]
    resolved_at = _resolved_at(notification)
    for _ in range(MAX_ATTEMPTS):
        latest = await service.latest_alert_episode(notification.group_key, cluster)
        if latest is not None and (notification.status == "resolved" or not _episode_over(latest[0])):
            incident = latest[0]
            if not await service.record_alerts(incident, _merge(incident.alerts, notified), resolved_at):
                continue  # another notification updated it meanwhile: merge into what it wrote
            updated = await service.get(incident.incident_id)
            state = "resolved" if resolved_at else "still firing"
            return AlertReceipt(
                outcome="deduplicated",
                incident_id=updated.incident_id,
                incident=updated,
                detail=f"the group already has this incident; its alerts are recorded ({state})",
            )
        if notification.status == "resolved":
            return AlertReceipt(outcome="ignored", detail="every alert of the group is resolved and it has no incident")
        request = IncidentRequest(
            description=describe(notification),
            namespace=_valid(_NAMESPACE, _label_values(notification, NAMESPACE_LABELS)),
            pod=_valid(_POD, _label_values(notification, POD_LABELS)),
            cluster=cluster,
        )
        entry = AlertGroupEntry(notification.group_key, latest[1] + 1 if latest else 1, notified, None)
        try:
            incident = await service.report(request, source="alertmanager", alert_group=entry)
        except AlertEpisodeTaken:
            continue  # a concurrent notification opened this episode: update its incident instead
        return AlertReceipt(
            outcome="created", incident_id=incident.incident_id, incident=incident, detail="investigating the group"
        )
    raise GroupBusy("too many concurrent notifications of this group; retry")
