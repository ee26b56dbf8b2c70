"""Evidence turned into the facts rules reason over, each fact carrying its evidence id.

Facts are flat, fully populated dicts (every key present, `null` where unknown) so that a CEL
condition never trips over a missing field. The names here are the rule-writer's vocabulary,
documented in knowledge/rules/README.md.
"""

from __future__ import annotations

import re
from typing import Any

from graphs import changes
from graphs.log_lines import numbered_log_lines
from graphs.models import CollectedEvidence, EvidenceItem, Extracted
from knowledge.graph import KnowledgeGraph

_HOST_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9](?::\d{1,5})?")
# A stack trace names the host on its first line and not on the ones below.
_DEPENDENCY_CONTEXT_LINES = 12


def _conditions(conditions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        c["type"]: {"status": c["status"], "reason": c.get("reason") or "", "message": c.get("message") or ""}
        for c in conditions
    }


def _state(state: dict[str, Any] | None) -> dict[str, Any]:
    state = state or {}
    return {
        "state": state.get("state") or "",
        "reason": state.get("reason") or "",
        "message": state.get("message") or "",
        "exit_code": state.get("exit_code"),
    }


def _container(container: dict[str, Any]) -> dict[str, Any]:
    now, last = _state(container["state"]), _state(container.get("last_state"))
    probes = {
        kind: (container.get(f"{kind}_probe") or {}).get("target", "") for kind in ("liveness", "readiness", "startup")
    }
    return {
        "name": container["name"],
        "init": container["init"],
        "image": container["image"],
        "ready": container["ready"],
        "restarts": container["restart_count"],
        "state": now["state"],
        "reason": now["reason"],
        "message": now["message"],
        "exit_code": now["exit_code"],
        "last_state": last["state"],
        "last_reason": last["reason"],
        "last_message": last["message"],
        "last_exit_code": last["exit_code"],
        "memory_limit": container["limits"].get("memory", ""),
        "memory_request": container["requests"].get("memory", ""),
        "cpu_limit": container["limits"].get("cpu", ""),
        "has_liveness": bool(probes["liveness"]),
        "has_readiness": bool(probes["readiness"]),
        "liveness": probes["liveness"],
        "readiness": probes["readiness"],
        "evidence": f"container:{container['name']}",
    }


def _event(event: dict[str, Any], index: int) -> dict[str, Any]:
    return {
        "type": event["type"],
        "reason": event["reason"],
        "message": event["message"],
        "kind": event["object"]["kind"],
        "name": event["object"]["name"],
        "count": event["count"],
        "last_seen": event.get("last_seen") or "",
        "evidence": f"event:{index}",
    }


def _unique_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for event in events:
        key = (event["object"]["kind"], event["object"]["name"], event["reason"], event["message"])
        if key not in seen:
            seen.add(key)
            unique.append(event)
    return unique


