"""The server's lifecycle: uvicorn in a background thread, over HTTPS with a CA made for this run."""

from __future__ import annotations

import secrets
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from kube_api_server.tls import ServerTls, issue_server_tls

from .app import RecordedRequest, Reply, Script, build_app

_STARTUP_TIMEOUT_SECONDS = 10.0


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
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    def start(self) -> OpenAIServer:
        if self._thread is not None:
            raise RuntimeError("the OpenAI test server is already running")
        self._workdir = Path(tempfile.mkdtemp(prefix="openai-server-"))
        ssl_options = {}
        if self.tls:
            self._tls = issue_server_tls(self.host, "localhost")
            self._tls.write_ca(self._workdir / "ca.crt")
            context = self._tls.server_context()
            ssl_options = {"ssl_context_factory": lambda _config, _default: context}
        # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets that say TCP, and
        # without it each response body waits for a delayed ACK (see kube_api_server.server).
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind((self.host, 0))
        listener.listen(64)
        self._port = listener.getsockname()[1]
        config = uvicorn.Config(
            build_app(self._script, self.api_key), lifespan="off", log_level="warning", access_log=False, **ssl_options
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._uvicorn.run, kwargs={"sockets": [listener]}, name="openai-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the OpenAI test server did not start; see the uvicorn log above")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._uvicorn is not None:
            # A slow scripted reply may still be sleeping for a client that gave up on it.
            self._uvicorn.force_exit = self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._uvicorn = self._thread = self._workdir = None

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

    @property
    def ca_file(self) -> Path:
        if self._workdir is None or self._tls is None:
            raise RuntimeError("the OpenAI test server is not running over HTTPS")
        return self._workdir / "ca.crt"

    def script(self, *replies: Reply) -> None:
        """Queue replies; each chat completion request takes the next one (none left: a 400)."""
        self._script.add(*replies)

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
