"""SRE_NOTIFY_*: where finished investigations are posted, and which ones.

Plain pydantic (OrchestratorSettings inherits it), like graphs' LLMSettings. Targets are named
`webhook` (any JSON receiver, HMAC-signed when a secret is set) and `slack` (an incoming webhook;
Mattermost and Rocket.Chat accept the same). TLS only, unless SRE_NOTIFY_ALLOW_INSECURE_HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from common.config import CommaList, split_comma_list

Target = Literal["webhook", "slack"]
TARGETS: tuple[Target, ...] = ("webhook", "slack")
INSECURE_HTTP_SETTING = "SRE_NOTIFY_ALLOW_INSECURE_HTTP"


def _read_secret(value: SecretStr | None, file: Path | None, what: str) -> str | None:
    if value is not None:
        return value.get_secret_value().strip() or None
    if file is None:
        return None
    try:
        secret = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read the {what} file {file}: {exc.strerror}") from exc
    if not secret:
        raise ValueError(f"the {what} file {file} is empty")
    return secret


def require_tls(url: str, allow_insecure_http: bool, setting: str) -> None:
    """Refuse (ValueError) a URL that is not https://, unless plain HTTP is allowed; names only scheme and host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    where = f"{scheme}://{parts.hostname}"
    if scheme == "http" and not allow_insecure_http:
        raise ValueError(
            f"refusing the plain HTTP {setting} {where}: incidents would cross the network unencrypted; use "
            f"https:// (with SRE_NOTIFY_CA_BUNDLE for a private CA), or set {INSECURE_HTTP_SETTING}=true "
            "for a receiver reachable only inside the cluster"
        )
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{setting} must be an https:// URL, got {where}")


class NotifySettings(BaseModel):
    notify_webhook_url: str | None = Field(None, description="Generic JSON webhook posted each finished incident.")
    notify_webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key signing the webhook's body.")
    notify_webhook_secret_file: Path | None = Field(None, description="File holding that key (a mounted Secret).")
    notify_slack_webhook_url: SecretStr | None = Field(None, description="Slack (Mattermost, Rocket.Chat) webhook.")
    notify_slack_webhook_url_file: Path | None = Field(None, description="File holding the Slack webhook URL.")
    notify_allow_insecure_http: bool = Field(False, description="Allow plain http:// receivers (in-cluster only).")
    notify_ca_bundle: Path | None = Field(None, description="PEM CA bundle that signs the receivers' certificates.")
    notify_min_confidence: float = Field(0.0, ge=0, le=1, description="Post completed incidents at least this sure.")
    notify_categories: CommaList = Field(default_factory=list, description="Only these categories (default: all).")
    notify_sources: CommaList = Field(default_factory=list, description="Only from api, alertmanager, mcp (all).")
    notify_clusters: CommaList = Field(default_factory=list, description="Only these clusters (default: all).")
    notify_max_attempts: Annotated[int, Field(ge=1, le=100)] = 20  # with the defaults: about two hours
    notify_retry_initial_seconds: float = Field(1.0, gt=0, description="First wait before a retry; doubles.")
    notify_retry_max_seconds: float = Field(600.0, gt=0, description="Longest wait between two attempts.")
    notify_timeout_seconds: float = Field(10.0, gt=0, description="Per-request timeout of a delivery.")
    public_url: str | None = Field(None, description="This server's external URL, for links in notifications.")

    _split_notify = field_validator("notify_categories", "notify_sources", "notify_clusters", mode="before")(
        split_comma_list
    )

    @model_validator(mode="after")
    def _tls_only(self) -> NotifySettings:
        if self.notify_webhook_url:
            require_tls(self.notify_webhook_url, self.notify_allow_insecure_http, "SRE_NOTIFY_WEBHOOK_URL")
        return self

    def notify_targets(self) -> dict[Target, str]:
        """The configured targets and their URLs (files read now); ValueError for an unusable one."""
        targets: dict[Target, str] = {}
        if self.notify_webhook_url:
            targets["webhook"] = self.notify_webhook_url
        slack = _read_secret(self.notify_slack_webhook_url, self.notify_slack_webhook_url_file, "Slack webhook URL")
        if slack:
            require_tls(slack, self.notify_allow_insecure_http, "SRE_NOTIFY_SLACK_WEBHOOK_URL")
            targets["slack"] = slack
        return targets

    def notify_secret(self) -> str | None:
        return _read_secret(self.notify_webhook_secret, self.notify_webhook_secret_file, "webhook secret")
