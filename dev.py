#!/usr/bin/env python3
"""Set up and run the project with nothing but python3: `python3 dev.py demo` or `python3 dev.py test`.

Creates .venv on first use, installs the project (and its test tools) into it, then runs the
demo on the bundled snapshot or the whole check suite (lint, format, tests). CI runs the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
INSPECTOR = ROOT / "tests" / "inspector"
DEMO_SNAPSHOT = ROOT / "knowledge" / "demo" / "cluster"


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
    ensure_venv()
    cli = BIN / "sre-orchestrator"
    run(cli, "tool", "--snapshot", DEMO_SNAPSHOT, "find_pods", "query=auth-service")
    pods = subprocess.run(
        [cli, "tool", "--snapshot", DEMO_SNAPSHOT, "--output", "json", "find_pods", "query=auth-service", "limit=1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pod = json.loads(pods)["pods"][0]
    run(
        cli, "tool", "--snapshot", DEMO_SNAPSHOT, "diagnose_pod", f"namespace={pod['namespace']}", f"name={pod['name']}"
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
