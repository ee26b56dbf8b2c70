"""The REST API over real HTTP: uvicorn on a loopback port, the real store, runner and LangGraph double."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, journal_entries, serve_in_thread
from openapi_spec_validator import validate
from paths import SUPPORT
from processes import free_port, wait_for_health

from orchestrator import serve
from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import IncidentStore

TOKEN = "api-test-token"
INCIDENTS = "/api/v1/incidents"
PROBLEM_JSON = "application/problem+json"
UNKNOWN_ID = "9b2f1c4e-7d3a-4e8b-a1f0-5c6d7e8f9a0b"  # fixed, so pytest-xdist workers collect the same ids


@dataclass
class Api:
    client: httpx2.Client  # sends the token
    url: str
    journal: Path


def _settings(directory: Path, **overrides: Any) -> OrchestratorSettings:
    return OrchestratorSettings(database_url=f"sqlite:///{directory / 'incidents.db'}", api_tokens=[TOKEN], **overrides)


@contextlib.contextmanager
def running_api(directory: Path, **overrides: Any) -> Iterator[Api]:
    factory = ScriptedFactory(directory / "journal.txt")
    app = create_app(_settings(directory, **overrides), factory)
    with (
        serve_in_thread(app) as url,
        httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client,
    ):
        yield Api(client, url, factory.journal)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server for the tests that only read or send invalid requests."""
    with running_api(tmp_path_factory.mktemp("api")) as running:
        yield running


def _post(client: httpx2.Client, description: str, **fields: Any) -> httpx2.Response:
    return client.post(INCIDENTS, json={"description": description, **fields})


