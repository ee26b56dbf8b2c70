"""One `find_problems` call over the whole cluster, measured in a process of its own.

    .venv/bin/python bench/sweep.py --snapshot DIR
    .venv/bin/python bench/sweep.py --kubeconfig FILE --context NAME

The tool is called through an in-memory MCP client, exactly as an MCP client sees it. Prints
one JSON line: the call's time (the first round and the fastest of `--rounds`), this process's
CPU time in the call (what a busy machine does not inflate; the live backend's API server runs
elsewhere), the process's RSS once the server is built, its peak RSS over the calls, and the
difference (what the sweep itself costs), with the number of problems and whether the answer was
cut. bench/scale.py runs it against a generated cluster of thousands of pods.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import anyio
import psutil
from mcp import Client

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server


async def _calls(reader: ClusterReader, rounds: int) -> tuple[list[tuple[float, float]], dict]:
    times, report = [], {}
    async with Client(build_server(reader)) as client:
        for _ in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            result = await client.call_tool("find_problems", {"limit": 50})
            times.append((time.perf_counter() - started, time.process_time() - cpu))
            assert not result.is_error, result.content
            report = result.structured_content or {}
    return times, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.snapshot:
        backend: SnapshotBackend | LiveBackend = SnapshotBackend(args.snapshot)
    else:
        backend = LiveBackend(load_api_client(args.kubeconfig, args.context))
    reader = ClusterReader(backend)
    before = psutil.Process().memory_info().rss / 2**20
    times, report = anyio.run(_calls, reader, args.rounds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "first_s": round(times[0][0], 3),
                "best_s": round(min(t for t, _ in times), 3),
                "cpu_s": round(min(c for _, c in times), 3),
                "rss_before_mib": round(before, 1),
                "peak_rss_mib": round(peak, 1),
                "extra_mib": round(peak - before, 1),
                "pods_checked": report.get("checked", {}).get("pods"),
                "problems": sum(report.get("counts", {}).values()),
                "truncated": report.get("truncated"),
            }
        )
    )


if __name__ == "__main__":
    main()
