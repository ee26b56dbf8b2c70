"""The stdio transport both MCP servers use (common/mcp_stdio.py), driven by real clients: the SDK's
client over pipes, and raw JSON-RPC lines for what a client library would never send. Stray
output on fd 1 while serving lands on stderr, not the wire; an oversized line is dropped and the
next request answered; a stdin that is a regular file gets the SDK's transport; the descriptors
are restored afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from paths import DEMO_CLUSTER, ROOT
from processes import CLI

from common.mcp_stdio import MAX_MESSAGE_BYTES

SERVER = """
import os, sys
os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
from mcp.server import MCPServer
from common.mcp_stdio import serve_stdio

server = MCPServer("noisy", log_level="WARNING")

@server.tool()
def shout(word: str) -> str:
    print("stray print from a library")  # fd 1 is the wire's old place
    os.write(1, b"stray write to fd 1\\n")
    return word.upper()

serve_stdio(server)
print(f"after: stdin blocking={os.get_blocking(0)} stdout blocking={os.get_blocking(1)}", file=sys.stderr)
"""

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
TOOLS_LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def _lines(*messages: dict[str, object]) -> bytes:
    return b"".join(json.dumps(message).encode() + b"\n" for message in messages)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_stray_output_on_fd_1_goes_to_stderr_and_the_answer_arrives(tmp_path: Path) -> None:
    script = tmp_path / "noisy_server.py"
    script.write_text(SERVER, encoding="utf-8")
    stderr_path = tmp_path / "stderr"

    async def call() -> str:
        params = StdioServerParameters(command=sys.executable, args=[str(script), str(stderr_path)], env=_env())
        async with Client(params) as client:
            result = await client.call_tool("shout", {"word": "hello"})
        return result.content[0].text  # type: ignore[union-attr]

    assert anyio.run(call) == "HELLO"
    stderr = stderr_path.read_text(encoding="utf-8")
    assert "stray print from a library" in stderr
    assert "stray write to fd 1" in stderr


def test_an_oversized_line_is_dropped_and_the_next_request_answered(tmp_path: Path) -> None:
    oversized = (
        b'{"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {"pad": "' + b"x" * MAX_MESSAGE_BYTES + b'"}}\n'
    )
    server = subprocess.Popen(
        [*CLI, "mcp", "--snapshot", str(DEMO_CLUSTER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write(_lines(INITIALIZE, INITIALIZED) + oversized + _lines(TOOLS_LIST))
        server.stdin.flush()
        answers = [json.loads(server.stdout.readline()) for _ in range(2)]  # stdin stays open: none cancelled
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    assert [answer["id"] for answer in answers] == [1, 2]
    assert "get_pod" in {tool["name"] for tool in answers[1]["result"]["tools"]}
    assert server.returncode == 0


def test_a_regular_file_on_stdin_is_served_by_the_sdk_transport(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_bytes(_lines(INITIALIZE, INITIALIZED, TOOLS_LIST))
    with requests.open("rb") as stdin:
        done = subprocess.run(
            [*CLI, "mcp", "--snapshot", str(DEMO_CLUSTER)],
            stdin=stdin,
            capture_output=True,
            env=_env(),
            timeout=60,
            check=False,
        )
    ids = [json.loads(line).get("id") for line in done.stdout.splitlines()]
    assert ids[0] == 1, done.stderr.decode()
    assert done.returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
def test_the_descriptors_are_blocking_again_after_serving(tmp_path: Path) -> None:
    script = tmp_path / "noisy_server.py"
    script.write_text(SERVER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "stderr")],
        input=_lines(INITIALIZE),
        capture_output=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    stderr = (tmp_path / "stderr").read_text(encoding="utf-8")
    assert "after: stdin blocking=True stdout blocking=True" in stderr
