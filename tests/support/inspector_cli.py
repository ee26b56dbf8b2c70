"""Running the MCP Inspector CLI (the reference MCP client) from tests.

The Inspector (npm `@modelcontextprotocol/inspector`, pinned in tests/support/inspector/package-lock.json)
runs in CLI mode, `mcp-inspector --cli --format json --method ... [server]`, once per call. It
exits 0 on success, 3 when the server wants auth it does not have, and 5 when a tool answers
`isError: true` (the result is still printed). It keeps a catalog, client config and OAuth state
under ~/.mcp-inspector, so every runner gets a private HOME.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from paths import ROOT

ROOT = ROOT
INSPECTOR_DIR = ROOT / "tests" / "support" / "inspector"
INSPECTOR_BIN = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"
INSPECTOR_TIMEOUT = 60  # seconds; a call takes ~2-4 s over stdio (server start-up) and ~0.5 s over HTTP

EXIT_OK, EXIT_AUTH_REQUIRED, EXIT_TOOL_ERROR = 0, 3, 5


@dataclass
class InspectorRun:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def result(self) -> dict[str, Any]:
        return json.loads(self.stdout)["result"]

    @property
    def error(self) -> dict[str, Any]:
        """The error envelope the Inspector writes on stderr when it exits non-zero."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith('{"error"'):
                return json.loads(line)["error"]
        raise AssertionError(f"no error envelope on stderr:\n{self.stderr}")

    def __str__(self) -> str:
        return (
            f"mcp-inspector {' '.join(self.args)}\nexit {self.returncode} after {self.seconds:.1f}s\n"
            f"--- stdout ---\n{self.stdout[:4000]}\n--- stderr ---\n{self.stderr[:4000]}"
        )


Inspector = Callable[..., InspectorRun]


def inspector_runner(home: Path, env: dict[str, str] | None = None) -> Inspector:
    """A function running `mcp-inspector --cli --format json ARGS` with `home` as HOME (and `env` added)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the Inspector CLI needs Node.js (20 or newer)")
    if not INSPECTOR_BIN.exists():
        pytest.fail(
            f"the MCP Inspector is not installed ({INSPECTOR_BIN} is missing): run"
            f" npm ci --prefix {INSPECTOR_DIR.relative_to(ROOT)} --omit=optional"
        )
    full_env = {**os.environ, **(env or {}), "HOME": str(home), "NO_COLOR": "1"}

    def run(*args: str) -> InspectorRun:
        command = [node, str(INSPECTOR_BIN), "--cli", "--format", "json", *args]
        started = time.monotonic()
        done = subprocess.run(
            command, capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=INSPECTOR_TIMEOUT, check=False
        )
        return InspectorRun(list(args), done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    return run


def server_command() -> list[str]:
    """`sre-orchestrator` of this environment, for the Inspector to spawn as a stdio server."""
    script = Path(sys.executable).parent / ("sre-orchestrator.exe" if os.name == "nt" else "sre-orchestrator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "orchestrator.cli"]


def text_of(result: dict[str, Any]) -> str:
    return "\n".join(block["text"] for block in result["content"] if block["type"] == "text")
