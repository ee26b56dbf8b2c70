"""A module as it was at a commit, loaded next to today's, so a benchmark compares both in one run (same load).

    module_at("d4ea39d", "graphs/llm/analysis.py", "baseline_analysis")

The file is read with `git show`, written to a temporary directory and imported under `name`
(registered in sys.modules: dataclasses and pydantic look a module up by its name). Its own imports
resolve to today's packages.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def module_at(commit: str, path: str, name: str) -> ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout
    file = Path(tempfile.mkdtemp()) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
