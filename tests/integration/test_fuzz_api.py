"""Fuzz the REST API of a real `serve` from its OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid; every response must be one the
document describes (status, content type, headers, body schema), and none may be a 5xx. The
number of examples is bounded so that the test stays within seconds on two cores.

The document is the one `serve` answers at /openapi.json (the first test proves it), loaded
when the module is collected: the server only starts for the tests that call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from paths import ROOT
from processes import ServerProcess, cli_server
from schemathesis.specs.openapi.checks import positive_data_acceptance

from common.errors import nul_path
from orchestrator.api.openapi import openapi_document

ROOT = ROOT
DEMO = ROOT / "knowledge" / "demo"
TOKEN = "fuzz-token"
DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("fuzz")
    args = ["serve", "--snapshot", DEMO / "cluster", "--database-url", f"sqlite:///{work}/fuzz.db"]
    with cli_server(args, work, {"SRE_API_TOKENS": TOKEN, "SRE_ACCESS_LOG": "false"}) as server:
        yield server


def test_the_fuzzed_document_is_the_served_one(api: ServerProcess) -> None:
    assert httpx2.get(f"{api.base_url}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_response_matches_the_document(case: schemathesis.Case, api: ServerProcess) -> None:
    # A cursor is opaque: any string fits its schema, and one this server did not hand out is
    # rightly refused (422, which the document lists); so is a cluster this server was not given
    # (SRE_CLUSTERS). Neither is data that must be accepted.
    configured = (case.query or {}).get("cursor") is not None or (
        isinstance(case.body, dict) and case.body.get("cluster") is not None
    )
    # Text with a NUL character and a time with no UTC equivalent fit the schema's strings and
    # date-times, and are refused on purpose (422, listed): PostgreSQL cannot store the one, and
    # the other cannot be compared with any other time.
    refused_on_purpose = nul_path(case.body) is not None or _no_utc_time(case.body)
    excluded = [positive_data_acceptance] if configured or refused_on_purpose else []
    case.call_and_validate(
        base_url=api.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=excluded
    )


def _no_utc_time(body: object) -> bool:
    alerts = body.get("alerts") if isinstance(body, dict) else None
    for alert in alerts if isinstance(alerts, list) else []:
        for field in ("startsAt", "endsAt"):
            value = alert.get(field) if isinstance(alert, dict) else None
            try:
                if isinstance(value, str):
                    datetime.fromisoformat(value).astimezone(UTC)
            except OverflowError:
                return True
            except ValueError:
                continue
    return False


def test_an_alert_that_ended_in_the_year_3_is_stored_and_read_back(api: ServerProcess) -> None:
    """Found by the fuzzer: a year before 1000 was stored unpadded ('3-01-01...'), then every read 500ed."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    alert = {"fingerprint": "f1", "labels": {"alertname": "Old"}, "startsAt": "0002-06-01T00:00:00Z"}
    notification = {"version": "4", "groupKey": '{}:{alertname="Old"}', "alerts": [{**alert, "status": "firing"}]}
    created = httpx2.post(
        f"{api.base_url}/api/v1/alerts/alertmanager", json={**notification, "status": "firing"}, headers=headers
    )
    assert created.status_code == 202, created.text
    ended = {**alert, "status": "resolved", "endsAt": "0003-01-01T00:01:00Z"}
    resolved = httpx2.post(
        f"{api.base_url}/api/v1/alerts/alertmanager",
        json={**notification, "status": "resolved", "alerts": [ended]},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    incident = httpx2.get(f"{api.base_url}/api/v1/incidents/{created.json()['incident_id']}", headers=headers)
    assert incident.status_code == 200, incident.text
    assert incident.json()["resolved_at"].startswith("0003-01-01T00:01:00")