class FactBuilder:
    """Facts and the evidence catalog for one investigation."""

    def __init__(self, knowledge: KnowledgeGraph, extracted: Extracted, evidence: CollectedEvidence) -> None:
        self.graph = knowledge
        self.extracted = extracted
        # Facts are plain data for CEL: the typed evidence is read as the JSON it is checkpointed as.
        self.evidence = evidence.model_dump(mode="json")
        self.collected = evidence
        self.catalog: dict[str, EvidenceItem] = {}

    def _cite(self, item_id: str, kind: str, summary: str) -> str:
        self.catalog[item_id] = EvidenceItem(id=item_id, kind=kind, summary=summary[:500])
        return item_id

    def build(self) -> dict[str, Any]:
        diagnosis = self.evidence.get("diagnosis")
        dependencies = self._dependencies()
        facts: dict[str, Any] = {
            "pod": None,
            "containers": [],
            "events": [],
            "log_lines": [],
            "dependencies": dependencies,
            "owner": None,
            "node": None,
            "component": self._component(),
            "service": self._service(self.evidence.get("service")),
            "symptoms": list(self.extracted.symptoms),
            "changes": self._changes(),
            "neighbours": self._neighbours(),
        }
        if diagnosis:
            facts["pod"] = self._pod(diagnosis["pod"])
            facts["containers"] = [self._cited_container(c) for c in diagnosis["pod"]["init_containers"]]
            facts["containers"] += [self._cited_container(c) for c in diagnosis["pod"]["containers"]]
            owner_events = _unique_events(diagnosis["owner_events"] + self.evidence.get("workload_events", []))
            facts["events"] = self._events(diagnosis["events"] + owner_events)
            facts["log_lines"] = self._log_lines(diagnosis["logs"], dependencies)
            facts["owner"] = self._workload(diagnosis.get("owner"))
            facts["node"] = self._node(diagnosis.get("node"))
        elif self.evidence.get("workload"):
            facts["owner"] = self._workload(self.evidence["workload"])
            facts["events"] = self._events(self.evidence.get("workload_events", []))
        return facts

    def _changes(self) -> list[dict[str, Any]]:
        """What the owner's recent revisions changed (graphs/changes.py), one evidence item per revision."""
        facts = changes.change_facts(self.collected)
        for item_id, revision in changes.by_revision(facts).items():
            self._cite(item_id, "change", changes.summary(revision))
        return facts

    def _component(self) -> dict[str, Any] | None:
        component = self.graph.component(self.extracted.component) if self.extracted.component else None
        if component is None:
            return None
        return {"name": component.name, "type": component.type}

    def _pod(self, pod: dict[str, Any]) -> dict[str, Any]:
        conditions = _conditions(pod["conditions"])
        containers = pod["containers"]
        item_id = self._cite(
            f"pod:{pod['namespace']}/{pod['name']}",
            "pod",
            f"pod {pod['namespace']}/{pod['name']} is {pod['status']} (phase {pod['phase']})"
            + (f": {pod['reason']} {pod.get('message') or ''}" if pod.get("reason") else ""),
        )
        return {
            "name": pod["name"],
            "namespace": pod["namespace"],
            "phase": pod["phase"],
            "status": pod["status"],
            "reason": pod.get("reason") or "",
            "message": pod.get("message") or "",
            "ready": bool(containers) and all(c["ready"] for c in containers),
            "restarts": sum(c["restart_count"] for c in containers + pod["init_containers"]),
            "node": pod.get("node") or "",
            "scheduled": conditions.get("PodScheduled", {}).get("status") == "True",
            "qos": pod.get("qos_class") or "",
            "conditions": conditions,
            "evidence": item_id,
        }

    def _cited_container(self, container: dict[str, Any]) -> dict[str, Any]:
        fact = _container(container)
        summary = f"{'init ' if fact['init'] else ''}container {fact['name']}: {fact['state']} {fact['reason']}"
        if fact["exit_code"] is not None:
            summary += f" (exit code {fact['exit_code']})"
        if fact["last_reason"]:
            summary += f"; last terminated {fact['last_reason']} (exit code {fact['last_exit_code']})"
        summary += f"; {fact['restarts']} restarts; memory limit {fact['memory_limit'] or 'none'}"
        if fact["message"] or fact["last_message"]:
            summary += f"; message: {fact['message'] or fact['last_message']}"
        self._cite(fact["evidence"], "container", summary)
        return fact

    def _events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        facts = []
        for index, event in enumerate(events):
            fact = _event(event, index)
            count = f" (x{fact['count']})" if fact["count"] > 1 else ""
            self._cite(
                fact["evidence"],
                "event",
                f"{fact['type']} {fact['reason']} on {fact['kind']}/{fact['name']}{count}: {fact['message']}",
            )
            facts.append(fact)
        return facts

    def _log_lines(self, logs: list[dict[str, Any]], dependencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in dependencies}
        namespace = self.extracted.namespace
        facts = []
        for excerpt in logs:
            recent: tuple[int, dict[str, Any]] | None = None
            for item_id, number, text in numbered_log_lines(excerpt):
                dependency = self._dependency_named_in(text, namespace, by_name)
                if dependency is not None:
                    recent = (number, dependency)
                elif recent is not None and number - recent[0] <= _DEPENDENCY_CONTEXT_LINES:
                    dependency = recent[1]
                facts.append(
                    {
                        "container": excerpt["container"],
                        "previous": excerpt["previous"],
                        "line": number,
                        "text": text,
                        "dependency": dependency,
                        "evidence": item_id,
                    }
                )
        return facts

    def _dependency_named_in(
        self, text: str, namespace: str | None, dependencies: dict[str, dict[str, Any]]
    ) -> dict[str, Any] | None:
        for token in _HOST_TOKEN.findall(text):
            component = self.graph.component_for_host(token, namespace)
            if component is not None and component.name in dependencies:
                return dependencies[component.name]
            # A ClusterIP or pod IP (with or without port) names the component behind it.
            for dependency in dependencies.values():
                if token.rsplit(":", 1)[0] in dependency["addresses"]:
                    return dependency
        return None

    def cite_log_line(self, fact: dict[str, Any]) -> None:
        which = "previous" if fact["previous"] else "current"
        self._cite(fact["evidence"], "log", f"{fact['container']} ({which} logs) line {fact['line']}: {fact['text']}")

    def _dependencies(self) -> list[dict[str, Any]]:
        facts = []
        for state in self.evidence.get("dependencies", []):
            item_id = self._cite(f"dependency:{state['name']}", "dependency", state["summary"])
            facts.append({**state, "evidence": item_id, "healthy": state["healthy"] is not False})
        return facts

    def _service(self, service: dict[str, Any] | None) -> dict[str, Any] | None:
        if not service:
            return None
        selector = ",".join(f"{k}={v}" for k, v in service["selector"].items())
        item_id = self._cite(
            f"service:{service['name']}",
            "service",
            f"Service {service['namespace']}/{service['name']} selects {selector or 'nothing'}: "
            f"{service['matching_pods']} matching pods, {len(service['ready_endpoints'])} ready and "
            f"{len(service['not_ready_endpoints'])} not-ready endpoints",
        )
        return {
            "name": service["name"],
            "namespace": service["namespace"],
            "selector": service["selector"],
            "selector_text": selector,
            "matching_pods": service["matching_pods"],
            "ready": len(service["ready_endpoints"]),
            "not_ready": len(service["not_ready_endpoints"]),
            "endpoints_known": service["endpoints_known"],
            "evidence": item_id,
        }

    def _workload(self, workload: dict[str, Any] | None) -> dict[str, Any] | None:
        if not workload:
            return None
        item_id = self._cite(
            f"workload:{workload['kind']}/{workload['name']}",
            "workload",
            f"{workload['kind']} {workload['namespace']}/{workload['name']}: {workload['ready_replicas']}/"
            f"{workload['replicas']} ready"
            + "".join(
                f"; {c['type']}={c['status']} {c.get('reason') or ''}"
                for c in workload["conditions"]
                if c["status"] != "True"
            ),
        )
        return {
            "kind": workload["kind"],
            "name": workload["name"],
            "replicas": workload["replicas"] or 0,
            "ready": workload["ready_replicas"],
            "available": workload["available_replicas"],
            "failed": workload.get("failed") or 0,
            "conditions": _conditions(workload["conditions"]),
            "evidence": item_id,
        }

    def _neighbours(self) -> list[dict[str, Any]]:
        """Heavy pods on the node that evicted the target (graphs/node_load.py), heaviest first (rank 1)."""
        facts = []
        for rank, pod in enumerate(self.evidence.get("neighbours", []), start=1):
            mib = pod["memory_bytes"] // 2**20
            request = f"{pod['memory_request_bytes'] // 2**20}Mi" if pod["memory_request_bytes"] else "none"
            item_id = self._cite(
                f"neighbour:{pod['namespace']}/{pod['name']}",
                "pod",
                f"pod {pod['namespace']}/{pod['name']} on node {pod['node']} uses {mib}Mi of memory "
                f"(request {request}, {'limited' if pod['memory_limited'] else 'no memory limit'})",
            )
            facts.append({**pod, "memory_mib": mib, "rank": rank, "evidence": item_id})
        return facts

    def _node(self, node: dict[str, Any] | None) -> dict[str, Any] | None:
        if not node:
            return None
        conditions = _conditions(node["conditions"])
        pressures = [
            t
            for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
            if conditions.get(t, {}).get("status") == "True"
        ]
        item_id = self._cite(
            f"node:{node['name']}",
            "node",
            f"node {node['name']}: Ready={node['ready']}"
            + (
                f" ({conditions['Ready']['reason']}: {conditions['Ready']['message']})"
                if node["ready"] != "True" and "Ready" in conditions
                else ""
            )
            + (f"; pressure: {', '.join(pressures)}" if pressures else ""),
        )
        return {
            "name": node["name"],
            "ready": node["ready"],
            "unschedulable": node["unschedulable"],
            "conditions": conditions,
            "pressures": pressures,
            "taints": [f"{t['key']}:{t['effect']}" for t in node["taints"]],
            "evidence": item_id,
        }
