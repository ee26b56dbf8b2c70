"""The web UI over real HTTP: uvicorn in a thread, the real store, runner and investigation over a
snapshot whose logs carry HTML. Login and sessions, CSRF, the form's validation, escaping, what
the pages show; the browser tests (test_web_browser.py) look at the same pages in Chromium.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from api_server import scripted_result, serve_in_thread
from paths import ROOT, SCENARIOS
from web_fixtures import DESCRIPTION, HOSTILE, KNOWLEDGE_GRAPH, TOKEN, UI, hostile_cluster

from orchestrator.app import create_app
from orchestrator.incidents.investigator import open_server_investigator
from orchestrator.incidents.one_shot import investigate_once
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings
from orchestrator.web import WebUi
from orchestrator.web.views import incident_view

CSS = ROOT / "orchestrator" / "web" / "static" / "ui.css"
SCENARIOS = SCENARIOS
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _settings(directory: Path, **overrides: Any) -> OrchestratorSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{directory / 'incidents.db'}",
        "api_tokens": [TOKEN],
        "snapshot": directory / "cluster",
        "knowledge_graph": KNOWLEDGE_GRAPH,
        **overrides,
    }
    return OrchestratorSettings(**values)


@contextlib.contextmanager
def _server(directory: Path, **overrides: Any) -> Iterator[str]:
    if not (directory / "cluster").exists():
        hostile_cluster(directory)
    with serve_in_thread(create_app(_settings(directory, **overrides), open_server_investigator)) as url:
        yield url


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _server(tmp_path_factory.mktemp("web")) as url:
        yield url


def _browser(base_url: str) -> httpx2.Client:
    """A client that behaves like a browser on this site: no bearer header, its own Origin on forms."""
    return httpx2.Client(base_url=base_url, headers={"Origin": base_url}, timeout=10)


@contextlib.contextmanager
def _logged_in(base_url: str) -> Iterator[httpx2.Client]:
    with _browser(base_url) as client:
        answer = client.post(f"{UI}/login", data={"token": TOKEN, "next": f"{UI}/"}, headers=FORM)
        assert answer.status_code == 303, answer.text
        yield client


@pytest.fixture(scope="module")
def completed(base_url: str) -> dict[str, Any]:
    """The scenario's incident, opened through the form and investigated to the end."""
    with _logged_in(base_url) as client:
        answer = client.post(f"{UI}/incidents", data={"description": DESCRIPTION, "namespace": "orders"}, headers=FORM)
        assert answer.status_code == 303, answer.text
        page = answer.headers["location"]
        incident_id = page.rsplit("/", 1)[1]
        deadline = time.monotonic() + 20
        while (incident := client.get(f"{page}.json").json())["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, incident
            time.sleep(0.05)
    assert incident["status"] == "completed", incident["error"]
    assert incident["incident_id"] == incident_id
    return incident


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _text(html: str) -> str:
    """What a reader sees: the tags dropped, the entities decoded, whitespace runs as one space."""
    return _squash(unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_browser_without_a_session_is_sent_to_the_login_form(base_url: str) -> None:
    with _browser(base_url) as client:
        answer = client.get(f"{UI}/incidents/new?x=1")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{UI}/login?next=%2Fui%2Fincidents%2Fnew%3Fx%3D1"
        login = client.get(answer.headers["location"])
    assert login.status_code == 200
    assert '<label for="token">API token</label>' in login.text
    assert f'name="next" value="{UI}/incidents/new?x=1"' in login.text


def test_a_wrong_token_re_renders_the_form_with_an_error(base_url: str) -> None:
    with _browser(base_url) as client:
        answer = client.post(f"{UI}/login", data={"token": "not-it", "next": f"{UI}/"}, headers=FORM)
        empty = client.post(f"{UI}/login", data={"token": " "}, headers=FORM)
        assert not client.cookies
    assert answer.status_code == 401
    assert "that token is not one of the server&#39;s API tokens" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert empty.status_code == 401
    assert "enter an API token" in empty.text


def test_login_sets_a_strict_http_only_session_cookie_that_opens_the_ui(base_url: str) -> None:
    with _browser(base_url) as client:
        answer = client.post(f"{UI}/login", data={"token": TOKEN, "next": f"{UI}/?status=failed"}, headers=FORM)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{UI}/?status=failed"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("sre_ui_session=")
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/ui", "Max-Age=43200"):
            assert attribute.lower() in cookie.lower()
        assert "secure" not in cookie.lower()  # plain http on loopback
        page = client.get(f"{UI}/")
        # The cookie is the UI's: the REST API still wants the bearer header.
        api = client.get("/api/v1/incidents")
    assert page.status_code == 200
    assert "Log out" in page.text
    assert api.status_code == 401


def test_the_cookie_is_secure_when_the_request_came_over_https(base_url: str) -> None:
    # uvicorn trusts X-Forwarded-Proto from loopback (a TLS-terminating proxy beside it).
    with _browser(base_url) as client:
        answer = client.post(
            f"{UI}/login",
            data={"token": TOKEN},
            headers={**FORM, "X-Forwarded-Proto": "https", "Origin": base_url.replace("http:", "https:")},
        )
    assert answer.status_code == 303
    assert "; secure" in answer.headers["set-cookie"].lower()


def test_a_login_is_refused_when_the_form_comes_from_another_site(base_url: str) -> None:
    with httpx2.Client(base_url=base_url, timeout=10) as client:
        foreign = client.post(f"{UI}/login", data={"token": TOKEN}, headers={**FORM, "Origin": "https://evil.example"})
        opaque = client.post(f"{UI}/login", data={"token": TOKEN}, headers={**FORM, "Origin": "null"})
        referer = {**FORM, "Referer": f"{base_url}/ui/login"}
        referred = client.post(f"{UI}/login", data={"token": TOKEN}, headers=referer)
        # Behind a proxy that ends TLS the page is https and this server sees http: same site.
        proxied = {**FORM, "Origin": base_url.replace("http:", "https:")}
        behind_proxy = client.post(f"{UI}/login", data={"token": TOKEN}, headers=proxied)
    assert (foreign.status_code, opaque.status_code) == (403, 403)
    assert "Origin or Referer" in foreign.text
    assert (referred.status_code, behind_proxy.status_code) == (303, 303)


def test_forms_need_this_site_as_origin_unless_a_bearer_token_is_sent(base_url: str) -> None:
    data = {"description": "checkout is slow"}
    with _logged_in(base_url) as client:
        del client.headers["Origin"]
        anonymous = client.post(f"{UI}/incidents", data=data, headers=FORM)
        foreign = client.post(f"{UI}/incidents", data=data, headers={**FORM, "Origin": "http://127.0.0.1:1"})
        logout = client.post(f"{UI}/logout", headers={"Origin": "https://evil.example"})
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as api:
        scripted = api.post(f"{UI}/incidents", data={"description": "checkout is slow; from a script"}, headers=FORM)
    assert (anonymous.status_code, foreign.status_code, logout.status_code) == (403, 403, 403)
    assert scripted.status_code == 303


def test_the_bearer_header_works_for_the_ui_too(base_url: str) -> None:
    with httpx2.Client(base_url=base_url, timeout=10) as client:
        ok = client.get(f"{UI}/", headers={"Authorization": f"Bearer {TOKEN}"})
        wrong = client.get(f"{UI}/", headers={"Authorization": "Bearer nope"})
    assert ok.status_code == 200
    assert "Log out" not in ok.text  # nothing to log out of
    assert wrong.status_code == 303


def test_a_tampered_or_expired_session_is_not_accepted(tmp_path: Path) -> None:
    with _server(tmp_path, ui_session_max_age_seconds=1, ui_session_secret="s3cret") as url, _logged_in(url) as client:
        assert client.get(f"{UI}/").status_code == 200
        value = client.cookies["sre_ui_session"]
        middle = len(value) // 3
        client.cookies.clear()
        client.cookies.set(
            "sre_ui_session", value[:middle] + ("x" if value[middle] != "x" else "y") + value[middle + 1 :]
        )
        tampered = client.get(f"{UI}/")
        client.cookies.clear()
        client.cookies.set("sre_ui_session", value)
        time.sleep(2.1)
        expired = client.get(f"{UI}/")
    assert tampered.status_code == 303
    assert expired.status_code == 303


def test_sessions_survive_a_restart_only_with_a_configured_secret(tmp_path: Path) -> None:
    secret = tmp_path / "session-secret"
    secret.write_text("from-a-mounted-secret\n", encoding="utf-8")
    with _server(tmp_path, ui_session_secret_file=secret) as url, _logged_in(url) as client:
        cookie = client.cookies["sre_ui_session"]
    with _server(tmp_path, ui_session_secret_file=secret) as url, _browser(url) as client:
        client.cookies.set("sre_ui_session", cookie)
        kept = client.get(f"{UI}/")
    with _server(tmp_path) as url, _browser(url) as client:  # a key generated at start
        client.cookies.set("sre_ui_session", cookie)
        lost = client.get(f"{UI}/")
    with _server(tmp_path, api_tokens=["another-token"], ui_session_secret_file=secret) as url, _browser(url) as client:
        client.cookies.set("sre_ui_session", cookie)
        revoked = client.get(f"{UI}/")  # the token it was made with is gone
    assert (kept.status_code, lost.status_code, revoked.status_code) == (200, 303, 303)


def test_an_unreadable_session_secret_file_stops_startup_with_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ValueError, match=r"cannot read the UI session secret file .*nope"):
        WebUi(_settings(tmp_path, ui_session_secret_file=missing), lambda: None)  # type: ignore[arg-type,return-value]


def test_logout_clears_the_cookie(base_url: str) -> None:
    with _logged_in(base_url) as client:
        answer = client.post(f"{UI}/logout")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{UI}/login"
        assert 'sre_ui_session=""' in answer.headers["set-cookie"]
        assert client.get(f"{UI}/").status_code == 303


def test_without_tokens_the_ui_is_open_like_the_api(tmp_path: Path) -> None:
    with _server(tmp_path, api_tokens=[]) as url, httpx2.Client(base_url=url, timeout=10) as client:
        page = client.get(f"{UI}/")
        login = client.get(f"{UI}/login?next=/ui/incidents/new")
        foreign = client.post(f"{UI}/incidents", data={"description": "x"}, headers={**FORM, "Origin": "http://evil"})
    assert page.status_code == 200
    assert "Log out" not in page.text
    assert (login.status_code, login.headers["location"]) == (303, f"{UI}/incidents/new")
    assert foreign.status_code == 403  # a page elsewhere still cannot open incidents through the form


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/ui/", "/api/v1/incidents", "/ui\\x"])
def test_login_never_redirects_off_the_ui(base_url: str, target: str) -> None:
    with _browser(base_url) as client:
        answer = client.post(f"{UI}/login", data={"token": TOKEN, "next": target}, headers=FORM)
    assert answer.headers["location"] == f"{UI}/"


def test_an_invalid_form_shows_each_field_error_and_keeps_what_was_typed(base_url: str) -> None:
    typed = {"description": "   ", "namespace": "Shop_NS", "pod": '<b>"pod"</b>'}
    with _logged_in(base_url) as client:
        answer = client.post(f"{UI}/incidents", data=typed, headers=FORM)
        listed = client.get(f"{UI}/").text
    assert answer.status_code == 422
    text = _text(answer.text)
    assert '<p class="error" id="description-error">description: must not be empty or blank</p>' in answer.text
    assert "namespace: must be a Kubernetes namespace name" in text
    assert "pod: must be a Kubernetes pod name" in text
    assert "The incident was not opened" in text
    assert 'value="Shop_NS"' in answer.text
    assert 'value="&lt;b&gt;&#34;pod&#34;&lt;/b&gt;"' in answer.text  # kept, and escaped
    assert answer.text.count('aria-invalid="true"') == 3
    assert "Shop_NS" not in listed  # nothing was opened


def test_an_oversized_or_non_form_body_is_refused_with_a_reason(base_url: str) -> None:
    with _logged_in(base_url) as client:
        large = client.post(f"{UI}/incidents", content=b"description=" + b"x" * 70_000, headers=FORM)
        as_json = client.post(f"{UI}/incidents", json={"description": "x"})
    assert large.status_code == 413
    assert "the form is larger than 65536 bytes" in large.text
    assert as_json.status_code == 415


def test_the_incident_page_lays_out_the_investigation(base_url: str, completed: dict[str, Any]) -> None:
    with _logged_in(base_url) as client:
        page = client.get(f"{UI}/incidents/{completed['incident_id']}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html, text = page.text, _text(page.text)
    assert 'http-equiv="refresh"' not in html  # finished: nothing to wait for
    assert _squash(completed["suggested_root_cause"]) in text
    assert "Confidence: high (95%)" in text
    assert [m for m in re.findall(r"<h3>([^<]+)</h3>", html) if m != "Next steps"] == [
        f["title"] for f in completed["findings"]
    ]
    assert "Dependency path: orders-service → orders-db" in text
    assert "orders-db database NOT healthy" in text
    assert "app waiting" in text or "app running" in text
    assert "Warning Unhealthy" in text
    assert "Method deterministic" in text
    for step in completed["report"]["next_steps"]:
        assert _squash(step) in text
    assert f'href="{UI}/incidents/{completed["incident_id"]}.json"' in html


def test_cited_log_lines_are_highlighted_and_html_in_logs_is_text(base_url: str, completed: dict[str, Any]) -> None:
    with _logged_in(base_url) as client:
        html = client.get(f"{UI}/incidents/{completed['incident_id']}").text
    marked = re.findall(r'<mark class="cited">(.*?)</mark>', html)
    cited_lines = {int(i.rsplit(":", 1)[1]) for i in completed["findings"][0]["evidence"]}
    assert {int(re.search(r"▶\s*(\d+)", m).group(1)) for m in marked} == cited_lines  # type: ignore[union-attr]
    assert "<script>window.pwned" not in html
    assert "<img" not in html
    hostile = [m for m in marked if "pwned" in m]
    assert len(hostile) == 1
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;img src=&#34;x&#34;" in hostile[0]
    assert unescape(hostile[0]).count(HOSTILE) == 1


def test_the_raw_json_is_the_api_document(base_url: str, completed: dict[str, Any]) -> None:
    incident_id = completed["incident_id"]
    with _logged_in(base_url) as client:
        raw = client.get(f"{UI}/incidents/{incident_id}.json")
        unknown = client.get(f"{UI}/incidents/no-such-incident.json")
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as api:
        document = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert raw.headers["content-type"] == "application/json"
    assert raw.json() == document
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


def test_the_list_shows_status_age_target_cause_and_confidence(base_url: str, completed: dict[str, Any]) -> None:
    with _logged_in(base_url) as client:
        listed = client.get(f"{UI}/")
        completed_only = client.get(f"{UI}/?status=completed")
        failed_only = client.get(f"{UI}/?status=failed")
        bad_status = client.get(f"{UI}/?status=sleeping")
        bad_cursor = client.get(f"{UI}/?cursor=garbage")
    row = re.search(rf'<tr data-incident-id="{completed["incident_id"]}">(.*?)</tr>', listed.text, re.S)
    assert row is not None
    cells = [_text(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)]
    assert cells[0] == "completed"
    assert re.fullmatch(r"\d+ (s|min)", cells[1])
    assert cells[2].endswith("...")
    assert DESCRIPTION.startswith(cells[2].removesuffix("..."))
    assert cells[3] == "pod orders/orders-service-57f8594bd6-x4pft"
    assert cells[4] == _squash(completed["suggested_root_cause"])
    assert cells[5] == "high (95%)"
    assert completed["incident_id"] in completed_only.text
    assert completed["incident_id"] not in failed_only.text
    assert "No incidents with status failed yet" in failed_only.text
    assert (bad_status.status_code, bad_cursor.status_code) == (400, 400)
    assert "there is no status &#39;sleeping&#39;" in bad_status.text


def test_an_unknown_incident_is_a_404_page(base_url: str) -> None:
    with _logged_in(base_url) as client:
        answer = client.get(f"{UI}/incidents/<b>nope")
    assert answer.status_code == 404
    assert "there is no incident &#39;&lt;b&gt;nope&#39;" in answer.text


def test_an_unknown_ui_path_is_a_404_page(base_url: str) -> None:
    with _logged_in(base_url) as client:
        answer = client.get(f"{UI}/incidentz")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "there is no page /ui/incidentz" in answer.text


def test_the_ui_is_not_in_the_openapi_document(base_url: str) -> None:
    with httpx2.Client(base_url=base_url, timeout=10) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert paths
    assert not [p for p in paths if p.startswith(UI)]


def test_the_stylesheet_is_served_without_a_session(base_url: str) -> None:
    with httpx2.Client(base_url=base_url, timeout=10) as client:
        css = client.get(f"{UI}/static/ui.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


# -- accessibility: contrast --------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey


def test_every_colour_pair_meets_wcag_aa() -> None:
    palette = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", CSS.read_text(encoding="utf-8")))
    text_pairs = [("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"), ("link", "bg")]
    text_pairs += [("link", "surface"), ("error", "bg"), ("ok", "bg"), ("fg", "mark-bg"), ("fg", "warning-bg")]
    text_pairs += [("bg", "link")]  # button text
    text_pairs += [(f"status-{s}-fg", f"status-{s}-bg") for s in ("completed", "failed", "investigating", "pending")]
    for fg, bg in text_pairs:
        assert contrast(palette[fg], palette[bg]) >= 4.5, (fg, bg, contrast(palette[fg], palette[bg]))
    # Non-text contrast (WCAG 1.4.11): the focus ring and input borders against what they sit on.
    for fg, bg in [("focus", "bg"), ("focus", "surface"), ("border", "bg"), ("error", "bg")]:
        assert contrast(palette[fg], palette[bg]) >= 3.0, (fg, bg)
    used = set(re.findall(r"var\(--([a-z-]+)\)", CSS.read_text(encoding="utf-8")))
    assert used <= set(palette), used - set(palette)
    assert used == set(palette), f"unused colours: {set(palette) - used}"


# -- every scenario renders -----------------------------------------------------------------


# Different shapes of evidence: init containers, a Job, a pod never scheduled, a DaemonSet, no rule matched.
SHAPES = [
    "init-container-failure",
    "job-backoff-limit",
    "pending-insufficient-cpu",
    "daemonset-not-scheduled",
    "unknown-cause",
]


def test_scenarios_of_every_shape_render_their_report(tmp_path: Path) -> None:
    """The page copes with the shapes of evidence the scenarios produce, and shows each root cause."""
    ui = WebUi(OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), lambda: None)  # type: ignore[arg-type,return-value]
    template = ui.templates.get_template("incident.html")

    async def investigate(scenario: Path) -> Any:
        graph = scenario / "knowledge_graph.yaml"
        settings = OrchestratorSettings(
            database_url=f"sqlite:///{tmp_path / 'x.db'}",
            snapshot=scenario / "cluster",
            knowledge_graph=graph if graph.exists() else None,
        )
        description = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))["description"]
        return await investigate_once(settings, description)

    for scenario in (SCENARIOS / name for name in SHAPES):
        incident = asyncio.run(investigate(scenario))
        view = incident_view(incident)
        html = template.render(view=view, refresh=None, logout=False)
        assert view.report is not None and view.target, scenario.name
        assert _squash(incident.suggested_root_cause or "") in _text(html), scenario.name
        assert '<h2 id="containers">' in html, scenario.name


