"""Rules are data: a YAML file adds one, and a broken file stops startup naming the file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.rule_engine import DEFAULT_RULES_DIR, RuleError, load_rules

FACTS = {
    "pod": {"name": "api-1", "phase": "Running", "reason": "", "evidence": "pod:shop/api-1"},
    "containers": [
        {"name": "app", "restarts": 5, "reason": "CrashLoopBackOff", "evidence": "container:app"},
    ],
    "events": [],
    "log_lines": [
        {
            "container": "app",
            "text": "x509: certificate has expired",
            "dependency": None,
            "evidence": "log:app:current:7",
        },
        {"container": "app", "text": "GET /health 200", "dependency": None, "evidence": "log:app:current:8"},
    ],
    "dependencies": [],
    "owner": None,
    "node": None,
    "component": {"name": "api", "type": "service"},
    "symptoms": [],
}

USER_RULE = """
rules:
  - id: expired-certificate
    category: configuration_error
    title: An expired TLS certificate
    for_each: log_lines
    pattern: certificate has expired
    confidence: 0.7
    corroborate:
      - when: containers.exists(c, c.restarts > 3)
        add: 0.1
        why: "{{ containers[0].name }} keeps restarting"
    root_cause: 'TLS fails in {{ component.name }}: "{{ item.text }}"'
    remediation: Renew the certificate.
"""


def _write(directory: Path, text: str, name: str = "rules.yaml") -> Path:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_the_bundled_rules_load() -> None:
    rules = load_rules()
    assert len(rules) >= 25
    assert {r.category for r in rules.rules} >= {
        "insufficient_memory",
        "insufficient_cluster_resources",
        "dependency_unreachable",
    }


def test_a_user_rule_file_adds_a_rule_that_fires_and_cites_its_evidence(tmp_path: Path) -> None:
    rules = load_rules(DEFAULT_RULES_DIR, _write(tmp_path / "mine", USER_RULE))
    findings = rules.evaluate(FACTS).findings
    mine = next(f for f in findings if f.rule_id == "expired-certificate")
    assert mine.root_cause == 'TLS fails in api: "x509: certificate has expired"'
    assert mine.evidence == ["log:app:current:7"]
    assert mine.confidence == 0.8 and mine.confidence_score == "high"
    assert mine.corroborated_by == ["app keeps restarting"]


def test_findings_are_ranked_by_confidence(tmp_path: Path) -> None:
    weaker = USER_RULE.replace("expired-certificate", "weak").replace("confidence: 0.7", "confidence: 0.3")
    rules = load_rules(_write(tmp_path / "a", USER_RULE), _write(tmp_path / "b", weaker))
    assert [f.rule_id for f in rules.evaluate(FACTS).findings] == ["expired-certificate", "weak"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("category: configuration_error", "category: bad_luck"),
            "rule 'expired-certificate': category: Input should be",
        ),
        (
            ("pattern: certificate has expired", "pattern: certificate (has"),
            "pattern is not a valid regular expression",
        ),
        (("confidence: 0.7", "confidence: 7"), "confidence: Input should be less than or equal to 1"),
        (("    for_each: log_lines", "    for_each: log_lines\n    when: item.text.matches("), "when is not valid CEL"),
        (
            ("    for_each: log_lines", "    for_each: log_lines\n    when: contianers.size() > 0"),
            "refers to unknown contianers",
        ),
        (
            ("    remediation: Renew the certificate.", "    remediation: Renew {{ the"),
            "remediation is not a valid template",
        ),
        (("    title: An expired TLS certificate\n", ""), "title: Field required"),
        (
            ("    confidence: 0.7", "    confidence: 0.7\n    severity: high"),
            "severity: Extra inputs are not permitted",
        ),
    ],
)
def test_an_invalid_rule_names_the_file_and_the_rule(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    directory = _write(tmp_path / "broken", USER_RULE.replace(*change), name="team.yaml")
    with pytest.raises(RuleError) as raised:
        load_rules(directory)
    assert str(directory / "team.yaml") in str(raised.value)
    assert "expired-certificate" in str(raised.value)
    assert message in str(raised.value)


def test_a_duplicate_rule_id_names_both_files(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"b\.yaml: rule 'expired-certificate' is already defined in .*a\.yaml"):
        load_rules(_write(_write(tmp_path / "d", USER_RULE, "a.yaml"), USER_RULE, "b.yaml"))


def test_a_file_that_is_not_a_rules_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="a rules file is a mapping with a 'rules' list"):
        load_rules(_write(tmp_path / "e", "- just: a list\n"))
    with pytest.raises(RuleError, match="cannot read rules"):
        load_rules(_write(tmp_path / "f", "rules: [unclosed\n"))


def test_a_rule_that_fails_on_unexpected_facts_is_reported_not_fatal(tmp_path: Path) -> None:
    fragile = USER_RULE.replace("    pattern: certificate has expired\n", "    when: item.missing_field == 1\n")
    evaluation = load_rules(_write(tmp_path / "g", fragile)).evaluate(FACTS)
    assert evaluation.findings == []
    assert evaluation.errors and "expired-certificate" in evaluation.errors[0]


def _facts(**overrides: object) -> dict:
    return {**FACTS, "service": None, **overrides}


def test_a_service_that_selects_none_of_the_pods_is_a_configuration_error() -> None:
    service = {
        "name": "checkout", "namespace": "shop", "selector": {"app": "checkout-v2"}, "selector_text": "app=checkout-v2",
        "matching_pods": 0, "ready": 0, "not_ready": 0, "endpoints_known": True, "evidence": "service:checkout",
    }  # fmt: skip
    top = load_rules().evaluate(_facts(service=service)).findings[0]
    assert (top.rule_id, top.category, top.evidence) == (
        "service-selects-no-pods",
        "configuration_error",
        ["service:checkout"],
    )
    # Without any pod of the component (quota, admission), an empty Service is only a symptom.
    assert "service-selects-no-pods" not in {
        f.rule_id for f in load_rules().evaluate(_facts(service=service, pod=None)).findings
    }


def test_a_failed_post_start_hook_is_a_container_command_failure() -> None:
    event = {
        "type": "Warning", "reason": "FailedPostStartHook", "kind": "Pod", "name": "api-1", "count": 3, "last_seen": "",
        "message": "PostStartHook failed", "evidence": "event:0",
    }  # fmt: skip
    top = load_rules().evaluate(_facts(events=[event])).findings[0]
    assert (top.rule_id, top.category) == ("lifecycle-hook-failure", "container_command_failure")


CITING_RULE = """
rules:
  - id: crash-after-change
    category: application_crash
    title: A crash
    for_each: containers
    confidence: 0.5
    corroborate:
      - cite: changes.filter(ch, ch.container == item.name && ch.preceded_failure)
        add: 0.2
        why: "revision {{ cited[0].revision }} changed {{ cited[0].field }}"
    root_cause: Container {{ item.name }} crashes.
    remediation: Roll back.
