#!/usr/bin/env python3
"""Set up and run the project with nothing but python3: `python3 dev.py demo` or `python3 dev.py test`.

Creates .venv on first use, installs the project (and its test tools) into it, then runs the
demo on the bundled snapshot or the whole check suite (lint, format, tests). CI runs the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
INSPECTOR = ROOT / "tests" / "support" / "inspector"
DEMO = ROOT / "knowledge" / "demo"


def run(*command: str | Path, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=cwd, check=True)


def ensure_venv(extras: str = "") -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True, upgrade_deps=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f".{extras}")


def ensure_inspector() -> None:
    """The MCP Inspector CLI (npm) drives the server in the tests, as a user's client would."""
    marker = INSPECTOR / "node_modules" / ".package-lock.json"
    lock = INSPECTOR / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        run("npm", "ci", "--omit=optional", "--no-audit", "--no-fund", "--loglevel=error", cwd=INSPECTOR)


def demo() -> None:
    """A real investigation of the bundled demo cluster: the sentence in, the report out."""
    ensure_venv()
    incident = (DEMO / "incident.txt").read_text(encoding="utf-8").strip()
    run(
        BIN / "sre-orchestrator",
        "investigate",
        incident,
        "--snapshot",
        DEMO / "cluster",
        "--knowledge-graph",
        DEMO / "knowledge_graph.yaml",
    )


def test(pytest_args: list[str]) -> None:
    ensure_venv("[test]")
    ensure_inspector()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "pytest", "-n", "2", *pytest_args)


def main() -> int:
    task, *rest = sys.argv[1:] or ["help"]
    try:
        if task == "demo":
            demo()
        elif task == "test":
            test(rest)
        else:
            print(__doc__)
            return 2
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
