"""get_pod_logs grep=REGEX: matching lines with context, bounded, identical through both backends,
and never an oracle on a redacted secret."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from kube_api_server import Kubeconfig
from mcp import Client
from paths import SCENARIOS
from tool_plan import ToolAnswer, ToolCall, run_plan

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.log_grep import SEPARATOR, grep_lines
from mcp_servers.kubernetes.tools import build_server

SCENARIO = SCENARIOS / "oom-killed-java" / "cluster"
POD = "stock-events-consumer-ff55ddfd8-5gf5p"
PLANTED = "s3cr3t-Planted-Value"


def _log(lines: list[str]) -> str:
    marker = f"logs for container app of pod warehouse/{POD} ===="
    return f"==== START {marker}\n" + "".join(line + "\n" for line in lines) + f"==== END {marker}\n"


LINES = [f"line {i} ok" for i in range(1, 41)]
LINES[9] = "line 10 ERROR connection refused"
LINES[11] = "line 12 ERROR connection refused"
LINES[29] = f"line 30 ERROR login failed password={PLANTED}"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cluster = tmp_path_factory.mktemp("grep") / "cluster"
    shutil.copytree(SCENARIO, cluster)
    (cluster / "warehouse" / POD / "logs.txt").write_text(_log(LINES))
    return cluster


def test_grep_lines_keeps_context_and_separates_groups() -> None:
    lines = [line + "\n" for line in LINES]
    found, matches, truncated = grep_lines(lines, re.compile("ERROR"), 100)
    assert matches == 3 and not truncated
    assert [line.split()[1] for line in found if line != SEPARATOR] == [
        "8", "9", "10", "11", "12", "13", "14", "28", "29", "30", "31", "32"
    ]  # fmt: skip
    assert found[7] == SEPARATOR
    newest, _, cut = grep_lines(lines, re.compile("ERROR"), 5)
    assert cut and [line.split()[1] for line in newest] == ["28", "29", "30", "31", "32"]
    assert grep_lines(lines, re.compile("nothing"), 10) == ([], 0, False)


def _answers(reader: ClusterReader, plan: list[ToolCall]) -> dict[str, ToolAnswer]:
    async def run() -> dict[str, ToolAnswer]:
        async with Client(build_server(reader)) as client:
            return await run_plan(client, plan)

    return anyio.run(run)


def test_grep_through_both_backends(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    where = {"namespace": "warehouse", "name": POD}
    plan = [
        ToolCall("get_pod_logs", {**where, "grep": "ERROR"}),
        ToolCall("get_pod_logs", {**where, "grep": "ERROR", "tail_lines": 4}),
        ToolCall("get_pod_logs", {**where, "grep": PLANTED}),
        ToolCall("get_pod_logs", {**where, "grep": "s3cr3t"}),
        ToolCall("get_pod_logs", {**where, "grep": r"password=\[REDACTED\]"}),
        ToolCall("get_pod_logs", {**where, "grep": "(unclosed"}),
        ToolCall("get_pod_logs", {**where, "grep": "x" * 257}),
    ]
    reference = _answers(ClusterReader(SnapshotBackend(snapshot)), plan)
    kubeconfig = kubeconfig_for(snapshot)
    live = _answers(ClusterReader(LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))), plan)
    assert live == reference
    answers = list(reference.values())
    errors = answers[0].structured
    assert (errors["grep"], errors["matches"], errors["truncated"]) == ("ERROR", 3, False)
    assert "line 10 ERROR connection refused" in errors["text"] and "\n--\n" in errors["text"]
    assert "grep 'ERROR': 3 matching" in answers[0].text
    assert PLANTED not in answers[0].text and errors["redactions"] == 1
    newest = ["line 29 ok", "line 30 ERROR login failed password=[REDACTED]", "line 31 ok", "line 32 ok"]
    assert answers[1].structured["text"].splitlines() == newest
    assert answers[1].structured["truncated"] is True
    # The pattern runs over redacted text: a secret cannot be probed for.
    assert answers[2].structured["matches"] == 0 and answers[3].structured["matches"] == 0
    assert answers[4].structured["matches"] == 1
    assert answers[5].is_error and "is not a valid regular expression" in answers[5].text
    assert answers[6].is_error and "256" in answers[6].text