def _wait_finished(client: httpx2.Client, incident_id: str, timeout: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        incident = client.get(f"{INCIDENTS}/{incident_id}").json()
        if incident["status"] in ("completed", "failed"):
            return incident
        assert time.monotonic() < deadline, f"still {incident['status']} in step {incident['step']}"
        time.sleep(0.02)


def _wait_step(client: httpx2.Client, incident_id: str, step: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"{INCIDENTS}/{incident_id}").json()["step"] != step:
        assert time.monotonic() < deadline, f"never reached step {step}"
        time.sleep(0.02)


def _wait_node_ran(journal: Path, incident_id: str, node: str, timeout: float = 5) -> None:
    """The node's body has run: its step is recorded as its task starts, a moment earlier, and a
    stop in between would leave a `hang-once` node unrun, hanging again after the restart."""
    deadline = time.monotonic() + timeout
    while node not in journal_entries(journal, incident_id):
        assert time.monotonic() < deadline, f"node {node} never ran"
        time.sleep(0.01)


def _problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


# --- probes, documentation, the happy path ---------------------------------------------------


def test_probes_and_openapi_need_no_token(api: Api) -> None:
    with httpx2.Client(base_url=api.url) as anonymous:
        assert anonymous.get("/health").json() == {"status": "ok"}
        assert anonymous.get("/ready").json() == {"status": "ok"}
        assert anonymous.get("/openapi.json").status_code == 200


def test_openapi_describes_the_api(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/health",
        "/ready",
        INCIDENTS,
        f"{INCIDENTS}/{{incident_id}}",
        f"{INCIDENTS}/{{incident_id}}/feedback",
        "/api/v1/stats/rules",
        "/api/v1/alerts/alertmanager",
        "/openapi.json",
    }
    assert set(document["paths"][INCIDENTS]) == {"get", "post"}
    assert {"IncidentRequest", "Incident", "IncidentList", "Problem"} <= set(document["components"]["schemas"])
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    post = document["paths"][INCIDENTS]["post"]
    assert {"202", "400", "401", "413", "415", "422"} <= set(post["responses"])


def test_report_an_incident_and_read_its_investigation(api: Api) -> None:
    started = time.perf_counter()
    response = _post(api.client, "Pod auth-service-1 is in CrashLoopBackOff", namespace="shop", pod="auth-service-1")
    elapsed = time.perf_counter() - started
    assert response.status_code == 202
    assert elapsed < 0.5
    created = response.json()
    incident_id = created["incident_id"]
    assert uuid.UUID(incident_id).version == 4
    assert response.headers["location"] == f"{INCIDENTS}/{incident_id}"
    assert created["status"] == "pending"
    assert created["created_at"].endswith("Z")
    assert (created["namespace"], created["pod"], created["report"]) == ("shop", "auth-service-1", None)

    done = _wait_finished(api.client, incident_id)
    assert done["status"] == "completed"
    assert done["step"] is None
    assert done["error"] is None
    assert done["created_at"] == created["created_at"]
    assert done["updated_at"] > created["updated_at"]
    assert done["confidence_score"] == "high"
    assert done["findings"][0]["category"] == "application_crash"
    assert list(done)[:3] == ["incident_id", "description", "namespace"]  # the header reads first


def test_a_failed_investigation_says_why(api: Api) -> None:
    reason = "could not reach the Kubernetes MCP server at http://127.0.0.1:9/mcp: connection refused"
    incident_id = _post(api.client, f"auth is down; first=fail:{reason}").json()["incident_id"]
    failed = _wait_finished(api.client, incident_id)
    assert failed["status"] == "failed"
    assert failed["error"] == f"investigation failed in step first: {reason}"


def test_a_hung_investigation_times_out(tmp_path: Path) -> None:
    with running_api(tmp_path, investigation_timeout_seconds=0.3) as api:
        incident_id = _post(api.client, "auth is down; second=hang").json()["incident_id"]
        failed = _wait_finished(api.client, incident_id)
    assert failed["error"] == "investigation timed out after 0.3 s in step second"


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer"])
def test_a_missing_or_wrong_token_is_401(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with httpx2.Client(base_url=api.url, headers=headers) as client:
        for response in (client.get(INCIDENTS), _post(client, "x"), client.get(f"{INCIDENTS}/{UNKNOWN_ID}")):
            problem = _problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "Authorization: Bearer" in problem["detail"]


def test_tokens_from_the_environment_and_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tokens").write_text("from-file\n\n", encoding="utf-8")
    monkeypatch.setenv("SRE_API_TOKENS", "first, second")
    monkeypatch.setenv("SRE_API_TOKENS_FILE", str(tmp_path / "tokens"))
    assert OrchestratorSettings().tokens() == ["first", "second", "from-file"]


# --- errors a client can cause -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"description": "disk full"', "the body is not valid JSON: Expecting ',' delimiter at line 1 column 28"),
        (b"", "the body is empty"),
        (b'{"description": "\xff"}', "the body is not valid JSON: 'utf-8' codec can't decode"),
        (b"[" * 60_000, "the body is not valid JSON: maximum recursion depth exceeded"),
    ],
    ids=["truncated", "empty", "not-utf8", "too-deep"],
)
def test_malformed_json_is_400(api: Api, body: bytes, detail: str) -> None:
    response = api.client.post(INCIDENTS, content=body, headers={"Content-Type": "application/json"})
    assert _problem(response, 400)["detail"].startswith(detail)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_only_json_is_accepted(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.client.post(INCIDENTS, content=b'{"description": "disk full"}', headers=headers)
    detail = _problem(response, 415)["detail"]
    assert "Content-Type: application/json" in detail
    assert (repr(content_type) if content_type else "no Content-Type was sent") in detail


def test_json_with_a_charset_is_accepted(api: Api) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert api.client.post(INCIDENTS, content=b'{"description": "x"}', headers=headers).status_code == 202


def test_a_body_over_the_limit_is_413_with_a_content_length(api: Api) -> None:
    response = _post(api.client, "x" * 70_000)
    assert "larger than 65536 bytes" in _problem(response, 413)["detail"]


def test_a_body_over_the_limit_is_413_when_chunked(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"description": "'
        for _ in range(100):  # ~100 KiB, never announced
            yield b"x" * 1024
        yield b'"}'

    response = api.client.post(INCIDENTS, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "larger than 65536 bytes" in _problem(response, 413)["detail"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"desciption": "disk full"},
            {
                "description": "required",
                "desciption": "unknown field; the fields are: description, namespace, pod, cluster",
            },
        ),
        ({"description": "  \n "}, {"description": "must not be empty or blank"}),
        ({"description": "x" * 4001}, {"description": "String should have at most 4000 characters"}),
        ({"description": 42}, {"description": "Input should be a valid string"}),
        (
            {"description": "x", "namespace": "Shop_1", "pod": "-auth"},
            {
                "namespace": "must be a Kubernetes namespace name: lowercase letters, digits and '-', "
                "starting and ending with a letter or digit",
                "pod": "must be a Kubernetes pod name: lowercase letters, digits, '-' and '.', "
                "starting and ending with a letter or digit",
            },
        ),
        (["disk full"], {"body": "must be a JSON object"}),
    ],
    ids=["typo", "blank", "too-long", "not-a-string", "kubernetes-names", "not-an-object"],
)
def test_an_invalid_incident_is_422_naming_each_field(api: Api, body: Any, errors: dict[str, str]) -> None:
    problem = _problem(api.client.post(INCIDENTS, json=body), 422)
    assert {error["field"]: error["message"] for error in problem["errors"]} == errors
    assert all(f"{field}: {message}" in problem["detail"] for field, message in errors.items())


