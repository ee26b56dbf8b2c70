"""What changed, end to end: a scenario whose new revision broke the pod, investigated for real.

The investigation reads the rollout history through the Kubernetes MCP server, the top finding
cites the change, the next steps name a rollback for a person, and the web page and the CLI
text show the diff and one timeline of events and changes.
"""

from __future__ import annotations

import asyncio
import re
from html import unescape
from pathlib import Path

import pytest
import yaml
from paths import SCENARIOS

from orchestrator.incidents.one_shot import investigate_once
from orchestrator.incidents.render import render_incident
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings
from orchestrator.web import WebUi
from orchestrator.web.views import incident_view

OLD = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payment-gateway:v2.13.4"
NEW = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payment-gateway:v2.14.0-rc1"


def _investigate(name: str, tmp_path: Path) -> Incident:
    scenario = SCENARIOS / name
    settings = OrchestratorSettings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        snapshot=scenario / "cluster",
        knowledge_graph=scenario / "knowledge_graph.yaml",
    )
    description = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))["description"]
    return asyncio.run(investigate_once(settings, description))


def test_a_pull_failure_after_a_new_tag_cites_the_change_and_suggests_a_rollback(tmp_path: Path) -> None:
    incident = _investigate("image-pull-backoff", tmp_path)
    top = (incident.findings or [])[0]
    assert top.evidence == ["container:app", "change:Deployment/payment-gateway:2"]
    assert any(OLD in why and NEW in why for why in top.corroborated_by), top.corroborated_by
    assert incident.report is not None and incident.evidence is not None
    assert "change:Deployment/payment-gateway:2" in {item.id for item in incident.evidence.items}
    rollback = "kubectl rollout undo deployment/payment-gateway -n payments --to-revision=1"
    assert any(rollback in step for step in incident.report.next_steps)
    [record] = incident.report.changes
    assert (record.cited, record.previous_healthy, record.revision) == (True, True, 2)

    ui = WebUi(OrchestratorSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), lambda: None)  # type: ignore[arg-type,return-value]
    html = ui.templates.get_template("incident.html").render(view=incident_view(incident), refresh=None, logout=False)
    assert '<h2 id="what-changed">What changed</h2>' in html
    assert f"<del>{OLD}</del>" in html and f"<ins>{NEW}</ins>" in html
    timeline = re.search(r'<ol class="timeline-list">(.*?)</ol>', html, re.S)
    assert timeline is not None
    sources = re.findall(r"<strong>(\w+)</strong>", timeline.group(1))
    # The rollout comes first, then the pod's events; the onset sits among them.
    assert sources[0] == "change" and "onset" in sources and sources.count("change") == 1
    times = re.findall(r'<time datetime="([^"]+)"', timeline.group(1))
    assert times == sorted(times)
    assert "payment-gateway revision 2 rolled out: containers[app].image" in unescape(timeline.group(1))

    text = render_incident(incident)
    block = text.split("What changed:\n", 1)[1].split("\n\n", 1)[0]
    assert "Deployment payment-gateway revision 2" in block and "[cited]" in block
    assert f"containers[app].image: {OLD} -> {NEW}" in block


def test_a_scenario_without_revisions_shows_no_change(tmp_path: Path) -> None:
    incident = _investigate("db-connection-refused-java", tmp_path)
    assert incident.report is not None and incident.report.changes == []
    assert "What changed" not in render_incident(incident)
    assert all(entry.source != "change" for entry in incident.report.timeline)


# Scenario -> (the change the top finding must cite, words its corroboration must name).
CITED = {
    "change-env-crash": ("change:Deployment/ledger-exporter:2", ["env[EXPORT_FORMAT]"]),
    "oom-after-limit-lowered": ("change:Deployment/pricing-engine:2", ["from 2Gi to 1Gi"]),
    "image-tag-typo": ("change:Deployment/sms-dispatcher:2", ["sms-dispatcher:2.8.1", "to", "sms-dispatcher:2.9.1a"]),
    "liveness-new-probe-path": ("change:Deployment/thumbnailer:2", ["/healthz", "/health/live"]),
    "configmap-key-removed": ("change:Deployment/loyalty-api:2", ["env[POINTS_RULES_URL]"]),
    "init-container-added": ("change:Deployment/reviews-api:2", ["added this init container"]),
    "changed-command": ("change:Deployment/events-ingest:2", ["containers[app].command"]),
    "statefulset-env-change": ("change:StatefulSet/ingest-buffer:2", ["env[BUFFER_MAX_BYTES]"]),
    "readiness-new-port": ("change:Deployment/route-planner:2", ["to GET http://:9091/readyz"]),
}
# Scenario -> its category: the rollout is there, but it did not cause the failure.
NOT_BLAMED = {
    "rollout-restart-not-blamed": "dependency_unreachable",
    "cause-predates-rollout": "dependency_unreachable",
    "oom-limit-raised-not-blamed": "insufficient_memory",
}


@pytest.mark.parametrize("name", sorted(CITED))
def test_a_change_that_triggered_the_failure_is_cited_and_named(name: str, tmp_path: Path) -> None:
    change, words = CITED[name]
    incident = _investigate(name, tmp_path)
    top = (incident.findings or [])[0]
    assert change in top.evidence, top
    why = " ".join(top.corroborated_by)
    assert all(word in why for word in words), why
    assert incident.report is not None
    assert [r.id for r in incident.report.changes if r.cited] == [change]
    # Each of these keeps its previous revision's pods ready: rolling back is a reasonable first step.
    revision = int(change.rsplit(":", 1)[1]) - 1
    assert any(f"--to-revision={revision}" in step for step in incident.report.next_steps)


@pytest.mark.parametrize("name", sorted(NOT_BLAMED))
def test_a_change_that_did_not_cause_the_failure_is_shown_but_not_blamed(name: str, tmp_path: Path) -> None:
    incident = _investigate(name, tmp_path)
    assert incident.report is not None and incident.report.category == NOT_BLAMED[name]
    assert incident.report.changes, "the rollout is seen"
    assert not [e for f in incident.findings or [] for e in f.evidence if e.startswith("change:")]
    assert not any("rollout undo" in step for step in incident.report.next_steps)
    assert not any(record.cited for record in incident.report.changes)
