"""A tool call naming an argument the tool does not take is a tool error listing the ones it does.

The MCP SDK validates a tool's arguments with a model that ignores unknown keys: a misspelled
`namespce` would list every namespace, a `tail=50` would return the default 100 lines, and a
`context` sent to a server of one cluster would be answered from that cluster, whatever it named.
Refused here, before the SDK validates, with the argument names the tool advertises in `tools/list`,
so that a person or a model can fix the call. Installed as SDK middleware (`MCPServer.middleware`,
which the SDK calls provisional in 2.x: an upgrade that changes it fails the tests that call it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent

_CONTEXT_HINT = " (this server reads one cluster; list_contexts names it)"


def refuse_unknown_arguments(server: MCPServer[Any]) -> None:
    """Install the check on `server`; call it once its tools are registered."""
    server.middleware.append(_UnknownArguments(server))


class _UnknownArguments:
    def __init__(self, server: MCPServer[Any]) -> None:
        self._server = server
        self._accepted: dict[str, frozenset[str]] | None = None

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call" and ctx.params is not None:
            refusal = await self._refusal(ctx.params)
            if refusal is not None:
                return CallToolResult(content=[TextContent(type="text", text=refusal)], is_error=True)
        return await call_next(ctx)

    async def _refusal(self, params: Mapping[str, Any]) -> str | None:
        name, arguments = params.get("name"), params.get("arguments")
        if not isinstance(name, str) or not isinstance(arguments, Mapping):
            return None  # a malformed call or no arguments: the SDK's own validation answers it
        tools = await self._names()
        accepted = tools.get(name)
        unknown = sorted(set(arguments) - accepted) if accepted is not None else []
        if not unknown:
            return None  # an unknown tool is the SDK's to report
        takes = ", ".join(sorted(accepted)) if accepted else "none"
        hint = _CONTEXT_HINT if "context" in unknown and "list_contexts" in tools else ""
        return f"{name} has no argument {', '.join(map(repr, unknown))}{hint}; its arguments are: {takes}"

    async def _names(self) -> dict[str, frozenset[str]]:
        if self._accepted is None:  # tools are registered before serving and never change after
            tools = await self._server.list_tools()
            self._accepted = {tool.name: frozenset(tool.input_schema.get("properties", {})) for tool in tools}
        return self._accepted
