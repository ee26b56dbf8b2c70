"""Where things are, for tests, helpers and benchmarks wherever they sit under tests/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"
SCENARIOS = TESTS / "scenarios"
DEMO_CLUSTER = ROOT / "knowledge" / "demo" / "cluster"  # the bundled snapshot the demo and README use
