"""What the web UI tests share: a scenario whose logs carry HTML, and the UI's paths.

The snapshot is the db-connection-refused-java scenario with one of the log lines that the
database-unreachable rule cites rewritten to hold markup: the UI must show it as text, marked as
a line that matched a rule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from paths import SCENARIOS

SCENARIO = SCENARIOS / "db-connection-refused-java"
KNOWLEDGE_GRAPH = SCENARIO / "knowledge_graph.yaml"
DESCRIPTION: str = yaml.safe_load((SCENARIO / "scenario.yaml").read_text(encoding="utf-8"))["description"]
POD_LOGS = Path("orders") / "orders-service-57f8594bd6-x4pft" / "logs.txt"
HOSTILE = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
HOSTILE_LINE_START = "2026-11-20T03:02:04.000Z ERROR"
TOKEN = "web-ui-test-token"
UI = "/ui"


def hostile_cluster(directory: Path) -> Path:
    """A copy of the scenario's cluster whose cited log line at 03:02:04 carries HTML."""
    cluster = directory / "cluster"
    shutil.copytree(SCENARIO / "cluster", cluster)
    logs = cluster / POD_LOGS
    lines = logs.read_text(encoding="utf-8").splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith(HOSTILE_LINE_START) and "refused" in line]
    lines[index] = lines[index].replace(
        "Connection to orders-db:5432 refused", f"{HOSTILE} Connection to orders-db:5432 refused"
    )
    logs.write_text("".join(lines), encoding="utf-8")
    return cluster
