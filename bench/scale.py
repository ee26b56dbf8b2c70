"""Scale: one investigation in a cluster of thousands of pods and tens of megabytes of logs.

    .venv/bin/python bench/scale.py [--pods 5000] [--log-mb 50] [--rounds 1]

Generates a snapshot in a temporary folder (tests/scale_snapshot.py: a scenario's failing pod,
whose own log is multi-megabyte, among `--pods` healthy pods with their workloads and logs),
then runs `sre-orchestrator investigate` on it as a separate process, through the snapshot
backend and through the live backend (the kubernetes client against the test API server
serving the same snapshot). Prints the investigation's time (the incident's own created ->
updated, from its first step), the process's wall time and its peak RSS. The baseline, measured in the same run,
is the same investigation of the scenario's own small snapshot; the ratios say what the size
of the cluster costs.

It also runs `find_problems` over the whole cluster (bench/sweep.py, a process per run, through
both backends) and prints the call's time (first and best of two), its CPU time, and the memory it adds to the process
(peak RSS minus RSS before the call); the target at 5,000 pods is under 2 s and 60 MiB.
`--sweep-only` skips the investigations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from kube_api_server import KubeApiServer
from processes import CLI
from scale_snapshot import DESCRIPTION, EXPECTED_CATEGORY, SCENARIO, generate

SWEEP = ROOT / "bench" / "sweep.py"


def sweep(cluster_args: list[str]) -> dict[str, Any]:
    """One find_problems measurement in a process of its own (bench/sweep.py)."""
    command = [sys.executable, str(SWEEP), *cluster_args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"sweep failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def print_sweeps(sweeps: dict[tuple[str, str], dict[str, Any]]) -> None:
    print(f"\nfind_problems, whole cluster:\n{'cluster':<8} {'backend':<9} {'pods':>6} {'first s':>8} {'best s':>7} "
          f"{'CPU s':>6} {'RSS before MiB':>15} {'extra MiB':>10} {'problems':>9}")  # fmt: skip
    for (size, backend), run in sweeps.items():
        print(
            f"{size:<8} {backend:<9} {run['pods_checked']:>6} {run['first_s']:>8.2f} {run['best_s']:>7.2f} "
            f"{run['cpu_s']:>6.2f} "
            f"{run['rss_before_mib']:>15.1f} {run['extra_mib']:>10.1f} {run['problems']:>9}"
        )


@dataclass(frozen=True)
class Run:
    investigation_s: float
    wall_s: float
    peak_rss_mib: float
    category: str


def investigate(cluster_args: list[str], knowledge_graph: Path, workdir: Path) -> Run:
    """One `investigate` process; its own peak RSS from wait4, not the whole process tree's."""
    command = [*CLI, "investigate", DESCRIPTION, *cluster_args, "--knowledge-graph", str(knowledge_graph)]
    start = time.perf_counter()
    with (workdir / "out.json").open("w+b") as out, (workdir / "err.txt").open("w+b") as err:
        process = subprocess.Popen([*command, "--output", "json"], stdout=out, stderr=err, cwd=workdir)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"investigate failed ({process.returncode}): {err.read().decode()[-2000:]}")
        out.seek(0)
        incident = json.loads(out.read())
        err.seek(0)
        progress = err.read().decode()
    elapsed = datetime.fromisoformat(incident["updated_at"]) - datetime.fromisoformat(incident["created_at"])
    # Progress lines ("  0.93s  extract") say when the first step began: before it, the process
    # was opening its investigator (imports, the MCP client), which is not the investigation.
    first_step = re.search(r"^\s*([0-9.]+)s\s+extract$", progress, re.MULTILINE)
    opening = float(first_step.group(1)) if first_step else 0.0
    category = incident["report"]["category"] if incident["status"] == "completed" else f"FAILED {incident['error']}"
    # ru_maxrss is in KiB on Linux.
    return Run(elapsed.total_seconds() - opening, wall, usage.ru_maxrss / 1024, category)


def best(runs: list[Run]) -> Run:
    """The fastest round (least disturbed by the machine), with the highest peak RSS seen."""
    fastest = min(runs, key=lambda r: r.investigation_s)
    return Run(fastest.investigation_s, fastest.wall_s, max(r.peak_rss_mib for r in runs), fastest.category)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=5000, help="healthy pods added to the scenario")
    parser.add_argument("--log-mb", type=float, default=50.0, help="megabytes of logs in all")
    parser.add_argument("--rounds", type=int, default=1, help="investigations per configuration (the fastest counts)")
    parser.add_argument("--sweep-only", action="store_true", help="measure find_problems only, no investigations")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}")

    with KubeApiServer() as api_server, tempfile.TemporaryDirectory(prefix="sre-scale-") as work:
        workdir = Path(work)
        started = time.perf_counter()
        big = generate(workdir / "big", pods=args.pods, log_bytes=int(args.log_mb * 1_000_000))
        took = time.perf_counter() - started
        print(
            f"generated: {big.pods} extra pods, {big.log_bytes / 1e6:.1f} MB of logs "
            f"(the failing pod's: {big.largest_log.stat().st_size / 1e6:.1f} MB) in {took:.1f} s"
        )
        print(f"investigation: {DESCRIPTION!r}, expected category {EXPECTED_CATEGORY}, rounds {args.rounds}")
        clusters = {
            "small": (SCENARIO / "cluster", SCENARIO / "knowledge_graph.yaml"),
            "large": (big.cluster, big.knowledge_graph),
        }
        results: dict[tuple[str, str], Run] = {}
        sweeps: dict[tuple[str, str], dict[str, Any]] = {}
        for size, (cluster, knowledge_graph) in clusters.items():
            kubeconfig = api_server.kubeconfig_for(cluster, workdir / f"{size}.kubeconfig")
            backends = {
                "snapshot": ["--snapshot", str(cluster)],
                "live": ["--kubeconfig", str(kubeconfig.path), "--context", kubeconfig.context],
            }
            for backend, cluster_args in backends.items():
                sweeps[(size, backend)] = sweep(cluster_args)
                if not args.sweep_only:
                    runs = [investigate(cluster_args, knowledge_graph, workdir) for _ in range(args.rounds)]
                    results[(size, backend)] = best(runs)

    print_sweeps(sweeps)
    if args.sweep_only:
        return

    print(
        f"\n{'cluster':<8} {'backend':<9} {'investigation s':>16} {'process wall s':>15} {'peak RSS MiB':>13}  category"
    )
    for (size, backend), run in results.items():
        print(
            f"{size:<8} {backend:<9} {run.investigation_s:>16.2f} {run.wall_s:>15.2f} "
            f"{run.peak_rss_mib:>13.1f}  {run.category}"
        )
    print("\nlarge / small (same backend):")
    for backend in ("snapshot", "live"):
        small, large = results[("small", backend)], results[("large", backend)]
        print(
            f"  {backend:<9} investigation {large.investigation_s / small.investigation_s:.1f}x, "
            f"peak RSS {large.peak_rss_mib / small.peak_rss_mib:.1f}x"
        )


if __name__ == "__main__":
    main()
