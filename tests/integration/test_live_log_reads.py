"""Reading logs over the live backend (the kubernetes client against the test API server): a named
container's logs cost the log request alone; the pod is read only to pick the default container
or to say what is missing when the logs cannot be read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kube_api_server import KubeApiServer, Kubeconfig
from paths import SCENARIOS

from mcp_servers.kubernetes.backend import BackendError, NotFoundError
from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.cluster import ClusterReader, InvalidArgumentError

SCENARIO = SCENARIOS / "oom-killed-java"
NAMESPACE, POD = "warehouse", "inventory-service-7c7769bc7f-dg68d"
POD_ITSELF = rf"/pods/{POD}$"


@pytest.fixture
def reader(kubeconfig_for: Callable[..., Kubeconfig]) -> ClusterReader:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    return ClusterReader(LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context)))


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
    kubeconfig_for: Callable[..., Kubeconfig], kube_api_server: KubeApiServer
) -> None:
    kubeconfig = kubeconfig_for(SCENARIO / "cluster")
    fenced = ClusterReader(
        LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context)), allowed_namespaces=["default"]
    )
    fault = kube_api_server.inject_fault(rf"/namespaces/{NAMESPACE}/", status=500)
    try:
        with pytest.raises(BackendError, match="not in this server's allowed namespaces"):
            fenced.get_pod_logs(NAMESPACE, POD, "app", 20, False, 16384)
        assert fault.hits == 0
    finally:
        kube_api_server.remove_fault(fault)
