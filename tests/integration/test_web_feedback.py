"""The incident page's feedback form over real HTTP: a browser-like client with a session, the real
store, runner and the LangGraph double. The browser test (tests/browser) drives it by keyboard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread

from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings

TOKEN = "carol:web-feedback-token"
UI = "/ui"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("web-feedback")
    settings = OrchestratorSettings(database_url=f"sqlite:///{directory / 'incidents.db'}", api_tokens=[TOKEN])
    with serve_in_thread(create_app(settings, ScriptedFactory(directory / "journal.txt"))) as url:
        yield url


@pytest.fixture
def browser(base_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=base_url, headers={"Origin": base_url}, timeout=10) as client:
        answer = client.post(f"{UI}/login", data={"token": TOKEN, "next": f"{UI}/"}, headers=FORM)
        assert answer.status_code == 303
        yield client


def _incident(client: httpx2.Client, description: str) -> dict[str, Any]:
    answer = client.post(f"{UI}/incidents", data={"description": description}, headers=FORM)
    page = answer.headers["location"]
    deadline = time.monotonic() + 10
    while (incident := client.get(f"{page}.json").json())["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return incident


def test_the_buttons_record_the_verdict_with_the_session_token_name(base_url: str, browser: httpx2.Client) -> None:
    incident = _incident(browser, "web feedback; rule=web-rule")
    page = f"{UI}/incidents/{incident['incident_id']}"
    before = browser.get(page).text
    assert "Was this right?" in before
    assert 'name="verdict" value="confirmed"' in before and 'name="verdict" value="rejected"' in before
    answer = browser.post(
        f"{page}/feedback",
        data={"verdict": "rejected", "actual_category": "eviction", "actual_component": "", "comment": "<b>node</b>"},
        headers=FORM,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{page}#feedback"
    after = browser.get(page).text
    assert "Recorded: <strong>rejected</strong> by carol" in after
    assert "<code>eviction</code>" in after
    assert "&lt;b&gt;node&lt;/b&gt;" in after and "<b>node</b>" not in after  # escaped
    api = httpx2.get(
        f"{base_url}/api/v1/incidents/{incident['incident_id']}/feedback",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert (api.json()["verdict"], api.json()["author"]) == ("rejected", "carol")


def test_an_invalid_verdict_re_renders_the_page_with_the_error(browser: httpx2.Client) -> None:
    incident = _incident(browser, "web feedback invalid")
    page = f"{UI}/incidents/{incident['incident_id']}"
    answer = browser.post(f"{page}/feedback", data={"actual_component": "kept", "comment": "typed"}, headers=FORM)
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert "The feedback was not recorded" in text and "verdict: required" in text
    assert 'value="kept"' in text and "typed</textarea>" in text


def test_a_failed_incident_has_no_feedback_form_and_refuses_one(browser: httpx2.Client) -> None:
    incident = _incident(browser, "web broken; first=fail:boom")
    page = f"{UI}/incidents/{incident['incident_id']}"
    assert "Was this right?" not in browser.get(page).text
    answer = browser.post(f"{page}/feedback", data={"verdict": "confirmed"}, headers=FORM)
    assert answer.status_code == 409
    assert "its investigation failed" in unescape(answer.text)


def test_the_form_needs_this_site_as_origin(base_url: str, browser: httpx2.Client) -> None:
    incident = _incident(browser, "web feedback csrf")
    answer = browser.post(
        f"{UI}/incidents/{incident['incident_id']}/feedback",
        data={"verdict": "confirmed"},
        headers={**FORM, "Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
