"""A large cluster snapshot for scale tests and benchmarks, generated, never committed.

It is a scenario's snapshot (one failing pod to investigate, its knowledge graph) with thousands
of healthy pods added in other namespaces, each with its Deployment, ReplicaSet and a log, and
a few of them (and the failing pod) with multi-megabyte logs. The filler pods are clones of a
healthy pod of the scenario, so every tool reads them the way it reads real ones.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paths import SCENARIOS

SCENARIO = SCENARIOS / "oom-killed-java"
DESCRIPTION = "inventory-service-7c7769bc7f-dg68d in warehouse is in CrashLoopBackOff"
TARGET_NAMESPACE, TARGET_POD, TARGET_CONTAINER = "warehouse", "inventory-service-7c7769bc7f-dg68d", "app"
EXPECTED_CATEGORY = "insufficient_memory"
_TEMPLATE_NAMESPACE, _TEMPLATE_POD = "warehouse", "stock-events-consumer-ff55ddfd8-5gf5p"
_PODS_PER_NAMESPACE = 250
_REPLICAS = 10
_LOG_LINE = (
    '{{"level":"info","ts":"2026-11-01T13:{minute:02d}:{second:02d}.{n:06d}Z","caller":"server/http.go:91",'
    '"msg":"request served","method":"GET","path":"/api/v1/stock/{n}","status":200,"duration_ms":{ms}}}\n'
)


@dataclass(frozen=True)
class ScaleSnapshot:
    cluster: Path
    knowledge_graph: Path
    pods: int
    log_bytes: int
    largest_log: Path


def _log_lines(total_bytes: int, seed: int) -> bytes:
    lines, size, n = [], 0, seed
    while size < total_bytes:
        line = _LOG_LINE.format(minute=n // 60 % 60, second=n % 60, n=n, ms=n % 97)
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines).encode()


def _write_block(path: Path, namespace: str, pod: str, container: str, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(f"==== START logs for container {container} of pod {namespace}/{pod} ====\n".encode())
        out.write(body)
        out.write(f"==== END logs for container {container} of pod {namespace}/{pod} ====\n".encode())


def _items(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["items"]


def _write_list(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items}), encoding="utf-8")


def _clone(template: dict[str, Any], namespace: str, name: str, app: str, owner: str | None) -> dict[str, Any]:
    obj = copy.deepcopy(template)
    meta = obj["metadata"]
    meta.update(name=name, namespace=namespace, uid=f"uid-{namespace}-{name}")
    labels = meta.get("labels") or {}
    for key in ("app", "app.kubernetes.io/name"):
        if key in labels:
            labels[key] = app
    if owner is not None:
        for ref in meta.get("ownerReferences") or []:
            ref["name"] = owner
    return obj


def generate(directory: Path, *, pods: int, log_bytes: int, large_logs: int = 4) -> ScaleSnapshot:
    """Write the snapshot into `directory`: `pods` filler pods and about `log_bytes` of logs, of which
    half is in `large_logs` multi-megabyte logs (one of them the failing pod's)."""
    cluster = directory / "cluster"
    shutil.copytree(SCENARIO / "cluster", cluster)
    knowledge_graph = directory / "knowledge_graph.yaml"
    shutil.copy(SCENARIO / "knowledge_graph.yaml", knowledge_graph)
    template_ns = cluster / _TEMPLATE_NAMESPACE
    pod_template = next(p for p in _items(template_ns / "pods.json") if p["metadata"]["name"] == _TEMPLATE_POD)
    owner_rs = pod_template["metadata"]["ownerReferences"][0]["name"]
    rs_template = next(r for r in _items(template_ns / "replicasets.json") if r["metadata"]["name"] == owner_rs)
    deployment_name = rs_template["metadata"]["ownerReferences"][0]["name"]
    deployment_template = next(
        d for d in _items(template_ns / "deployments.json") if d["metadata"]["name"] == deployment_name
    )
    container = pod_template["spec"]["containers"][0]["name"]

    large_each = log_bytes // 2 // max(large_logs, 1)
    small_each = (log_bytes - large_each * large_logs) // max(pods, 1)
    written = 0
    largest = cluster / TARGET_NAMESPACE / TARGET_POD / "logs.txt"
    # The failing container's own log grows by older lines: what it says last (the evidence) stays last.
    original = largest.read_bytes()
    filler = _log_lines(large_each, 0)
    start = f"==== START logs for container {TARGET_CONTAINER} of pod {TARGET_NAMESPACE}/{TARGET_POD} ====\n"
    begins = original.index(start.encode()) + len(start)
    largest.write_bytes(original[:begins] + filler + original[begins:])
    written += len(filler)

    count = 0
    for ns_index in range((pods + _PODS_PER_NAMESPACE - 1) // _PODS_PER_NAMESPACE):
        namespace = f"load-{ns_index:03d}"
        folder = cluster / namespace
        folder.mkdir()
        ns_pods, replicasets, deployments = [], [], []
        for app_index in range(_PODS_PER_NAMESPACE // _REPLICAS):
            if count >= pods:
                break
            app = f"svc-{ns_index:03d}-{app_index:02d}"
            rs_name = f"{app}-5d9f8c7b6"
            deployments.append(_clone(deployment_template, namespace, app, app, None))
            replicasets.append(_clone(rs_template, namespace, rs_name, app, app))
            for replica in range(_REPLICAS):
                if count >= pods:
                    break
                name = f"{rs_name}-{replica:05d}"
                ns_pods.append(_clone(pod_template, namespace, name, app, rs_name))
                size = large_each if count < large_logs - 1 else small_each
                _write_block(folder / name / "logs.txt", namespace, name, container, _log_lines(size, count))
                written += size
                count += 1
        _write_list(folder / "pods.json", "PodList", ns_pods)
        _write_list(folder / "replicasets.json", "ReplicaSetList", replicasets)
        _write_list(folder / "deployments.json", "DeploymentList", deployments)
    return ScaleSnapshot(cluster, knowledge_graph, count, written, largest)
