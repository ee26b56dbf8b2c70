"""REST API latency and throughput at 50 and 200 concurrent connections, driven by wrk.

    .venv/bin/python bench/api_latency.py [--connections 50 200] [--seconds 10] [--rounds 3] [--skip-post]

Serves the demo snapshot with `sre-orchestrator serve`, investigates one incident, then has
wrk (Debian package `wrk`) GET that incident, and POST new incidents, whose investigations
queue up behind the bounded runner and run in the same process while the POSTs go on (each
POST run gets a fresh server, so one run's backlog does not load the next). The ceiling,
measured in the same run, is a bare Starlette endpoint returning the same document with the
same uvicorn settings and no access log, and the same endpoint with the API's access log
(bench/bare_server.py); the three GET runs take turns, round after round, and each round's ratios
are taken between runs moments apart, so a machine whose load moves does not decide them.
Targets: GET p99 under 20 ms at 50 connections and, with the access log on, at least 80 % of the
silent ceiling's requests/s at 50 and 200; POST p99 under 100 ms at 50 connections with no error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from processes import ServerProcess, cli_server, free_port, wait_for_health

DEMO = ROOT / "knowledge" / "demo"
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"description": "auth-service is in CrashLoopBackOff in shop"}'
"""
Figures = dict[str, float | str]


def wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> Figures:
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


@contextlib.contextmanager
def serving(workdir: Path, name: str) -> Iterator[ServerProcess]:
    """`sre-orchestrator serve` over the demo snapshot with a database of its own."""
    args = [
        "serve",
        "--snapshot",
        DEMO / "cluster",
        "--knowledge-graph",
        DEMO / "knowledge_graph.yaml",
        "--database-url",
        f"sqlite:///{workdir / name}.db",
    ]
    with cli_server(args, workdir) as server:
        yield server


@contextlib.contextmanager
def bare_server(document: Path, workdir: Path, *, access_log: bool) -> Iterator[tuple[str, int]]:
    port = free_port()
    log = workdir / f"bare-{'logged' if access_log else 'silent'}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(document), str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SRE_ACCESS_LOG": str(access_log).lower()},
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process, log)
        yield f"http://127.0.0.1:{port}/doc", process.pid
    finally:
        process.terminate()
        process.wait()


def server_errors(log: Path) -> int:
    """5xx lines in the server's access log (wrk counts non-2xx, not which)."""
    return len(re.findall(r'HTTP/[\d.]+\\?" 5\d\d', log.read_text(errors="replace")))


def wrk_with_cpu(url: str, pid: int, connections: int, seconds: int) -> Figures:
    """wrk's figures and the server's CPU time per request (user + system, all its threads): unlike
    req/s, it hardly moves when other jobs share the cores."""
    server = psutil.Process(pid)
    before = sum(server.cpu_times()[:2])
    figures = wrk(url, connections, seconds)
    used = sum(server.cpu_times()[:2]) - before
    return {**figures, "cpu_us": used / (figures["rps"] * seconds) * 1e6}


def compare(targets: dict[str, tuple[str, int]], connections: int, seconds: int, rounds: int) -> list[Figures]:
    """wrk on each (URL, server pid), `rounds` times in turn, the order rotated each round so that a
    drift of the machine's load does not favour one. The run of median req/s for each; the GET's
    ratios are the median of each round's ratios, taken between runs made moments apart."""
    names = list(targets)
    runs: dict[str, list[Figures]] = {name: [] for name in names}
    for round_ in range(rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            runs[name].append(wrk_with_cpu(*targets[name], connections, seconds))
    medians = [sorted(runs[name], key=lambda figures: figures["rps"])[rounds // 2] for name in names]
    ceiling, logged, get = names

    def median_ratio(to: str, figure: str = "rps") -> float:
        ratios = sorted(g[figure] / c[figure] for g, c in zip(runs[get], runs[to], strict=True))
        return ratios[rounds // 2]

    medians[-1] = {
        **medians[-1],
        "ratio": median_ratio(ceiling),
        "same_logging_ratio": median_ratio(logged),
        "cpu_ratio": 1 / median_ratio(ceiling, "cpu_us"),
    }
    return medians


def line(name: str, figures: Figures) -> str:
    return (
        f"  {name:<30} p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms  {figures['rps']:8.0f} req/s"
        f"  non-2xx {figures['non_2xx']:.0f}  socket errors: {figures['socket_errors']}"
        + (f"  server CPU {figures['cpu_us']:.0f} us/request" if "cpu_us" in figures else "")
    )


def uvicorn_implementation() -> str:
    """What uvicorn's "auto" loop and parser pick here."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} loop, {http} parser"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="GET comparisons, each in a rotated order")
    parser.add_argument("--skip-post", action="store_true", help="measure GETs only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, load average {load}")
    print(f"wrk -t2 -d{args.seconds}s; GETs: median of {args.rounds} rounds (ratios: median of each round's)")
    print(
        f"uvicorn: one worker, {uvicorn_implementation()}, access log "
        f"{os.environ.get('SRE_ACCESS_LOG', 'true')}, SRE_LOG_FORMAT={os.environ.get('SRE_LOG_FORMAT', 'text')}; "
        "loopback; wrk shares the machine's cores with the server"
    )
    results: list[tuple[str, Figures]] = []
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        with serving(workdir, "get") as api:
            created = httpx2.post(
                f"{api.base_url}/api/v1/incidents", json={"description": "auth-service is in CrashLoopBackOff"}
            )
            location = api.base_url + created.headers["location"]
            while httpx2.get(location).json()["status"] not in ("completed", "failed"):
                time.sleep(0.05)
            document = workdir / "doc.json"
            document.write_bytes(httpx2.get(location).content)
            print(f"document: {document.stat().st_size} bytes (a completed incident)")
            with (
                bare_server(document, workdir, access_log=False) as silent_server,
                bare_server(document, workdir, access_log=True) as logged_server,
            ):
                for connections in args.connections:
                    targets = {"ceiling": silent_server, "logged": logged_server, "get": (location, api.process.pid)}
                    ceiling, logged, get = compare(targets, connections, args.seconds, args.rounds)
                    results += [
                        (f"bare, no access log, -c{connections}", ceiling),
                        (f"bare, same access log, -c{connections}", logged),
                        (f"GET incident, -c{connections}", get),
                    ]
            get_errors = server_errors(api.log)
        script = workdir / "post.lua"
        script.write_text(POST_SCRIPT)
        for connections in [] if args.skip_post else args.connections:
            with serving(workdir, f"post{connections}") as api:
                post = wrk(f"{api.base_url}/api/v1/incidents", connections, args.seconds, script)
                counts = httpx2.get(f"{api.base_url}/metrics").text
                post["backlog"] = sum(
                    float(value) for value in re.findall(r'^sre_incidents\{status="pending"\} (\S+)', counts, re.M)
                )
                post["5xx"] = server_errors(api.log)
                results.append((f"POST incident, -c{connections}", post))
    for name, figures in results:
        extra = ""
        if "ratio" in figures:
            extra = (
                f"  = {figures['ratio']:.0%} of the bare endpoint without logging,"
                f" {figures['same_logging_ratio']:.0%} of it with the same access log;"
                f" CPU per request: the bare endpoint's = {figures['cpu_ratio']:.0%} of this"
            )
        if "backlog" in figures:
            extra = f"  5xx {figures['5xx']}, {figures['backlog']:.0f} investigations still pending after"
        print(line(name, figures) + extra)
    print(f"  5xx during the GET runs: {get_errors}")
    print(f"load average after: {', '.join(f'{value:.1f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
