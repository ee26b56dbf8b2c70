"""Secrets never leave the tool server: a corpus of real-looking credentials is planted in every
place a tool returns free text from (logs, previous logs, event messages, container state
messages, condition messages, env values, probe commands) and every tool's text and structured
output is searched for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from common.redaction import redact_env_value, redact_text
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

# (line as an application would log it, the secret part that must disappear, context that must stay)
CORPUS: list[tuple[str, str, str]] = [
    (
        "GET /api/orders Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "Authorization",
    ),
    (
        "token refresh ok: Bearer ya29.a0AfH6SMBx3kQ-Lv9aXyZ1234567890abcdef",
        "ya29.a0AfH6SMBx3kQ-Lv9aXyZ1234567890abcdef",
        "refresh",
    ),
    (
        "session=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "session",
    ),
    ("using AWS key AKIAIOSFODNN7EXAMPLE for s3://invoices", "AKIAIOSFODNN7EXAMPLE", "s3://invoices"),
    (
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_",
    ),
    ("maps client key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "maps"),
    (
        "connecting to postgres://orders:S3cr3t-Pa55@orders-db:5432/orders",
        "S3cr3t-Pa55",
        "orders-db:5432",
    ),
    ("redis url redis://:r3d1sPassw0rd@cache:6379/0 unreachable", "r3d1sPassw0rd", "cache:6379"),
    ("dsn host=users-db user=app password=hunter2xyz dbname=users", "hunter2xyz", "users-db"),
    ("spring.datasource.password=Pa55w0rd!Spring", "Pa55w0rd!Spring", "spring.datasource"),
    (
        'config loaded {"api_key": "sk_live_51HqLyjWDarjtT1zdp7dcXYZ"}',
        "sk_live_51HqLyjWDarjtT1zdp7dcXYZ",
        "config loaded",
    ),
    ("OPENAI_API_KEY is sk-proj-Abc123Def456Ghi789Jkl012Mno345", "sk-proj-Abc123Def456Ghi789Jkl012Mno345", "OPENAI"),
    (
        "git clone with ghp_1234567890abcdefghijABCDEFGHIJ0123456789",
        "ghp_1234567890abcdefghijABCDEFGHIJ0123456789",
        "git clone",
    ),
    ("slack webhook token xoxb-2048-4096-AbCdEfGhIjKlMnOp", "xoxb-2048-4096-AbCdEfGhIjKlMnOp", "slack"),
    (
        "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==",
        "AccountName=shop",
    ),
    ("oauth client_secret: 7d8f9a0b1c2d3e4f5a6b", "7d8f9a0b1c2d3e4f5a6b", "oauth"),
]
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
PRIVATE_KEY_SECRET = "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK"
SECRETS = [secret for _, secret, _ in CORPUS] + [PRIVATE_KEY_SECRET, "literal-db-password", "env-url-secret"]


def _list(kind: str, items: list[dict]) -> str:
    return json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items})


def _log_block(container: str, lines: list[str]) -> str:
    body = "".join(line + "\n" for line in lines)
    return (
        f"==== START logs for container {container} of pod shop/leaky-7f9c ====\n"
        + body
        + f"==== END logs for container {container} of pod shop/leaky-7f9c ====\n"
    )


@pytest.fixture(scope="module")
def leaky_cluster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaky")
    shop = root / "shop"
    (shop / "leaky-7f9c").mkdir(parents=True)
    lines = [line for line, _, _ in CORPUS] + PRIVATE_KEY.splitlines()
    pod = {
        "metadata": {"name": "leaky-7f9c", "namespace": "shop", "uid": "u1", "labels": {"app": "leaky"}},
        "spec": {
            "nodeName": "node-1",
            "containers": [
                {
                    "name": "app",
                    "image": "leaky:1",
                    "env": [
                        {"name": "DB_PASSWORD", "value": "literal-db-password"},
                        {"name": "ORDERS_URL", "value": "https://svc:env-url-secret@orders:8443"},
                        {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ],
                    "livenessProbe": {"exec": {"command": ["sh", "-c", CORPUS[8][0]]}},
                }
            ],
        },
        "status": {
            "phase": "Running",
            "message": CORPUS[0][0],
            "conditions": [{"type": "Ready", "status": "False", "reason": "X", "message": CORPUS[6][0]}],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": False,
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": CORPUS[3][0]}},
                    "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "message": CORPUS[9][0]}},
                }
            ],
        },
    }
    events = [
        {
            "metadata": {"name": f"leaky-7f9c.{i:04x}", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "leaky-7f9c", "namespace": "shop", "uid": "u1"},
            "type": "Warning",
            "reason": "BackOff",
            "message": line,
            "lastTimestamp": f"2026-11-20T03:{i:02d}:00Z",
        }
        for i, (line, _, _) in enumerate(CORPUS)
    ]
    (shop / "pods.json").write_text(_list("PodList", [pod]))
    (shop / "events.json").write_text(_list("EventList", events))
    (shop / "leaky-7f9c" / "logs.txt").write_text(_log_block("app", lines))
    (shop / "leaky-7f9c" / "logs.previous.txt").write_text(_log_block("app", list(reversed(lines))))
    return root


TEXT_TOOL_CALLS = [
    ("get_pod", {"namespace": "shop", "name": "leaky-7f9c"}),
    ("get_pod_logs", {"namespace": "shop", "name": "leaky-7f9c", "tail_lines": 500}),
    ("get_pod_logs", {"namespace": "shop", "name": "leaky-7f9c", "tail_lines": 500, "previous": True}),
    ("get_events", {"namespace": "shop"}),
    ("get_events", {"namespace": "shop", "object_kind": "Pod", "object_name": "leaky-7f9c"}),
    ("diagnose_pod", {"namespace": "shop", "name": "leaky-7f9c"}),
    ("list_pods", {"namespace": "shop"}),
    ("find_pods", {"query": "leaky"}),
    ("find_problems", {"namespace": "shop"}),
]


@pytest.mark.parametrize(
    ("tool", "arguments"), TEXT_TOOL_CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(TEXT_TOOL_CALLS)]
)
def test_no_secret_leaves_any_tool(leaky_cluster: Path, tool: str, arguments: dict) -> None:
    server = build_server(ClusterReader(SnapshotBackend(leaky_cluster)))

    async def call() -> tuple[str, str]:
        async with Client(server) as client:
            result = await client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        text = "\n".join(block.text for block in result.content)
        return text, json.dumps(result.structured_content)

    text, structured = anyio.run(call)
    for secret in SECRETS:
        assert secret not in text, f"{tool} leaked {secret!r} in its text"
        assert secret not in structured, f"{tool} leaked {secret!r} in its structured content"
    if tool != "list_pods" and tool != "find_pods":
        assert "[REDACTED]" in text


@pytest.mark.parametrize(("line", "secret", "context"), CORPUS, ids=[c[2] for c in CORPUS])
def test_each_secret_is_redacted_and_its_context_kept(line: str, secret: str, context: str) -> None:
    redacted, count = redact_text(line)
    assert secret not in redacted
    assert context in redacted
    assert count >= 1


def test_private_key_block_is_removed_whole() -> None:
    redacted, count = redact_text(f"loaded key\n{PRIVATE_KEY}\nstarted")
    assert PRIVATE_KEY_SECRET not in redacted and "MIIEow" not in redacted
    assert redacted.startswith("loaded key\n") and redacted.endswith("\nstarted")
    assert count == 1


@pytest.mark.parametrize(
    "line",
    [
        "dial tcp 10.96.4.12:5432: connect: connection refused",
        "java.net.ConnectException: Connection refused (Connection refused)",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
        'password authentication failed for user "app"',
        "GET /health 200 1.2ms",
        'Error: secret "database-secret" not found',
        "tokens_total=4",
    ],
)
def test_ordinary_lines_survive(line: str) -> None:
    assert redact_text(line) == (line, 0)


def test_env_values_hidden_by_name_or_content() -> None:
    assert redact_env_value("DB_PASSWORD", "x") == ("[REDACTED]", True)
    assert redact_env_value("STRIPE_API_KEY", "x") == ("[REDACTED]", True)
    assert redact_env_value("DATABASE_URL", "postgres://a:b1c2d3@db/x") == ("postgres://a:[REDACTED]@db/x", True)
    assert redact_env_value("AUTH_SERVICE_URL", "http://auth-service:8080") == ("http://auth-service:8080", False)
