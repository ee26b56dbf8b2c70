"""A throwaway PostgreSQL server for the tests: Debian's own packages, a cluster in a temp directory.

`PostgresServer` runs `initdb` and `postgres` from /usr/lib/postgresql/<version>/bin (installing
the `postgresql` package with apt-get when it is missing and we are root) on a free loopback
port, with its unix socket in its own directory, and removes everything when stopped. Both
programs refuse to run as root, so as root they run as the `postgres` user the package creates.
Durability is off (fsync, synchronous_commit): the cluster lives as long as the test session.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from processes import free_port

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
INSTALL_LOCK = Path(tempfile.gettempdir()) / "sre-orchestrator-postgresql-install.lock"


def _installed_bin() -> Path | None:
    versions = sorted(DEBIAN_ROOT.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin directory; installs Debian's `postgresql` if there is none."""
    if found := _installed_bin():
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        # pytest-xdist workers may all get here: one installs, the others wait for it.
        with INSTALL_LOCK.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _installed_bin():
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
                subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
        if found := _installed_bin():
            return found
    raise RuntimeError(
        f"PostgreSQL is not installed under {DEBIAN_ROOT}: run `apt-get install postgresql` (as root), "
        "or .ci/run, which installs it"
    )


class PostgresServer:
    """A running cluster; `url(name)` of a database in it, `new_database()` a fresh one."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="sre-postgres-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self._as_service_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse root
            account = pwd.getpwnam(SERVICE_USER)
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self._as_service_user = ["runuser", "-u", SERVICE_USER, "--"]

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_service_user, str(self.bin / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", settings)

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database (one per test: tests never see each other's rows)."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
