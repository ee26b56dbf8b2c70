"""Building an MCPServer without the SDK's logging setup, where the process has configured its own.

`MCPServer()` calls the SDK's `configure_logging`, which imports rich (3.8 MiB resident, 63
modules) to make a handler for `logging.basicConfig`; basicConfig ignores it when the root
logger already has a handler, as it does in every command here that serves (orchestrator/logs.py
configures logging first). `sdk_logging_setup_skipped()` leaves the SDK's setup out only then,
so a process that has not configured logging still gets the SDK's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mcp.server.mcpserver import server as sdk_server


@contextmanager
def sdk_logging_setup_skipped() -> Iterator[None]:
    """Within this block, MCPServer() leaves logging as it is when the root logger has a handler."""
    if not logging.getLogger().handlers:
        yield
        return
    original = sdk_server.configure_logging
    sdk_server.configure_logging = _leave_logging_alone
    try:
        yield
    finally:
        sdk_server.configure_logging = original


def _leave_logging_alone(*args: Any, **kwargs: Any) -> None:
    return None
