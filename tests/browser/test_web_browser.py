"""The web UI in a real browser: Debian's Chromium driven by Playwright, against the orchestrator's
app (uvicorn in a thread) reading the test Kubernetes API server with the real `kubernetes` client.

The cluster is the db-connection-refused-java scenario with HTML in a cited log line. A delay
on the cluster's log reads keeps one investigation running long enough to watch the list
refresh itself (a meta refresh: the first test runs with JavaScript off). Screenshots of the
list and of an incident page are saved under test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_server import serve_in_thread
from kube_api_server import KubeApiServer
from paths import ROOT
from playwright.sync_api import Browser, Page, expect, sync_playwright
from web_fixtures import DESCRIPTION, HOSTILE, KNOWLEDGE_GRAPH, TOKEN, UI, hostile_cluster

from orchestrator.app import create_app
from orchestrator.incidents.investigator import open_server_investigator
from orchestrator.settings import OrchestratorSettings

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root in a container: no sandbox, GPU or background traffic to anywhere.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
INCIDENT_PATH = re.compile(r"/ui/incidents/([0-9a-f-]{36})$")
SLOW_LOG_SECONDS = 4.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def cluster_url(kube_api_server: KubeApiServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The served cluster's URL and a kubeconfig for it."""
    directory = tmp_path_factory.mktemp("web-browser-cluster")
    kubeconfig = kube_api_server.kubeconfig_for(hostile_cluster(directory), directory / "kubeconfig.yaml")
    return kubeconfig.server_url, kubeconfig.path


@pytest.fixture(scope="module")
def base(cluster_url: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's base URL: the live backend, the knowledge graph, and one API token."""
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('web-browser') / 'incidents.db'}",
        api_tokens=[TOKEN],
        kubeconfig=cluster_url[1],
        knowledge_graph=KNOWLEDGE_GRAPH,
    )
    with serve_in_thread(create_app(settings, open_server_investigator)) as url:
        yield url


@pytest.fixture
def slow_logs(kube_api_server: KubeApiServer, cluster_url: tuple[str, Path]) -> Iterator[None]:
    """The next log read of this cluster waits, so the investigation stays in its collect step."""
    fault = kube_api_server.inject_fault(r"/log$", delay_seconds=SLOW_LOG_SECONDS, times=1, server_url=cluster_url[0])
    yield
    kube_api_server.remove_fault(fault)


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}{UI}/")
    expect(page).to_have_url(f"{base}{UI}/login?next=%2Fui%2F")
    page.get_by_label("API token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}{UI}/")


