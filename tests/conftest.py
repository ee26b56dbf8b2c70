"""Shared fixtures.

`kube_api_server` is one HTTPS Kubernetes API server per test process (so one per
pytest-xdist worker) that serves any number of snapshot directories at once, each under its
own URL prefix; `kubeconfig_for(snapshot_dir)` serves a snapshot and writes a kubeconfig that
kubectl and the `kubernetes` client both load.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kube_api_server import KubeApiServer, Kubeconfig


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
