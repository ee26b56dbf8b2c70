"""The command line starts at once: `--help` and argument errors import none of the heavy libraries.

Each check runs in a fresh interpreter, so what it finds in sys.modules is what the command
imported, not what another test loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import ROOT

HEAVY = ("mcp", "langgraph", "langchain_core", "langchain_openai", "openai", "kubernetes", "uvicorn", "cel")
PROBE = """
import json, sys
from orchestrator import cli
try:
    cli.main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}} & set({heavy!r}))), file=sys.stderr)
"""


def _heavy_imports(argv: list[str]) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return json.loads(run.stderr.strip().splitlines()[-1])


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
    assert "mcp" in _heavy_imports(["tool", "--snapshot", str(ROOT / "knowledge" / "demo" / "cluster")])
