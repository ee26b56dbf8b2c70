"""The CEL engine: the compiled extension of the `cel` package, without the package's __init__.

`import cel` runs cel/__init__.py, which also imports the package's interactive shell (typer,
rich, prompt_toolkit, pygments): about 10 MiB of every server's resident memory
(bench/footprint.py) for a REPL the rules never use. The rules need only the extension
(`compile`, `Context`), loaded here from the installed package under its own name `cel.cel`,
so that a later `import cel` elsewhere reuses it rather than initializing it a second time.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType

_NAME = "cel.cel"


def _load() -> ModuleType:
    if (loaded := sys.modules.get(_NAME)) is not None:
        return loaded
    package = importlib.util.find_spec("cel")  # locates the package without running its __init__
    locations = package.submodule_search_locations if package else None
    spec = importlib.machinery.PathFinder.find_spec(_NAME, list(locations or []))
    if spec is None or spec.loader is None:
        raise ImportError("the CEL engine is missing: install common-expression-language")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module


cel = _load()
