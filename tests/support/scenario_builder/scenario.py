"""A scenario: the incident text, the expected finding, the cluster snapshot and the
knowledge graph, written as tests/scenarios/<name>/ (see ARCHITECTURE.md, "Scenario format")."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cluster import Cluster
from .knowledge import KnowledgeGraph

CATEGORIES = (
    "insufficient_memory", "insufficient_cluster_resources", "unschedulable_constraints", "image_pull_failure",
    "missing_config", "configuration_error", "application_crash", "container_command_failure",
    "liveness_probe_failure", "readiness_probe_failure", "dependency_unreachable", "dns_resolution_failure",
    "volume_failure", "node_failure", "eviction", "resource_quota_exceeded", "permission_denied",
    "init_container_failure", "unknown",
)  # fmt: skip


@dataclass(frozen=True)
class Expect:
    category: str
    component: str | None = None
    pod: str | None = None

    def as_dict(self) -> dict[str, str]:
        body = {"category": self.category}
        if self.component:
            body["component"] = self.component
        if self.pod:
            body["pod"] = self.pod
        return body


@dataclass
class Scenario:
    name: str
    description: str
    expect: Expect
    cluster: Cluster
    notes: str = ""
    secrets: tuple[str, ...] = ()  # what secret-looking values were planted, for the redaction tests

    @property
    def graph(self) -> KnowledgeGraph:
        return self.cluster.graph

    def files(self) -> dict[str, str]:
        document: dict[str, object] = {"description": self.description, "expect": self.expect.as_dict()}
        if self.notes:
            document["notes"] = self.notes
        if self.secrets:
            document["planted_secrets"] = list(self.secrets)
        files = {"scenario.yaml": yaml.safe_dump(document, sort_keys=False, width=100, allow_unicode=True)}
        if self.graph.components:
            files["knowledge_graph.yaml"] = self.graph.to_yaml()
        files |= {f"cluster/{path}": text for path, text in self.cluster.files().items()}
        return files

    def write(self, directory: str | Path) -> None:
        directory = Path(directory)
        if (directory / "cluster").exists():
            shutil.rmtree(directory / "cluster")
        for relative, text in self.files().items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def check_scenario_dir(directory: str | Path) -> list[str]:
    """Consistency problems of a written scenario directory (empty when it is sound)."""
    directory = Path(directory)
    problems: list[str] = []
    snapshot = directory / "cluster"
    documents: dict[Path, dict] = {}
    for path in sorted(snapshot.rglob("*.json")):
        try:
            documents[path] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{path}: not JSON: {exc}")
    scenario = yaml.safe_load((directory / "scenario.yaml").read_text(encoding="utf-8"))
    expect = scenario.get("expect", {})
    if expect.get("category") not in CATEGORIES:
        problems.append(f"{directory.name}: unknown category {expect.get('category')!r}")
    pods_by_ns: dict[str, list[dict]] = {}
    uids: dict[str, tuple[str, str]] = {}
    for path, document in documents.items():
        for item in document.get("items", []):
            meta = item["metadata"]
            kind = document["kind"].removesuffix("List")
            if "uid" in meta:  # metrics (PodMetrics) are not objects with an identity
                uids[meta["uid"]] = (kind, meta["name"])
            if kind == "Pod":
                pods_by_ns.setdefault(path.parent.name, []).append(item)
    all_pods = [(ns, p) for ns, pods in pods_by_ns.items() for p in pods]
    if expect.get("pod") and not any(p["metadata"]["name"] == expect["pod"] for _, p in all_pods):
        problems.append(f"{directory.name}: expected pod {expect['pod']} is not in any pods.json")
    graph_path = directory / "knowledge_graph.yaml"
    graph = yaml.safe_load(graph_path.read_text(encoding="utf-8")) if graph_path.exists() else {"components": []}
    names = {c["name"] for c in graph["components"]}
    if expect.get("component") and expect["component"] not in names:
        problems.append(f"{directory.name}: expected component {expect['component']} is not in the knowledge graph")
    for component in graph["components"]:
        selector = component.get("selector")
        if not selector:
            continue
        matched = [
            p
            for ns, p in all_pods
            if ns == component.get("namespace")
            and all(p["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
        ]
        # A workload may legitimately have no pods (scaled to zero, every pod rejected by a quota).
        workloads = [
            w["metadata"]["name"]
            for kind in ("deployments", "statefulsets")
            for w in json.loads((snapshot / component["namespace"] / f"{kind}.json").read_text())["items"]
        ]
        if not matched and component["name"] not in workloads:
            problems.append(f"{directory.name}: selector of component {component['name']} matches no pod")
    for path, document in documents.items():
        if document["kind"] != "EventList":
            continue
        for event in document["items"]:
            ref = event["involvedObject"]
            if ref["kind"] == "Node" and ref["uid"] == ref["name"]:
                continue  # the kubelet references its Node by name
            if ref["kind"] == "CronJob":
                continue
            if uids.get(ref["uid"]) != (ref["kind"], ref["name"]):
                problems.append(
                    f"{path}: event {event['metadata']['name']} references unknown {ref['kind']} {ref['name']}"
                )
    for ns, pod in all_pods:
        logs = snapshot / ns / pod["metadata"]["name"] / "logs.txt"
        if not logs.exists():
            problems.append(f"{logs}: missing")
            continue
        containers = [c["name"] for c in pod["spec"].get("initContainers", []) + pod["spec"]["containers"]]
        text = logs.read_text(encoding="utf-8")
        starts = [line.split()[5] for line in text.splitlines() if line.startswith("==== START logs for container ")]
        if starts != containers:
            problems.append(f"{logs}: blocks {starts} do not follow the spec order {containers}")
    return problems
