"""The workflow MCP server inside `serve`: streamable HTTP at /mcp, over the app's IncidentService."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

from starlette.routing import BaseRoute

from common.http_guard import transport_security
from orchestrator.mcp.server import MCP_PATH, ServiceSource, build_workflow_server


class WorkflowHttp:
    """The workflow server for `serve`: its `/mcp` route, and its session manager for the app's lifespan.

    Stateless (each request stands alone, so replicas and restarts never strand a client), with
    answers streamed as server-sent events so that progress notifications reach the caller.
    """

    def __init__(self, service: ServiceSource, allowed_hosts: Iterable[str] = ()) -> None:
        self.server = build_workflow_server(service)
        app = self.server.streamable_http_app(
            streamable_http_path=MCP_PATH, transport_security=transport_security(allowed_hosts), stateless_http=True
        )
        self.routes: list[BaseRoute] = list(app.routes)

    def run(self) -> AbstractAsyncContextManager[None]:
        return self.server.session_manager.run()
