"""What the guards cost a request: the session check at /ui/ (signature, then one store read for
logout), the allowed-hosts check, and redacting a description when an incident is reported.

    .venv/bin/python bench/guards.py [--rounds 2000]

In process, on a fresh SQLite database, each figure the median of `--rounds` calls; the UI page
itself (a whole GET /ui/ through the ASGI app, empty list) is timed in the same run as the yardstick,
with a cookie and with a bearer token (their gap, about 1.4 ms, was there before sessions were
revocable: the check itself is the `Sessions.check` line).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(ROOT))

from api_server import ScriptedFactory

from common.http_guard import LOCAL_HOSTS, host_allowed
from common.redaction import redact_text
from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from orchestrator.store import open_store
from orchestrator.web.auth import Sessions

TOKEN = "bench-token"
DESCRIPTION = (
    "checkout is failing since the 14:02 deploy in shop; payments answers 503 and the pods restart. "
    "The runbook says the db login is password=hunter2hunter2 and creds AKIAIOSFODNN7EXAMPLE / "
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY. "
) * 10  # about 2,300 characters


def _median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def _time_sync(function: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return _median_us(samples)


async def _time_async(function: Callable[[], Awaitable[object]], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await function()
        samples.append(time.perf_counter() - started)
    return _median_us(samples)


async def _ui(rounds: int, directory: Path) -> dict[str, float]:
    database_url = f"sqlite:///{directory / 'incidents.db'}"
    settings = OrchestratorSettings(database_url=database_url, api_tokens=[TOKEN], access_log=False)
    app = create_app(settings, ScriptedFactory(directory / "journal.txt"))
    figures: dict[str, float] = {}
    async with open_store(database_url) as store:
        await store.revoke_session("another-session", datetime.now(UTC) + timedelta(hours=1))
        sessions = Sessions([TOKEN], None, 3600, revocations=lambda: store)
        cookie = sessions.login(TOKEN)
        figures["signature only"] = _time_sync(lambda: sessions._signed(cookie), rounds)
        figures["signature + revocation read (Sessions.check)"] = await _time_async(
            lambda: sessions.check(cookie), rounds
        )
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://localhost") as client:
            login = await client.post("/ui/login", data={"token": TOKEN}, headers={"Origin": "http://localhost"})
            assert login.status_code == 303, login.text
            cookie = f"sre_ui_session={login.cookies['sre_ui_session']}"
            client.cookies.clear()

            async def with_cookie() -> None:
                assert (await client.get("/ui/", headers={"Cookie": cookie})).status_code == 200

            async def with_bearer() -> None:
                assert (await client.get("/ui/", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200

            # Interleaved, so that a drift of the machine's speed touches both alike.
            cookie_samples: list[float] = []
            bearer_samples: list[float] = []
            for _ in range(rounds // 10):
                cookie_samples.append(await _time_async(with_cookie, 10))
                bearer_samples.append(await _time_async(with_bearer, 10))
            figures["GET /ui/ with the session cookie"] = statistics.median(cookie_samples)
            figures["GET /ui/ with a bearer token (no session)"] = statistics.median(bearer_samples)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    patterns = [*LOCAL_HOSTS, "sre.example.org", "sre-orchestrator.sre.svc:*"]
    for host in ("sre-orchestrator.sre.svc:8080", "evil.example"):
        cost = _time_sync(lambda host=host: host_allowed(host, patterns), args.rounds)  # type: ignore[misc]
        print(f"allowed-hosts check, Host {host}: {cost:.2f} us")
    _, count = redact_text(DESCRIPTION)
    print(
        f"redacting a {len(DESCRIPTION):,}-character description ({count} secrets): "
        f"{_time_sync(lambda: redact_text(DESCRIPTION), args.rounds):.0f} us"
    )
    with tempfile.TemporaryDirectory() as directory:
        figures = asyncio.run(_ui(args.rounds, Path(directory)))
    for name, value in figures.items():
        print(f"UI session, {name}: {value:.0f} us")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
