"""Services and the Endpoints the endpoints controller derives from the pods they select."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import ids
from .clock import rfc3339
from .pods import Pod
from .spec import Json


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    target: int | str  # a number or the name of a container port
    protocol: str = "TCP"


@dataclass
class Service:
    namespace: str
    name: str
    selector: dict[str, str]
    ports: tuple[ServicePort, ...]
    created: datetime
    cluster_ip: str  # "None" for a headless Service
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return ids.uid("Service", self.namespace, self.name)

    @property
    def dns_name(self) -> str:
        return f"{self.name}.{self.namespace}.svc.cluster.local"

    def selects(self, pod: Pod) -> bool:
        return bool(self.selector) and all(pod.labels.get(k) == v for k, v in self.selector.items())

    def render(self, rv: str) -> Json:
        metadata: Json = {
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": rv,
            "creationTimestamp": rfc3339(self.created),
        }
        if self.labels:
            metadata["labels"] = dict(self.labels)
        spec: Json = {
            "ports": [
                {"name": p.name, "protocol": p.protocol, "port": p.port, "targetPort": p.target} for p in self.ports
            ],
        }
        if self.selector:
            spec["selector"] = dict(self.selector)
        spec |= {
            "clusterIP": self.cluster_ip,
            "clusterIPs": [self.cluster_ip],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        }
        return {"metadata": metadata, "spec": spec, "status": {"loadBalancer": {}}}

    def render_endpoints(self, rv: str, pods: list[Pod], static: list[str] | None = None) -> Json:
        metadata: Json = {
            "name": self.name,
            "namespace": self.namespace,
            "uid": ids.uid("Endpoints", self.namespace, self.name),
            "resourceVersion": rv,
            "creationTimestamp": rfc3339(self.created),
        }
        if self.labels:
            metadata["labels"] = dict(self.labels)
        selected = [
            p
            for p in pods
            if self.selects(p) and p.ip and p.node is not None and p.phase not in ("Failed", "Succeeded")
        ]
        if selected:
            latest = max(_ready_change(p) for p in selected)
            metadata["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time": rfc3339(latest)}
        body: Json = {"metadata": metadata}
        if static:
            metadata["labels"] = {**metadata.get("labels", {}), "endpointslice.kubernetes.io/skip-mirror": "true"}
            body["subsets"] = [
                {
                    "addresses": [{"ip": ip} for ip in static],
                    "ports": [{"name": p.name, "port": p.target, "protocol": p.protocol} for p in self.ports],
                }
            ]
            return body
        if not selected:
            return body

        def address(pod: Pod) -> Json:
            entry: Json = {"ip": pod.ip}
            if pod.hostname and pod.subdomain == self.name:
                entry["hostname"] = pod.hostname
            assert pod.node is not None
            entry |= {
                "nodeName": pod.node.name,
                "targetRef": {"kind": "Pod", "namespace": pod.namespace, "name": pod.name, "uid": pod.uid},
            }
            return entry

        ready = sorted((p for p in selected if p.ready), key=lambda p: p.ip or "")
        not_ready = sorted((p for p in selected if not p.ready), key=lambda p: p.ip or "")
        subset: Json = {}
        if ready:
            subset["addresses"] = [address(p) for p in ready]
        if not_ready:
            subset["notReadyAddresses"] = [address(p) for p in not_ready]
        subset["ports"] = [
            {"name": p.name, "port": _resolve(p.target, selected[0]), "protocol": p.protocol} for p in self.ports
        ]
        body["subsets"] = [subset]
        return body


def _resolve(target: int | str, pod: Pod) -> int:
    if isinstance(target, int):
        return target
    for container in pod.template.containers:
        if target in container.ports:
            return container.ports[target]
    raise KeyError(f"pod {pod.name} has no container port named {target!r}")


def _ready_change(pod: Pod) -> datetime:
    """When the pod last flipped readiness: what the endpoints controller reacted to last."""
    ready = next(c for c in pod.render("0")["status"]["conditions"] if c["type"] == "Ready")
    return datetime.strptime(ready["lastTransitionTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
