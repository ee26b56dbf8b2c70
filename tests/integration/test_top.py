"""top_pods and top_nodes from metrics.k8s.io: both backends agree, kubectl top reads the same
test API server, and a cluster without the metrics API is a clear tool error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from kube_api_server import Kubeconfig, run_kubectl
from mcp import Client
from paths import SCENARIOS
from tool_plan import ToolAnswer, ToolCall, run_plan

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server
from mcp_servers.kubernetes.top import NO_METRICS

SCENARIO = SCENARIOS / "oom-killed-java" / "cluster"
STAMP = {"timestamp": "2026-11-01T13:20:00Z", "window": "15.01s"}


def _pod_metrics(namespace: str, name: str, labels: dict[str, str], usage: dict[str, tuple[str, str]]) -> dict:
    containers = [{"name": c, "usage": {"cpu": cpu, "memory": memory}} for c, (cpu, memory) in usage.items()]
    meta = {"name": name, "namespace": namespace, "labels": labels, "creationTimestamp": STAMP["timestamp"]}
    return {"metadata": meta, **STAMP, "containers": containers}


def _write(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cluster = tmp_path_factory.mktemp("top") / "cluster"
    shutil.copytree(SCENARIO, cluster)
    pods = {ns: json.loads((cluster / ns / "pods.json").read_text())["items"] for ns in ("shop", "warehouse")}
    for namespace, items in pods.items():
        metrics = []
        for index, pod in enumerate(items):
            meta = pod["metadata"]
            usage = {c["name"]: (f"{(index + 1) * 12345678}n", f"{(len(items) - index) * 40}Mi")
                     for c in pod["spec"]["containers"]}  # fmt: skip
            metrics.append(_pod_metrics(namespace, meta["name"], meta.get("labels") or {}, usage))
        _write(cluster / namespace / "pod-metrics.json", "PodMetricsList", metrics)
    nodes = json.loads((cluster / "nodes.json").read_text())["items"]
    node_metrics = [
        {"metadata": {"name": n["metadata"]["name"], "creationTimestamp": STAMP["timestamp"]}, **STAMP,
         "usage": {"cpu": f"{(i + 1) * 300}m", "memory": f"{(i + 1) * 1024}Mi"}}
        for i, n in enumerate(nodes)
    ]  # fmt: skip
    _write(cluster / "node-metrics.json", "NodeMetricsList", node_metrics)
    return cluster


def _answers(reader: ClusterReader, plan: list[ToolCall]) -> dict[str, ToolAnswer]:
    async def run() -> dict[str, ToolAnswer]:
        async with Client(build_server(reader)) as client:
            return await run_plan(client, plan)

    return anyio.run(run)


def _both(snapshot: Path, kubeconfig: Kubeconfig, plan: list[ToolCall], **options: Any) -> list[ToolAnswer]:
    reference = _answers(ClusterReader(SnapshotBackend(snapshot), **options), plan)
    live = LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))
    assert _answers(ClusterReader(live, **options), plan) == reference
    return list(reference.values())


PLAN = [
    ToolCall("top_pods", {}),
    ToolCall("top_pods", {"namespace": "shop", "sort_by": "memory", "limit": 2}),
    ToolCall("top_pods", {"namespace": "warehouse", "label_selector": "app=inventory-service", "sort_by": "name"}),
    ToolCall("top_nodes", {}),
]


def test_top_through_both_backends(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    everything, shop, inventory, nodes = _both(snapshot, kubeconfig_for(snapshot), PLAN)
    pods = everything.structured["pods"]
    assert {p["namespace"] for p in pods} == {"shop", "warehouse"}
    assert [p["cpu_millicores"] for p in pods] == sorted((p["cpu_millicores"] for p in pods), reverse=True)
    assert everything.text.splitlines()[0].split() == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    heaviest = shop.structured["pods"][0]
    assert len(shop.structured["pods"]) == 2 and shop.structured["truncated"] is True
    assert heaviest["memory_bytes"] >= shop.structured["pods"][1]["memory_bytes"]
    assert heaviest["memory"] == f"{heaviest['memory_bytes'] // 2**20}Mi"
    names = [p["name"] for p in inventory.structured["pods"]]
    assert names == sorted(names) and all(n.startswith("inventory-service-") for n in names)
    # Containers' nanocores are summed before rounding up to millicores, as kubectl does (checked below).
    assert all(c["cpu"].endswith("m") for p in pods for c in p["containers"])
    node = nodes.structured["nodes"][0]
    assert node["cpu_percent"].endswith("%") and node["memory_percent"].endswith("%")
    assert nodes.text.splitlines()[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]


def test_top_honours_the_allow_list(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    plan = [ToolCall("top_pods", {}), ToolCall("top_pods", {"namespace": "shop"})]
    everywhere, refused = _both(snapshot, kubeconfig_for(snapshot), plan, allowed_namespaces=["warehouse"])
    assert {p["namespace"] for p in everywhere.structured["pods"]} == {"warehouse"}
    assert refused.is_error and "'shop' is not in this server's allowed namespaces" in refused.text


def test_without_the_metrics_api_top_is_a_clear_error(kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    for answer in _both(SCENARIO, kubeconfig_for(SCENARIO), [ToolCall("top_pods", {}), ToolCall("top_nodes", {})]):
        assert answer.is_error and NO_METRICS in answer.text


def test_kubectl_top_reads_the_same_metrics(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    kubeconfig = kubeconfig_for(snapshot)
    expected = _answers(ClusterReader(SnapshotBackend(snapshot)), [ToolCall("top_pods", {"namespace": "shop"})])
    (answer,) = expected.values()
    top = run_kubectl(kubeconfig, "top", "pod", "-n", "shop").stdout.splitlines()
    assert top[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert {tuple(line.split()) for line in top[1:]} == {
        (p["name"], p["cpu"], p["memory"]) for p in answer.structured["pods"]
    }
    nodes = run_kubectl(kubeconfig, "top", "node").stdout.splitlines()
    assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
    assert len(nodes) > 1
    missing = run_kubectl(kubeconfig_for(SCENARIO), "top", "pod", "-A", check=False)
    assert missing.returncode != 0 and "Metrics API not available" in missing.stderr
