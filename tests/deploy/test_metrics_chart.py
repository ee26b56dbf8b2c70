"""The chart's side of /metrics: scrape annotations on both pods, and NetworkPolicy rules for the scrapers."""

from __future__ import annotations

from typing import Any

from test_chart import deployments, objects, of_kind, render

SCRAPERS = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
CLIENTS = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "alerting"}}}]
SCRAPE = {"prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics"}


def annotations(deployment: dict[str, Any]) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"].get("annotations") or {}


def policy_of(docs: list[dict[str, Any]], deployment: dict[str, Any]) -> dict[str, Any]:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    (policy,) = [
        p for p in of_kind(docs, "NetworkPolicy") if p["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    ]
    return policy


def test_both_pods_carry_scrape_annotations_beside_their_own() -> None:
    found = deployments(objects(render({"mcp": {"podAnnotations": {"team": "sre"}}})))
    for name in ("orchestrator", "mcp-server"):
        assert annotations(found[name]).items() >= SCRAPE.items(), name
    assert annotations(found["mcp-server"])["team"] == "sre"
    assert "checksum/config" in annotations(found["orchestrator"])


def test_annotations_can_be_left_out() -> None:
    found = deployments(objects(render({"metrics": {"annotations": False}})))
    for name in ("orchestrator", "mcp-server"):
        assert not annotations(found[name]).keys() & SCRAPE.keys(), name


def test_scrapers_reach_both_pods_port_and_nothing_else_changes() -> None:
    default = objects(render({"orchestrator": {"allowedClients": CLIENTS}}))
    docs = objects(render({"orchestrator": {"allowedClients": CLIENTS}, "metrics": {"scrapers": SCRAPERS}}))
    found, before = deployments(docs), deployments(default)
    for name in ("orchestrator", "mcp-server"):
        rules = policy_of(docs, found[name])["spec"]["ingress"]
        assert rules[: len(rules) - 1] == policy_of(default, before[name])["spec"]["ingress"], name
        assert rules[-1] == {"from": SCRAPERS, "ports": [{"port": "http", "protocol": "TCP"}]}, name


def test_an_open_api_needs_no_extra_rule() -> None:
    docs = objects(render({"metrics": {"scrapers": SCRAPERS}}))
    (rule,) = policy_of(docs, deployments(docs)["orchestrator"])["spec"]["ingress"]
    assert "from" not in rule  # anyone already reaches the REST API's port
