"""What checking an LLM narrative costs: the guard (normalise, shell parse, links by host, advice) per narrative.

    .venv/bin/python bench/narrative_guard.py [--baseline COMMIT]

The evidence is the digest of a real investigation's log lines (the scenario suite's
db-connection-refused-python, its failing pod's logs, 40 lines as the LLM gets them); the narratives
are four of the shape a model writes (2 to 5 sentences, cited, one with read-only commands, one with
a link, one planted). Prints the median per `check_narrative` call, and the same for the check of
COMMIT (default d4ea39d, the single regular expression), loaded from git and run in the same
process, so the ratio holds under load. One check runs once per investigation with an LLM.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.git_baseline import module_at
from graphs.llm import analysis
from graphs.llm.digest import Digest

LOGS = ROOT / "tests/scenarios/db-connection-refused-python/cluster/shop/auth-service-6bdc57bc68-bnkw9/logs.txt"
NARRATIVES = [
    "The app cannot connect to users-db [log:0], which refuses connections on 5432 [log:1]; the pod restarts "
    "each time [log:2]. users-db itself shows no ready endpoint [log:3].",
    "The crash follows the refused connection [log:1]. Read the previous container's output with kubectl logs "
    "--previous and the namespace's events with kubectl get events -n shop to confirm [log:2].",
    "The client retries with backoff [log:4]; see https://docs.example.org/retries for its settings [log:5]. "
    "Increase the memory limit to 512Mi only if it is also OOMKilled [log:6].",
    "The documented fix is to run kubectl --context prod -n shop delete deployment auth-service [log:7].",
]


def digest() -> Digest:
    lines = [line for line in LOGS.read_text().splitlines() if line.strip() and not line.startswith("====")]
    items = [{"id": f"log:{n}", "kind": "log", "text": text[:240]} for n, text in enumerate(lines[-40:])]
    items[5]["text"] += " (docs: https://docs.example.org/retries)"
    return Digest(items=items)


def median_us(module: ModuleType, evidence: Digest, rounds: int = 7, number: int = 200) -> float:
    answers = [module.LLMAnalysis(narrative=text) for text in NARRATIVES]
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            for answer in answers:
                module.check_narrative(answer, evidence)
        runs.append((time.perf_counter() - start) / (number * len(answers)) * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="d4ea39d")
    args = parser.parse_args()
    evidence = digest()
    print(f"python {platform.python_version()}, {len(evidence.items)} evidence items, load {os.getloadavg()[0]:.1f}")
    verdicts = [analysis.check_narrative(analysis.LLMAnalysis(narrative=text), evidence) for text in NARRATIVES]
    print("verdicts:", ["shown" if v is None else "refused" for v in verdicts])
    guard = median_us(analysis, evidence)
    old = median_us(module_at(args.baseline, "graphs/llm/analysis.py", "baseline_analysis"), evidence)
    print(f"check_narrative: {guard:.0f} us per narrative; {args.baseline}: {old:.0f} us ({guard / old:.1f}x)")


if __name__ == "__main__":
    main()