def test_the_description_is_stripped(api: Api) -> None:
    assert _post(api.client, "  disk full \n").json()["description"] == "disk full"


@pytest.mark.parametrize("incident_id", [UNKNOWN_ID, "not-an-id", "x" * 500, "%00"])
def test_an_unknown_incident_is_404(api: Api, incident_id: str) -> None:
    problem = _problem(api.client.get(f"{INCIDENTS}/{incident_id}"), 404)
    assert "there is no incident" in problem["detail"]
    assert incident_id[:20] in problem["detail"] or incident_id == "%00"


def test_an_unknown_path_is_404(api: Api) -> None:
    problem = _problem(api.client.get("/api/v2/incidents"), 404)
    assert problem["detail"] == "there is no /api/v2/incidents; the API is described at /openapi.json"


@pytest.mark.parametrize(("method", "path"), [("DELETE", INCIDENTS), ("PUT", f"{INCIDENTS}/{UNKNOWN_ID}")])
def test_a_wrong_method_is_405(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path)
    problem = _problem(response, 405)
    assert f"{method} is not allowed on {path}; use " in problem["detail"]
    assert "GET" in response.headers["allow"]
    assert ("POST" in response.headers["allow"]) == (path == INCIDENTS)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("limit=0", "limit", "Input should be greater than or equal to 1"),
        ("limit=101", "limit", "Input should be less than or equal to 100"),
        ("limit=ten", "limit", "Input should be a valid integer, unable to parse string as an integer"),
        ("status=done", "status", "Input should be 'pending', 'investigating', 'completed' or 'failed'"),
        ("cursor=bogus", "cursor", "not a cursor from this API; pass next_cursor of the previous page"),
        ("limt=5", "limt", "unknown field; the fields are: limit, cursor, status"),
    ],
)
def test_an_invalid_list_query_is_422(api: Api, query: str, field: str, message: str) -> None:
    problem = _problem(api.client.get(f"{INCIDENTS}?{query}"), 422)
    assert problem["errors"] == [{"field": field, "message": message}]


@pytest.mark.parametrize(
    "position",
    [["0001-01-01T00:00:00+14:00", "z"], ["9999-12-31T23:59:59-14:00", "z"], ["2026-01-01T00:00:00Z", "a\u0000b"]],
    ids=["before-year-1-in-utc", "after-year-9999-in-utc", "nul-in-id"],
)
def test_a_forged_cursor_is_422_not_500(api: Api, position: list[str]) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    problem = _problem(api.client.get(INCIDENTS, params={"cursor": cursor}), 422)
    assert problem["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"description": "disk\u0000full"}, "description"), ({"description": "x", "namespace": "a\u0000"}, "namespace")],
)
def test_a_nul_character_is_422_naming_the_field(api: Api, body: dict[str, str], field: str) -> None:
    problem = _problem(api.client.post(INCIDENTS, json=body), 422)
    assert problem["errors"] == [{"field": field, "message": "must not contain NUL characters (\\u0000)"}]


# --- errors of the server ----------------------------------------------------------------------


def test_an_unexpected_error_is_a_500_problem_without_internals(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: IncidentStore, incident_id: str) -> None:
        raise RuntimeError("secret internals /var/lib/sre")

    monkeypatch.setattr(IncidentStore, "get", broken)
    response = api.client.get(f"{INCIDENTS}/{UNKNOWN_ID}")
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert _problem(response, 500)["detail"] == "the server failed to handle this request; its log has the details"
    monkeypatch.undo()
    assert api.client.get("/ready").status_code == 200  # the client knew not to reuse the closed connection


def test_ready_is_503_when_the_store_does_not_answer(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: IncidentStore) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(IncidentStore, "ping", broken)
    assert _problem(api.client.get("/ready"), 503)["detail"].startswith("the incident store does not answer")
    assert api.client.get("/health").status_code == 200


# --- listing, concurrency, latency -------------------------------------------------------------


