"""Kubernetes MCP server: tool latency over the scenario suite, and the server's memory.

    .venv/bin/python bench/mcp_tools.py [--rounds N]

Prints, per backend, the median and p95 latency of every tool over every scenario's tool plan
(tests/tool_plan.py) through the in-memory MCP client, the same for streamable HTTP against a
real `sre-orchestrator mcp` process, and that process's RSS idle and after the calls. The
baseline, measured in the same run, is one bare `kubernetes` client `read_namespaced_pod`
against the same test API server: the floor for any live tool call.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import anyio
import httpx2
import psutil
from kubernetes import client as k8s

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from kube_api_server import KubeApiServer
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from processes import mcp_http_server
from tool_plan import ToolCall, plan_for

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIOS = sorted(p for p in (ROOT / "tests" / "scenarios").iterdir() if (p / "scenario.yaml").is_file())
TOKEN = "bench-token"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed_plan(target: Any, plan: list[ToolCall], rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    async with Client(target) as session:
        for _ in range(rounds):
            for call in plan:
                start = time.perf_counter()
                await session.call_tool(call.tool, call.arguments)
                timings[call.tool].append((time.perf_counter() - start) * 1000)
    return timings


def merge(into: dict[str, list[float]], more: dict[str, list[float]]) -> None:
    for tool, values in more.items():
        into[tool].extend(values)


def report(title: str, timings: dict[str, list[float]]) -> None:
    everything = [v for values in timings.values() for v in values]
    print(f"\n{title}: {len(everything)} calls, median {statistics.median(everything):.2f} ms")
    print(f"  {'tool':<14} {'calls':>6} {'median ms':>10} {'p95 ms':>8}")
    for tool in sorted(timings):
        values = timings[tool]
        print(f"  {tool:<14} {len(values):>6} {statistics.median(values):>10.2f} {percentile(values, 0.95):>8.2f}")


def bare_client_floor(kubeconfig: Path, context: str, namespace: str, pod: str, rounds: int) -> list[float]:
    api = k8s.CoreV1Api(load_api_client(str(kubeconfig), context))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        api.read_namespaced_pod(pod, namespace, _preload_content=False).data  # noqa: B018 (read the body)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each scenario's plan is run per backend")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}")
    print(f"scenarios: {len(SCENARIOS)}, rounds: {args.rounds}")

    snapshot_timings: dict[str, list[float]] = defaultdict(list)
    live_timings: dict[str, list[float]] = defaultdict(list)
    http_timings: dict[str, list[float]] = defaultdict(list)
    with KubeApiServer() as api_server, tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        for scenario in SCENARIOS:
            cluster = scenario / "cluster"
            plan = plan_for(cluster)
            kubeconfig = api_server.kubeconfig_for(cluster, workdir / f"{scenario.name}.kubeconfig")
            snapshot_server = build_server(ClusterReader(SnapshotBackend(cluster)))
            live_server = build_server(
                ClusterReader(LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context)))
            )
            merge(snapshot_timings, anyio.run(timed_plan, snapshot_server, plan, args.rounds))
            merge(live_timings, anyio.run(timed_plan, live_server, plan, args.rounds))

        demo = ROOT / "knowledge" / "demo" / "cluster"
        demo_plan = plan_for(demo)
        first_pod = SnapshotBackend(demo).list("pods", limit=1).items[0]["metadata"]
        kubeconfig = api_server.kubeconfig_for(demo, workdir / "demo.kubeconfig")
        floor = bare_client_floor(kubeconfig.path, kubeconfig.context, first_pod["namespace"], first_pod["name"], 200)
        with mcp_http_server(["--snapshot", demo], workdir, env={"SRE_MCP_TOKENS": TOKEN}) as server:
            time.sleep(1.0)
            idle = rss_mib(server.process.pid)
            transport = streamable_http_client(
                server.mcp_url, http_client=httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
            )
            merge(http_timings, anyio.run(timed_plan, transport, demo_plan, args.rounds * 5))
            busy = rss_mib(server.process.pid)

    report("snapshot backend, in-memory MCP client", snapshot_timings)
    report("live backend (kubernetes client -> test API server over HTTPS), in-memory MCP client", live_timings)
    report("snapshot backend over streamable HTTP (separate process), demo snapshot", http_timings)
    floor_median = statistics.median(floor)
    diagnose_live = statistics.median(live_timings["diagnose_pod"])
    get_pod_live = statistics.median(live_timings["get_pod"])
    print(f"\nbaseline: bare kubernetes client read_namespaced_pod, median {floor_median:.2f} ms (200 calls)")
    print(f"  get_pod (live) / baseline:      {get_pod_live / floor_median:.1f}x")
    print(f"  diagnose_pod (live) / baseline: {diagnose_live / floor_median:.1f}x")
    print(f"\nMCP server RSS (sre-orchestrator mcp --transport http): idle {idle:.1f} MiB, after calls {busy:.1f} MiB")


if __name__ == "__main__":
    main()
