"""What keeps an investigation bounded in a big cluster, checked as properties rather than timings:
a multi-megabyte log is tailed (the bytes read are those of the tail), lists are paginated, and a
pod is found even when the cluster has more pods than one scan reads.

The cluster is generated (tests/scale_snapshot.py): the oom-killed-java scenario with 1,200 more
pods and a 20 MB log on the failing pod. bench/scale.py runs the same at full size.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kube_api_server import KubeApiServer
from mcp import Client
from scale_snapshot import TARGET_CONTAINER, TARGET_NAMESPACE, TARGET_POD, ScaleSnapshot, generate

from mcp_servers.kubernetes.backend import Backend
from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader, Limits
from mcp_servers.kubernetes.models import PodMatches
from mcp_servers.kubernetes.tools import build_server

LARGE_LOG_BYTES = 20_000_000
EXTRA_PODS = 1200
# The most a tail of 100 lines may cost: a few of the backend's 64 KiB chunks, far below the log.
TAIL_READ_BUDGET = 512 * 1024


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> ScaleSnapshot:
    directory = tmp_path_factory.mktemp("scale")
    return generate(directory, pods=EXTRA_PODS, log_bytes=2 * LARGE_LOG_BYTES, large_logs=1)


@pytest.fixture
def live(big: ScaleSnapshot, kube_faults: KubeApiServer, tmp_path: Path) -> LiveBackend:
    kubeconfig = kube_faults.kubeconfig_for(big.cluster, tmp_path / "kubeconfig")
    return LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))


def bytes_read(io_file: str) -> int:
    """Bytes this thread (or process) has read with read(2) and friends, files and sockets alike."""
    match = re.search(r"^rchar: (\d+)$", Path(io_file).read_text(), re.MULTILINE)
    assert match, io_file
    return int(match.group(1))


@pytest.fixture
def io_counter() -> None:
    if not Path("/proc/thread-self/io").is_file():
        pytest.skip("needs Linux I/O accounting (/proc/thread-self/io)")


def test_the_failing_pods_log_is_large(big: ScaleSnapshot) -> None:
    assert big.largest_log.stat().st_size > LARGE_LOG_BYTES


@pytest.mark.usefixtures("io_counter")
def test_snapshot_backend_reads_only_the_tail_of_a_large_log(big: ScaleSnapshot) -> None:
    backend = SnapshotBackend(big.cluster)
    before = bytes_read("/proc/thread-self/io")
    text = backend.logs(TARGET_NAMESPACE, TARGET_POD, TARGET_CONTAINER, tail_lines=100, previous=False)
    read = bytes_read("/proc/thread-self/io") - before
    assert read < TAIL_READ_BUDGET, f"read {read} bytes of a {big.largest_log.stat().st_size}-byte log"
    # The right tail: the container's own last lines, in order, without the block markers.
    assert text.splitlines() == _block(big.largest_log, TARGET_CONTAINER)[-100:]


@pytest.mark.usefixtures("io_counter")
def test_live_backend_asks_the_api_server_for_the_tail_only(big: ScaleSnapshot, live: LiveBackend) -> None:
    # The test API server runs in this process, so the process's count covers both sides: the
    # server reading the file and the client reading the response.
    before = bytes_read("/proc/self/io")
    text = live.logs(TARGET_NAMESPACE, TARGET_POD, TARGET_CONTAINER, tail_lines=100, previous=False)
    read = bytes_read("/proc/self/io") - before
    assert len(text.splitlines()) == 100
    assert read < 4 * TAIL_READ_BUDGET, f"read {read} bytes for a tail of 100 lines"


def test_live_backend_lists_in_pages(big: ScaleSnapshot, live: LiveBackend, kube_faults: KubeApiServer) -> None:
    pages = kube_faults.inject_fault(r"^/api/v1/pods$", delay_seconds=0.001)
    listed = live.list("pods", None, limit=5000)
    every_pod = sum(len(SnapshotBackend(big.cluster).list("pods", ns, limit=10**6).items) for ns in _namespaces(big))
    assert len(listed.items) == every_pod and not listed.truncated
    assert pages.hits == -(-every_pod // 500), f"{pages.hits} requests for {every_pod} pods in pages of 500"


def _block(log: Path, container: str) -> list[str]:
    """One container's lines of a dump's logs.txt, read whole (the slow way the backend avoids)."""
    lines = log.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"==== START logs for container {container} of pod {TARGET_NAMESPACE}/{TARGET_POD} ====")
    end_marker = f"==== END logs for container {container} of pod {TARGET_NAMESPACE}/{TARGET_POD} ===="
    end = next(i for i in range(start, len(lines)) if lines[i].endswith(end_marker))
    last = lines[end].removesuffix(end_marker)
    return lines[start + 1 : end] + ([last] if last else [])


def _namespaces(big: ScaleSnapshot) -> list[str]:
    return SnapshotBackend(big.cluster).namespaces()


async def _find(backend: Backend, query: str) -> PodMatches:
    """find_pods over MCP, scanning fewer pods than the cluster has (as 5,000 would at full size)."""
    server = build_server(ClusterReader(backend, limits=Limits(find_scan=EXTRA_PODS // 4)))
    async with Client(server) as client:
        result = await client.call_tool("find_pods", {"query": query})
    assert not result.is_error, result.content
    return PodMatches.model_validate(result.structured_content)


@pytest.mark.anyio
@pytest.mark.parametrize("backend_name", ["snapshot", "live"])
async def test_find_pods_finds_a_pod_beyond_the_scan_by_name_and_by_app(
    big: ScaleSnapshot, live: LiveBackend, backend_name: str
) -> None:
    backend: Backend = SnapshotBackend(big.cluster) if backend_name == "snapshot" else live
    # "warehouse" sorts after the generated namespaces, so a plain scan never reaches it.
    by_name = await _find(backend, TARGET_POD)
    assert by_name.truncated
    assert [(p.namespace, p.name, p.matched_on) for p in by_name.pods][:1] == [(TARGET_NAMESPACE, TARGET_POD, "name")]
    by_app = await _find(backend, "inventory-service")
    assert {p.name for p in by_app.pods} >= {TARGET_POD}
    assert all(p.matched_on.startswith("label") for p in by_app.pods)
