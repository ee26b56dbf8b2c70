"""Shared fixtures.

`kube_api_server` is one HTTPS Kubernetes API server per test process (so one per
pytest-xdist worker) that serves any number of snapshot directories at once, each under its
own URL prefix; `kubeconfig_for(snapshot_dir)` serves a snapshot and writes a kubeconfig that
kubectl and the `kubernetes` client both load.

`openai_server` is an OpenAI-compatible HTTPS server (one per test process) with an empty
script and no recorded requests at the start of each test (see tests/support/openai_server).

`postgres` is a PostgreSQL server (one per test process) and `postgres_url` a fresh database in
it for one test (see tests/support/postgres.py).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Tests and helpers import the shared servers and builders as top-level modules from tests/support.
sys.path.insert(0, str(Path(__file__).parent / "support"))

from kube_api_server import KubeApiServer, Kubeconfig
from openai_server import OpenAIServer
from postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def kube_api_server() -> Iterator[KubeApiServer]:
    with KubeApiServer() as server:
        yield server


@pytest.fixture
def kubeconfig_for(kube_api_server: KubeApiServer, tmp_path: Path) -> Callable[..., Kubeconfig]:
    """`kubeconfig_for(snapshot_dir, alt_snapshot=None, namespace=None) -> Kubeconfig`.

    The file is written in the test's tmp_path; `.context` is current and serves the snapshot,
    `.alt_context` serves `alt_snapshot` (default: the same snapshot).
    """
    numbers = itertools.count(1)

    def write(
        snapshot_dir: str | Path, *, alt_snapshot: str | Path | None = None, namespace: str | None = None
    ) -> Kubeconfig:
        path = tmp_path / f"kubeconfig-{next(numbers)}.yaml"
        return kube_api_server.kubeconfig_for(snapshot_dir, path, alt_snapshot=alt_snapshot, namespace=namespace)

    return write


@pytest.fixture
def kube_faults(kube_api_server: KubeApiServer) -> Iterator[KubeApiServer]:
    """The server, with every fault injected during the test removed afterwards."""
    yield kube_api_server
    kube_api_server.clear_faults()


@pytest.fixture(scope="session")
def openai_server_session() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def openai_server(openai_server_session: OpenAIServer) -> Iterator[OpenAIServer]:
    """The OpenAI-compatible test server, its script and recorded requests empty for this test."""
    openai_server_session.reset()
    yield openai_server_session
    openai_server_session.reset()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (one per test process), started on first use."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> str:
    """The URL of an empty database of its own for this test."""
    return postgres.new_database()