"""


def _change(container: str, preceded: bool, revision: int) -> dict:
    return {
        "container": container, "preceded_failure": preceded, "revision": revision,
        "field": f"containers[{container}].image", "evidence": f"change:Deployment/api:{revision}",
    }  # fmt: skip


def test_a_corroboration_cites_the_facts_it_found_and_names_them(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path / "c", CITING_RULE))
    changes = [_change("sidecar", True, 4), _change("app", False, 3), _change("app", True, 5)]
    finding = rules.evaluate(_facts(changes=changes)).findings[0]
    assert finding.evidence == ["container:app", "change:Deployment/api:5"]
    assert finding.confidence == 0.7
    assert finding.corroborated_by == ["revision 5 changed containers[app].image"]
    # Nothing found, nothing added: the change that came after the failure is not blamed.
    alone = rules.evaluate(_facts(changes=[_change("app", False, 3)])).findings[0]
    assert (alone.evidence, alone.confidence, alone.corroborated_by) == (["container:app"], 0.5, [])


def test_a_corroboration_needs_a_condition_or_a_citation(tmp_path: Path) -> None:
    cite = "      - cite: changes.filter(ch, ch.container == item.name && ch.preceded_failure)\n"
    broken = CITING_RULE.replace(cite, "      -\n")
    with pytest.raises(RuleError, match=r"crash-after-change.*needs `when`, `cite` or both"):
        load_rules(_write(tmp_path / "d", broken))


def test_a_citation_that_trips_over_the_facts_is_reported_not_fatal(tmp_path: Path) -> None:
    fragile = CITING_RULE.replace("ch.preceded_failure)", "ch.no_such_field)")
    evaluation = load_rules(_write(tmp_path / "e", fragile), DEFAULT_RULES_DIR).evaluate(
        _facts(changes=[_change("app", True, 5)])
    )
    assert evaluation.errors and "crash-after-change" in evaluation.errors[0]
    assert "crash-after-change" not in {f.rule_id for f in evaluation.findings}


TWO_VIEWS = """
rules:
  - id: crash-with-pod
    category: application_crash
    title: Reads the pod and each container
    for_each: containers
    when: pod.name == "api-1" && item.restarts > 3
    confidence: 0.6
    root_cause: "{{ item.name }} of {{ pod.name }}"
    remediation: Look.
  - id: line-with-containers
    category: configuration_error
    title: Reads the containers and each log line
    for_each: log_lines
    when: containers.exists(c, c.name == item.container && c.restarts > 3)
    confidence: 0.5
    corroborate:
      - when: component.name == "api"
        add: 0.1
        why: in {{ component.name }}
    root_cause: "{{ item.text }}"
    remediation: Look.
  - id: reads-an-absent-fact
    category: unknown
    title: Reads a fact this evaluation does not have
    for_each: containers
    when: owner.kind == "Job"
    confidence: 0.5
    root_cause: never
    remediation: never
"""


def test_rules_reading_different_facts_each_see_theirs_and_their_own_item(tmp_path: Path) -> None:
    # Each rule is evaluated with only the facts it refers to (rule_engine._Contexts): the rules
    # here share none of them, and each must still see its facts and the item under test.
    facts = {key: value for key, value in FACTS.items() if key != "owner"}
    evaluation = load_rules(_write(tmp_path / "v", TWO_VIEWS)).evaluate(facts)
    found = {f.rule_id: f for f in evaluation.findings}
    assert found["crash-with-pod"].root_cause == "app of api-1"
    line = found["line-with-containers"]
    assert line.evidence == ["log:app:current:7", "log:app:current:8"]
    assert (line.confidence, line.corroborated_by) == (0.6, ["in api"])
    assert "reads-an-absent-fact" not in found
    assert len(evaluation.errors) == 1 and "reads-an-absent-fact" in evaluation.errors[0]
