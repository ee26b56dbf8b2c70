"""Notifications over real HTTPS: a receiver with a test CA, the real store's outbox, uvicorn and the
LangGraph double. Delivered, signed, retried while the receiver is down, given up with the reason."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import trustme
from api_server import ScriptedFactory, serve_in_thread
from receiver import Receiver, ca_bundle

from orchestrator.app import create_app
from orchestrator.notify.deliverer import backoff_seconds
from orchestrator.settings import OrchestratorSettings

TOKEN = "notify-test-token"
SECRET = "webhook-hmac-secret"
INCIDENTS = "/api/v1/incidents"
PUBLIC = "https://sre.example.com"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def receiver(ca: trustme.CA) -> Iterator[Receiver]:
    running = Receiver(ca).start()
    yield running
    running.stop()


def _settings(tmp_path: Path, ca: trustme.CA, receiver: Receiver, **overrides: Any) -> OrchestratorSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'incidents.db'}",
        "api_tokens": [TOKEN],
        "notify_webhook_url": f"{receiver.url}/hook",
        "notify_webhook_secret": SECRET,
        "notify_slack_webhook_url": f"{receiver.url}/slack/T000/B000/XXXX",
        "notify_ca_bundle": ca_bundle(ca, tmp_path),
        "notify_retry_initial_seconds": 0.1,
        "notify_retry_max_seconds": 0.5,
        "public_url": PUBLIC,
        **overrides,
    }
    return OrchestratorSettings(**values)


@contextlib.contextmanager
def _serving(settings: OrchestratorSettings, directory: Path) -> Iterator[tuple[str, httpx2.Client]]:
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(directory / "journal.txt"))) as url,
        _client(url) as client,
    ):
        yield url, client


def _client(url: str) -> httpx2.Client:
    return httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def _report(client: httpx2.Client, description: str) -> str:
    return client.post(INCIDENTS, json={"description": description}).json()["incident_id"]


def _settled(client: httpx2.Client, incident_id: str, timeout: float = 20) -> dict[str, Any]:
    """The incident once finished and every notification delivered or failed."""
    deadline = time.monotonic() + timeout
    while True:
        incident = client.get(f"{INCIDENTS}/{incident_id}").json()
        states = incident.get("notifications") or []
        if incident["status"] in ("completed", "failed") and states and all(n["status"] != "pending" for n in states):
            return incident
        assert time.monotonic() < deadline, incident.get("notifications")
        time.sleep(0.05)


def check_slack_block_kit(message: dict[str, Any]) -> None:
    """Slack's documented limits for an incoming webhook's message (api.slack.com/reference/block-kit)."""
    assert isinstance(message["text"], str) and message["text"]  # the fallback (and all Mattermost shows)
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        kind = block["type"]
        assert kind in ("header", "section", "actions", "context", "divider")
        if kind == "header":
            assert block["text"]["type"] == "plain_text" and 1 <= len(block["text"]["text"]) <= 150
        if kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] in ("mrkdwn", "plain_text") and len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert field["type"] in ("mrkdwn", "plain_text") and len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for element in block["elements"]:
                assert element["type"] == "button"
                assert element["text"]["type"] == "plain_text" and len(element["text"]["text"]) <= 75
                assert element["url"].startswith("https://") and len(element["url"]) <= 3000
                assert len(element["action_id"]) <= 255


def test_a_finished_incident_is_posted_to_both_targets_signed(
    tmp_path: Path, ca: trustme.CA, receiver: Receiver
) -> None:
    settings = _settings(tmp_path, ca, receiver)
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        _client(url) as client,
    ):
        incident_id = _report(client, "checkout is down; workload=checkout")
        incident = _settled(client, incident_id)
        metrics = httpx2.get(f"{url}/metrics").text
    assert incident["notifications"] == [
        {"target": "slack", "status": "delivered", "attempts": 1, "last_error": None},
        {"target": "webhook", "status": "delivered", "attempts": 1, "last_error": None},
    ]
    by_path = {request.path: request for request in receiver.requests}
    assert len(receiver.requests) == 2
    hook = by_path["/hook"]
    timestamp = hook.headers["X-SRE-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + hook.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hook.headers["X-SRE-Signature-256"], f"sha256={expected}")
    assert abs(int(timestamp) - time.time()) < 60
    assert hook.headers["X-SRE-Delivery"] == f"{incident_id}:webhook"
    summary = json.loads(hook.body)
    assert summary["incident_id"] == incident_id
    assert (summary["status"], summary["category"], summary["confidence"]) == ("completed", "application_crash", 0.9)
    assert summary["suggested_root_cause"] == incident["suggested_root_cause"]
    assert summary["links"] == {
        "ui": f"{PUBLIC}/ui/incidents/{incident_id}",
        "api": f"{PUBLIC}/api/v1/incidents/{incident_id}",
    }
    assert {"target", "cluster", "source", "event"} <= set(summary)
    slack = json.loads(by_path["/slack/T000/B000/XXXX"].body)
    check_slack_block_kit(slack)
    assert incident["suggested_root_cause"] in json.dumps(slack)
    assert f"{PUBLIC}/ui/incidents/{incident_id}" in json.dumps(slack)
    assert "X-SRE-Signature-256" not in by_path["/slack/T000/B000/XXXX"].headers
    assert 'sre_notifications_total{outcome="delivered",target="webhook"} 1.0' in metrics


def test_a_receiver_down_then_up_gets_it_after_retries(tmp_path: Path, ca: trustme.CA, receiver: Receiver) -> None:
    receiver.stop()  # nothing listens on its port
    settings = _settings(tmp_path, ca, receiver, notify_slack_webhook_url=None)
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        _client(url) as client,
    ):
        incident_id = _report(client, "payments is down")
        deadline = time.monotonic() + 10
        while (
            not (states := client.get(f"{INCIDENTS}/{incident_id}").json()["notifications"])
            or states[0]["attempts"] < 3
        ):
            assert time.monotonic() < deadline, states
            time.sleep(0.05)
        assert states[0]["status"] == "pending"
        assert "Connect" in states[0]["last_error"], states  # the reason, recorded
        receiver.start()
        incident = _settled(client, incident_id)
    (state,) = incident["notifications"]
    assert state["status"] == "delivered" and state["attempts"] >= 3 and state["last_error"] is None
    assert len(receiver.requests) == 1


def test_after_the_cap_it_is_failed_with_the_reason(tmp_path: Path, ca: trustme.CA, receiver: Receiver) -> None:
    receiver.status = 503
    settings = _settings(tmp_path, ca, receiver, notify_slack_webhook_url=None, notify_max_attempts=3)
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        _client(url) as client,
    ):
        incident = _settled(client, _report(client, "orders is down; first=fail:cluster unreachable"))
        page = client.get(f"/ui/incidents/{incident['incident_id']}").text
    assert "webhook: failed (3 attempts): the receiver answered 503: receiver says no" in page
    assert incident["status"] == "failed"
    assert incident["notifications"] == [
        {
            "target": "webhook",
            "status": "failed",
            "attempts": 3,
            "last_error": "the receiver answered 503: receiver says no",
        }
    ]
    assert len(receiver.requests) == 3
    assert json.loads(receiver.requests[0].body)["error"] == "investigation failed in step first: cluster unreachable"


def test_a_receiver_refuses_a_body_signed_with_another_secret(
    tmp_path: Path, ca: trustme.CA, receiver: Receiver
) -> None:
    receiver.secret = "the-receivers-own-secret"
    settings = _settings(tmp_path, ca, receiver, notify_slack_webhook_url=None, notify_max_attempts=2)
    with _serving(settings, tmp_path) as (_, client):
        incident = _settled(client, _report(client, "signed wrongly"))
    (state,) = incident["notifications"]
    assert (state["status"], state["last_error"]) == ("failed", "the receiver answered 401: bad signature")


def test_filters_leave_incidents_out(tmp_path: Path, ca: trustme.CA, receiver: Receiver) -> None:
    settings = _settings(tmp_path, ca, receiver, notify_min_confidence=0.95, notify_sources=["alertmanager"])
    with (
        serve_in_thread(create_app(settings, ScriptedFactory(tmp_path / "journal.txt"))) as url,
        _client(url) as client,
    ):
        incident_id = _report(client, "quiet one")
        deadline = time.monotonic() + 10
        while (incident := client.get(f"{INCIDENTS}/{incident_id}").json())["status"] != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
    assert incident["notifications"] is None
    assert receiver.requests == []


def test_plain_http_receivers_are_refused_unless_allowed(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'incidents.db'}"
    with pytest.raises(ValueError, match="SRE_NOTIFY_ALLOW_INSECURE_HTTP"):
        OrchestratorSettings(database_url=database, notify_webhook_url="http://hooks.internal/x")
    allowed = OrchestratorSettings(
        database_url=database, notify_webhook_url="http://hooks.internal/x", notify_allow_insecure_http=True
    )
    assert allowed.notify_targets() == {"webhook": "http://hooks.internal/x"}
    slack = OrchestratorSettings(database_url=database, notify_slack_webhook_url="http://hooks.slack.com/services/x")
    with pytest.raises(ValueError, match="SRE_NOTIFY_SLACK_WEBHOOK_URL"):
        slack.notify_targets()
    (tmp_path / "slack-url").write_text("https://hooks.slack.com/services/T/B/X\n")
    from_file = OrchestratorSettings(database_url=database, notify_slack_webhook_url_file=tmp_path / "slack-url")
    assert from_file.notify_targets() == {"slack": "https://hooks.slack.com/services/T/B/X"}


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    import random

    rng = random.Random(1)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (8, 128), (12, 600), (40, 600)]:
        waits = [backoff_seconds(attempt, 1.0, 600.0, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits), (attempt, min(waits), max(waits))
        assert len(set(waits)) > 1  # jittered
