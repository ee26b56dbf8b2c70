"""What every Kubernetes tool returns: its model as structured content beside a kubectl-like text,
with cluster errors turned into tool errors that name the object (timed, counted by tool name)."""

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel

from common.mcp_tools import tool_result
from mcp_servers.kubernetes.backend import BackendError
from mcp_servers.kubernetes.metrics import tool_call
from mcp_servers.kubernetes.render import render
from mcp_servers.kubernetes.selectors import SelectorError

P = ParamSpec("P")
Registrar = Callable[[str], Callable[[Callable[..., Any]], Any]]
"""`tool(title)`: registers a function as a read-only tool (with `context` when there are several)."""


def as_tool_errors(fn: Callable[P, BaseModel]) -> Callable[P, CallToolResult]:
    """Cluster errors become tool errors with the backend's message, which names the object."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            with tool_call(fn.__name__):
                model = fn(*args, **kwargs)
        except BackendError as exc:
            raise ToolError(str(exc)) from exc
        except SelectorError as exc:
            raise ToolError(f"invalid selector: {exc}") from exc
        return tool_result(model, render(model))

    return wrapper
