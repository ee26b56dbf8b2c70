"""The workflow MCP server on its own, over stdio: `sre-orchestrator mcp-workflow` (Claude Desktop).

Its lifespan opens an IncidentService of its own (store, runner, investigator), so incidents
started here are in the same database as those of `serve`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from common.mcp_stdio import serve_stdio
from orchestrator.incidents.runner import describe_failure
from orchestrator.incidents.service import IncidentService, InvestigatorFactory, Knowledge, load_service_knowledge
from orchestrator.mcp.server import build_workflow_server
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import StoreError, prepare_database

log = logging.getLogger("sre.orchestrator.mcp.stdio")


def create_stdio_server(
    settings: OrchestratorSettings, investigator_factory: InvestigatorFactory, knowledge: Knowledge | None = None
) -> MCPServer[Any]:
    """A workflow server whose lifespan opens its own IncidentService (store, runner, investigator)."""
    opened: list[IncidentService] = []

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[None]:
        async with IncidentService.open(settings, investigator_factory, knowledge) as service:
            opened.append(service)
            try:
                yield
            finally:
                opened.remove(service)

    def service() -> IncidentService:
        if not opened:
            raise ToolError("the incident service is not running")
        return opened[-1]

    return build_workflow_server(service, lifespan=lifespan)


def run_stdio(settings: OrchestratorSettings) -> int:
    """Serve on stdio until the client goes; 2 with a message when the settings cannot work."""
    from orchestrator.incidents.investigator import open_server_investigator

    try:
        knowledge = load_service_knowledge(settings)  # a broken rule or graph file stops here, named
        prepare_database(settings.database_url)
    except (StoreError, ValueError) as exc:
        print(f"sre-orchestrator mcp-workflow: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        serve_stdio(create_stdio_server(settings, open_server_investigator, knowledge))
    except Exception as exc:  # the investigator could not open (no cluster credentials, say), or the store broke
        log.debug("mcp-workflow stopped", exc_info=exc)
        print(f"sre-orchestrator mcp-workflow: stopped: {describe_failure(exc)}", file=sys.stderr)
        return 2
    return 0
