"""Our MCP servers leave logging as the command configured it, and rich out of the process (common/mcp_logging.py).

Each check runs in a fresh interpreter: what it finds in sys.modules is what building the server loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from paths import ROOT

PROBE = """
import json, logging, sys
if {configured!r}:
    logging.getLogger().addHandler(logging.StreamHandler())
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server
from orchestrator.mcp.server import build_workflow_server
from paths import ROOT

build_server(ClusterReader(SnapshotBackend(ROOT / "knowledge" / "demo" / "cluster")))
build_workflow_server(lambda: None)
handlers = [type(handler).__name__ for handler in logging.getLogger().handlers]
print(json.dumps({{"rich": "rich" in sys.modules, "handlers": handlers}}))
"""


def _probe(configured: bool) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(configured=configured)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests" / "support")},
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        # The command configured logging: the SDK's setup would be ignored anyway, and rich never loads.
        (True, {"rich": False, "handlers": ["StreamHandler"]}),
        # Nothing configured logging: the SDK sets up its own, as it always did.
        (False, {"rich": True, "handlers": ["RichHandler"]}),
    ],
    ids=["configured", "not-configured"],
)
def test_building_the_servers_keeps_the_logging_the_process_has(configured: bool, expected: dict) -> None:
    assert _probe(configured) == expected
