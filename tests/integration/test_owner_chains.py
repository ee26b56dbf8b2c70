"""A pod's owner chain over the live backend (the kubernetes client against the test API server):
the controllers read once are remembered by uid, so the next get_pod reads only the pod; an
expired memory, and whatever needs the owner object itself, read every level again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from paths import SCENARIOS

from mcp_servers.kubernetes.backend import BackendError
from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.owners import OwnerChains

SCENARIO = SCENARIOS / "oom-killed-java"
NAMESPACE, POD = "warehouse", "inventory-service-7c7769bc7f-dg68d"
OWNERS = r"/(replicasets|deployments)/"


@pytest.fixture
def backend(kubeconfig_for: Callable[..., Kubeconfig]) -> LiveBackend:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    return LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))


def test_a_second_get_pod_reads_only_the_pod(backend: LiveBackend, kube_api_server: KubeApiServer) -> None:
    reader = ClusterReader(backend)
    first = reader.get_pod(NAMESPACE, POD)
    assert [ref.kind for ref in first.owner_chain] == ["ReplicaSet", "Deployment"]
    fault = kube_api_server.inject_fault(OWNERS, status=500)
    try:
        assert reader.get_pod(NAMESPACE, POD) == first
        assert fault.hits == 0
        with pytest.raises(BackendError, match="HTTP 500"):  # the workload itself is read, never remembered
            reader.owner_chain(backend.get("pods", NAMESPACE, POD), NAMESPACE)
        assert fault.hits == 1
    finally:
        kube_api_server.remove_fault(fault)


def test_what_is_remembered_expires(backend: LiveBackend, kube_api_server: KubeApiServer) -> None:
    owners = OwnerChains(backend, ttl_seconds=0.0)
    pod = backend.get("pods", NAMESPACE, POD)
    assert [ref.name for ref in owners.names(pod, NAMESPACE)] == ["inventory-service-7c7769bc7f", "inventory-service"]
    fault = kube_api_server.inject_fault(OWNERS, status=500)
    try:
        with pytest.raises(BackendError, match="HTTP 500"):
            owners.names(pod, NAMESPACE)
    finally:
        kube_api_server.remove_fault(fault)
