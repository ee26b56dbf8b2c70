"""LangGraph without the LangGraph SDK's clients: about 8 MiB less resident in every process that investigates.

`langgraph.runtime` imports one type from the SDK (`langgraph_sdk.auth.types.BaseUser`), and
importing any module of a package first runs the package's `__init__`, which for `langgraph_sdk`
loads its clients for a LangGraph Platform server: httpx (with rich, pygments and click, its
command line), websockets and the client models; 7.8 MiB measured, 155 modules. Nothing here
talks to such a server. `register()` puts the package in `sys.modules` without running its
`__init__` (as knowledge/cel_engine.py does for the CEL extension), so its submodules, the auth
types among them, load as usual and the clients never do. An explicit `import
langgraph_sdk.client` still works; only `from langgraph_sdk import get_client` would not, and
only LangGraph's RemoteGraph, which nothing here uses, says that.
"""

from __future__ import annotations

import importlib.util
import sys

_PACKAGE = "langgraph_sdk"


def register() -> None:
    """Make `langgraph_sdk` importable without its clients; a no-op once it is imported, or if it is absent."""
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None:  # not installed: LangGraph says so when it is imported
        return
    sys.modules[_PACKAGE] = importlib.util.module_from_spec(spec)
