"""SQLite contention: many incidents investigated while clients poll each one, nothing may be lost.

    .venv/bin/python bench/contention.py [--incidents 100] [--poll-interval 0.2]

Posts the incidents to `sre-orchestrator serve` (demo snapshot) and polls every one of them
concurrently (about 500 GETs a second at the defaults), so the incident store and the LangGraph
checkpointer write to the same database file under load. Prints how many completed, failed or
were left unfinished; before the checkpointer got a busy timeout this printed 80 / 13 / 7.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from processes import cli_server

DEMO = ROOT / "knowledge" / "demo"


async def run(base_url: str, incidents: int, interval: float) -> None:
    async with httpx2.AsyncClient(base_url=base_url, timeout=30) as client:
        started = time.monotonic()
        locations = []
        for _ in range(incidents):
            created = await client.post("/api/v1/incidents", json={"description": "auth-service is crash looping"})
            locations.append(created.headers["location"])
        outcomes: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        gets = 0

        async def follow(location: str) -> None:
            nonlocal gets
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                incident = (await client.get(location)).json()
                gets += 1
                if incident["status"] in ("completed", "failed"):
                    outcomes[incident["status"]] += 1
                    if incident["error"]:
                        errors[incident["error"]] += 1
                    return
                await asyncio.sleep(interval)
            outcomes["unfinished"] += 1

        await asyncio.gather(*(follow(location) for location in locations))
        elapsed = time.monotonic() - started
    print(f"{incidents} incidents, {gets} GETs in {elapsed:.1f} s ({gets / elapsed:.0f}/s)")
    print(f"completed {outcomes['completed']}, failed {outcomes['failed']}, unfinished {outcomes['unfinished']}")
    for error, count in errors.most_common(3):
        print(f"  {count} x {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        knowledge = ["--snapshot", DEMO / "cluster", "--knowledge-graph", DEMO / "knowledge_graph.yaml"]
        database = ["--database-url", f"sqlite:///{work}/contention.db"]
        with cli_server(["serve", *knowledge, *database], Path(work)) as server:
            asyncio.run(run(server.base_url, args.incidents, args.poll_interval))


if __name__ == "__main__":
    main()
