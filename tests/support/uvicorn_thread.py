"""Test servers in a background thread: uvicorn on a pre-bound loopback socket.

The socket is bound before uvicorn starts, so no other process can take the port between
choosing and serving it. It is created with an explicit IPPROTO_TCP: asyncio sets TCP_NODELAY
only on sockets that say so, and without it every response body waits ~40 ms (Nagle).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

STARTUP_TIMEOUT_SECONDS = 10.0


def tcp_listener(host: str = "127.0.0.1") -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen(128)
    return listener


class UvicornThread:
    """One uvicorn server running in a daemon thread on `listener`."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket, name: str) -> None:
        self.listener = listener
        self.name = name
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [listener]}, name=name, daemon=True)

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the {self.name} did not start; see the uvicorn log above")
            time.sleep(0.01)

    def stop(self, *, force: bool = True) -> None:
        # Forced by default: idle keep-alive connections of clients still in memory, or a slow
        # scripted reply, would otherwise hold the shutdown for the whole graceful timeout.
        self._server.force_exit = force
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.listener.close()
