"""Seen before at scale: the related-incidents lookup over 100,000 incidents, in SQLite and PostgreSQL.

    .venv/bin/python bench/seen_before.py [--incidents 100000] [--lookups 500] [--backend sqlite|postgresql|both]

Fills a fresh database with completed incidents (3 clusters, 500 culprits, 8 categories, spread
over 90 days, 5 % with feedback) in bulk, then times `IncidentStore.seen_before` (the query the
runner makes as an incident completes) for random cluster/culprit/category triples, and prints
p50/p99 and the query plan, which must use the incidents_seen_before index. PostgreSQL runs in a
throwaway server (tests/support/postgres.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT))

from postgres import postgres_server

from orchestrator.store import open_store, prepare_database
from orchestrator.store.cursor import timestamp
from orchestrator.store.verdicts import SEEN_BEFORE_SQL

CLUSTERS = ["", "prod-eu", "prod-us"]
CATEGORIES = [
    "insufficient_memory",
    "image_pull_failure",
    "application_crash",
    "dependency_unreachable",
    "dns_resolution_failure",
    "missing_config",
    "liveness_probe_failure",
    "volume_failure",
]
CULPRITS = [f"workload:shop/service-{n}" for n in range(500)]
COLUMNS = (
    "incident_id, description, status, created_at, updated_at, result, cluster, source, "
    "verdict_rule, verdict_category, culprit"
)
RESULT = json.dumps({"suggested_root_cause": "service ran out of memory", "confidence": 0.8})


def rows(count: int, now: datetime, rng: random.Random) -> list[tuple[object, ...]]:
    made = []
    for _ in range(count):
        created = now - timedelta(seconds=rng.uniform(0, 90 * 86400))
        category = rng.choice(CATEGORIES)
        made.append(
            (
                str(uuid.uuid4()),
                "bench",
                "completed",
                created,
                created,
                RESULT,
                rng.choice(CLUSTERS) or None,
                "api",
                f"rule-{category}",
                category,
                rng.choice(CULPRITS),
            )
        )
    return made


def fill_sqlite(path: Path, data: list[tuple[object, ...]]) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            f"INSERT INTO incidents ({COLUMNS}) VALUES ({', '.join('?' * 11)})",
            [(*r[:3], timestamp(r[3]), timestamp(r[4]), *r[5:]) for r in data],  # type: ignore[arg-type]
        )
        db.executemany(
            "INSERT INTO feedback (incident_id, verdict, created_at) VALUES (?, 'confirmed', ?)",
            [(r[0], timestamp(r[3])) for r in data[: len(data) // 20]],  # type: ignore[arg-type]
        )
        db.execute("ANALYZE")


def fill_postgres(url: str, data: list[tuple[object, ...]]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY incidents ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[arg-type]
            for row in data:
                copy.write_row(row)
        with cursor.copy("COPY feedback (incident_id, verdict, created_at) FROM STDIN") as copy:
            for row in data[: len(data) // 20]:
                copy.write_row((row[0], "confirmed", row[3]))
        cursor.execute("ANALYZE incidents")
        cursor.execute("ANALYZE feedback")


def plan(database_url: str, since: datetime) -> str:
    params: list[object] = ["prod-eu", CULPRITS[7], CATEGORIES[0], since, "x", 10]
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            sql = "EXPLAIN QUERY PLAN " + SEEN_BEFORE_SQL.replace("%s", "?")
            return "; ".join(row[-1] for row in db.execute(sql, [*params[:3], timestamp(since), "x", 10]))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("EXPLAIN " + SEEN_BEFORE_SQL, params)  # type: ignore[arg-type]
        return "; ".join(row[0].strip() for row in rows)


async def time_lookups(database_url: str, lookups: int, now: datetime, rng: random.Random) -> list[float]:
    async with open_store(database_url) as store:
        samples = []
        for _ in range(lookups):
            cluster, culprit, category = rng.choice(CLUSTERS), rng.choice(CULPRITS), rng.choice(CATEGORIES)
            started = time.perf_counter()
            await store.seen_before("new", cluster or None, culprit, category, now - timedelta(days=14), 10)
            samples.append(time.perf_counter() - started)
        return samples


async def time_gets(database_url: str, ids: list[str], gets: int, rng: random.Random) -> list[float]:
    """`store.get` of random incidents: what every GET /api/v1/incidents/{id} not in the cache costs."""
    async with open_store(database_url) as store:
        samples = []
        for _ in range(gets):
            incident_id = rng.choice(ids)
            started = time.perf_counter()
            assert await store.get(incident_id) is not None
            samples.append(time.perf_counter() - started)
        return samples


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms"


def report(backend: str, incidents: int, samples: list[float], gets: list[float], query_plan: str) -> None:
    print(f"{backend}: {incidents} incidents, {len(samples)} lookups: {percentiles(samples)}")
    print(f"  plan: {query_plan}")
    print(f"{backend}: {len(gets)} gets of one incident: {percentiles(gets)}")


def bench(database_url: str, backend: str, incidents: int, lookups: int) -> None:
    rng = random.Random(20)
    now = datetime.now(UTC)
    prepare_database(database_url)
    data = rows(incidents, now, rng)
    started = time.perf_counter()
    if backend == "sqlite":
        fill_sqlite(Path(database_url.removeprefix("sqlite:///")), data)
    else:
        fill_postgres(database_url, data)
    print(f"{backend}: filled {incidents} incidents in {time.perf_counter() - started:.1f} s")
    samples = asyncio.run(time_lookups(database_url, lookups, now, rng))
    gets = asyncio.run(time_gets(database_url, [str(row[0]) for row in data], lookups, rng))
    report(backend, incidents, samples, gets, plan(database_url, now - timedelta(days=14)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as directory:
            bench(f"sqlite:///{directory}/incidents.db", "sqlite", args.incidents, args.lookups)
    if args.backend in ("postgresql", "both"):
        with postgres_server() as server:
            bench(server.new_database(), "postgresql", args.incidents, args.lookups)


if __name__ == "__main__":
    main()
