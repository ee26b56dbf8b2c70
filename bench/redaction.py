"""Redaction cost on the log path: per line, clean and secret, and for a realistic 1,000-line tail.

    .venv/bin/python bench/redaction.py [--baseline COMMIT] [--detect-secrets]

Prints the median (and for clean lines the 90th percentile) cost of `redact_text` on each line of the clean corpus
(tests/support/redaction_corpus/clean.txt) and of the secret corpus (secrets.yaml), and on a 1,000-line
tail made of the scenario suite's real log lines (joined, as `get_pod_logs` redacts a tail in one
call). The baseline is the redaction module of COMMIT (default 82591b5, before the maintained rule
set), loaded from git into a temporary module and measured in the same run. Targets: a clean line
under 10 µs, a 1,000-line tail under 20 ms.

With --detect-secrets (installed separately: it is not a dependency) the same tail is scanned by
detect-secrets' default plugins, the alternative this design was measured against.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.git_baseline import module_at
from common import redaction  # moved here from mcp_servers/kubernetes in 9b3ec8f

CORPUS = ROOT / "tests" / "support" / "redaction_corpus"
Redact = Callable[[str], tuple[str, int]]


def old_module(commit: str) -> ModuleType:
    return module_at(commit, "mcp_servers/kubernetes/redaction.py", "baseline_redaction")


def per_call_us(function: Redact, text: str, repeat: int = 7, number: int = 50) -> float:
    best = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function(text)
        best.append((time.perf_counter() - start) / number)
    return statistics.median(best) * 1e6


def line_us(function: Redact, lines: list[str]) -> tuple[float, float]:
    """The median and the 90th percentile, over the lines, of each line's cost."""
    costs = sorted(per_call_us(function, line) for line in lines)
    return statistics.median(costs), costs[int(len(costs) * 0.9)]


def realistic_tail(count: int = 1000) -> str:
    lines: list[str] = []
    for path in sorted((ROOT / "tests" / "scenarios").glob("*/cluster/*/*/logs*.txt")):
        lines += [line for line in path.read_text().splitlines() if not line.startswith("==== ")]
    # Cycle through the suite's lines so the tail mixes every application's log format.
    return "\n".join(lines[(i * 7919) % len(lines)] for i in range(count)) + "\n"


def detect_secrets_tail_ms(tail: str) -> float:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    path = Path(tempfile.mkdtemp()) / "tail.log"
    path.write_text(tail)
    with default_settings():
        start = time.perf_counter()
        SecretsCollection().scan_file(str(path))
        return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="82591b5")
    parser.add_argument("--detect-secrets", action="store_true")
    args = parser.parse_args()

    clean = [line for line in (CORPUS / "clean.txt").read_text().splitlines() if line]
    secrets = [entry["line"] for entry in yaml.safe_load((CORPUS / "secrets.yaml").read_text())]
    tail = realistic_tail()
    start = time.perf_counter()
    redaction.redact_text("warm up: compiles the rules once")
    print(f"python {platform.python_version()}, rules compiled once in {(time.perf_counter() - start) * 1e3:.0f} ms")
    print(f"corpus: {len(clean)} clean lines, {len(secrets)} secret lines; tail: 1000 lines, {len(tail)} bytes\n")

    baseline = old_module(args.baseline)
    rows = [("new", redaction.redact_text), (f"baseline {args.baseline}", baseline.redact_text)]
    print(f"{'':22}{'clean line µs':>15}{'(p90)':>8}{'secret line µs':>16}{'1,000-line tail ms':>20}")
    figures = {}
    for name, function in rows:
        clean_us, clean_p90 = line_us(function, clean)
        secret_us, _ = line_us(function, secrets)
        tail_ms = per_call_us(function, tail, repeat=5, number=3) / 1e3
        figures[name] = (clean_us, clean_p90, secret_us, tail_ms)
        print(f"{name:22}{clean_us:>15.1f}{clean_p90:>8.1f}{secret_us:>16.1f}{tail_ms:>20.2f}")
    new, old = figures["new"], figures[rows[1][0]]
    ratios = "".join(f"{n / o:>{w}.2f}x" for n, o, w in zip(new, old, (14, 7, 15, 19), strict=True))
    print(f"{'new / baseline':22}{ratios}")
    if args.detect_secrets:
        print(f"\ndetect-secrets default plugins, same tail: {detect_secrets_tail_ms(tail):.0f} ms")


if __name__ == "__main__":
    main()
