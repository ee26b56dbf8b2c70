"""Run the REST API with uvicorn: `sre-orchestrator serve`."""

from __future__ import annotations

import logging
import sys

import uvicorn
from uvicorn._types import ASGIApplication

from common.http_guard import unprotected_listen_error
from orchestrator.app import create_app
from orchestrator.incidents.service import InvestigatorFactory
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import StoreError, prepare_database

log = logging.getLogger("sre.orchestrator")


def check_listen_safety(settings: OrchestratorSettings) -> None:
    """Refuse (ValueError) to serve incidents beyond this machine without tokens, unless told to."""
    refused = unprotected_listen_error(
        settings.host,
        settings.port,
        has_tokens=bool(settings.tokens()),
        allowed=settings.allow_unauthenticated,
        tokens_setting="SRE_API_TOKENS",
        allow_setting="SRE_ALLOW_UNAUTHENTICATED",
        tokens_name="API tokens",
    )
    if refused:
        raise ValueError(refused)


def uvicorn_config(app: ASGIApplication, host: str, port: int) -> uvicorn.Config:
    """The server's uvicorn settings (bench/bare_server.py measures its ceiling with the same ones).

    Logging stays as the command configured it (orchestrator/logs.py). uvicorn's own access log
    is off: the app writes its access lines itself (orchestrator/access_log.py), off the hot path.
    No WebSocket support: no route speaks it, and uvicorn's default loads the websockets
    library at startup (bench/footprint.py).
    """
    return uvicorn.Config(app, host=host, port=port, lifespan="on", log_config=None, access_log=False, ws="none")


def run(settings: OrchestratorSettings, investigator_factory: InvestigatorFactory) -> int:
    """Serve until stopped; 2 with a clear message when the settings or the database are unusable.

    A SIGTERM/SIGINT ends the process with that signal after a graceful shutdown (uvicorn re-raises it).
    """
    try:
        check_listen_safety(settings)
        app = create_app(settings, investigator_factory)
        # Fail before listening, with a message rather than a lifespan traceback.
        prepare_database(settings.database_url)
    except (StoreError, ValueError) as exc:
        print(f"sre-orchestrator serve: cannot start: {exc}", file=sys.stderr)
        return 2
    server = uvicorn.Server(uvicorn_config(app, settings.host, settings.port))
    log.info("incidents and investigation checkpoints in %s", settings.database_name())
    server.run()
    # Not started: the lifespan failed (the investigator could not open), and uvicorn logged why.
    return 0 if server.started else 2
