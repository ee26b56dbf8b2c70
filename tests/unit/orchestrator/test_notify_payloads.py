"""What notifications post: the webhook's summary and signature, Slack's message for each kind of incident."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from graphs.models import Report
from orchestrator.models import Incident
from orchestrator.notify.payloads import SIGNATURE_HEADER, slack_message, summary, webhook_request

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)


def _incident(**fields: object) -> Incident:
    values: dict[str, object] = {
        "incident_id": "i-1",
        "description": "checkout <b>is</b> down & out",
        "status": "completed",
        "created_at": NOW,
        "updated_at": NOW,
        "namespace": "shop",
        "pod": "checkout-1",
        "suggested_root_cause": "checkout ran out of memory (<limit 256Mi>)",
        "confidence": 0.86,
        "confidence_score": "high",
        "report": Report(category="insufficient_memory", summary="s", next_steps=[f"step {n}" for n in range(8)]),
        **fields,
    }
    return Incident.model_validate(values)


def test_the_webhook_body_is_the_summary_signed_over_timestamp_and_body() -> None:
    body, headers = webhook_request(_incident(), "i-1:webhook", "s3cret", 1_700_000_000, "https://sre.example.com/")
    document = json.loads(body)
    assert document == summary(_incident(), "https://sre.example.com")
    assert document["links"]["ui"] == "https://sre.example.com/ui/incidents/i-1"
    assert document["target"] == "shop/checkout-1"
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    unsigned = webhook_request(_incident(), "i-1:webhook", None, 1_700_000_000, None)[1]
    assert SIGNATURE_HEADER not in unsigned


def test_slack_escapes_mrkdwn_caps_next_steps_and_links_only_absolute_urls() -> None:
    message = slack_message(_incident(), "https://sre.example.com")
    text = json.dumps(message)
    assert "&lt;limit 256Mi&gt;" in text and "<limit" not in text
    assert "&amp; out" in text
    steps = next(
        b for b in message["blocks"] if b["type"] == "section" and "Next steps" in b.get("text", {}).get("text", "")
    )
    assert steps["text"]["text"].count("•") == 5
    assert message["blocks"][-1]["elements"][0]["url"] == "https://sre.example.com/ui/incidents/i-1"
    relative = slack_message(_incident(), None)
    assert all(block["type"] != "actions" for block in relative["blocks"])  # Slack refuses relative button URLs
    assert "/ui/incidents/i-1" in relative["text"]


def test_a_failed_incident_says_why() -> None:
    failed = _incident(
        status="failed", error="cluster unreachable", suggested_root_cause=None, confidence=None, report=None
    )
    message = slack_message(failed, None)
    assert "Investigation failed: cluster unreachable" in json.dumps(message)
    assert summary(failed, None)["event"] == "incident.failed"
    assert summary(failed, None)["category"] is None
