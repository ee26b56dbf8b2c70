"""What each read costs over the live backend (the kubernetes client against the test API server),
counted with injected faults on the paths it must not touch.

- A pod's owner chain: the controllers read once are remembered by uid, so the next get_pod reads
  only the pod; an expired memory, and whatever needs the owner object itself, read every level again.
- Logs: a named container's logs cost the log request alone; the pod is read only to pick the
  default container or to say what is missing when the logs cannot be read, and the namespace
  allow-list holds before any request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from paths import SCENARIOS

from mcp_servers.kubernetes.backend import BackendError, NotFoundError
from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.cluster import ClusterReader, InvalidArgumentError
from mcp_servers.kubernetes.owners import OwnerChains

SCENARIO = SCENARIOS / "oom-killed-java"
NAMESPACE, POD = "warehouse", "inventory-service-7c7769bc7f-dg68d"
OWNERS = r"/(replicasets|deployments)/"
POD_ITSELF = rf"/pods/{POD}$"


@pytest.fixture
def backend(kubeconfig_for: Callable[..., Kubeconfig]) -> LiveBackend:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    return LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))


@pytest.fixture
def reader(backend: LiveBackend) -> ClusterReader:
    return ClusterReader(backend)


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


def _container(reader: ClusterReader) -> str:
    return reader.get_pod(NAMESPACE, POD).containers[0].name


def test_a_named_containers_logs_need_no_pod_read(reader: ClusterReader, kube_api_server: KubeApiServer) -> None:
    container = _container(reader)
    fault = kube_api_server.inject_fault(POD_ITSELF, status=500)
    try:
        logs = reader.get_pod_logs(NAMESPACE, POD, container, 20, True, 16384)
        assert logs.container == container and logs.lines > 0
        assert fault.hits == 0
        with pytest.raises(BackendError, match="HTTP 500"):  # the default container comes from the pod
            reader.get_pod_logs(NAMESPACE, POD, None, 20, True, 16384)
        assert fault.hits == 1
    finally:
        kube_api_server.remove_fault(fault)


def test_what_is_missing_is_named_when_the_logs_cannot_be_read(reader: ClusterReader) -> None:
    with pytest.raises(
        InvalidArgumentError,
        match=rf"container 'nope' is not in pod {NAMESPACE}/{POD}; its containers are: .*\b{_container(reader)}\b",
    ):
        reader.get_pod_logs(NAMESPACE, POD, "nope", 20, False, 16384)
    with pytest.raises(NotFoundError, match=f"{NAMESPACE}/no-such-pod not found"):
        reader.get_pod_logs(NAMESPACE, "no-such-pod", "app", 20, False, 16384)


def test_the_namespace_allow_list_holds_before_any_request(
    backend: LiveBackend, kube_api_server: KubeApiServer
) -> None:
    fenced = ClusterReader(backend, allowed_namespaces=["default"])
    fault = kube_api_server.inject_fault(rf"/namespaces/{NAMESPACE}/", status=500)
    try:
        with pytest.raises(BackendError, match="not in this server's allowed namespaces"):
            fenced.get_pod_logs(NAMESPACE, POD, "app", 20, False, 16384)
        assert fault.hits == 0
    finally:
        kube_api_server.remove_fault(fault)
