"""Kubernetes MCP server start: spawn to the answer of tools/list, idle memory, and live get_pod latency.

    .venv/bin/python bench/mcp_startup.py [--runs N] [--calls N] [--baseline DIR]

A real MCP client (the SDK's, over stdio, as Claude Desktop or the Inspector would) spawns
`sre-orchestrator mcp` with the demo snapshot, then with a kubeconfig to the test API server
serving the same snapshot, in turn, `--runs` times each. Per backend it prints the time from
spawning the process to the answer of tools/list, the server's RSS once idle after it, and the
median of `--calls` get_pod calls in the same session. The floors, measured in the same run
(the machine may be busy, so compare ratios): a bare interpreter, and one that only imports the
MCP SDK's server (`import mcp.server`), the part of the start no change here can remove.
`--baseline DIR` also runs the server from another checkout of the project (`git worktree add
DIR <commit>`; this environment's packages), in turn with this one, and prints the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from kube_api_server import KubeApiServer
from mcp import Client, StdioServerParameters

DEMO = ROOT / "knowledge" / "demo" / "cluster"
SERVER = [sys.executable, "-m", "orchestrator.cli", "mcp"]


@dataclass
class Run:
    to_tools_list: float  # seconds
    cpu_to_tools_list: float  # the server's user + system seconds by then: steadier than wall on a busy machine
    idle_rss_mib: float
    get_pod_ms: list[float]

    @property
    def get_pod_median_ms(self) -> float:
        return statistics.median(self.get_pod_ms)


def first_pod(snapshot: Path) -> tuple[str, str]:
    for pods in sorted(snapshot.glob("*/pods.json")):
        items = json.loads(pods.read_text()).get("items") or []
        if items:
            return items[0]["metadata"]["namespace"], items[0]["metadata"]["name"]
    raise SystemExit(f"no pod in {snapshot}")


def server_process() -> psutil.Process:
    """The spawned server: this process's child running the `mcp` command."""
    for child in psutil.Process().children(recursive=True):
        if "orchestrator.cli" in child.cmdline():
            return child
    raise RuntimeError("the MCP server process was not found")


async def one_run(args: list[str], pod: tuple[str, str], calls: int, source: Path) -> Run:
    """One start of the server in `source` (`python -m` imports the project from its working directory)."""
    params = StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], *args], env=dict(os.environ), cwd=str(source))
    started = time.perf_counter()
    async with Client(params) as client:
        await client.list_tools()
        to_tools_list = time.perf_counter() - started
        cpu = server_process().cpu_times()
        await anyio.sleep(0.5)  # idle: whatever the start left running has settled
        rss = server_process().memory_info().rss / 2**20
        timings = []
        for _ in range(calls):
            call_started = time.perf_counter()
            result = await client.call_tool("get_pod", {"namespace": pod[0], "name": pod[1]})
            timings.append((time.perf_counter() - call_started) * 1000)
            if result.is_error:
                raise RuntimeError(f"get_pod failed: {result.content}")
    return Run(to_tools_list, cpu.user + cpu.system, rss, timings)


def floor(code: str) -> tuple[float, float]:
    """Wall and CPU seconds of `python -c CODE`."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    wall, after = time.perf_counter() - started, os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    low, mid, high = min(values) * scale, statistics.median(values) * scale, max(values) * scale
    return f"median {mid:.3f} {unit} (min {low:.3f}, max {high:.3f})"


def report(label: str, done: list[Run]) -> None:
    print(f"\n{label}")
    print(f"  spawn to tools/list: {spread([r.to_tools_list for r in done], 's')}")
    print(f"  CPU by tools/list:   {spread([r.cpu_to_tools_list for r in done], 's')}")
    print(f"  idle RSS:            {spread([r.idle_rss_mib for r in done], 'MiB')}")
    print(f"  get_pod median:      {spread([r.get_pod_median_ms for r in done], 'ms')}")


def ratio(runs: list[Run], baseline: list[Run], field: str) -> float:
    median = statistics.median(getattr(r, field) for r in runs)
    return median / statistics.median(getattr(r, field) for r in baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="server starts per backend")
    parser.add_argument("--calls", type=int, default=100, help="get_pod calls per start")
    parser.add_argument("--baseline", type=Path, help="another checkout of the project to compare with")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    pod = first_pod(DEMO)
    sources = {"this checkout": ROOT, **({f"baseline {args.baseline}": args.baseline} if args.baseline else {})}
    runs: dict[tuple[str, str], list[Run]] = {}
    floors: dict[str, list[tuple[float, float]]] = {"python -c pass": [], "python -c 'import mcp.server'": []}
    with KubeApiServer() as api_server, tempfile.TemporaryDirectory() as work:
        kubeconfig = api_server.kubeconfig_for(DEMO, Path(work) / "demo.kubeconfig")
        backends = {
            "mcp --snapshot": ["--snapshot", str(DEMO)],
            "mcp (live, test API server)": ["--kubeconfig", str(kubeconfig.path), "--context", kubeconfig.context],
        }
        for _ in range(args.runs):  # in turn, so that a change of load touches every configuration alike
            floors["python -c pass"].append(floor("pass"))
            floors["python -c 'import mcp.server'"].append(floor("import mcp.server"))
            for source_name, source in sources.items():
                for backend, backend_args in backends.items():
                    run = anyio.run(one_run, backend_args, pod, args.calls, source)
                    runs.setdefault((source_name, backend), []).append(run)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\n{args.runs} starts per configuration over stdio; get_pod {pod[0]}/{pod[1]}, {args.calls} calls per start")
    for (source_name, backend), done in runs.items():
        report(f"{backend}, {source_name}", done)
    print("\nfloors (whole process, same run)")
    for name, values in floors.items():
        print(f"  {name}: wall {spread([v[0] for v in values], 's')}; CPU {spread([v[1] for v in values], 's')}")
    sdk = floors["python -c 'import mcp.server'"]
    sdk_wall, sdk_cpu = statistics.median(v[0] for v in sdk), statistics.median(v[1] for v in sdk)
    for (source_name, backend), done in runs.items():
        wall = statistics.median(r.to_tools_list for r in done) / sdk_wall
        cpu = statistics.median(r.cpu_to_tools_list for r in done) / sdk_cpu
        print(f"  {backend}, {source_name}: start / SDK import alone: wall {wall:.2f}x, CPU {cpu:.2f}x")
    if args.baseline:
        print("\nthis checkout / baseline (medians)")
        for backend in backends:
            now, then = runs[("this checkout", backend)], runs[(f"baseline {args.baseline}", backend)]
            print(
                f"  {backend}: start {ratio(now, then, 'to_tools_list'):.2f}x, "
                f"CPU {ratio(now, then, 'cpu_to_tools_list'):.2f}x, RSS {ratio(now, then, 'idle_rss_mib'):.2f}x, "
                f"get_pod {ratio(now, then, 'get_pod_median_ms'):.2f}x"
            )


if __name__ == "__main__":
    main()
