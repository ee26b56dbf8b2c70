"""The server's lifecycle: uvicorn in a background thread, over HTTPS with a CA made for this run."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from kube_api_server.tls import ServerTls, issue_server_tls
from uvicorn_thread import UvicornThread, tcp_listener

from .app import RecordedRequest, Reply, Responder, Script, build_app


class OpenAIServer:
    """An OpenAI-compatible Chat Completions server for tests; a context manager, or start()/stop().

    `tls=False` serves plain HTTP (to test the client's refusal and its explicit opt-in).
    """

    def __init__(self, *, tls: bool = True, host: str = "127.0.0.1") -> None:
        self.host = host
        self.api_key = "sk-test-" + secrets.token_urlsafe(24)
        self.tls = tls
        self._script = Script()
        self._tls: ServerTls | None = None
        self._workdir: Path | None = None
        self._uvicorn: UvicornThread | None = None
        self._port = 0

    def start(self) -> OpenAIServer:
        if self._uvicorn is not None:
            raise RuntimeError("the OpenAI test server is already running")
        self._workdir = Path(tempfile.mkdtemp(prefix="openai-server-"))
        ssl_options = {}
        if self.tls:
            self._tls = issue_server_tls(self.host, "localhost")
            self._tls.write_ca(self._workdir / "ca.crt")
            context = self._tls.server_context()
            ssl_options = {"ssl_context_factory": lambda _config, _default: context}
        listener = tcp_listener(self.host)
        self._port = listener.getsockname()[1]
        config = uvicorn.Config(
            build_app(self._script, self.api_key), lifespan="off", log_level="warning", access_log=False, **ssl_options
        )
        self._uvicorn = UvicornThread(config, listener, "OpenAI test server")
        self._uvicorn.start()
        return self

    def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._uvicorn = self._workdir = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as its base URL (…/v1)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self._port}/v1"

    def llm_settings(self) -> dict[str, Any]:
        """The orchestrator's LLM settings pointing at this server (a quick timeout, one retry)."""
        return {
            "llm_model": "test-model",
            "llm_base_url": self.base_url,
            "llm_api_key": self.api_key,
            "llm_ca_bundle": self.ca_file if self.tls else None,
            "llm_timeout_seconds": 5,
            "llm_max_retries": 1,
        }

    @property
    def ca_file(self) -> Path:
        if self._workdir is None or self._tls is None:
            raise RuntimeError("the OpenAI test server is not running over HTTPS")
        return self._workdir / "ca.crt"

    def script(self, *replies: Reply) -> None:
        """Queue replies; each chat completion request takes the next one (none left: a 400)."""
        self._script.add(*replies)

    def settings_env(self) -> dict[str, str]:
        """The `SRE_LLM_*` environment that points `serve` (or any command) at this server, no retries."""
        return {
            "SRE_LLM_MODEL": "test-model",
            "SRE_LLM_BASE_URL": self.base_url,
            "SRE_LLM_API_KEY": self.api_key,
            "SRE_LLM_CA_BUNDLE": str(self.ca_file),
            "SRE_LLM_MAX_RETRIES": "0",
        }

    def respond_with(self, responder: Responder) -> None:
        """Answer every request the script has no reply for with `responder(request)`."""
        self._script.responder = responder

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last reset, in order."""
        return self._script.requests

    @property
    def unused_replies(self) -> int:
        return self._script.unused

    def reset(self) -> None:
        """Forget the script and the recorded requests (between tests)."""
        self._script.reset()