def test_pages_of_10_over_25_incidents_newest_first(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        created = [_post(api.client, f"incident {i}").json()["incident_id"] for i in range(25)]
        seen: list[str] = []
        url = f"{INCIDENTS}?limit=10"
        while url:
            page = api.client.get(url).json()
            assert len(page["items"]) <= 10
            seen += [incident["incident_id"] for incident in page["items"]]
            url = f"{INCIDENTS}?limit=10&cursor={page['next_cursor']}" if page["next_cursor"] else ""
        assert seen == created[::-1]
        assert len(api.client.get(INCIDENTS).json()["items"]) == 20  # the default limit


def test_answers_at_once_with_investigations_queued(tmp_path: Path) -> None:
    with running_api(tmp_path, max_concurrent_investigations=1) as api:
        post_times, get_times = [], []
        for i in range(11):  # one running, ten queued behind it
            started = time.perf_counter()
            response = _post(api.client, f"incident {i}; first=hang")
            post_times.append(time.perf_counter() - started)
            assert response.status_code == 202
        location = response.headers["location"]
        for _ in range(50):
            started = time.perf_counter()
            assert api.client.get(location).json()["status"] == "pending"
            get_times.append(time.perf_counter() - started)
        investigating = api.client.get(f"{INCIDENTS}?status=investigating").json()["items"]
        pending = api.client.get(f"{INCIDENTS}?status=pending").json()["items"]
    print(f"\nPOST mean {sum(post_times) / 11 * 1000:.2f} ms, max {max(post_times) * 1000:.2f} ms")
    print(f"GET mean {sum(get_times) / 50 * 1000:.2f} ms, max {max(get_times) * 1000:.2f} ms")
    assert max(post_times) < 0.5
    assert max(get_times) < 0.5
    assert (len(investigating), len(pending)) == (1, 10)


# --- restarts ----------------------------------------------------------------------------------


def test_a_restart_resumes_the_investigation_from_its_checkpoint(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        incident_id = _post(api.client, "orders fail; second=hang-once").json()["incident_id"]
        _wait_step(api.client, incident_id, "second")
        _wait_node_ran(api.journal, incident_id, "second")
    with running_api(tmp_path) as api:
        done = _wait_finished(api.client, incident_id)
    assert done["status"] == "completed"
    assert journal_entries(api.journal, incident_id) == ["first", "second", "second"]  # `first` ran once


@contextlib.contextmanager
def _server_process(tmp_path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`serve` with the double, as its own process: `python tests/support/api_server.py`."""
    env = {
        **os.environ,
        "SRE_DATABASE_URL": f"sqlite:///{tmp_path / 'incidents.db'}",
        "SRE_API_TOKENS": TOKEN,
        "SRE_PORT": str(port),
        "SRE_TEST_JOURNAL": str(tmp_path / "journal.txt"),
        # A killed server's leases lapse after this; the next one takes its investigations over then.
        "SRE_LEASE_SECONDS": "2",
    }
    log = tmp_path / f"server-{time.monotonic_ns()}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(SUPPORT / "api_server.py")],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(10)


def test_an_investigation_survives_a_sigkill(tmp_path: Path) -> None:
    port = free_port()
    url, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}
    with _server_process(tmp_path, port) as process, httpx2.Client(base_url=url, headers=auth) as client:
        incident_id = _post(client, "payments fail; second=hang-once").json()["incident_id"]
        _wait_step(client, incident_id, "second")
        _wait_node_ran(tmp_path / "journal.txt", incident_id, "second")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    with _server_process(tmp_path, port) as process, httpx2.Client(base_url=url, headers=auth) as client:
        done = _wait_finished(client, incident_id)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == -signal.SIGTERM  # stopped promptly; uvicorn re-raises the signal it handled
    assert done["status"] == "completed"
    assert journal_entries(tmp_path / "journal.txt", incident_id) == ["first", "second", "second"]


# --- serve -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "overrides", "safe"),
    [
        ("127.0.0.1", {}, True),
        ("127.0.0.2", {}, True),
        ("::1", {}, True),
        ("localhost", {}, True),
        ("0.0.0.0", {}, False),
        ("sre.example.com", {}, False),
        ("0.0.0.0", {"api_tokens": ["t"]}, True),
        ("0.0.0.0", {"allow_unauthenticated": True}, True),
    ],
)
def test_check_listen_safety(host: str, overrides: dict[str, Any], safe: bool) -> None:
    settings = OrchestratorSettings(host=host, **overrides)
    if safe:
        serve.check_listen_safety(settings)
    else:
        with pytest.raises(ValueError, match=f"refusing to serve {host}:8080 without API tokens; set SRE_API_TOKENS"):
            serve.check_listen_safety(settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"host": "0.0.0.0"}, "refusing to serve 0.0.0.0:8080 without API tokens"),
        ({"database_url": "sqlite:////nonexistent/dir/incidents.db"}, "cannot open the incident database"),
        ({"api_tokens_file": Path("/nonexistent/tokens")}, "cannot read the tokens file /nonexistent/tokens"),
    ],
)
def test_serve_refuses_to_start(
    overrides: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async def never(settings: OrchestratorSettings) -> Any:
        raise AssertionError("the investigator must not be opened")

    settings = OrchestratorSettings(**{"database_url": f"sqlite:///{tmp_path / 'incidents.db'}", **overrides})
    assert serve.run(settings, never) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing created on the way out
