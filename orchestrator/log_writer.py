"""Log lines reach stderr from one background thread, so no request or investigation waits on the stream.

Callers append a finished line to a bounded buffer (an append under the GIL, no lock, no system
call) and go on; the writer thread drains the buffer every few milliseconds and writes what it
took in one call. When the buffer is full (stderr blocked by a stuck pipe, a log storm), new
lines are dropped and counted (`sre_log_lines_dropped_total`) instead of stalling the event
loop; whatever is buffered is written at exit.
"""

from __future__ import annotations

import atexit
import threading
from collections import deque
from typing import TextIO

from prometheus_client import Counter

DROPPED = Counter("sre_log_lines_dropped", "Log lines dropped because the log buffer was full (stderr too slow).")
MAX_BUFFERED_LINES = 10_000
DRAIN_INTERVAL_SECONDS = 0.01


class LineWriter:
    """Lines out to `stream` in the background, at most `max_lines` waiting."""

    def __init__(self, stream: TextIO, max_lines: int = MAX_BUFFERED_LINES) -> None:
        self._stream = stream
        self._max_lines = max_lines
        self._lines: deque[str] = deque()
        self._stopped = threading.Event()
        self._draining = threading.Lock()  # one drain at a time keeps lines in order
        self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def write(self, line: str) -> None:
        """Queue one line (ending in a newline); never blocks."""
        if len(self._lines) < self._max_lines:
            self._lines.append(line)
        else:
            DROPPED.inc()

    def _run(self) -> None:
        while not self._stopped.wait(DRAIN_INTERVAL_SECONDS):
            self._drain()
        self._drain()

    def flush(self) -> None:
        """Write what is buffered now, from the caller's thread (tests, shutdown)."""
        self._drain()

    def _drain(self) -> None:
        with self._draining:
            self._write_buffered()

    def _write_buffered(self) -> None:
        lines = self._lines
        if not lines:
            return
        taken = [lines.popleft() for _ in range(len(lines))]
        try:
            self._stream.write("".join(taken))
            self._stream.flush()
        except (OSError, ValueError):  # stderr closed or gone: nothing left to tell
            DROPPED.inc(len(taken))

    def close(self) -> None:
        """Write what is buffered and stop the thread (at exit, or when logging is configured again)."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._thread.join(timeout=5)
