"""Fuzz the REST API of a real `serve` from its OpenAPI document (schemathesis), on SQLite and PostgreSQL.

Every operation gets generated requests, valid and invalid, and the edge values of issue 17
(`fuzz_edges.py`: times with no UTC equivalent, NUL in every string, huge numbers, deep JSON,
forged cursors) on purpose; every response must be one the document describes (status, content
type, headers, body schema), and none may be a 5xx, whichever database is behind the API. The
generation is derandomized with a fixed number of examples, so the run is the same every time
and stays within a minute or two on two cores. Each backend's server prints how many requests
it was sent (`-s` shows it).

The document is the one `serve` answers at /openapi.json (the first test proves it), loaded
when the module is collected: the server only starts for the tests that call it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx2
import pytest
import requests
import schemathesis
from fuzz_edges import edge_requests, raw_bodies
from hypothesis import HealthCheck, settings
from paths import ROOT
from processes import ServerProcess, cli_server
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance

from common.errors import nul_path
from orchestrator.api.openapi import openapi_document

ROOT = ROOT
DEMO = ROOT / "knowledge" / "demo"
TOKEN = "fuzz-token"
DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@dataclass
class Api:
    """A running `serve` over one store backend, and a session that counts the requests sent to it."""

    server: ServerProcess
    backend: str
    session: requests.Session = field(default_factory=requests.Session)
    statuses: Counter[int] = field(default_factory=Counter)
    refused_with_token: int = 0  # schemathesis also sends requests without it on purpose (ignored_auth)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def count(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code == 401 and response.request.headers.get("Authorization") == f"Bearer {TOKEN}":
            self.refused_with_token += 1


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    work = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    database = (
        f"sqlite:///{work}/fuzz.db" if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    )
    args = ["serve", "--snapshot", DEMO / "cluster", "--database-url", database]
    with cli_server(args, work, {"SRE_API_TOKENS": TOKEN, "SRE_ACCESS_LOG": "false"}) as server:
        api = Api(server, request.param)
        api.session.headers["Authorization"] = f"Bearer {TOKEN}"
        api.session.hooks["response"].append(api.count)
        yield api
    print(f"\nfuzz requests sent to serve on {api.backend}: {api.statuses.total()} {sorted(api.statuses.items())}")
    assert api.statuses.total() > 100, "the fuzz run sent too few requests to test anything"
    assert api.refused_with_token < api.statuses.total() / 10, "most requests must pass the token check"


def test_the_fuzzed_document_is_the_served_one(api: Api) -> None:
    assert httpx2.get(f"{api.base_url}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_response_matches_the_document(case: schemathesis.Case, api: Api) -> None:
    case.call_and_validate(base_url=api.base_url, session=api.session, excluded_checks=_refused_on_purpose(case))


def test_the_edge_values_get_no_server_error(api: Api) -> None:
    """Issue 17's inputs, each through the document's checks: answered 4xx (or accepted), never 5xx."""
    incident = api.session.post(f"{api.base_url}/api/v1/incidents", json={"description": "auth-0 crashloops"})
    assert incident.status_code == 202, incident.text
    sent = 0
    for path, method, parts in edge_requests(incident.json()["incident_id"]):
        case = schema[path][method].Case(**parts)
        case.call_and_validate(base_url=api.base_url, session=api.session, excluded_checks=_refused_on_purpose(case))
        sent += 1
    for path in ["/api/v1/incidents", "/api/v1/alerts/alertmanager"]:
        for body in raw_bodies():
            raw = api.session.post(f"{api.base_url}{path}", data=body, headers={"Content-Type": "application/json"})
            assert 400 <= raw.status_code < 500, raw.text
            assert raw.headers["content-type"] == "application/problem+json" and raw.json()["detail"], raw.text
    assert sent > 100


def _refused_on_purpose(case: schemathesis.Case) -> list[CheckFunction]:
    """The checks a schema-valid request may fail on purpose: refused with a 4xx the document lists."""
    # A cursor is opaque: any string fits its schema, and one this server did not hand out is
    # rightly refused (422, which the document lists); so is a cluster this server was not given
    # (SRE_CLUSTERS). Neither is data that must be accepted.
    configured = (case.query or {}).get("cursor") is not None or (
        isinstance(case.body, dict) and case.body.get("cluster") is not None
    )
    # Text with a NUL character and a time with no UTC equivalent fit the schema's strings and
    # date-times, and are refused on purpose (422, listed): PostgreSQL cannot store the one, and
    # the other cannot be compared with any other time. An incident id of a thousand characters
    # is no incident's (404).
    nul = any(nul_path(part) for part in [case.body, case.query, case.path_parameters] if part is not None)
    refused_on_purpose = configured or nul or _no_utc_time(case.body)
    return [positive_data_acceptance] if refused_on_purpose else []


def _no_utc_time(body: object) -> bool:
    alerts = body.get("alerts") if isinstance(body, dict) else None
    for alert in alerts if isinstance(alerts, list) else []:
        for name in ("startsAt", "endsAt"):
            value = alert.get(name) if isinstance(alert, dict) else None
            try:
                if isinstance(value, str):
                    datetime.fromisoformat(value).astimezone(UTC)
            except OverflowError:
                return True
            except ValueError:
                continue
    return False


def test_an_alert_that_ended_in_the_year_3_is_stored_and_read_back(api: Api) -> None:
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
