"""Redaction against a corpus: every secret shape leaves no exit, every clean line stays readable.

tests/support/redaction_corpus/secrets.yaml lists secret shapes as applications, clients and Kubernetes
write them (each entry: the `line`, the `secrets` in it that must disappear, a `keep` context
that must stay, and the `item` of issue 17 or the family it belongs to). clean.txt lists
realistic lines that hold no secret (image digests, UUIDs, trace ids, base64 fragments, stack
traces, Kubernetes events and component logs) and must come back unchanged.

Every secret goes through `redact_text` directly and through each exit of the tool server a
snapshot can reach: log tails (current and previous), event messages, literal env values,
exec and httpGet probes, container state messages, in both the text and the structured content
of `get_pod`, `get_pod_logs`, `get_events` and `diagnose_pod`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import Client
from paths import ROOT, SUPPORT

from common.redaction import REDACTED, redact_env_value, redact_text
from common.secret_rules import gitleaks_rules
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

CORPUS = SUPPORT / "redaction_corpus"
SECRETS: list[dict[str, Any]] = yaml.safe_load((CORPUS / "secrets.yaml").read_text(encoding="utf-8"))
CLEAN: list[str] = [line for line in (CORPUS / "clean.txt").read_text(encoding="utf-8").splitlines() if line]
ALL_SECRETS = sorted({secret for entry in SECRETS for secret in entry["secrets"]})


def _id(index: int, entry: dict[str, Any]) -> str:
    return f"{index:03d}-{entry['item'].replace(' ', '-')}"


def test_corpora_are_large_enough() -> None:
    assert len(SECRETS) >= 150
    assert len(CLEAN) >= 200
    assert len({entry["item"] for entry in SECRETS}) >= 15


def test_the_maintained_rule_set_loads_whole() -> None:
    loaded = gitleaks_rules()
    # Left out only: rules for file paths, and the generic key=value rule the hand rules replace.
    assert len(loaded.rules) >= 200
    assert all("does not compile" not in why for why in loaded.skipped.values()), loaded.skipped


@pytest.mark.parametrize("entry", SECRETS, ids=[_id(i, e) for i, e in enumerate(SECRETS)])
def test_each_secret_is_redacted_and_its_context_kept(entry: dict[str, Any]) -> None:
    redacted, count = redact_text(entry["line"])
    for secret in entry["secrets"]:
        assert secret not in redacted, f"{secret!r} leaked: {redacted!r}"
    assert count >= 1
    if "keep" in entry:
        assert entry["keep"] in redacted, f"context {entry['keep']!r} lost: {redacted!r}"


def test_clean_lines_stay_readable() -> None:
    changed = [line for line in CLEAN if redact_text(line) != (line, 0)]
    assert changed == []


def test_a_whole_tail_with_crlf_line_endings() -> None:
    # The live backend does not strip '\r': a tail is redacted as one text with CRLF endings.
    secrets = [entry["line"].replace("\r\n", "\n").replace("\n", "\r\n") for entry in SECRETS]
    text = "\r\n".join([*CLEAN, *secrets, *CLEAN]) + "\r\n"
    redacted, _ = redact_text(text)
    for secret in ALL_SECRETS:
        assert secret not in redacted
    clean_block = "\r\n".join(CLEAN) + "\r\n"
    assert redacted.startswith(clean_block) and redacted.endswith(clean_block)
    assert "\n" not in redacted.replace("\r\n", ""), "a CRLF line ending lost its '\\r'"


def test_pem_tail_window_with_short_last_line_and_crlf() -> None:
    body = ["MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "VTLw7onLRnrq0/IzW7y==", ""]
    for ending in ("\n", "\r\n"):
        text = ending.join([*body[:2], "-----END RSA PRIVATE KEY-----", "listening on :8443"])
        redacted, _ = redact_text(text)
        assert "VTLw7onLRnrq0" not in redacted and "MIIEow" not in redacted
        assert redacted == f"{REDACTED}{ending}-----END RSA PRIVATE KEY-----{ending}listening on :8443"


def test_a_key_cut_by_the_window_end_is_hidden_and_a_stray_marker_hides_nothing_else() -> None:
    body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
    cut = f"loading key\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\n{body}\n{body[:30]}"
    assert redact_text(cut) == (f"loading key\n{REDACTED}", 1)
    stray = "error: no -----BEGIN RSA PRIVATE KEY----- block in /etc/tls/tls.key\r\nGET /health 200\r\nready"
    redacted, _ = redact_text(stray)
    assert redacted.endswith("\r\nGET /health 200\r\nready")


@pytest.mark.parametrize(
    "name", ["MYSQL_PWD", "REDIS_AUTH", "SLACK_WEBHOOK", "DB_PASS", "JWT_KEY", "ENCRYPTION_KEY", "SECRET_KEY_BASE"]
)
def test_env_names_that_say_secret_hide_the_value(name: str) -> None:
    assert redact_env_value(name, "plain-looking-value") == (REDACTED, True)


@pytest.mark.parametrize("name", ["AUTH_SERVICE_URL", "LOG_LEVEL", "KEYCLOAK_REALM", "AUTHOR", "PASSIVE_MODE"])
def test_env_names_that_do_not_say_secret_show_the_value(name: str) -> None:
    assert redact_env_value(name, "http://auth-service:8080") == ("http://auth-service:8080", False)


# --- every exit of the tool server ---------------------------------------------------------------

SECRET_ENV_NAMES = ["MYSQL_PWD", "REDIS_AUTH", "SLACK_WEBHOOK", "DB_PASS", "JWT_KEY", "ENCRYPTION_KEY"]
PROBE_QUERY = "/healthz?access_token=4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c&apikey=Zq8Xw2Vt6Ru4Sy1Lp3Nm5Kj7"
PROBE_SECRETS = ["4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c", "Zq8Xw2Vt6Ru4Sy1Lp3Nm5Kj7"]


def _env_secret(name: str) -> str:
    return f"value-of-{name.lower()}-7Hk2mQ9x"


def _list(kind: str, items: list[dict]) -> str:
    return json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items})


def _log_block(lines: list[str], pod: str = "leaky-0", newline: str = "\n") -> str:
    body = "".join(line + newline for line in lines)
    start = f"==== START logs for container app of pod shop/{pod} ===="
    return f"{start}\n{body}{start.replace('START', 'END')}\n"


def _probe_container(index: int, line: str) -> dict[str, Any]:
    return {
        "name": f"probe-{index:03d}",
        "image": "leaky:1",
        "livenessProbe": {"exec": {"command": ["sh", "-c", line]}},
        "readinessProbe": {"httpGet": {"path": "/ready?line=" + line, "port": 8080}},
    }


@pytest.fixture(scope="module")
def corpus_cluster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    (root / "shop" / "leaky-0").mkdir(parents=True)
    lines = [entry["line"] for entry in SECRETS]
    env = [{"name": f"CONFIG_{i:03d}", "value": line} for i, line in enumerate(lines)]
    env += [{"name": name, "value": _env_secret(name)} for name in SECRET_ENV_NAMES]
    app = {
        "name": "app",
        "image": "leaky:1",
        "env": env,
        "livenessProbe": {"httpGet": {"path": PROBE_QUERY, "port": 8080}},
    }
    pod = {
        "metadata": {"name": "leaky-0", "namespace": "shop", "uid": "u0", "labels": {"app": "leaky"}},
        "spec": {"nodeName": "node-1", "containers": [app, *(_probe_container(i, x) for i, x in enumerate(lines))]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "\n".join(lines)}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "message": "\n".join(lines)}},
                }
            ],
        },
    }
    events = [
        {
            "metadata": {"name": f"leaky-0.{i:04x}", "namespace": "shop"},
            # get_events returns at most 200: the corpus is split over two objects.
            "involvedObject": {"kind": "Pod", "name": f"leaky-{i // EVENTS_PER_OBJECT}", "namespace": "shop"},
            "type": "Warning",
            "reason": "BackOff",
            "message": line,
            "lastTimestamp": f"2026-11-20T{i // 60:02d}:{i % 60:02d}:00Z",
        }
        for i, line in enumerate(lines)
    ]
    # The live backend passes '\r' on; the snapshot backend strips one per line, so lines ending
    # in "\r\r\n" reach redaction as the live backend's CRLF lines do.
    crlf = {
        "metadata": {"name": "crlf-0", "namespace": "shop", "uid": "u1"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "crlf:1"}]},
        "status": {"phase": "Running"},
    }
    (root / "shop" / "crlf-0").mkdir()
    crlf_lines = [line.replace("\r\n", "\n").replace("\n", "\r\r\n") for line in lines]
    (root / "shop" / "crlf-0" / "logs.txt").write_text(_log_block(crlf_lines, "crlf-0", "\r\r\n"))
    (root / "shop" / "pods.json").write_text(_list("PodList", [pod, crlf]))
    (root / "shop" / "events.json").write_text(_list("EventList", events))
    (root / "shop" / "leaky-0" / "logs.txt").write_text(_log_block(lines))
    (root / "shop" / "leaky-0" / "logs.previous.txt").write_text(_log_block([*CLEAN, *lines]))
    return root


EVENTS_PER_OBJECT = 150
LOG_BOUNDS = {"tail_lines": 5000, "max_bytes": 262_144}
EXIT_CALLS = [
    ("get_pod", {"namespace": "shop", "name": "leaky-0"}),
    ("get_pod_logs", {"namespace": "shop", "name": "leaky-0", "container": "app", **LOG_BOUNDS}),
    ("get_pod_logs", {"namespace": "shop", "name": "leaky-0", "container": "app", **LOG_BOUNDS, "previous": True}),
    ("get_events", {"namespace": "shop", "object_kind": "Pod", "object_name": "leaky-0", "limit": 200}),
    ("get_events", {"namespace": "shop", "object_kind": "Pod", "object_name": "leaky-1", "limit": 200}),
    ("diagnose_pod", {"namespace": "shop", "name": "leaky-0"}),
    ("get_pod_logs", {"namespace": "shop", "name": "crlf-0", **LOG_BOUNDS}),
]


def _call(cluster: Path, tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    server = build_server(ClusterReader(SnapshotBackend(cluster)))

    async def call() -> tuple[str, str]:
        async with Client(server) as client:
            result = await client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        return "\n".join(block.text for block in result.content), json.dumps(result.structured_content)

    return anyio.run(call)


@pytest.mark.parametrize(("tool", "arguments"), EXIT_CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(EXIT_CALLS)])
def test_no_corpus_secret_leaves_any_exit(corpus_cluster: Path, tool: str, arguments: dict[str, Any]) -> None:
    text, structured = _call(corpus_cluster, tool, arguments)
    secrets = [*ALL_SECRETS, *PROBE_SECRETS, *(_env_secret(name) for name in SECRET_ENV_NAMES)]
    leaks = []
    for secret in secrets:
        # Structured content is JSON: a secret with quotes or backslashes appears escaped there.
        escaped = json.dumps(secret)[1:-1]
        if secret in text or secret in structured or escaped in structured:
            leaks.append(secret)
    assert leaks == [], f"{tool} leaked {len(leaks)} secrets: {leaks[:5]}"
    assert REDACTED in text


def test_every_secret_reached_the_exits(corpus_cluster: Path) -> None:
    # The exits above really carried the corpus: the previous log shows the clean lines intact and
    # get_pod shows one probe container per secret line, and the literal env values by name.
    logs, _ = _call(corpus_cluster, EXIT_CALLS[2][0], EXIT_CALLS[2][1])
    assert all(line in logs for line in CLEAN)
    pod, _ = _call(corpus_cluster, "get_pod", {"namespace": "shop", "name": "leaky-0"})
    assert f"probe-{len(SECRETS) - 1:03d}" in pod
    assert "liveness probe: GET http://:8080/healthz?access_token=[REDACTED]&apikey=[REDACTED]" in pod
    assert all(f"env {name}=[REDACTED]" in pod for name in SECRET_ENV_NAMES)
    shown = 0
    for call in EXIT_CALLS:
        if call[0] == "get_events":
            events, _ = _call(corpus_cluster, *call)
            shown += events.count("BackOff")
    assert shown == len(SECRETS)
    _, crlf = _call(corpus_cluster, "get_pod_logs", {"namespace": "shop", "name": "crlf-0", **LOG_BOUNDS})
    assert crlf.count("\\r\\n") >= len(SECRETS)  # the CRLF endings did reach the tool's answer


# --- cost on hostile input -------------------------------------------------------------------------

HOSTILE_LINES = {
    # Before the gitleaks curl rules were replaced: quadratic, tens of seconds at this size.
    "curl": "curl " * 10_000,
    # Dense keywords of a rule that needs a label (see the next test for why it stays cheap).
    "sumo": ("sumo " + "a" * 60 + " ") * 750,
    "url userinfo": "://a:" * 10_000,
    "base64": "".join(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7919 % 64] for i in range(50_000)
    ),
    "labels": "token secret key auth pass " * 2_000,
}


@pytest.mark.parametrize("name", HOSTILE_LINES)
def test_a_hostile_50_kb_line_costs_a_bounded_time(name: str) -> None:
    # Python's `re` backtracks; an application can log anything. The bound is loose (the figure
    # on an idle core is under 0.1 s) so a busy machine does not fail it; the regressions it
    # guards against cost ten to a thousand times more.
    start = time.perf_counter()
    redact_text(HOSTILE_LINES[name])
    assert time.perf_counter() - start < 3.0


def test_no_rule_is_tried_fifty_characters_left_of_its_keyword() -> None:
    # gitleaks' `[\w.-]{0,50}?` left context costs `re` 50 to 2,500 steps at every position of a
    # line that holds the keyword (seconds on a long line); it never changes the secret found.
    slow = [rule.id for rule in gitleaks_rules().rules if r"[\w.-]{0,50}?" in rule.regex.pattern[:40]]
    assert slow == []


# --- what the LLM reads ------------------------------------------------------------------------------


def test_no_corpus_secret_reaches_the_llm() -> None:
    # The incident description goes into the extraction prompt; logs and events into the
    # analysis digest through `untrusted`. Both are real prompt builders, called as the graph does.
    from graphs.llm.digest import untrusted
    from graphs.llm.extract import _messages
    from knowledge.loader import load_knowledge_graph

    graph = load_knowledge_graph(ROOT / "knowledge" / "demo" / "knowledge_graph.yaml")
    leaks = []
    for entry in SECRETS:
        prompt = "\n".join(str(message.content) for message in _messages(graph, entry["line"], "shop", None))
        digest = untrusted(entry["line"], 100_000)
        leaks += [secret for secret in entry["secrets"] if secret in prompt or secret in digest]
    assert leaks == []
