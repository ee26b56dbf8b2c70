"""REST API latency and throughput under 100 concurrent connections, driven by wrk.

    .venv/bin/python bench/api_latency.py [--connections 100] [--seconds 10]

Serves the demo snapshot with `sre-orchestrator serve`, investigates one incident, then has
wrk (Debian package `wrk`) GET that incident, and POST new incidents (which queue up behind
the bounded runner). The ceiling, measured in the same run with the same uvicorn settings, is
a bare Starlette endpoint returning the same document (bench/bare_server.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from processes import CLI, free_port, wait_for_health

DEMO = ROOT / "knowledge" / "demo"
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"description": "auth-service is in CrashLoopBackOff in shop"}'
"""


def wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "p50": millis("50%"),
        "p99": millis("99%"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
    }


def start(command: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    wait_for_health(f"http://127.0.0.1:{port}", process, log)
    return process


def line(name: str, figures: dict[str, float]) -> str:
    return (
        f"  {name:<34} p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms  {figures['rps']:9.0f} req/s"
        f"  non-2xx {figures['non_2xx']:.0f}  socket errors: {figures['socket_errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; wrk -t2 -c{args.connections} -d{args.seconds}s")
    print("uvicorn: one worker, default settings, loopback; wrk shares the machine's 2 cores with the server")
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        port, bare_port = free_port(), free_port()
        api = start(
            [
                *CLI,
                "serve",
                "--snapshot",
                str(DEMO / "cluster"),
                "--knowledge-graph",
                str(DEMO / "knowledge_graph.yaml"),
                "--port",
                str(port),
                "--database-url",
                f"sqlite:///{workdir / 'bench.db'}",
            ],
            port,
            workdir / "serve.log",
        )
        try:
            base = f"http://127.0.0.1:{port}"
            created = httpx2.post(
                f"{base}/api/v1/incidents", json={"description": "auth-service is in CrashLoopBackOff"}
            )
            location = base + created.headers["location"]
            while httpx2.get(location).json()["status"] not in ("completed", "failed"):
                time.sleep(0.05)
            document = httpx2.get(location).content
            (workdir / "doc.json").write_bytes(document)
            print(f"document: {len(document)} bytes (a completed incident)")
            bare = start(
                [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(workdir / "doc.json"), str(bare_port)],
                bare_port,
                workdir / "bare.log",
            )
            try:
                ceiling = wrk(f"http://127.0.0.1:{bare_port}/doc", args.connections, args.seconds)
            finally:
                bare.terminate()
                bare.wait()
            get = wrk(location, args.connections, args.seconds)
            script = workdir / "post.lua"
            script.write_text(POST_SCRIPT)
            post = wrk(f"{base}/api/v1/incidents", args.connections, args.seconds, script)
            queued = json.loads(httpx2.get(f"{base}/api/v1/incidents?limit=1").content)["items"][0]["status"]
        finally:
            api.terminate()
            api.wait()
    print(line("bare Starlette endpoint (ceiling)", ceiling))
    print(line("GET /api/v1/incidents/{id}", get))
    print(line("POST /api/v1/incidents", post))
    print(
        f"  GET throughput / ceiling: {get['rps'] / ceiling['rps']:.0%}; newest incident after the POST run: {queued}"
    )


if __name__ == "__main__":
    main()
