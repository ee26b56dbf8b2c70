"""The layout is the architecture (docs/architecture.md): imports only go down, small modules, small functions.

import-linter checks the layers and the absence of cycles declared in pyproject.toml; the
sizes are measured here with the standard library's parser.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT

ROOT = ROOT
PACKAGES = ("common", "knowledge", "mcp_servers", "graphs", "orchestrator")
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_every_import_contract_holds() -> None:
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 4 kept, 0 broken." in run.stdout, run.stdout


def test_a_broken_contract_is_reported(tmp_path: Path) -> None:
    """The check can fail: a copy of the packages where common imports orchestrator breaks the layers."""
    for package in PACKAGES[1:]:
        (tmp_path / package).symlink_to(ROOT / package)
    common = tmp_path / "common"
    common.mkdir()
    for path in (ROOT / "common").glob("*.py"):
        (common / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (common / "version.py").write_text("import orchestrator.models\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "common.version -> orchestrator.models" in run.stdout, run.stdout


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by idea"


def _declarative(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function that mostly returns one literal (a document, a table) reads as data, not as logic."""
    last = function.body[-1]
    if not isinstance(last, ast.Return) or not isinstance(last.value, ast.Dict | ast.List | ast.Tuple):
        return False
    literal = (last.value.end_lineno or 0) - last.value.lineno + 1
    return literal * 4 >= (function.end_lineno or 0) - function.lineno + 1  # the literal is most of it


def test_functions_stay_small() -> None:
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _declarative(node):
                length = (node.end_lineno or 0) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not long, "functions over 60 lines: " + ", ".join(long)