def test_a_report_without_a_pod_diagnosis_renders(tmp_path: Path) -> None:
    """A workload with no pod (admission refused every pod) has evidence but no diagnosis to lay out."""
    now = datetime.now(UTC)
    result = scripted_result(["extract", "collect"])
    incident = Incident.model_validate(
        {**result, "incident_id": "x", "description": "d", "status": "completed", "created_at": now, "updated_at": now}
    )
    view = incident_view(incident)
    ui = WebUi(OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), lambda: None)  # type: ignore[arg-type,return-value]
    html = ui.templates.get_template("incident.html").render(view=view, refresh=None, logout=False)
    assert (view.pod, view.containers, view.logs) == (None, [], [])
    assert "the double always blames the application" in html
    assert view.target == "scripted"
    assert [item.id for item in view.findings[0].evidence] == ["step:extract", "step:collect"]


def test_the_llm_analysis_and_the_report_notes_are_shown_as_text(completed: dict[str, Any], tmp_path: Path) -> None:
    document = {**completed, "report": {**completed["report"]}}
    document["report"]["analysis"] = {
        "status": "used",
        "narrative": "orders-db has no endpoints [dependency:orders-db]; <b>see</b> the logs [log:app:current:20].",
        "cited_evidence": ["dependency:orders-db", "log:app:current:20"],
        "hypothesis": {"text": "a <i>scaled-down</i> database", "category": "dependency_unreachable"},
    }
    document["report"]["notes"] = ["1 evidence items were left out of the LLM's prompt (token budget)."]
    view = incident_view(Incident.model_validate(document))
    ui = WebUi(OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), lambda: None)  # type: ignore[arg-type,return-value]
    html = ui.templates.get_template("incident.html").render(view=view, refresh=None, logout=False)
    assert "orders-db has no endpoints [dependency:orders-db]; &lt;b&gt;see&lt;/b&gt; the logs" in html
    assert "not confirmed by any rule" in _text(html)
    assert "a &lt;i&gt;scaled-down&lt;/i&gt; database" in html
    assert '<p class="note">1 evidence items were left out' in html
