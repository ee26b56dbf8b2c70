"""Symptom-first triage as a person sees it: the web page and the CLI text say how the culprit
was found (the scope swept, the problems, the path from the symptom to the culprit) and show a
consequence under its cause, for a ticket that names no workload."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Callable
from html import unescape
from pathlib import Path

import yaml
from kube_api_server import Kubeconfig
from paths import SCENARIOS

from orchestrator.incidents.one_shot import investigate_once
from orchestrator.incidents.render import render_incident
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings
from orchestrator.web import WebUi
from orchestrator.web.views import incident_view


def _investigate(name: str, tmp_path: Path, kubeconfig: Kubeconfig | None = None) -> Incident:
    """Through the snapshot backend, or with `kubeconfig` the real Kubernetes client against the test API server."""
    scenario = SCENARIOS / name
    cluster = (
        {"kubeconfig": kubeconfig.path, "kube_context": kubeconfig.context}
        if kubeconfig
        else {"snapshot": scenario / "cluster"}
    )
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        knowledge_graph=scenario / "knowledge_graph.yaml",
        **cluster,
    )
    description = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))["description"]
    return asyncio.run(investigate_once(settings, description))


def _page(incident: Incident, tmp_path: Path) -> str:
    ui = WebUi(OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), lambda: None)  # type: ignore[arg-type,return-value]
    html = ui.templates.get_template("incident.html").render(view=incident_view(incident), refresh=None, logout=False)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_cause_upstream_is_the_culprit_and_its_dependent_a_consequence(tmp_path: Path) -> None:
    incident = _investigate("symptom-payments-failing", tmp_path)
    triage = incident.report.triage if incident.report else None
    assert triage is not None and triage.scope == ["payments"]
    assert triage.culprit == "pod payments/ledger-db-0"
    assert triage.path == ["ledger-api", "ledger-db"]
    assert [c.split("/")[1].rsplit("-", 2)[0] for c in triage.consequences] == ["ledger-api"]
    page, text = _page(incident, tmp_path), render_incident(incident)
    for shown in (page, text):
        assert "ledger-db-0" in shown and "ledger-api" in shown
    assert "How the culprit was found" in page and "ledger-api → ledger-db" in page
    assert "culprit: pod payments/ledger-db-0 via ledger-api -> ledger-db" in text


def test_a_named_workload_without_triage_shows_no_triage_section(tmp_path: Path) -> None:
    incident = _investigate("oom-killed-java", tmp_path)
    assert incident.report is not None and incident.report.triage is None
    assert "How the culprit was found" not in _page(incident, tmp_path)
    assert "Symptom-first triage" not in render_incident(incident)


def test_a_consequence_is_shown_under_its_cause(tmp_path: Path) -> None:
    incident = _investigate("redis-refused-node", tmp_path)
    readiness = [f for f in incident.findings if f.category == "readiness_probe_failure"]
    assert readiness and readiness[0].consequence_of == incident.findings[0].rule_id
    assert incident.findings[0].category == "dependency_unreachable" and readiness[0].confidence < 0.5
    assert "Consequence of" in _page(incident, tmp_path)
    assert f"consequence of {incident.findings[0].rule_id}" in render_incident(incident)


def test_pods_evicted_for_memory_are_consequences_of_the_unlimited_neighbour_that_filled_the_node(
    tmp_path: Path, kubeconfig_for: Callable[..., Kubeconfig]
) -> None:
    name = "symptom-shop-evicted-memory-hog"
    incident = _investigate(name, tmp_path, kubeconfig_for(SCENARIOS / name / "cluster"))
    triage = incident.report.triage if incident.report else None
    hog = yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text(encoding="utf-8"))["expect"]["pod"]
    assert triage is not None and triage.scope == ["shop"]
    assert triage.culprit == f"pod analytics/{hog}", "the hog runs outside the namespace the ticket names"
    victims = [c for c in triage.consequences if c.startswith("pod shop/")]
    assert victims and triage.consequences == victims, "every candidate investigated was one of its victims"
    top, *rest = incident.findings
    assert (top.rule_id, top.culprit, top.confidence_score) == ("node-memory-hog", f"analytics/{hog}", "high")
    assert "no memory limit" in top.root_cause and "request of 512Mi" in top.root_cause
    evicted = next(f for f in rest if f.rule_id == "evicted")
    assert evicted.consequence_of == "node-memory-hog" and evicted.confidence_score == "low"
    assert f"neighbour:analytics/{hog}" in top.evidence
    text = render_incident(incident)
    assert f"culprit: pod analytics/{hog}" in text and "consequence of node-memory-hog" in text


def test_a_pod_pending_for_capacity_is_a_consequence_of_the_node_that_was_lost(tmp_path: Path) -> None:
    incident = _investigate("symptom-alert-replicas-mismatch-node-lost", tmp_path)
    triage = incident.report.triage if incident.report else None
    assert triage is not None and triage.culprit is not None and "fx-rates" in triage.culprit
    assert incident.report is not None and incident.report.category == "node_failure"
    assert [c.split("/")[1].rsplit("-", 2)[0] for c in triage.consequences] == ["ledger-api"]
    assert any("Not enough free CPU" in line and "ledger-api" in line for line in triage.investigated)


def test_a_healthy_cluster_whose_logs_blame_an_outside_provider_blames_nothing_inside_it(tmp_path: Path) -> None:
    incident = _investigate("symptom-card-payments-provider-timeouts", tmp_path)
    assert incident.report is not None and incident.confidence_score != "high"
    if incident.report.category != "unknown":  # the provider the logs name, at medium at most
        assert "api.payvera.com" in (incident.suggested_root_cause or "")


def test_without_the_metrics_api_an_eviction_for_memory_stands_on_its_own_and_says_why(tmp_path: Path) -> None:
    name = "symptom-shop-evicted-memory-hog"
    cluster = tmp_path / "cluster"
    shutil.copytree(SCENARIOS / name / "cluster", cluster)
    for metrics in cluster.glob("*/pod-metrics.json"):
        metrics.unlink()
    description = yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text(encoding="utf-8"))["description"]
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        snapshot=cluster,
        knowledge_graph=SCENARIOS / name / "knowledge_graph.yaml",
    )
    incident = asyncio.run(investigate_once(settings, description))
    assert incident.findings[0].rule_id == "evicted" and incident.findings[0].culprit is None
    assert incident.extracted is not None and incident.extracted.namespace == "shop"
    assert any("memory use of the pods on node" in note and "metrics API" in note for note in incident.report.notes)  # type: ignore[union-attr]
