"""LLM extraction through the real graph, with the real langchain-openai client over HTTPS.

Every test investigates the `db-connection-refused-python` scenario in-process (the same
`investigate_once` as `sre-orchestrator investigate`) with the LLM pointed at the scripted
OpenAI-compatible test server, and reads the incident document the API would return.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from openai_server import OpenAIServer, Reply, answer, error, raw
from paths import SCENARIOS

from graphs.llm.client import aclose_chat_model, chat_model
from orchestrator.incidents.one_shot import investigate_once
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings

pytestmark = pytest.mark.anyio

SCENARIO = SCENARIOS / "db-connection-refused-python"
AUTH_POD = "auth-service-6bdc57bc68-bnkw9"
# Names nothing the cluster knows: only a reader that understands "logins" finds auth-service.
VAGUE = "logins are broken since the deploy"
# Names the workload: the deterministic extractor resolves it on its own.
PLAIN = "auth-service is crashlooping in shop, logins fail"
AUTH_FIELDS = {
    "component": "auth-service",
    "symptoms": ["logins broken"],
    "summary": "Logins fail since the last deploy.",
}
AUTH_ANSWER = answer(AUTH_FIELDS)
# Step 4's call, after the extraction's: the narrative (tests/test_llm_analysis.py covers it).
NARRATIVE = answer({"narrative": "users-db refuses connections [log:app:current:18]; [dependency:users-db]."})


def _settings(server: OpenAIServer, **overrides: Any) -> OrchestratorSettings:
    values: dict[str, Any] = {
        "snapshot": SCENARIO / "cluster",
        "knowledge_graph": SCENARIO / "knowledge_graph.yaml",
        **server.llm_settings(),
    }
    return OrchestratorSettings(**{**values, **overrides})


def _assert_auth_service_found(incident: Incident, method: str) -> None:
    assert incident.status == "completed", incident.error
    assert incident.extraction_method == method
    assert incident.extracted is not None
    assert incident.extracted.pod == AUTH_POD
    assert incident.extracted.component == "auth-service"
    assert incident.report is not None
    assert incident.report.category == "dependency_unreachable"


async def test_the_llm_reads_what_the_text_scanner_cannot(openai_server: OpenAIServer) -> None:
    without_llm = await investigate_once(_settings(openai_server, llm_model=None), VAGUE)
    # The text scanner resolves no name: only a sweep of the whole scope finds a lead, and nothing
    # in the words ties it to the ticket, so it is never offered at high confidence.
    assert without_llm.report is not None and without_llm.report.triage is not None
    assert without_llm.report.triage.culprit_relevance == 0 and without_llm.confidence_score != "high"
    assert openai_server.requests == []  # no model configured, no call

    openai_server.script(AUTH_ANSWER, NARRATIVE)
    incident = await investigate_once(_settings(openai_server), VAGUE)

    _assert_auth_service_found(incident, "llm")
    assert incident.extracted is not None
    assert incident.extracted.llm_error is None
    assert incident.extracted.summary == "Logins fail since the last deploy."
    request, _analysis = openai_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.bearer_token == openai_server.api_key
    assert VAGUE in request.prompt
    assert "auth-service: service, shop" in request.prompt  # the known components, to map "logins" to
    assert "untrusted" in request.prompt
    schema = request.body["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["name"] == "LLMExtraction"


async def test_a_pod_the_llm_invents_is_not_the_target(openai_server: OpenAIServer) -> None:
    invented = "auth-service-5d8f7c9b4-x2x2x"
    openai_server.script(answer({"pod": invented, "namespace": "shop", "component": "auth-service"}), NARRATIVE)

    incident = await investigate_once(_settings(openai_server), PLAIN)

    _assert_auth_service_found(incident, "llm_fallback_deterministic")
    assert incident.extracted is not None
    assert incident.extracted.llm_error == f"no pod or workload in the cluster matches the LLM's reading ({invented})"
    assert incident.report is not None
    assert invented not in str(incident.evidence)
    assert invented not in incident.report.summary + str(incident.report.next_steps)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (raw("Sure! The pod you want is auth-service."), "not valid JSON"),
        (answer({"pod": ["auth-service"]}), "does not fit the schema (pod: Input should be a valid string)"),
        (answer({"symptoms": ["logins"]}), "found no pod, workload or component"),
    ],
    ids=["not-json", "wrong-type", "names-nothing"],
)
async def test_an_unusable_answer_falls_back(openai_server: OpenAIServer, reply: Reply, reason: str) -> None:
    openai_server.script(reply, NARRATIVE)

    incident = await investigate_once(_settings(openai_server), PLAIN)

    _assert_auth_service_found(incident, "llm_fallback_deterministic")
    assert incident.extracted is not None
    assert reason in incident.extracted.llm_error
    assert len(openai_server.requests) == 2  # a bad answer is not retried: the fallback is right here
    assert incident.report is not None
    assert incident.report.llm.status == "partly_used"
    assert f"LLM extraction not used: {incident.extracted.llm_error}." in incident.report.notes


async def test_a_429_is_retried_after_retry_after(openai_server: OpenAIServer) -> None:
    openai_server.script(error(429, retry_after_seconds=0.3), answer({"pod": AUTH_POD, "namespace": "shop"}), NARRATIVE)

    incident = await investigate_once(_settings(openai_server), f"{AUTH_POD} keeps restarting")

    _assert_auth_service_found(incident, "llm")
    first, second, _analysis = openai_server.requests
    assert second.received_at - first.received_at >= 0.3


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (error(500), "answered HTTP 500"),
        (error(429, retry_after_seconds=0.05), "kept answering 429"),
        (answer(AUTH_FIELDS, delay_seconds=3), "did not answer in time"),
    ],
    ids=["500", "429", "timeout"],
)
async def test_a_failing_llm_falls_back_and_the_incident_completes(
    openai_server: OpenAIServer, failure: Reply, reason: str
) -> None:
    openai_server.script(failure, failure, failure, failure)  # each call's first try and its one retry

    incident = await investigate_once(_settings(openai_server, llm_timeout_seconds=0.4), PLAIN)

    _assert_auth_service_found(incident, "llm_fallback_deterministic")
    assert incident.extracted is not None
    assert reason in incident.extracted.llm_error
    assert len(openai_server.requests) == 4
    assert incident.report is not None
    assert incident.report.llm.status == "unavailable"
    assert incident.report.analysis.status == "unavailable"
    assert "The LLM was unavailable: this report comes from the rules alone." in incident.report.notes


async def test_an_untrusted_certificate_is_refused(openai_server: OpenAIServer) -> None:
    incident = await investigate_once(_settings(openai_server, llm_ca_bundle=None, llm_max_retries=0), PLAIN)

    _assert_auth_service_found(incident, "llm_fallback_deterministic")
    assert incident.extracted is not None
    assert "not trusted" in incident.extracted.llm_error
    assert openai_server.requests == []  # the description never left over the unverified connection


async def test_plain_http_is_refused_unless_allowed() -> None:
    with OpenAIServer(tls=False) as server:
        refused = _settings(server)
        with pytest.raises(ValueError, match="SRE_LLM_ALLOW_INSECURE_HTTP=true") as raised:
            chat_model(refused)
        assert server.base_url.removesuffix("/v1") not in str(raised.value)  # host only, no path or credentials
        with pytest.raises(ValueError, match="SRE_LLM_ALLOW_INSECURE_HTTP"):
            await investigate_once(refused, VAGUE)
        assert server.requests == []

        server.script(AUTH_ANSWER, NARRATIVE)
        incident = await investigate_once(_settings(server, llm_allow_insecure_http=True), VAGUE)

    _assert_auth_service_found(incident, "llm")
    with pytest.raises(ValueError, match="https://"):
        chat_model(_settings(server, llm_base_url="ftp://llm.example/v1"))


async def test_the_api_key_stays_secret(
    openai_server: OpenAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    key = openai_server.api_key
    key_file = tmp_path / "llm-api-key"
    key_file.write_text(key + "\n", encoding="utf-8")
    settings = _settings(openai_server, llm_api_key=None, llm_api_key_file=key_file)
    caplog.set_level(logging.DEBUG)
    # A server that echoes the request (key included) in its error must not leak it either.
    echo = error(500, message=f"invalid request, Authorization: Bearer {key}")
    openai_server.script(echo, echo, echo, echo)

    failed_over = await investigate_once(settings, PLAIN)
    openai_server.script(AUTH_ANSWER, NARRATIVE)
    succeeded = await investigate_once(settings, VAGUE)

    assert failed_over.extraction_method == "llm_fallback_deterministic"
    assert succeeded.extraction_method == "llm"
    assert [r.bearer_token for r in openai_server.requests] == [key] * 6  # read from the file, sent as bearer
    captured = capsys.readouterr()
    for text in (failed_over.model_dump_json(), succeeded.model_dump_json(), caplog.text, captured.out, captured.err):
        assert key not in text
    assert "falling back to the deterministic extractor" in caplog.text
    assert "Sending HTTP Request" in caplog.text  # the SDK's own debug log was captured too
    llm = chat_model(settings)
    assert llm is not None
    assert key not in repr(llm) and key not in repr(settings)
    await aclose_chat_model(llm)

    with pytest.raises(ValueError, match="not both"):
        chat_model(_settings(openai_server, llm_api_key_file=key_file))
