"""Every tool call worth making on a snapshot, and a way to run them through any MCP client.

The differential and transport tests run the same plan through every backend and transport
and compare the answers; the benchmark times it. The plan is read off the snapshot itself:
every pod, container, workload, service and node in it, plus calls that must fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp import Client

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

_WORKLOADS = {
    "deployments": "Deployment",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "replicasets": "ReplicaSet",
    "jobs": "Job",
}
_ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True)
class ToolCall:
    tool: str
    arguments: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.tool}({json.dumps(self.arguments, sort_keys=True)})"


@dataclass(frozen=True)
class ToolAnswer:
    is_error: bool
    text: str
    structured: Any


def plan_for(snapshot_dir: Path) -> list[ToolCall]:
    backend = SnapshotBackend(snapshot_dir)
    calls = [ToolCall("list_pods", {}), ToolCall("get_events", {"warnings_only": True}), ToolCall("find_problems", {})]
    calls.append(ToolCall("find_problems", {"namespaces": backend.namespaces(), "limit": 3}))
    pods = backend.list("pods", limit=10_000).items
    for namespace in backend.namespaces():
        calls += [
            ToolCall("list_pods", {"namespace": namespace, "limit": 3}),
            ToolCall("list_pods", {"namespace": namespace, "field_selector": "status.phase=Running"}),
            ToolCall("get_events", {"namespace": namespace, "limit": 20}),
            ToolCall("find_problems", {"namespace": namespace}),
        ]
        for resource, kind in _WORKLOADS.items():
            calls += [
                ToolCall("get_workload", {"kind": kind, "namespace": namespace, "name": obj["metadata"]["name"]})
                for obj in backend.list(resource, namespace).items  # type: ignore[arg-type]
            ]
            if kind in _ROLLOUT_KINDS:
                calls += [
                    ToolCall(
                        "get_rollout_history", {"kind": kind, "namespace": namespace, "name": obj["metadata"]["name"]}
                    )
                    for obj in backend.list(resource, namespace).items  # type: ignore[arg-type]
                ]
        calls += [
            ToolCall("get_service", {"namespace": namespace, "name": obj["metadata"]["name"]})
            for obj in backend.list("services", namespace).items
        ]
    for index, pod in enumerate(pods):
        meta = pod["metadata"]
        where = {"namespace": meta["namespace"], "name": meta["name"]}
        calls += [ToolCall("get_pod", where), ToolCall("diagnose_pod", where)]
        if app := (meta.get("labels") or {}).get("app"):
            calls += [ToolCall("find_pods", {"query": app}), ToolCall("list_pods", {"label_selector": f"app={app}"})]
        # diagnose_pod already reads every pod's events and logs; the dedicated tools are asked
        # about the pods where they matter (restarts, not running) and a few healthy ones.
        statuses = pod.get("status", {}).get("containerStatuses") or []
        troubled = pod.get("status", {}).get("phase") != "Running" or any(s.get("restartCount") for s in statuses)
        if troubled or index < 3:
            calls.append(
                ToolCall(
                    "get_events", {"namespace": meta["namespace"], "object_kind": "Pod", "object_name": meta["name"]}
                )
            )
            for container in pod["spec"].get("initContainers", []) + pod["spec"].get("containers", []):
                for previous in (False, True):
                    arguments = {**where, "container": container["name"], "tail_lines": 20, "previous": previous}
                    calls.append(ToolCall("get_pod_logs", arguments))
    calls += [ToolCall("get_node", {"name": node["metadata"]["name"]}) for node in backend.list("nodes").items]
    calls += _generic_calls(backend)
    some_namespace = backend.namespaces()[0]
    calls += [  # calls that must fail, with the same message everywhere
        ToolCall("get_pod", {"namespace": some_namespace, "name": "no-such-pod"}),
        ToolCall("get_node", {"name": "no-such-node"}),
        ToolCall("get_workload", {"kind": "Deployment", "namespace": some_namespace, "name": "no-such-deployment"}),
        ToolCall("get_pod", {"namespace": "Not_A_Namespace", "name": "x"}),
        ToolCall("get_pod_logs", {"namespace": some_namespace, "name": "x", "tail_lines": 0}),
        ToolCall("get_rollout_history", {"kind": "StatefulSet", "namespace": some_namespace, "name": "no-such-sts"}),
        ToolCall("find_problems", {"namespaces": [some_namespace, "Not_A_Namespace"]}),
        ToolCall("list_resources", {"kind": "v1/Secret"}),
        ToolCall("top_pods", {}),  # an error where the snapshot has no metrics files
        ToolCall("top_nodes", {}),
        ToolCall("get_resource", {"kind": "deploy", "namespace": some_namespace, "name": "no-such-deployment"}),
    ]
    return list({call.label: call for call in calls}.values())


def _generic_calls(backend: SnapshotBackend) -> list[ToolCall]:
    """list_resources over the kinds every snapshot has, one whole Deployment, and the namespaces."""
    calls = [ToolCall("list_namespaces", {})]
    calls += [ToolCall("list_resources", {"kind": kind}) for kind in ("deploy", "svc", "no", "ns", "cm", "pvc")]
    for namespace in backend.namespaces():
        calls.append(ToolCall("list_resources", {"kind": "po", "namespace": namespace, "limit": 3}))
    if deployments := backend.list("deployments", limit=1).items:
        meta = deployments[0]["metadata"]
        where = {"namespace": meta["namespace"], "name": meta["name"]}
        calls += [ToolCall("get_resource", {"kind": "Deployment", **where, "full": True})]
    return calls


async def run_plan(client: Client, plan: list[ToolCall]) -> dict[str, ToolAnswer]:
    answers = {}
    for call in plan:
        result = await client.call_tool(call.tool, call.arguments)
        answers[call.label] = ToolAnswer(
            is_error=bool(result.is_error),
            text="\n".join(getattr(block, "text", "") for block in result.content),
            structured=result.structured_content,
        )
    return answers
