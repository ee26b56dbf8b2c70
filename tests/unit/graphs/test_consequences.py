"""Causes before consequences: what one finding explains never outranks it."""

from __future__ import annotations

from graphs.consequences import CONSEQUENCE_CONFIDENCE, CONSEQUENCES, explain
from knowledge.findings import Finding, confidence_score


def finding(rule: str, category: str, confidence: float) -> Finding:
    return Finding(
        rule_id=rule,
        category=category,  # type: ignore[arg-type]
        title=rule,
        root_cause="",
        confidence=confidence,
        confidence_score=confidence_score(confidence),
        evidence=["x"],
        remediation="",
    )


def test_a_readiness_failure_of_a_crashing_container_comes_after_the_crash_as_its_consequence() -> None:
    ranked = explain(
        [finding("readiness", "readiness_probe_failure", 0.9), finding("oom", "insufficient_memory", 0.85)]
    )
    assert [f.rule_id for f in ranked] == ["oom", "readiness"]
    assert ranked[1].consequence_of == "oom" and ranked[1].confidence == CONSEQUENCE_CONFIDENCE
    assert ranked[1].confidence_score == "low" and ranked[0].consequence_of is None


def test_a_weak_cause_explains_nothing_and_unrelated_findings_stay_causes() -> None:
    weak = explain(
        [finding("readiness", "readiness_probe_failure", 0.8), finding("refused", "dependency_unreachable", 0.45)]
    )
    assert [f.consequence_of for f in weak] == [None, None]
    both = explain([finding("quota", "resource_quota_exceeded", 0.9), finding("node", "node_failure", 0.8)])
    assert [f.consequence_of for f in both] == [None, None]


def test_a_generic_crash_is_the_consequence_of_its_specific_reason() -> None:
    ranked = explain([finding("crash", "application_crash", 0.7), finding("config", "configuration_error", 0.8)])
    assert [(f.rule_id, f.consequence_of) for f in ranked] == [("config", None), ("crash", "config")]


def test_an_eviction_is_the_consequence_of_the_neighbour_that_filled_the_node() -> None:
    # Both are category `eviction`: the rule id of the cause is what tells them apart.
    ranked = explain([finding("evicted", "eviction", 0.98), finding("node-memory-hog", "eviction", 0.9)])
    assert [(f.rule_id, f.consequence_of) for f in ranked] == [
        ("node-memory-hog", None),
        ("evicted", "node-memory-hog"),
    ]
    assert ranked[1].confidence_score == "low"


def test_a_finding_never_explains_itself_and_only_node_relations_hold_across_candidates() -> None:
    assert [f.consequence_of for f in explain([finding("evicted", "eviction", 0.98)])] == [None]
    pending = finding("insufficient-cluster-resources", "insufficient_cluster_resources", 0.95)
    node = finding("node-not-ready", "node_failure", 0.9)
    assert CONSEQUENCES.across_candidates(pending) == {"node_failure"}
    assert not CONSEQUENCES.across_candidates(finding("evicted", "eviction", 0.98))
    assert "node_failure" not in CONSEQUENCES.explainers(finding("x", "dependency_unreachable", 0.9))
    ranked = explain([pending, node])  # an entry that holds across candidates holds within one too
    assert [(f.rule_id, f.consequence_of) for f in ranked] == [
        ("node-not-ready", None),
        (pending.rule_id, "node-not-ready"),
    ]
