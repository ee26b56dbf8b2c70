"""The command line starts at once: `--help` and argument errors import none of the heavy libraries.

Each check runs in a fresh interpreter, so what it finds in sys.modules is what the command
imported, not what another test loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import DEMO_CLUSTER

HEAVY = ("mcp", "langgraph", "langchain_core", "langchain_openai", "openai", "kubernetes", "uvicorn", "cel")
PROBE = """
import json, sys
from orchestrator import cli
try:
    cli.main({argv!r})
except SystemExit:
    pass
imported = sorted({{name.partition(".")[0] for name in sys.modules}} & set({heavy!r}))
print("imported:", json.dumps(imported), file=sys.stderr)
"""


def _heavy_imports(argv: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """What of `heavy` the command imported; its stdin is empty (a stdio server serves until then)."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=heavy)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in run.stderr.splitlines() if line.startswith("imported: ")]
    assert lines, f"the probe did not finish:\n{run.stderr}"
    return json.loads(lines[-1].removeprefix("imported: "))


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["investigate", "--help"],
        ["mcp", "--help"],
        ["serve", "--port", "not-a-number"],
        ["mcp", "--transport", "carrier-pigeon"],
        ["no-such-command"],
    ],
    ids=["help", "subcommand-help", "mcp-help", "bad-port", "bad-transport", "unknown-command"],
)
def test_help_and_argument_errors_import_nothing_heavy(argv: list[str]) -> None:
    assert _heavy_imports(argv) == []


def test_the_probe_sees_what_a_command_imports() -> None:
    """The same probe on `tool` (which lists the Kubernetes tools in-process) finds the MCP SDK."""
    assert "mcp" in _heavy_imports(["tool", "--snapshot", str(DEMO_CLUSTER)])


def test_the_kubernetes_tools_over_a_snapshot_start_without_the_kubernetes_client() -> None:
    """`mcp --snapshot` on stdio (what an MCP client spawns, at every start) serves until its stdin
    closes: it has loaded the MCP SDK by then, but neither the Kubernetes client (a snapshot needs
    no cluster) nor the investigation's packages (its log settings once came with them)."""
    imported = _heavy_imports(
        ["mcp", "--snapshot", str(DEMO_CLUSTER)],
        (*HEAVY, "graphs", "knowledge", "jinja2", "psycopg"),
    )
    assert "mcp" in imported, "the server did not start"
    assert sorted(set(imported) - {"mcp", "uvicorn"}) == []  # uvicorn: the SDK's sse_starlette imports it
