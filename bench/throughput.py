"""Investigation throughput in the deployed shape: `serve` with the Kubernetes MCP server over HTTP.

    .venv/bin/python bench/throughput.py [--incidents 200] [--concurrency 1 4 16]

For each concurrency (SRE_MAX_CONCURRENT_INVESTIGATIONS), starts `sre-orchestrator mcp
--transport http` over the demo snapshot and a fresh `sre-orchestrator serve` using it (access
log off), posts all the incidents at once, and waits until every one has finished. Prints
incidents per second from the first POST to the last completion (the latest `updated_at` of
the incidents, so the bench polls /metrics only twice a second: rendering it costs serve CPU
that would be counted against the investigations), the CPU milliseconds each
process spent per investigation, and the mean time of each step from `serve`'s
sre_investigation_step_duration_seconds histogram (a step's time includes its checkpoint
write). Target: at least 40 incidents per second on this machine, with no failure.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from processes import cli_server

DEMO = ROOT / "knowledge" / "demo"
TOKEN = "throughput-token"
STEPS = ("extract", "collect", "correlate", "report")


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def post_all(base_url: str, incidents: int) -> None:
    description = (DEMO / "incident.txt").read_text(encoding="utf-8").strip()
    with httpx2.Client(base_url=base_url, timeout=30) as client, ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/v1/incidents", json={"description": description}), range(incidents))
        )
    refused = [answer.status_code for answer in answers if answer.status_code != 202]
    if refused:
        sys.exit(f"POST refused {len(refused)} incidents: {sorted(set(refused))}")


def counts(metrics: str) -> dict[str, float]:
    return {
        status: float(value) for status, value in re.findall(r'^sre_incidents\{status="(\w+)"\} (\S+)', metrics, re.M)
    }


def step_means(metrics: str) -> dict[str, float]:
    """Mean seconds of each step: the histogram's sum over its count."""
    means = {}
    for step in STEPS:
        total = re.search(rf'^sre_investigation_step_duration_seconds_sum\{{step="{step}"\}} (\S+)', metrics, re.M)
        count = re.search(rf'^sre_investigation_step_duration_seconds_count\{{step="{step}"\}} (\S+)', metrics, re.M)
        if total and count and float(count.group(1)):
            means[step] = float(total.group(1)) / float(count.group(1))
    return means


def last_finished(client: httpx2.Client) -> datetime:
    """When the last incident finished: the latest `updated_at` over every page of the list."""
    latest = datetime.min.replace(tzinfo=UTC)
    cursor = None
    while True:
        page = client.get("/api/v1/incidents", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        for item in page["items"]:
            latest = max(latest, datetime.fromisoformat(item["updated_at"]))
        cursor = page.get("next_cursor")
        if not cursor:
            return latest


def run(workdir: Path, mcp_url: str, mcp: psutil.Process, incidents: int, concurrency: int) -> str:
    env = {
        "SRE_MCP_URL": mcp_url,
        "SRE_MCP_TOKEN": TOKEN,
        "SRE_ACCESS_LOG": "false",
        "SRE_MAX_CONCURRENT_INVESTIGATIONS": str(concurrency),
    }
    database = workdir / f"throughput-{concurrency}.db"
    args = ["serve", "--knowledge-graph", DEMO / "knowledge_graph.yaml", "--database-url", f"sqlite:///{database}"]
    with cli_server(args, workdir, env) as api, httpx2.Client(base_url=api.base_url, timeout=30) as client:
        serve = psutil.Process(api.process.pid)
        cpu_before = {"serve": cpu_seconds(serve), "mcp": cpu_seconds(mcp)}
        started = datetime.now(UTC)
        post_all(api.base_url, incidents)
        while True:
            metrics = client.get("/metrics").text
            done = counts(metrics)
            if done.get("completed", 0) + done.get("failed", 0) >= incidents:
                break
            time.sleep(0.5)
        cpu = {"serve": cpu_seconds(serve) - cpu_before["serve"], "mcp": cpu_seconds(mcp) - cpu_before["mcp"]}
        elapsed = (last_finished(client) - started).total_seconds()
        steps = ", ".join(f"{step} {seconds * 1000:.1f}" for step, seconds in step_means(metrics).items())
        per_incident = {name: seconds / incidents * 1000 for name, seconds in cpu.items()}
        return (
            f"  concurrency {concurrency:>2}: {incidents / elapsed:6.1f} incidents/s ({incidents} in {elapsed:.2f} s),"
            f" failed {done.get('failed', 0):.0f}; CPU per investigation: serve {per_incident['serve']:.1f} ms,"
            f" MCP server {per_incident['mcp']:.1f} ms; mean step ms: {steps}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        mcp_args = ["mcp", "--transport", "http", "--snapshot", DEMO / "cluster"]
        with cli_server(mcp_args, workdir, {"SRE_MCP_TOKENS": TOKEN}) as mcp:
            mcp_process = psutil.Process(mcp.process.pid)
            for concurrency in args.concurrency:
                print(run(workdir, mcp.mcp_url, mcp_process, args.incidents, concurrency), flush=True)


if __name__ == "__main__":
    main()