def test_reading_an_investigation_without_javascript(browser: Browser, base: str, slow_logs: None) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(f"{base}{UI}/")
    page.get_by_label("API token").fill("not-a-token")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("that token is not one of the server's API tokens")
    page.get_by_label("API token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}{UI}/")

    # The form: an invalid submission keeps what was typed and says what to fix.
    page.get_by_role("link", name="Open an incident").click()
    page.get_by_label("What is wrong?").fill("   ")
    page.get_by_label("Namespace").fill("Orders_NS")
    page.get_by_role("button", name="Investigate").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("description: must not be empty or blank")
    expect(summary).to_contain_text("namespace: must be a Kubernetes namespace name")
    expect(page.get_by_label("Namespace")).to_have_value("Orders_NS")
    expect(page.get_by_label("Namespace")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("What is wrong?").fill(DESCRIPTION)
    page.get_by_label("Namespace").fill("orders")
    page.get_by_role("button", name="Investigate").click()
    expect(page).to_have_url(INCIDENT_PATH)
    incident_id = INCIDENT_PATH.search(page.url).group(1)  # type: ignore[union-attr]

    # The list shows it running, then refreshes itself (no JavaScript) until it completes.
    page.get_by_role("link", name="Incidents", exact=True).click()
    status = page.locator(f'tr[data-incident-id="{incident_id}"] .status')
    expect(status).to_have_text(re.compile(r"^(pending|investigating: \w+)$"))
    expect(page.locator("#refresh-note")).to_be_visible()
    expect(status).to_have_text("completed", timeout=SLOW_LOG_SECONDS * 1000 + 10_000)
    expect(page.locator("#refresh-note")).to_have_count(0)
    _screenshot(page, "ui-list.png")

    page.get_by_role("link", name=DESCRIPTION[:40]).first.click()
    expect(page).to_have_url(f"{base}{UI}/incidents/{incident_id}")
    expect(page.get_by_role("heading", name="Root cause")).to_be_visible()
    expect(page.locator(".root-cause")).to_contain_text("cannot reach its database orders-db")
    expect(page.get_by_role("heading", name="Database unreachable", exact=True)).to_be_visible()
    expect(page.get_by_text("Dependency path: orders-service → orders-db")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^orders-db database NOT healthy"))).to_be_visible()
    expect(page.get_by_role("rowheader", name="Unhealthy").first).to_be_visible()
    marked = page.locator("pre.log-text mark.cited")
    expect(marked).to_have_count(5)
    expect(marked.first).to_be_visible()
    hostile = marked.filter(has_text=HOSTILE)
    expect(hostile).to_have_count(1)
    expect(hostile).to_be_visible()
    expect(page.locator("pre.log-text script, pre.log-text img")).to_have_count(0)
    _screenshot(page, "ui-incident.png")
    page.screenshot(path=ARTIFACTS / "ui-incident-top.png")  # the first screen, as in the README

    raw = page.goto(f"{base}{UI}/incidents/{incident_id}.json")
    assert raw is not None
    assert raw.json()["status"] == "completed"
    page.go_back()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}{UI}/login")
    page.goto(f"{base}{UI}/incidents/{incident_id}")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    context.close()


def _tab_to(page: Page, predicate: str, limit: int = 15) -> None:
    """Press Tab until `predicate` (a JS expression over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => Boolean({predicate}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_the_keyboard_reaches_everything_and_scripts_in_logs_never_run(browser: Browser, base: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, base)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused
    _tab_to(page, "el.textContent === 'Open an incident'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    width = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert (outline, width) == ("solid", "3px"), "the focused link must show a visible focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}{UI}/incidents/new")

    _tab_to(page, "el.id === 'description'")
    page.keyboard.insert_text(DESCRIPTION)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Namespace")).to_be_focused()
    page.keyboard.type("orders")
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent === 'Investigate'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(INCIDENT_PATH)
    expect(page.locator(".status").first).to_have_text("completed", timeout=15_000)

    hostile = page.locator("pre.log-text mark.cited").filter(has_text=HOSTILE)
    expect(hostile).to_be_visible()
    assert page.evaluate("window.pwned") is None, "a script from the cluster's logs ran"
    _tab_to(page, "el.tagName === 'SUMMARY'")  # the evidence of a finding opens from the keyboard
    page.keyboard.press("Enter")
    expect(page.locator("ol.findings details").first).to_have_attribute("open", "")
    context.close()


def test_feedback_on_the_verdict_by_keyboard_alone(browser: Browser, base: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, base)
    page.goto(f"{base}{UI}/incidents/new")
    page.get_by_label("What is wrong?").fill(DESCRIPTION)
    page.get_by_label("Namespace").fill("orders")
    page.get_by_role("button", name="Investigate").click()
    expect(page).to_have_url(INCIDENT_PATH)
    expect(page.locator(".status").first).to_have_text("completed", timeout=15_000)

    _tab_to(page, "el.id === 'actual_category'", limit=40)
    page.keyboard.type("dns")  # a focused <select> picks the option typed
    expect(page.get_by_label("If wrong, what was it?")).to_have_value("dns_resolution_failure")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Component or workload really at fault")).to_be_focused()
    page.keyboard.type("coredns")
    _tab_to(page, "el.tagName === 'BUTTON' && el.value === 'rejected'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused verdict button must show a focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ui/incidents/[0-9a-f-]{36}#feedback$"))
    recorded = page.get_by_role("status").filter(has_text="Recorded")
    expect(recorded).to_contain_text("rejected")
    expect(recorded).to_contain_text("dns_resolution_failure")
    expect(recorded).to_contain_text("coredns")
    _screenshot(page, "incident-feedback.png")

    _tab_to(page, "el.tagName === 'BUTTON' && el.value === 'confirmed'", limit=40)
    page.keyboard.press("Space")
    expect(page.get_by_role("status").filter(has_text="Recorded")).to_contain_text("confirmed")
    context.close()
