"""What Alertmanager's webhook receiver sends (payload version 4) and what it gets back.

Field names are Alertmanager's own (camelCase), so a 422 names the field as the payload spells it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.models import AlertRecord, AlertStatus, Incident

Labels = dict[str, str]


class WebhookAlert(BaseModel):
    """One alert of the notification."""

    model_config = ConfigDict(extra="allow")

    status: AlertStatus
    labels: Labels
    annotations: Labels = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(None, alias="endsAt", description="Alertmanager's zero time: no end yet.")
    generator_url: str = Field("", alias="generatorURL")
    fingerprint: Annotated[str, Field(min_length=1, max_length=128)]

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _timestamp_text(cls, value: object) -> object:
        # As the document says (a date-time string): pydantic alone would take a number as Unix time.
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError("must be an RFC 3339 timestamp string, e.g. '2024-05-01T12:00:00Z'")
        return value

    @field_validator("ends_at")
    @classmethod
    def _zero_is_none(cls, value: datetime | None) -> datetime | None:
        return None if value is None or value.year <= 1 else value

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _within_the_calendar(cls, value: datetime | None) -> datetime | None:
        # 0001-01-01T00:00:00+14:00 or 9999-12-31T23:59:59-14:00 has no UTC time.
        try:
            return None if value is None else value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is out of range: it has no UTC time between years 1 and 9999") from None

    def record(self) -> AlertRecord:
        return AlertRecord(
            fingerprint=self.fingerprint,
            alertname=self.labels.get("alertname"),
            status=self.status,
            starts_at=self.starts_at.astimezone(UTC),
            ends_at=self.ends_at.astimezone(UTC) if self.ends_at else None,
        )


class AlertmanagerNotification(BaseModel):
    """The body Alertmanager's `webhook_configs` receiver sends (version 4)."""

    # Alertmanager may add fields in a later release; they are ignored rather than refused.
    model_config = ConfigDict(extra="allow")

    version: Literal["4"]
    group_key: Annotated[str, Field(min_length=1, max_length=4096)] = Field(alias="groupKey")
    truncated_alerts: int = Field(0, ge=0, alias="truncatedAlerts")
    status: AlertStatus
    receiver: str = ""
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    common_annotations: Labels = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL")
    alerts: list[WebhookAlert] = Field(min_length=1)

    @field_validator("truncated_alerts", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        # As the document says (an integer; JSON's 3.0 is one): pydantic alone would take "3" or false.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a whole number")
        return value


AlertOutcome = Literal["created", "deduplicated", "ignored"]


class AlertReceipt(BaseModel):
    """The answer to a notification: the incident it opened (202) or updated (200), if any."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    outcome: AlertOutcome = Field(
        description="created: a new incident; deduplicated: the group's incident was updated; "
        "ignored: resolved alerts of a group with no incident."
    )
    incident_id: str | None = None
    incident: Incident | None = None
    detail: str
