"""find_problems: what is broken, ranked, named, bounded, read with one list per kind.

Identical output through both backends is checked for every scenario by
test_tools_everywhere.py; here: that each scenario's visibly unhealthy pod is found, that a
healthy cluster has nothing to report, what each kind of problem says, the scope and the bounds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml
from mcp import Client
from paths import SCENARIOS
from scenario_builder import Cluster, Container, python_service

from mcp_servers.kubernetes.backend import KubeObject, ListPage
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

SCENARIOS = SCENARIOS


def call(reader: ClusterReader, arguments: dict[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    async def run() -> tuple[bool, str, dict[str, Any]]:
        async with Client(build_server(reader)) as client:
            result = await client.call_tool("find_problems", arguments)
            return bool(result.is_error), result.content[0].text, result.structured_content  # type: ignore[union-attr,return-value]

    return anyio.run(run)


def problems(scenario: str, **arguments: Any) -> dict[str, Any]:
    is_error, text, report = call(ClusterReader(SnapshotBackend(SCENARIOS / scenario / "cluster")), arguments)
    assert not is_error, text
    return report


def _visibly_unhealthy(pod: KubeObject) -> bool:
    """Not Running and Ready, or restarted after a failure (a clean exit 0 hours ago is routine)."""
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    restarted = any(
        c.get("restartCount") and ((c.get("lastState") or {}).get("terminated") or {}).get("exitCode")
        for c in status.get("containerStatuses") or []
    )
    return (
        status.get("phase") not in ("Running", "Succeeded")
        or (status.get("phase") == "Running" and not ready)
        or restarted
    )


def _expected_pods() -> list[tuple[str, str, str]]:
    found = []
    for directory in sorted(SCENARIOS.iterdir()):
        if not (directory / "scenario.yaml").is_file():
            continue
        pod_name = yaml.safe_load((directory / "scenario.yaml").read_text())["expect"].get("pod")
        pods = SnapshotBackend(directory / "cluster").list("pods", limit=10_000).items
        pod = next((p for p in pods if p["metadata"]["name"] == pod_name), None)
        if pod is not None and _visibly_unhealthy(pod):
            found.append((directory.name, pod["metadata"]["namespace"], pod_name))
    return found


EXPECTED = _expected_pods()


def test_most_scenarios_have_a_visibly_unhealthy_pod() -> None:
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize(("scenario", "namespace", "pod"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_the_incidents_pod_is_among_the_problems(scenario: str, namespace: str, pod: str) -> None:
    report = problems(scenario)
    found = [p for p in report["problems"] if p["kind"] == "Pod" and (p["name"] == pod or pod in p["objects"])]
    assert found, f"{pod} missing from {[(p['kind'], p['name'], p['reason']) for p in report['problems']]}"
    assert found[0]["namespace"] == namespace and found[0]["severity"] in ("high", "medium")
    assert found[0]["why"]
    ranks = ["critical", "high", "medium", "low"]
    assert [ranks.index(p["severity"]) for p in report["problems"]] == sorted(
        ranks.index(p["severity"]) for p in report["problems"]
    )


@pytest.mark.parametrize(
    ("scenario", "severity", "kind", "reason", "says"),
    [
        ("oom-killed-java", "high", "Pod", "CrashLoopBackOff", "last terminated OOMKilled (exit code 137)"),
        ("pvc-pending", "high", "Pod", "Unschedulable", "unbound immediate PersistentVolumeClaims"),
        ("pvc-pending", "high", "PersistentVolumeClaim", "ClaimPending", "ProvisioningFailed: storageclass"),
        ("node-not-ready", "critical", "Node", "NodeNotReady", "Kubelet stopped posting node status"),
        ("evicted-disk-pressure", "high", "Node", "DiskPressure", ""),
        ("evicted-disk-pressure", "medium", "Pod", "Evicted", "low on resource"),
        ("rollout-progress-deadline", "high", "Deployment", "ProgressDeadlineExceeded", "has timed out progressing"),
        ("quota-exceeded", "high", "Deployment", "NewReplicaSetWithoutPods", "has none"),
        ("quota-exceeded", "high", "Deployment", "ReplicaFailure", "exceeded quota"),
        ("quota-exceeded", "critical", "Deployment", "NoAvailableReplicas", "0 of 2"),
        ("job-backoff-limit", "high", "Job", "JobFailed", "BackoffLimitExceeded"),
        ("pvc-pending", "critical", "Service", "NoReadyEndpoints", "no ready pod of StatefulSet rabbitmq"),
        ("service-selector-mismatch", "high", "Service", "NoReadyEndpoints", "matches no workload"),
        ("image-pull-backoff", "medium", "Event", "Failed", "x"),
    ],
)
def test_each_kind_of_problem_says_why(scenario: str, severity: str, kind: str, reason: str, says: str) -> None:
    report = problems(scenario, limit=200)
    found = [p for p in report["problems"] if (p["kind"], p["reason"]) == (kind, reason)]
    assert found, [(p["kind"], p["reason"]) for p in report["problems"]]
    assert found[0]["severity"] == severity and says in found[0]["why"], found[0]
    if kind in ("Pod", "Deployment", "Job"):
        assert found[0]["owner"] is not None


def test_pods_of_one_owner_with_one_reason_are_one_problem() -> None:
    report = problems("node-not-ready", limit=200)
    keys = Counter((p["kind"], p["namespace"], p["name"], p["reason"]) for p in report["problems"])
    assert max(keys.values()) == 1
    grouped = [p for p in report["problems"] if p["kind"] == "Pod"]
    assert all(p["count"] == len(p["objects"]) or len(p["objects"]) == 5 for p in grouped)


def _healthy(directory: Path, *, scaled_to_zero: bool = False) -> Path:
    cluster = Cluster.eks()
    shop = cluster.namespace("shop")
    shop.deployment("checkout", python_service("checkout", "ghcr.io/acme/checkout:1.4.0"), replicas=3, port=8000)
    shop.daemonset("agent", Container("agent", "ghcr.io/acme/agent:1.0"))
    if scaled_to_zero:
        shop.deployment("reports", python_service("reports", "ghcr.io/acme/reports:2.0"), replicas=0, port=8000)
    cluster.write(directory)
    return directory


def test_a_healthy_cluster_has_nothing_to_report(tmp_path: Path) -> None:
    _, text, report = call(ClusterReader(SnapshotBackend(_healthy(tmp_path / "c"))), {})
    assert report["problems"] == [] and report["truncated"] is False, text
    assert report["checked"]["pods"] >= 3 and report["checked"]["nodes"] == 3
    assert "No problems found." in text


def test_a_service_whose_workload_is_scaled_to_zero_says_so(tmp_path: Path) -> None:
    _, _, report = call(ClusterReader(SnapshotBackend(_healthy(tmp_path / "c", scaled_to_zero=True))), {})
    (problem,) = report["problems"]
    assert (problem["kind"], problem["name"], problem["severity"]) == ("Service", "reports", "medium")
    assert problem["why"] == "no endpoints: Deployment reports scaled to 0"
    assert problem["owner"] == {"kind": "Deployment", "name": "reports"}


def test_scope_a_namespace_a_list_or_the_allowed_ones() -> None:
    cluster = SCENARIOS / "node-not-ready" / "cluster"
    everything = problems("node-not-ready", limit=200)
    namespaces = {p["namespace"] for p in everything["problems"]} - {None}
    assert len(namespaces) >= 2
    shop = problems("node-not-ready", namespace="shop", limit=200)
    assert shop["namespaces"] == ["shop"] and {p["namespace"] for p in shop["problems"]} <= {"shop", None}
    assert any(p["kind"] == "Node" for p in shop["problems"])  # a shop pod runs on the lost node
    two = problems("node-not-ready", namespaces=["shop", "accounts"], limit=200)
    assert {p["namespace"] for p in two["problems"]} - {None} == {"shop", "accounts"}
    allowed = ClusterReader(SnapshotBackend(cluster), allowed_namespaces=["accounts"])
    _, _, report = call(allowed, {})
    assert report["namespaces"] == ["accounts"]
    is_error, text, _ = call(allowed, {"namespace": "shop"})
    assert is_error and "not in this server's allowed namespaces" in text


def test_bounded_with_counts_of_everything() -> None:
    whole = problems("node-not-ready", limit=200)
    cut = problems("node-not-ready", limit=2)
    assert len(cut["problems"]) == 2 and cut["truncated"] is True
    assert cut["problems"] == whole["problems"][:2]
    assert sum(cut["counts"].values()) == len(whole["problems"]) > 2


class CountingBackend:
    """A real snapshot backend that records the calls made through it."""

    def __init__(self, directory: Path) -> None:
        self.inner = SnapshotBackend(directory)
        self.name = "snapshot"
        self.calls: list[tuple[str, str | None]] = []

    def list(self, resource: Any, namespace: str | None = None, **kwargs: Any) -> ListPage:
        self.calls.append((resource, namespace))
        return self.inner.list(resource, namespace, **kwargs)

    def pages(self, resource: Any, namespace: str | None = None, **kwargs: Any) -> Iterator[ListPage]:
        self.calls.append((resource, namespace))
        return self.inner.pages(resource, namespace, **kwargs)

    def get(self, resource: Any, namespace: str | None, name: str) -> KubeObject:
        self.calls.append((f"get {resource}", namespace))
        return self.inner.get(resource, namespace, name)


def test_one_list_per_kind_and_namespace_never_a_call_per_object() -> None:
    backend = CountingBackend(SCENARIOS / "node-not-ready" / "cluster")
    reader = ClusterReader(backend, allowed_namespaces=["shop", "accounts"])  # type: ignore[arg-type]
    is_error, _, report = call(reader, {})
    assert not is_error and report["problems"]
    assert not [c for c in backend.calls if c[0].startswith("get ")]
    assert Counter(backend.calls).most_common(1)[0][1] == 1
    assert len(backend.calls) == 10 * 2 + 1  # ten namespaced kinds in two namespaces, and nodes


def test_an_old_clean_restart_is_not_a_problem() -> None:
    """Both pods Running and Ready; one restarted with exit code 0 two hours before the snapshot."""
    report = problems("unknown-restart-completed")
    assert report["problems"] == [] and report["judged_at"] == "2026-11-20T03:18:59Z"
