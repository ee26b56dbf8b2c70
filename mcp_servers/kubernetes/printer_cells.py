"""The cells of each well-known kind's Table row, worded as the API server's printers word them.

pkg/printers/internalversion/printers.go is the reference; only the priority-0 columns (what
`kubectl get` shows without `-o wide`) are computed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from mcp_servers.kubernetes import summaries
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.durations import age, human_duration

Cell = str | int


def meta(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def created(obj: KubeObject) -> str:
    return age(meta(obj).get("creationTimestamp"))


def get(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _or_none(value: Any) -> str:
    return "<none>" if value in (None, "", [], {}) else str(value)


def labels(selector: dict[str, Any] | None) -> str:
    labels = ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))
    return labels or "<none>"


def pod_cells(obj: KubeObject) -> list[Cell]:
    summary = summaries.pod_summary(obj)
    restarts = str(summary.restarts)
    finished = [
        get(s, "lastState", "terminated", "finishedAt")
        for s in (get(obj, "status", "containerStatuses") or []) + (get(obj, "status", "initContainerStatuses") or [])
    ]
    if summary.restarts and any(finished):
        restarts += f" ({age(max(f for f in finished if f))} ago)"
    return [meta(obj).get("name", ""), summary.ready, summary.status, restarts, created(obj)]


def _ports(ports: list[dict[str, Any]] | None) -> str:
    parts = []
    for port in ports or []:
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        parts.append(f"{port.get('port')}{node_port}/{port.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def service_cells(obj: KubeObject) -> list[Cell]:
    spec = obj.get("spec") or {}
    ingress = get(obj, "status", "loadBalancer", "ingress") or []
    external = [i.get("ip") or i.get("hostname") for i in ingress] + list(spec.get("externalIPs") or [])
    if spec.get("type") == "ExternalName":
        external = [spec.get("externalName")]
    elif spec.get("type") == "LoadBalancer" and not external:
        external = ["<pending>"]
    return [
        meta(obj).get("name", ""),
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        ",".join(e for e in external if e) or "<none>",
        _ports(spec.get("ports")),
        created(obj),
    ]


def endpoints_cells(obj: KubeObject) -> list[Cell]:
    addresses = []
    for subset in obj.get("subsets") or []:
        ports = [p.get("port") for p in subset.get("ports") or []] or [None]
        for address in subset.get("addresses") or []:
            addresses += [f"{address.get('ip')}:{p}" if p else str(address.get("ip")) for p in ports]
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [meta(obj).get("name", ""), shown or "<none>", created(obj)]


def event_cells(obj: KubeObject) -> list[Cell]:
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    when = summaries.event_time(obj)
    return [
        age(when) if when else "<unknown>",
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        obj.get("message") or obj.get("note") or "",
    ]


def node_cells(obj: KubeObject) -> list[Cell]:
    detail = summaries.node_detail(obj)
    status = {"True": "Ready", "False": "NotReady"}.get(detail.ready, "Unknown")
    if detail.unschedulable:
        status += ",SchedulingDisabled"
    return [detail.name, status, ",".join(detail.roles) or "<none>", created(obj), detail.kubelet_version or ""]


def replica_cells(obj: KubeObject, *keys: str) -> list[Cell]:
    status = obj.get("status") or {}
    return [
        meta(obj).get("name", ""),
        *(get(obj, "spec", "replicas") if k == "spec" else status.get(k, 0) or 0 for k in keys),
        created(obj),
    ]


def deployment_cells(obj: KubeObject) -> list[Cell]:
    status, desired = obj.get("status") or {}, get(obj, "spec", "replicas")
    desired = 1 if desired is None else desired
    return [
        meta(obj).get("name", ""),
        f"{status.get('readyReplicas', 0)}/{desired}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        created(obj),
    ]


def statefulset_cells(obj: KubeObject) -> list[Cell]:
    desired = get(obj, "spec", "replicas")
    ready = get(obj, "status", "readyReplicas") or 0
    return [meta(obj).get("name", ""), f"{ready}/{1 if desired is None else desired}", created(obj)]


def daemonset_cells(obj: KubeObject) -> list[Cell]:
    s = obj.get("status") or {}
    selector = labels(get(obj, "spec", "template", "spec", "nodeSelector"))
    return [
        meta(obj).get("name", ""),
        s.get("desiredNumberScheduled", 0),
        s.get("currentNumberScheduled", 0),
        s.get("numberReady", 0),
        s.get("updatedNumberScheduled", 0),
        s.get("numberAvailable", 0),
        selector,
        created(obj),
    ]


def job_cells(obj: KubeObject) -> list[Cell]:
    status = obj.get("status") or {}
    done = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
    state = next((s for s in ("Complete", "Failed", "Suspended", "FailureTarget") if s in done), "Running")
    completions = get(obj, "spec", "completions")
    total = str(completions) if completions is not None else "1"
    duration = ""
    if status.get("startTime"):
        end = status.get("completionTime")
        start = datetime.datetime.fromisoformat(status["startTime"].replace("Z", "+00:00"))
        until = (
            datetime.datetime.fromisoformat(end.replace("Z", "+00:00")) if end else datetime.datetime.now(datetime.UTC)
        )
        duration = human_duration((until - start).total_seconds())
    return [meta(obj).get("name", ""), state, f"{status.get('succeeded', 0)}/{total}", duration, created(obj)]


def cronjob_cells(obj: KubeObject) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = status.get("lastScheduleTime")
    return [
        meta(obj).get("name", ""),
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        str(bool(spec.get("suspend"))),
        len(status.get("active") or []),
        age(last) if last else "<none>",
        created(obj),
    ]


def _modes(modes: list[str] | None) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes or [])


def pvc_cells(obj: KubeObject) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        meta(obj).get("name", ""),
        status.get("phase", ""),
        spec.get("volumeName", ""),
        get(status, "capacity", "storage") or "",
        _modes(status.get("accessModes")),
        spec.get("storageClassName") or "<unset>",
        spec.get("volumeAttributesClassName") or "<unset>",
        created(obj),
    ]


def pv_cells(obj: KubeObject) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    claim = spec.get("claimRef") or {}
    return [
        meta(obj).get("name", ""),
        get(spec, "capacity", "storage") or "",
        _modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        status.get("phase", ""),
        f"{claim['namespace']}/{claim['name']}" if claim.get("name") else "",
        spec.get("storageClassName", ""),
        spec.get("volumeAttributesClassName") or "<unset>",
        status.get("reason", ""),
        created(obj),
    ]


def ingress_cells(obj: KubeObject) -> list[Cell]:
    spec = obj.get("spec") or {}
    hosts = [r.get("host") or "*" for r in spec.get("rules") or []] or ["*"]
    address = [i.get("ip") or i.get("hostname") for i in get(obj, "status", "loadBalancer", "ingress") or []]
    return [
        meta(obj).get("name", ""),
        spec.get("ingressClassName") or "<none>",
        ",".join(hosts),
        ",".join(a for a in address if a),
        "80, 443" if spec.get("tls") else "80",
        created(obj),
    ]


def hpa_cells(obj: KubeObject) -> list[Cell]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    targets = []
    for metric in spec.get("metrics") or []:
        target = get(metric, "resource", "target") or {}
        current = next(
            (
                get(c, "resource", "current", "averageUtilization")
                for c in status.get("currentMetrics") or []
                if get(c, "resource", "name") == get(metric, "resource", "name")
            ),
            None,
        )
        if target.get("averageUtilization") is not None:
            shown = "<unknown>" if current is None else f"{current}%"
            targets.append(f"{get(metric, 'resource', 'name')}: {shown}/{target['averageUtilization']}%")
    return [
        meta(obj).get("name", ""),
        f"{ref.get('kind')}/{ref.get('name')}",
        ", ".join(targets) or "<none>",
        spec.get("minReplicas", 1),
        spec.get("maxReplicas", 0),
        status.get("currentReplicas", 0),
        created(obj),
    ]


def pdb_cells(obj: KubeObject) -> list[Cell]:
    spec = obj.get("spec") or {}
    return [
        meta(obj).get("name", ""),
        _or_none(spec.get("minAvailable")).replace("<none>", "N/A"),
        _or_none(spec.get("maxUnavailable")).replace("<none>", "N/A"),
        get(obj, "status", "disruptionsAllowed") or 0,
        created(obj),
    ]


def quota_cells(obj: KubeObject) -> list[Cell]:
    hard, used = get(obj, "status", "hard") or {}, get(obj, "status", "used") or {}
    requests = [f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if not k.startswith("limits.")]
    limits = [f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if k.startswith("limits.")]
    return [meta(obj).get("name", ""), created(obj), ", ".join(requests), ", ".join(limits)]


def storageclass_cells(obj: KubeObject) -> list[Cell]:
    name = meta(obj).get("name", "")
    default = (meta(obj).get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"
    return [
        name + (" (default)" if default else ""),
        obj.get("provisioner", ""),
        obj.get("reclaimPolicy", "Delete"),
        obj.get("volumeBindingMode", "Immediate"),
        str(bool(obj.get("allowVolumeExpansion"))).lower(),
        created(obj),
    ]


def revision_cells(obj: KubeObject) -> list[Cell]:
    owner = next((r for r in meta(obj).get("ownerReferences") or [] if r.get("controller")), None)
    group = str((owner or {}).get("apiVersion", "")).rpartition("/")[0]
    controller = f"{str(owner.get('kind', '')).lower()}.{group}/{owner.get('name')}" if owner else "<none>"
    return [meta(obj).get("name", ""), controller, obj.get("revision", 0), created(obj)]


def simple(*cells: Callable[[KubeObject], Cell]) -> Callable[[KubeObject], list[Cell]]:
    return lambda obj: [meta(obj).get("name", ""), *(cell(obj) for cell in cells)]
