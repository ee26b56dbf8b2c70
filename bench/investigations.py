"""Investigations over the scenario suite: category accuracy and end-to-end latency, no LLM.

    .venv/bin/python bench/investigations.py [--rounds N]

Each scenario is investigated in-process (the same GraphInvestigator `serve` and `investigate`
use, with the in-memory MCP transport over the snapshot backend). Prints accuracy against each
scenario's expected category, separately for tickets that name the workload at fault and for
symptom-only ones (neither the expected component nor its pod in the text), the precision of
high-confidence findings, the secondary findings at >= 0.5 confidence whose category is not the
expected one (noise a reader must wade through), and latency p50/p95.
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
from graphs.mcp_client import ClusterConnection, Clusters, ToolCallError
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


def _group(spec: dict, scenario: Path) -> str:
    """Whether the ticket names what is at fault: the expected component or pod, or (for `unknown`) any component."""
    text = spec["description"].lower()
    expect = spec["expect"]
    names = [n for n in (expect.get("component"), expect.get("pod")) if n]
    if not names:
        graph = yaml.safe_load((scenario / "knowledge_graph.yaml").read_text(encoding="utf-8"))
        names = [c["name"] for c in graph.get("components") or []]
    return "named target" if any(n.lower() in text for n in names) else "symptom only"


async def run(rounds: int) -> None:
    rules = load_rules()
    latencies: list[float] = []
    floors: list[float] = []
    correct = high = high_correct = noise = 0
    groups: dict[str, list[bool]] = {"named target": [], "symptom only": []}
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
            namespace = result["extracted"]["namespace"]
            if expect.get("pod") and namespace:  # no floor when the investigation found no namespace
                tools = session.tools()
                for _ in range(rounds):
                    start = time.perf_counter()
                    try:
                        await tools.diagnose_pod(namespace, expect["pod"])
                    except ToolCallError:
                        break  # a wrong answer's namespace does not hold the expected pod
                    floors.append((time.perf_counter() - start) * 1000)
        category = result["report"]["category"]
        extracted = result["extracted"]
        right_pod = not expect.get("pod") or equivalent_pod(
            scenario / "cluster", extracted["namespace"], expect["pod"], extracted["pod"]
        )
        ok = category == expect["category"] and right_pod
        correct += ok
        groups[_group(spec, scenario)].append(ok)
        noise += sum(
            1 for f in result["findings"][1:] if f["confidence"] >= 0.5 and f["category"] != expect["category"]
        )
        if result["confidence_score"] == "high":
            high += 1
            high_correct += ok
        if not ok:
            misses.append(f"{scenario.name}: expected {expect['category']}, got {category} on {extracted['pod']}")

    print(f"machine: {platform.machine()}, Python {platform.python_version()}; no LLM; rounds: {rounds}")
    print(f"scenarios: {len(SCENARIOS)}, rules: {len(rules)}")
    print(f"accuracy (category and target): {correct}/{len(SCENARIOS)} = {correct / len(SCENARIOS):.1%}")
    for group, outcomes in groups.items():
        if outcomes:
            print(f"  {group}: {sum(outcomes)}/{len(outcomes)} = {sum(outcomes) / len(outcomes):.1%}")
    if high:
        print(f"high-confidence precision: {high_correct}/{high} = {high_correct / high:.1%}")
    per_ten = noise / len(SCENARIOS) * 10
    print(f"secondary findings >= 0.5 outside the expected category: {noise} ({per_ten:.1f} per 10 scenarios)")
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
