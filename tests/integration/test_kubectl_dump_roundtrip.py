"""A snapshot written by the real `kubectl cluster-info dump` loads unchanged and answers every
tool exactly as the cluster it was dumped from.

The served cluster is a scenario without our snapshot extensions (previous logs, Endpoints,
StatefulSets, Jobs, PVCs, ControllerRevisions), because a real dump does not contain them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from kube_api_server import Kubeconfig, run_kubectl
from mcp import Client
from paths import SCENARIOS
from tool_plan import plan_for, run_plan

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIOS = SCENARIOS
EXTENSIONS = (
    "endpoints.json",
    "statefulsets.json",
    "jobs.json",
    "persistentvolumeclaims.json",
    "controllerrevisions.json",
    "logs.previous.txt",
)


def _without_extensions(cluster: Path, target: Path) -> Path:
    shutil.copytree(cluster, target, ignore=shutil.ignore_patterns(*EXTENSIONS))
    return target


def _answers(cluster: Path) -> dict:
    async def run() -> dict:
        async with Client(build_server(ClusterReader(SnapshotBackend(cluster)))) as client:
            return await run_plan(client, plan_for(cluster))

    return anyio.run(run)


@pytest.mark.parametrize("scenario", ["oom-killed-java", "db-connection-refused-python", "init-container-failure"])
def test_kubectl_dump_answers_like_the_dumped_cluster(
    scenario: str, kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path
) -> None:
    served = _without_extensions(SCENARIOS / scenario / "cluster", tmp_path / "served")
    kubeconfig = kubeconfig_for(served)
    namespaces = ",".join(SnapshotBackend(served).namespaces())
    dump = tmp_path / "dump"
    run_kubectl(
        kubeconfig, "cluster-info", "dump", f"--output-directory={dump}", "--namespaces", namespaces, "-o", "json"
    )

    expected, loaded = _answers(served), _answers(dump)
    assert loaded.keys() == expected.keys()
    assert sum(not answer.is_error for answer in expected.values()) >= 20
    for label, answer in expected.items():
        assert loaded[label] == answer, f"{label} differs after a kubectl dump round trip"
