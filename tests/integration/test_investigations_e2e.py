"""Every scenario investigated end to end: through a running `serve` over HTTP, and through `investigate`.

Each scenario's expected category (and pod, where the scenario names one) must come out of the
real command, with the in-process Kubernetes MCP server reading the scenario's snapshot.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from paths import SCENARIOS
from processes import CLI, cli_server
from scenario_expectations import equivalent_pod

SCENARIOS = sorted(p for p in (SCENARIOS).iterdir() if (p / "scenario.yaml").is_file())


def wait_until_finished(client: httpx2.Client, location: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        incident = client.get(location).raise_for_status().json()
        if incident["status"] in ("completed", "failed"):
            return incident
        time.sleep(0.05)
    raise AssertionError(f"{location} did not finish within {timeout}s: {incident}")


def _assert_expected(incident: dict[str, Any], scenario: Path, expect: dict[str, Any], where: str) -> None:
    assert incident["status"] == "completed", f"{where}: {incident['error']}"
    assert incident["report"]["category"] == expect["category"], f"{where}: {incident['suggested_root_cause']}"
    if expect["category"] == "unknown":  # nothing fits: say so, never a confident guess
        assert incident["confidence_score"] == "low" and incident["evidence"]["items"], where
        return
    top = incident["findings"][0]
    assert top["category"] == expect["category"] and top["evidence"], where
    assert incident["confidence_score"] in ("high", "medium")
    if expect.get("pod"):
        extracted = incident["extracted"]
        assert equivalent_pod(scenario / "cluster", extracted["namespace"], expect["pod"], extracted["pod"]), where
    if expect.get("component"):
        assert incident["extracted"]["component"] == expect["component"], where
    cited = {item["id"] for item in incident["evidence"]["items"]}
    assert set(top["evidence"]) <= cited, f"{where}: the top finding cites evidence the report does not list"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_through_serve_and_investigate(scenario: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))
    knowledge = ["--snapshot", scenario / "cluster", "--knowledge-graph", scenario / "knowledge_graph.yaml"]
    database = f"sqlite:///{tmp_path / 'incidents.db'}"
    with cli_server(["serve", *knowledge, "--database-url", database], tmp_path) as server:
        with httpx2.Client(base_url=server.base_url, timeout=10) as client:
            created = client.post("/api/v1/incidents", json={"description": spec["description"]})
            assert created.status_code == 202, created.text
            assert created.json()["status"] == "pending"
            served = wait_until_finished(client, created.headers["location"])
    _assert_expected(served, scenario, spec["expect"], f"{scenario.name} via serve")

    cli = subprocess.run(
        [*CLI, "investigate", spec["description"], *map(str, knowledge), "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    printed = json.loads(cli.stdout)
    _assert_expected(printed, scenario, spec["expect"], f"{scenario.name} via investigate")
    assert printed.keys() == served.keys()
    assert "extract" in cli.stderr and "report" in cli.stderr  # progress while it ran
    assert printed["findings"] == served["findings"]
