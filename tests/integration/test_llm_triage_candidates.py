"""With an LLM, the candidates of symptom-first triage may grow by what the ticket implies; the
verdict stays the rules'. Through the real langchain-openai client against the scripted
OpenAI-compatible test server, over the scenario where a lost node leaves two workloads short."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai_server import OpenAIServer, answer
from paths import SCENARIOS

from orchestrator.incidents.one_shot import investigate_once
from orchestrator.incidents.render import render_incident
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings

pytestmark = pytest.mark.anyio

SCENARIO = SCENARIOS / "symptom-alert-replicas-mismatch-node-lost"
TICKET = "month-end close is stuck, accounts namespace"
NARRATIVE = answer({"narrative": "ledger-api cannot be scheduled [event:0]."})


def _settings(server: OpenAIServer, tmp_path: Path, **overrides: Any) -> OrchestratorSettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'x.db'}",
        "snapshot": SCENARIO / "cluster",
        "knowledge_graph": SCENARIO / "knowledge_graph.yaml",
        **server.llm_settings(),
        "triage_candidates": 1,  # one candidate: the ranking alone decides which is investigated
    }
    return OrchestratorSettings(**{**values, **overrides})


def _investigated(incident: Incident) -> list[str]:
    assert incident.status == "completed", incident.error
    assert incident.report is not None and incident.report.triage is not None
    return incident.report.triage.investigated


async def test_a_component_the_llm_reads_into_the_ticket_joins_the_candidates(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    without = await investigate_once(_settings(openai_server, tmp_path, llm_model=None), TICKET)
    assert ["fx-rates" in line for line in _investigated(without)] == [True]

    openai_server.script(answer({"implied": ["ledger-api", "close-orchestrator"], "summary": "x"}), NARRATIVE)
    incident = await investigate_once(_settings(openai_server, tmp_path), TICKET)

    assert incident.extracted is not None and incident.extracted.method == "llm_fallback_deterministic"
    assert incident.extracted.llm_candidates == ["ledger-api", "close-orchestrator"]
    assert ["ledger-api" in line for line in _investigated(incident)] == [True]
    triage = incident.report.triage  # type: ignore[union-attr]
    flagged = [p for p in triage.problems if p.source == "llm"]
    assert flagged and {p.component for p in flagged} == {"ledger-api"}
    assert all("suggested by the LLM" in p.relation for p in flagged)
    assert all(p.source == "sweep" for p in triage.problems if p.component != "ledger-api")
    # A name that exists nowhere is dropped, with a note; it is never investigated.
    assert any("'close-orchestrator'" in n and "dropped" in n for n in triage.notes)
    assert not any("close-orchestrator" in line for line in triage.investigated)
    # The verdict is still the rules' answer on what the cluster showed.
    assert incident.report.category == "insufficient_cluster_resources"  # type: ignore[union-attr]
    assert incident.findings[0].rule_id == "insufficient-cluster-resources"
    assert "implied" in openai_server.requests[0].body["response_format"]["json_schema"]["schema"]["properties"]
    text = render_incident(incident)
    assert "suggested by the LLM" in text and "note: the LLM suggested 'close-orchestrator'" in text


async def test_without_suggestions_the_llm_changes_nothing(openai_server: OpenAIServer, tmp_path: Path) -> None:
    openai_server.script(answer({"symptoms": ["stuck"]}), NARRATIVE)
    incident = await investigate_once(_settings(openai_server, tmp_path), TICKET)
    assert ["fx-rates" in line for line in _investigated(incident)] == [True]
    assert incident.report.triage.notes == []  # type: ignore[union-attr]
    assert all(p.source == "sweep" for p in incident.report.triage.problems)  # type: ignore[union-attr]
