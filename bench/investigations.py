"""Investigations over the scenario suite: category accuracy and end-to-end latency, no LLM.

    .venv/bin/python bench/investigations.py [--rounds N]

Each scenario is investigated in-process (the same GraphInvestigator `serve` and `investigate`
use, with the in-memory MCP transport over the snapshot backend). Prints accuracy against each
scenario's expected category, the precision of high-confidence findings, and latency p50/p95.
The baseline, measured in the same run, is one `diagnose_pod` call on the expected pod: the
floor that any investigation of that pod pays.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import anyio
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from scenario_expectations import equivalent_pod

from graphs.investigator import GraphInvestigator
from graphs.mcp_client import ClusterConnection, Clusters
from graphs.steps import Dependencies
from knowledge import load_knowledge_graph
from knowledge.rule_engine import load_rules
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIOS = sorted(p for p in (ROOT / "tests" / "scenarios").iterdir() if (p / "scenario.yaml").is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _no_progress(step: str) -> None:
    return None


async def run(rounds: int) -> None:
    rules = load_rules()
    latencies: list[float] = []
    floors: list[float] = []
    correct = high = high_correct = 0
    misses: list[str] = []
    for scenario in SCENARIOS:
        spec = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))
        expect = spec["expect"]
        server = build_server(ClusterReader(SnapshotBackend(scenario / "cluster")))
        async with ClusterConnection.open(lambda server=server: server) as session:
            deps = Dependencies(
                clusters=Clusters(session),
                knowledge=load_knowledge_graph(scenario / "knowledge_graph.yaml"),
                rules=rules,
            )
            investigator = GraphInvestigator(deps)
            request = SimpleNamespace(description=spec["description"], namespace=None, pod=None, cluster=None)
            result = await investigator.run("warm-up", request, _no_progress)
            for round_number in range(rounds):
                start = time.perf_counter()
                result = await investigator.run(f"{scenario.name}-{round_number}", request, _no_progress)
                latencies.append((time.perf_counter() - start) * 1000)
            if expect.get("pod"):
                tools = session.tools()
                namespace = result["extracted"]["namespace"]
                for _ in range(rounds):
                    start = time.perf_counter()
                    await tools.diagnose_pod(namespace, expect["pod"])
                    floors.append((time.perf_counter() - start) * 1000)
        category = result["report"]["category"]
        extracted = result["extracted"]
        right_pod = not expect.get("pod") or equivalent_pod(
            scenario / "cluster", extracted["namespace"], expect["pod"], extracted["pod"]
        )
        ok = category == expect["category"] and right_pod
        correct += ok
        if result["confidence_score"] == "high":
            high += 1
            high_correct += ok
        if not ok:
            misses.append(f"{scenario.name}: expected {expect['category']}, got {category} on {extracted['pod']}")

    print(f"machine: {platform.machine()}, Python {platform.python_version()}; no LLM; rounds: {rounds}")
    print(f"scenarios: {len(SCENARIOS)}, rules: {len(rules)}")
    print(f"accuracy (category and target): {correct}/{len(SCENARIOS)} = {correct / len(SCENARIOS):.1%}")
    if high:
        print(f"high-confidence precision: {high_correct}/{high} = {high_correct / high:.1%}")
    for miss in misses:
        print(f"  miss: {miss}")
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    floor = statistics.median(floors)
    print(f"investigation latency over {len(latencies)} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"baseline: one diagnose_pod call, median {floor:.1f} ms; investigation p50 / baseline = {p50 / floor:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="investigations per scenario (after one warm-up)")
    anyio.run(run, parser.parse_args().rounds)


if __name__ == "__main__":
    main()
