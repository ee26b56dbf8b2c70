"""Start the product's own commands as real processes for tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "orchestrator.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"


def wait_for_health(base_url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(f"{base_url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        time.sleep(0.05)
    raise AssertionError(f"server did not answer /health within {timeout}s:\n{log.read_text()}")


@contextlib.contextmanager
def cli_server(
    command_args: Sequence[str | Path], log_dir: Path, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[ServerProcess]:
    """`sre-orchestrator COMMAND_ARGS --port P` on a loopback port, answering /health; stopped afterwards."""
    port = port or free_port()
    log = log_dir / f"server-{port}.log"
    command = [*CLI, *map(str, command_args), "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_health(base_url, process, log)
        yield ServerProcess(process, base_url, log)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def mcp_http_server(
    args: Sequence[str | Path], log_dir: Path, env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[ServerProcess]:
    """`sre-orchestrator mcp --transport http ARGS`."""
    return cli_server(["mcp", "--transport", "http", *args], log_dir, env)
