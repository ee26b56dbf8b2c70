"""An investigation whose graph finished but whose outcome was never stored (the process stopped
in between) is taken up from its checkpoint: its report stands, rather than failing for want of
a step to resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from paths import SCENARIOS

from orchestrator.incidents.investigator import open_investigator
from orchestrator.models import IncidentRequest
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import prepare_database

SCENARIO = SCENARIOS / "oom-killed-python"

pytestmark = pytest.mark.anyio


async def test_a_finished_checkpoint_is_its_result(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'incidents.db'}"
    prepare_database(database_url)
    settings = OrchestratorSettings(database_url=database_url, snapshot=SCENARIO / "cluster")
    steps: list[str] = []

    async def on_step(step: str) -> None:
        steps.append(step)

    request = IncidentRequest(description="pricefeed-worker pods keep dying, exit code 137", namespace="pricing")
    investigator = await open_investigator(settings, checkpoints=database_url)
    try:
        first: dict[str, Any] = await investigator.run("incident-1", request, on_step)
        steps.clear()
        again = await investigator.run("incident-1", None, on_step)  # as the runner does after a restart
    finally:
        await investigator.aclose()
    assert again == first
    assert again["report"]["category"] == "insufficient_memory"
    assert steps == []  # nothing ran twice
