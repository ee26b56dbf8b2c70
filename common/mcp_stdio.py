"""Serve an MCP server over this process's stdin and stdout through the event loop, not threads.

The SDK's stdio transport reads and writes through anyio's thread-backed files, so every request
and every answer crosses a worker thread; after a pause between calls (the way an assistant
asks), those hand-offs cost ~0.4 ms a call (`bench/peer_mcp.py` prints the paced calls). Here
the SDK's own `stdio_server` still parses, validates and writes every message: it is handed
line streams over asyncio pipe transports instead. What the SDK's transport does besides is kept:
while serving, fd 0 reads /dev/null and fd 1 writes to stderr, so a library that prints cannot
corrupt the wire, and both are restored afterwards. A stdin or stdout the event loop cannot
watch (a regular file, `< requests.jsonl`; /dev/null; Windows) gets the SDK's transport as is.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import anyio
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE

MAX_MESSAGE_BYTES = DEFAULT_MAX_REQUEST_BODY_SIZE
"""A longer line is dropped (the SDK's HTTP transport refuses a bigger body the same way)."""


def serve_stdio(server: MCPServer[Any]) -> None:
    """Serve until the client closes stdin."""
    if sys.platform == "win32" or not (_pollable(0, selectors.EVENT_READ) and _pollable(1, selectors.EVENT_WRITE)):
        server.run()
        return
    anyio.run(_serve, server)


async def _serve(server: MCPServer[Any]) -> None:
    loop = asyncio.get_running_loop()
    with _claimed_std_fds() as (wire_in, wire_out):
        reader = asyncio.StreamReader(limit=MAX_MESSAGE_BYTES)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), wire_in)
        # FlowControlMixin is the protocol asyncio's own subprocess pipes use: it lets drain() wait
        # while a slow client leaves the pipe full, instead of blocking the loop.
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, wire_out)
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        try:
            async with stdio_server(_LineReader(reader), _LineWriter(writer)) as (read_stream, write_stream):
                lowlevel = server._lowlevel_server  # what MCPServer.run_stdio_async runs, over our streams
                await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
        finally:
            transport.close()


class _LineReader:
    """`async for line in stdin`, as the SDK reads its anyio text file."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        while True:
            try:
                line = await self._reader.readline()
            except ValueError:  # longer than MAX_MESSAGE_BYTES: dropped, as the SDK drops a line it cannot parse
                yield ""
                continue
            if not line:
                return
            yield line.decode("utf-8", errors="replace")


class _LineWriter:
    """`await write(text)` and `await flush()`, as the SDK writes its anyio text file."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self._writer.drain()


def _pollable(fd: int, events: int) -> bool:
    """Whether the event loop can watch `fd`: a pipe, socket or terminal it may register."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
        return False
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(fd, events)
        except (OSError, ValueError):  # /dev/null is a character device epoll refuses
            return False
    return True


@contextmanager
def _claimed_std_fds() -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """The wire on private descriptors; fd 0 on /dev/null and fd 1 on stderr until the end."""
    saved = {fd: os.dup(fd) for fd in (0, 1)}
    wire = {fd: os.dup(fd) for fd in (0, 1)}
    blocking = {fd: os.get_blocking(fd) for fd in (0, 1)}
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        with open(wire[0], "rb", buffering=0) as wire_in, open(wire[1], "wb", buffering=0) as wire_out:
            yield wire_in, wire_out  # type: ignore[misc]
    finally:
        os.close(devnull)
        for fd, original in saved.items():
            os.dup2(original, fd)
            os.close(original)
            # The pipe transports made the shared file description non-blocking; a terminal left
            # so would break the shell that ran us.
            os.set_blocking(fd, blocking[fd])
