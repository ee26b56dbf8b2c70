"""Prometheus metrics of the Kubernetes tools: calls, latency and errors by tool.

Counted around each tool's execution (tools.py), so the figures are the same whichever
transport serves the tools; `mcp --transport http` serves them at /metrics (http.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

TOOL_SECONDS = Histogram(
    "sre_kubernetes_tool_duration_seconds",
    "Time one Kubernetes tool took to answer, by tool.",
    ["tool"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TOOL_ERRORS = Counter(
    "sre_kubernetes_tool_errors",
    "Tool calls that answered with a tool error (missing object, refused namespace).",
    ["tool"],
)


@contextmanager
def tool_call(tool: str) -> Iterator[None]:
    """Time the enclosed tool call; an exception out of it counts as that tool's error."""
    start = time.perf_counter()
    try:
        yield
    except Exception:
        TOOL_ERRORS.labels(tool).inc()
        raise
    finally:
        TOOL_SECONDS.labels(tool).observe(time.perf_counter() - start)
