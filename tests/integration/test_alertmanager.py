"""Alertmanager's webhook over real HTTP: `serve` on a scenario snapshot, notifications as Alertmanager sends them.

The payloads are version 4 webhooks as Alertmanager 0.27 writes them (zero `endsAt` while
firing, extra fields a later release may add); each test uses its own group key.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from paths import SCENARIOS
from processes import cli_server
from test_investigations_e2e import wait_until_finished

SCENARIO = SCENARIOS / "oom-killed-python"
TOKEN = "alertmanager-test-token"
WEBHOOK = "/api/v1/alerts/alertmanager"
INCIDENTS = "/api/v1/incidents"
POD = "pricefeed-worker-6d78559656-8cj9c"
MAX_ALERT_BODY_BYTES = 128 * 1024
ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass
class Served:
    client: httpx2.Client
    url: str
    database: str


@contextlib.contextmanager
def _serve(directory: Path, database: str) -> Iterator[Served]:
    env = {"SRE_API_TOKENS": TOKEN, "SRE_MAX_ALERT_BODY_BYTES": str(MAX_ALERT_BODY_BYTES)}
    args = ["serve", "--snapshot", SCENARIO / "cluster", "--database-url", database]
    with (
        cli_server(args, directory, env=env) as server,
        httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client,
    ):
        yield Served(client, server.base_url, database)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("alertmanager")
    with _serve(directory, f"sqlite:///{directory / 'incidents.db'}") as running:
        yield running


def _alert(status: str, pod: str = POD, **labels: str) -> dict[str, Any]:
    resolved = status == "resolved"
    return {
        "status": status,
        "labels": {
            "alertname": "KubePodCrashLooping",
            "severity": "warning",
            "namespace": "pricing",
            "pod": pod,
            "container": "worker",
            **labels,
        },
        "annotations": {
            "summary": "Pod is crash looping.",
            "description": f"Pod pricing/{pod} (worker) is in waiting state (reason: CrashLoopBackOff).",
            "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
        },
        "startsAt": "2026-11-26T02:41:07.123Z",
        "endsAt": "2026-11-26T03:12:37.123Z" if resolved else ZERO_TIME,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting",
        "fingerprint": hashlib.sha256(pod.encode()).hexdigest()[:16],
    }


def _notification(group: str, status: str = "firing", alerts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    alerts = alerts if alerts is not None else [_alert(status)]
    return {
        "receiver": "sre-orchestrator",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"alertname": "KubePodCrashLooping", "namespace": "pricing"},
        "commonLabels": {"alertname": "KubePodCrashLooping", "namespace": "pricing", "severity": "warning"},
        "commonAnnotations": {"summary": "Pod is crash looping."},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": f'{{}}/{{severity=~"warning|critical"}}:{{alertname="KubePodCrashLooping", group="{group}"}}',
        "truncatedAlerts": 0,
        "orgId": 1,  # not in version 4: a field a later Alertmanager may add
    }


def _group() -> str:
    return uuid.uuid4().hex[:12]


def _problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_a_firing_group_opens_one_incident_investigated_to_its_root_cause(served: Served) -> None:
    group = _group()
    response = served.client.post(WEBHOOK, json=_notification(group))
    assert response.status_code == 202, response.text
    receipt = response.json()
    assert receipt["outcome"] == "created"
    incident_id = receipt["incident_id"]
    assert response.headers["location"] == f"{INCIDENTS}/{incident_id}"
    created = receipt["incident"]
    assert (created["source"], created["namespace"], created["pod"], created["cluster"]) == (
        "alertmanager",
        "pricing",
        POD,
        None,
    )
    assert created["description"].startswith("KubePodCrashLooping: Pod is crash looping.")

    incident = wait_until_finished(served.client, response.headers["location"])
    assert incident["status"] == "completed", incident["error"]
    assert incident["report"]["category"] == "insufficient_memory"
    assert incident["extracted"]["pod"] == POD
    assert incident["alerts"] == [
        {
            "fingerprint": _alert("firing")["fingerprint"],
            "alertname": "KubePodCrashLooping",
            "status": "firing",
            "starts_at": "2026-11-26T02:41:07.123000Z",
            "ends_at": None,
        }
    ]
    assert incident["resolved_at"] is None

    before = served.client.get(INCIDENTS, params={"limit": 100}).json()["items"]
    repeat = served.client.post(WEBHOOK, json=_notification(group))  # Alertmanager's repeat_interval
    assert repeat.status_code == 200, repeat.text
    assert (repeat.json()["outcome"], repeat.json()["incident_id"]) == ("deduplicated", incident_id)
    assert repeat.headers["location"] == f"{INCIDENTS}/{incident_id}"
    after = served.client.get(INCIDENTS, params={"limit": 100}).json()["items"]
    assert [i["incident_id"] for i in after] == [i["incident_id"] for i in before]


def test_resolved_alerts_are_recorded_and_a_new_episode_opens_a_new_incident(served: Served) -> None:
    group = _group()
    other_pod = "pricefeed-worker-6d78559656-x2x7q"
    first = served.client.post(
        WEBHOOK, json=_notification(group, alerts=[_alert("firing"), _alert("firing", other_pod)])
    )
    assert first.status_code == 202, first.text
    incident_id = first.json()["incident_id"]
    assert first.json()["incident"]["pod"] is None  # two pods: neither is the incident's pod...
    assert other_pod in first.json()["incident"]["description"]  # ...both are in its description
    assert wait_until_finished(served.client, first.headers["location"])["status"] == "completed"

    # One alert resolves; Alertmanager sends the group with both (send_resolved: true).
    partly = served.client.post(
        WEBHOOK, json=_notification(group, alerts=[_alert("resolved"), _alert("firing", other_pod)])
    )
    assert partly.status_code == 200, partly.text
    statuses = {a["fingerprint"]: a["status"] for a in partly.json()["incident"]["alerts"]}
    assert sorted(statuses.values()) == ["firing", "resolved"]
    assert partly.json()["incident"]["resolved_at"] is None

    resolved = served.client.post(
        WEBHOOK, json=_notification(group, "resolved", alerts=[_alert("resolved"), _alert("resolved", other_pod)])
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["incident_id"] == incident_id
    incident = served.client.get(f"{INCIDENTS}/{incident_id}").json()
    assert {a["status"] for a in incident["alerts"]} == {"resolved"}
    assert incident["alerts"][0]["ends_at"] == "2026-11-26T03:12:37.123000Z"
    assert incident["resolved_at"] == "2026-11-26T03:12:37.123000Z"
    assert incident["status"] == "completed"  # the investigation's outcome is kept

    # Resolved and investigated: the group firing again is a new episode, so a new incident.
    again = served.client.post(WEBHOOK, json=_notification(group))
    assert again.status_code == 202, again.text
    assert again.json()["incident_id"] != incident_id
    late = served.client.post(WEBHOOK, json=_notification(group))
    assert (late.status_code, late.json()["incident_id"]) == (200, again.json()["incident_id"])


def test_a_resolved_group_without_an_incident_opens_none(served: Served) -> None:
    response = served.client.post(WEBHOOK, json=_notification(_group(), "resolved"))
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "ignored"
    assert response.json()["incident_id"] is None
    assert "location" not in response.headers


def test_concurrent_identical_notifications_open_one_incident(served: Served) -> None:
    notification = _notification(_group())

    def post(_: int) -> httpx2.Response:
        with httpx2.Client(base_url=served.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
            return client.post(WEBHOOK, json=notification)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [202], [r.text for r in responses]
    assert len({r.json()["incident_id"] for r in responses}) == 1


def test_deduplication_survives_a_restart(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'incidents.db'}"
    notification = _notification(_group())
    with _serve(tmp_path, database) as first:
        created = first.client.post(WEBHOOK, json=notification)
        incident_id = created.json()["incident_id"]
        # Finished before the stop: a failed investigation would not hold the group (see the module).
        assert wait_until_finished(first.client, created.headers["location"])["status"] == "completed"
    with _serve(tmp_path, database) as second:
        repeat = second.client.post(WEBHOOK, json=notification)
        assert (repeat.status_code, repeat.json()["incident_id"]) == (200, incident_id), repeat.text


def test_a_pod_label_that_is_no_pod_name_is_left_to_the_description(served: Served) -> None:
    alert = _alert("firing", pod="Pricefeed_Worker")
    response = served.client.post(WEBHOOK, json=_notification(_group(), alerts=[alert]))
    assert response.status_code == 202, response.text
    assert response.json()["incident"]["pod"] is None
    assert response.json()["incident"]["namespace"] == "pricing"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param({"version": "3"}, "version", "'4'", id="version"),
        pytest.param({"groupKey": None}, "groupKey", "string", id="group-key-null"),
        pytest.param({"status": "pending"}, "status", "'firing' or 'resolved'", id="status"),
        pytest.param({"alerts": []}, "alerts", "at least 1", id="no-alerts"),
        pytest.param({"alerts": {"status": "firing"}}, "alerts", "list", id="alerts-not-list"),
        pytest.param({"commonLabels": {"pod": 3}}, "commonLabels.pod", "string", id="label-not-string"),
    ],
)
def test_a_malformed_notification_is_422_naming_the_field(
    served: Served, change: dict[str, Any], field: str, message: str
) -> None:
    body = _notification(_group()) | change
    problem = _problem(served.client.post(WEBHOOK, json=body), 422)
    assert problem["errors"][0]["field"] == field
    assert message in problem["errors"][0]["message"], problem


def test_a_malformed_alert_and_missing_fields_are_named(served: Served) -> None:
    alert = _alert("firing")
    del alert["fingerprint"]
    alert["startsAt"] = "yesterday"
    problem = _problem(served.client.post(WEBHOOK, json=_notification(_group(), alerts=[alert])), 422)
    assert {e["field"] for e in problem["errors"]} == {"alerts.0.fingerprint", "alerts.0.startsAt"}
    body = _notification(_group())
    del body["groupKey"]
    assert _problem(served.client.post(WEBHOOK, json=body), 422)["errors"] == [
        {"field": "groupKey", "message": "required"}
    ]


def test_bodies_that_are_not_a_json_object_are_refused(served: Served) -> None:
    assert "JSON object" in _problem(served.client.post(WEBHOOK, json=[_notification(_group())]), 422)["detail"]
    assert (
        "not valid JSON"
        in _problem(
            served.client.post(WEBHOOK, content=b'{"version": "4",', headers={"Content-Type": "application/json"}), 400
        )["detail"]
    )
    _problem(served.client.post(WEBHOOK, content=b"", headers={"Content-Type": "application/json"}), 400)
    unsupported = served.client.post(WEBHOOK, content=b"version=4", headers={"Content-Type": "text/plain"})
    assert "application/json" in _problem(unsupported, 415)["detail"]


def test_a_batch_larger_than_the_alert_limit_is_413(served: Served) -> None:
    alerts = [_alert("firing", pod=f"pricefeed-worker-{n}") for n in range(400)]
    body = _notification(_group(), alerts=alerts)
    problem = _problem(served.client.post(WEBHOOK, json=body), 413)
    assert str(MAX_ALERT_BODY_BYTES) in problem["detail"] and "max_alerts" in problem["detail"]
    # Bigger than an incident may be (64 KiB), within the alert limit: accepted.
    fits = _notification(_group(), alerts=alerts[:150])
    assert 64 * 1024 < len(httpx2.Request("POST", "/", json=fits).content) < MAX_ALERT_BODY_BYTES
    assert served.client.post(WEBHOOK, json=fits).status_code == 202


def test_the_webhook_needs_a_token(served: Served) -> None:
    with httpx2.Client(base_url=served.url, timeout=10) as anonymous:
        assert anonymous.post(WEBHOOK, json=_notification(_group())).status_code == 401
        wrong = anonymous.post(WEBHOOK, json=_notification(_group()), headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_the_openapi_document_describes_the_webhook(served: Served) -> None:
    document = served.client.get("/openapi.json").json()
    post = document["paths"][WEBHOOK]["post"]
    assert {"200", "202", "401", "413", "415", "422"} <= set(post["responses"])
    notification = document["components"]["schemas"]["AlertmanagerNotification"]
    assert {"version", "groupKey", "status", "alerts"} <= set(notification["required"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("startsAt", "0001-01-01T00:00:00+14:00"), ("endsAt", "9999-12-31T23:59:59-14:00")],
    ids=["before-year-1-in-utc", "after-year-9999-in-utc"],
)
def test_a_time_with_no_utc_equivalent_is_422_not_500(served: Served, field: str, value: str) -> None:
    alert = _alert("firing") | {field: value}
    problem = _problem(served.client.post(WEBHOOK, json=_notification(_group(), alerts=[alert])), 422)
    assert problem["errors"][0]["field"] == f"alerts.0.{field}"
    assert "out of range" in problem["errors"][0]["message"], problem


def test_a_nul_character_anywhere_is_422_naming_where(served: Served) -> None:
    body = _notification(_group()) | {"groupKey": "group\u0000key"}
    problem = _problem(served.client.post(WEBHOOK, json=body), 422)
    assert problem["errors"] == [{"field": "groupKey", "message": "must not contain NUL characters (\\u0000)"}]
