"""Footprint: RSS and CPU of the orchestrator and the Kubernetes MCP server, idle and under load.

    .venv/bin/python bench/footprint.py [--rate 1] [--seconds 30]

Runs the deployment's shape on this machine: `sre-orchestrator mcp --transport http` over the
demo snapshot, and `sre-orchestrator serve` using it through SRE_MCP_URL. Measures both
processes (psutil) while idle, then while incidents arrive at `--rate` per second. Targets
(the product promises well under 0.5 vCPU and 512 MiB): under 200 MiB together and under 0.5 vCPU at normal load.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from processes import cli_server

DEMO = ROOT / "knowledge" / "demo"
TOKEN = "footprint-token"


def sample(processes: dict[str, psutil.Process], seconds: float) -> dict[str, tuple[float, float]]:
    """Peak RSS (MiB) and mean CPU (fraction of one core) of each process over `seconds`."""
    for process in processes.values():
        process.cpu_percent(None)
    peaks = dict.fromkeys(processes, 0.0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, process in processes.items():
            peaks[name] = max(peaks[name], process.memory_info().rss / 2**20)
        time.sleep(0.2)
    return {name: (peaks[name], process.cpu_percent(None) / 100) for name, process in processes.items()}


def report(title: str, figures: dict[str, tuple[float, float]]) -> None:
    total_rss = sum(rss for rss, _ in figures.values())
    total_cpu = sum(cpu for _, cpu in figures.values())
    print(f"\n{title}")
    for name, (rss, cpu) in figures.items():
        print(f"  {name:<14} RSS {rss:6.1f} MiB   CPU {cpu:5.3f} vCPU")
    print(f"  {'together':<14} RSS {total_rss:6.1f} MiB   CPU {total_cpu:5.3f} vCPU   (targets: < 200 MiB, < 0.5 vCPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1.0, help="incidents per second under load")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measurement")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores; rate {args.rate}/s for {args.seconds:.0f} s")
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        mcp_env = {"SRE_MCP_TOKENS": TOKEN}
        with cli_server(["mcp", "--transport", "http", "--snapshot", DEMO / "cluster"], workdir, mcp_env) as mcp:
            serve_env = {"SRE_MCP_URL": mcp.mcp_url, "SRE_MCP_TOKEN": TOKEN}
            serve_args = [
                "serve",
                "--knowledge-graph",
                DEMO / "knowledge_graph.yaml",
                "--database-url",
                f"sqlite:///{workdir / 'footprint.db'}",
            ]
            with cli_server(serve_args, workdir, serve_env) as api:
                processes = {
                    "orchestrator": psutil.Process(api.process.pid),
                    "mcp server": psutil.Process(mcp.process.pid),
                }
                time.sleep(2)
                report("idle", sample(processes, min(args.seconds, 10)))
                client = httpx2.Client(base_url=api.base_url, timeout=10)
                sent = 0
                start = time.monotonic()

                def load() -> None:
                    nonlocal sent
                    while time.monotonic() - start < args.seconds:
                        client.post("/api/v1/incidents", json={"description": "auth-service is in CrashLoopBackOff"})
                        sent += 1
                        time.sleep(max(0.0, start + sent / args.rate - time.monotonic()))

                driver = threading.Thread(target=load)
                driver.start()
                loaded = sample(processes, args.seconds)
                driver.join()
                time.sleep(2)
                items = client.get("/api/v1/incidents", params={"limit": 100}).json()["items"]
                done = sum(item["status"] == "completed" for item in items)
                report(
                    f"under load: {sent} incidents at {args.rate}/s ({done} of the last {len(items)} completed)", loaded
                )


if __name__ == "__main__":
    main()
