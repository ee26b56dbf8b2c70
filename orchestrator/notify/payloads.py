"""What a notification posts: the generic webhook's JSON summary (signed) and Slack's Block Kit message.

The webhook's body is signed when a secret is set: `X-SRE-Signature-256: sha256=<hex HMAC-SHA256 of
"<X-SRE-Timestamp>.<body>">`, so a receiver checks both who sent it and that it is fresh. Each
delivery carries `X-SRE-Delivery` (the same on every retry), for a receiver to drop duplicates.
Slack's message has a plain `text` too, which is all Mattermost and Rocket.Chat show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from orchestrator.models import Incident

SIGNATURE_HEADER = "X-SRE-Signature-256"
TIMESTAMP_HEADER = "X-SRE-Timestamp"
DELIVERY_HEADER = "X-SRE-Delivery"
EVENT_HEADER = "X-SRE-Event"
MAX_NEXT_STEPS = 5
_SLACK_TEXT_LIMIT = 2900  # a section's text may hold 3000 characters


def links(incident: Incident, public_url: str | None) -> dict[str, str]:
    base = (public_url or "").rstrip("/")
    return {
        "ui": f"{base}/ui/incidents/{incident.incident_id}",
        "api": f"{base}/api/v1/incidents/{incident.incident_id}",
    }


def target_of(incident: Incident) -> str | None:
    if incident.evidence is not None and incident.evidence.target:
        return incident.evidence.target
    if incident.pod or incident.namespace:
        return "/".join(part for part in (incident.namespace, incident.pod) if part)
    return None


def summary(incident: Incident, public_url: str | None) -> dict[str, Any]:
    """The generic webhook's body: the incident in a few fields and where to read the rest."""
    return {
        "event": f"incident.{incident.status}",
        "incident_id": incident.incident_id,
        "status": incident.status,
        "description": incident.description,
        "category": incident.report.category if incident.report else None,
        "suggested_root_cause": incident.suggested_root_cause,
        "confidence": incident.confidence,
        "confidence_score": incident.confidence_score,
        "target": target_of(incident),
        "cluster": incident.cluster,
        "source": incident.source,
        "error": incident.error,
        "seen_before": len(incident.related_incidents or []),
        "created_at": incident.created_at.isoformat(),
        "finished_at": incident.updated_at.isoformat(),
        "links": links(incident, public_url),
    }


def webhook_request(
    incident: Incident, delivery_id: str, secret: str | None, now: int, public_url: str | None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the generic webhook's POST."""
    body = json.dumps(summary(incident, public_url), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: f"incident.{incident.status}",
        TIMESTAMP_HEADER: str(now),
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, now, body)
    return body, headers


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _escape(text: str) -> str:
    """Slack's mrkdwn control characters, escaped as it documents (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(incident: Incident, public_url: str | None) -> dict[str, Any]:
    """Block Kit: a header, the root cause and confidence, next steps, a button to the incident's page."""
    page = links(incident, public_url)["ui"]
    where = " ".join(
        part for part in (target_of(incident), f"({incident.cluster})" if incident.cluster else None) if part
    )
    if incident.status == "failed":
        headline = f"Investigation failed: {incident.error or 'no reason given'}"
    else:
        headline = incident.suggested_root_cause or "No root cause found"
    category = incident.report.category if incident.report else "-"
    confidence = f"{incident.confidence_score} ({incident.confidence:.2f})" if incident.confidence is not None else "-"
    text = f"{'✅' if incident.status == 'completed' else '⚠️'} {_escape(where or 'Incident')}: {_escape(headline)}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"Incident {incident.status}: {where or incident.incident_id}"[:150],
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Root cause:* {_escape(headline)}"[:_SLACK_TEXT_LIMIT]},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Confidence:* {confidence}"},
                {"type": "mrkdwn", "text": f"*Category:* `{category}`"},
                {"type": "mrkdwn", "text": f"*Source:* {incident.source}"},
                {"type": "mrkdwn", "text": f"*Reported:* {_escape(incident.description)[:1900]}"},
            ],
        },
    ]
    steps = incident.report.next_steps[:MAX_NEXT_STEPS] if incident.report else []
    if steps:
        listed = "\n".join(f"• {_escape(step)}" for step in steps)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Next steps:*\n{listed}"[:_SLACK_TEXT_LIMIT]}}
        )
    if public_url:  # Slack takes only absolute URLs in a button
        button = {"type": "button", "text": {"type": "plain_text", "text": "Open the incident"}, "url": page}
        blocks.append({"type": "actions", "elements": [{**button, "action_id": "open_incident"}]})
    return {"text": f"{text}\n{page}", "blocks": blocks}
