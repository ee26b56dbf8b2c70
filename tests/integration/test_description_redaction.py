"""A secret pasted into an incident's description is never stored nor shown: over real HTTP (REST,
the web UI, the workflow MCP server at /mcp with a real MCP client), and in the database file.

The description is redacted once, when the incident is reported (common/redaction.py), and the
incident says how many secrets went, so a reader knows why it reads `[REDACTED]`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx2
import pytest
from api_server import ScriptedFactory, serve_in_thread
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from paths import ROOT

from orchestrator.app import create_app
from orchestrator.incidents.one_shot import investigate_once
from orchestrator.incidents.render import render_incident
from orchestrator.settings import OrchestratorSettings

pytestmark = pytest.mark.anyio

TOKEN = "redaction-test-token"
INCIDENTS = "/api/v1/incidents"
PASSWORD = "hunter2hunter2"
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRETS = (PASSWORD, AWS_KEY_ID, AWS_SECRET)
DESCRIPTION = f"checkout fails since the deploy; db login password={PASSWORD}, creds {AWS_KEY_ID} / {AWS_SECRET}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    directory = tmp_path_factory.mktemp("redaction")
    database = directory / "incidents.db"
    settings = OrchestratorSettings(database_url=f"sqlite:///{database}", api_tokens=[TOKEN])
    with serve_in_thread(create_app(settings, ScriptedFactory(directory / "journal.txt"))) as url:
        yield url, database


@pytest.fixture(scope="module")
def incident(server: tuple[str, Path]) -> dict[str, Any]:
    """Reported over REST and investigated to the end (the investigation reads the stored description)."""
    url, _ = server
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
        created = client.post(INCIDENTS, json={"description": DESCRIPTION, "namespace": "shop"})
        assert created.status_code == 202, created.text
        incident_id = created.json()["incident_id"]
        deadline = time.monotonic() + 20
        while (document := client.get(f"{INCIDENTS}/{incident_id}").json())["status"] not in ("completed", "failed"):
            assert time.monotonic() < deadline, document
            time.sleep(0.05)
    return created.json() | {"finished": document}


def _no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{leaked} in {text[:400]}"


def test_the_answer_to_the_post_and_the_document_are_redacted_with_the_count(incident: dict[str, Any]) -> None:
    for document in (incident, incident["finished"]):
        _no_secret(str(document))
        assert document["description_redactions"] == 3
        assert document["description"].startswith("checkout fails since the deploy; db login password=[REDACTED]")


def test_the_list_and_the_database_file_hold_no_secret(server: tuple[str, Path], incident: dict[str, Any]) -> None:
    url, database = server
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
        _no_secret(client.get(INCIDENTS).text)
    with closing(sqlite3.connect(database)) as db:
        # Every table, the investigation's checkpoints included.
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            _no_secret(repr(db.execute(f"SELECT * FROM {table}").fetchall()))


def test_the_ui_page_shows_the_redacted_description_and_says_how_many(
    server: tuple[str, Path], incident: dict[str, Any]
) -> None:
    url, _ = server
    with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:
        page = client.get(f"/ui/incidents/{incident['incident_id']}")
        listing = client.get("/ui/")
    assert page.status_code == 200
    _no_secret(page.text)
    _no_secret(listing.text)
    assert "password=[REDACTED]" in page.text
    assert "3 secrets in the description replaced by [REDACTED]." in page.text


async def test_the_workflow_mcp_server_returns_it_redacted(server: tuple[str, Path], incident: dict[str, Any]) -> None:
    url, _ = server
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
        result = await client.call_tool("get_incident", {"incident_id": incident["incident_id"]})
        started = await client.call_tool("investigate", {"description": f"orders slow, token={PASSWORD}x"})
    assert not result.is_error
    structured = result.structured_content
    assert structured is not None
    assert structured["description_redactions"] == 3
    text = "\n".join(block.text for block in result.content)
    _no_secret(f"{structured} {text}")
    assert "3 secrets in the description replaced by [REDACTED]" in text
    _no_secret(str(started.structured_content))
    assert started.structured_content is not None and started.structured_content["description_redactions"] == 1


async def test_investigate_in_the_terminal_prints_it_redacted(tmp_path: Path) -> None:
    demo = ROOT / "knowledge" / "demo"
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        snapshot=demo / "cluster",
        knowledge_graph=demo / "knowledge_graph.yaml",
    )
    incident = await investigate_once(settings, f"auth-service keeps crashing in shop; {DESCRIPTION}")
    assert incident.status == "completed", incident.error
    assert incident.description_redactions == 3
    text = render_incident(incident)
    _no_secret(f"{incident.model_dump_json()} {text}")
    assert "  (3 secrets in the description replaced by [REDACTED])" in text
