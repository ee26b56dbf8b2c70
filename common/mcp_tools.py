"""What both of our MCP servers' tools share: the read-only annotation and a result with two faces."""

from __future__ import annotations

from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def tool_result(model: BaseModel, text: str) -> CallToolResult:
    """The model as structured content (its output schema) and `text` for a person or a model to read."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=model.model_dump(mode="json")
    )
