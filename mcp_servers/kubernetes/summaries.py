"""Raw Kubernetes objects (API JSON) turned into the tools' models.

Pure functions of their input: both backends hand the same JSON to the same function, which is
what makes their tool output identical. Redaction of free text happens here too, so no
summary can leave without it.
"""

from __future__ import annotations

from typing import Any

from common.redaction import redact_env_value, redact_text
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.models import (
    Condition,
    ContainerInfo,
    ContainerState,
    EndpointAddress,
    EnvVar,
    EventInfo,
    NodeDetail,
    ObjectRef,
    PodDetail,
    PodSummary,
    Probe,
    ServiceDetail,
    Taint,
    VolumeInfo,
    WorkloadDetail,
)

_ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"


def _meta(obj: KubeObject) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _redacted(text: str | None) -> str | None:
    return None if text is None else redact_text(text)[0]


def controller_entry(obj: KubeObject) -> dict[str, Any] | None:
    """The ownerReference of the object's controller, else its first owner's."""
    refs = _meta(obj).get("ownerReferences") or []
    return next((ref for ref in refs if ref.get("controller")), refs[0] if refs else None)


def controller_ref(obj: KubeObject) -> ObjectRef | None:
    ref = controller_entry(obj)
    return ObjectRef(kind=ref.get("kind", ""), name=ref.get("name", "")) if ref is not None else None


def conditions(status: dict[str, Any]) -> list[Condition]:
    return [
        Condition(
            type=c.get("type", ""),
            status=c.get("status", "Unknown"),
            reason=c.get("reason"),
            message=_redacted(c.get("message")),
            last_transition_time=c.get("lastTransitionTime"),
        )
        for c in status.get("conditions") or []
    ]


def container_state(state: dict[str, Any] | None) -> ContainerState | None:
    if not state:
        return None
    if "waiting" in state:
        waiting = state["waiting"] or {}
        return ContainerState(state="waiting", reason=waiting.get("reason"), message=_redacted(waiting.get("message")))
    if "running" in state:
        return ContainerState(state="running", started_at=(state["running"] or {}).get("startedAt"))
    if "terminated" in state:
        t = state["terminated"] or {}
        return ContainerState(
            state="terminated",
            reason=t.get("reason"),
            message=_redacted(t.get("message")),
            exit_code=t.get("exitCode"),
            signal=t.get("signal"),
            started_at=t.get("startedAt"),
            finished_at=t.get("finishedAt"),
        )
    return None


def _value_from(source: dict[str, Any]) -> str:
    if ref := source.get("secretKeyRef"):
        return f"secretKeyRef {ref.get('name')}/{ref.get('key')}"
    if ref := source.get("configMapKeyRef"):
        return f"configMapKeyRef {ref.get('name')}/{ref.get('key')}"
    if ref := source.get("fieldRef"):
        return f"fieldRef {ref.get('fieldPath')}"
    if ref := source.get("resourceFieldRef"):
        return f"resourceFieldRef {ref.get('resource')}"
    return "unknown source"


def env_vars(container: dict[str, Any]) -> list[EnvVar]:
    result = []
    for var in container.get("env") or []:
        name = var.get("name", "")
        if "valueFrom" in var:
            result.append(EnvVar(name=name, value_from=_value_from(var["valueFrom"] or {})))
            continue
        value, redacted = redact_env_value(name, str(var.get("value", "")))
        result.append(EnvVar(name=name, value=value, redacted=redacted))
    return result


def _env_from(container: dict[str, Any]) -> list[str]:
    sources = []
    for source in container.get("envFrom") or []:
        for key in ("configMapRef", "secretRef"):
            if ref := source.get(key):
                sources.append(f"{key} {ref.get('name')}")
    return sources


def probe(raw: dict[str, Any] | None) -> Probe | None:
    if not raw:
        return None
    timing = {
        "initial_delay_seconds": raw.get("initialDelaySeconds", 0),
        "period_seconds": raw.get("periodSeconds", 10),
        "timeout_seconds": raw.get("timeoutSeconds", 1),
        "failure_threshold": raw.get("failureThreshold", 3),
    }
    if http := raw.get("httpGet"):
        scheme = str(http.get("scheme", "HTTP")).lower()
        target = f"GET {scheme}://{http.get('host', '')}:{http.get('port')}{http.get('path', '/')}"
        # A probe path can carry credentials in its query (?access_token=...&apikey=...).
        return Probe(kind="httpGet", target=redact_text(target)[0], **timing)
    if tcp := raw.get("tcpSocket"):
        return Probe(kind="tcpSocket", target=f"tcp :{tcp.get('port')}", **timing)
    if exec_ := raw.get("exec"):
        return Probe(kind="exec", target=redact_text(" ".join(exec_.get("command") or []))[0], **timing)
    if grpc := raw.get("grpc"):
        return Probe(kind="grpc", target=f"grpc :{grpc.get('port')}", **timing)
    return Probe(kind="unknown", target="", **timing)


def _quantities(resources: dict[str, Any], key: str) -> dict[str, str]:
    return {name: str(value) for name, value in (resources.get(key) or {}).items()}


def container_info(spec: dict[str, Any], status: dict[str, Any] | None, *, init: bool) -> ContainerInfo:
    status = status or {}
    resources = spec.get("resources") or {}
    return ContainerInfo(
        name=spec.get("name", ""),
        image=spec.get("image", ""),
        init=init,
        ready=bool(status.get("ready", False)),
        started=status.get("started"),
        restart_count=int(status.get("restartCount", 0)),
        state=container_state(status.get("state")) or ContainerState(state="unknown"),
        last_state=container_state(status.get("lastState")),
        requests=_quantities(resources, "requests"),
        limits=_quantities(resources, "limits"),
        env=env_vars(spec),
        env_from=_env_from(spec),
        liveness_probe=probe(spec.get("livenessProbe")),
        readiness_probe=probe(spec.get("readinessProbe")),
        startup_probe=probe(spec.get("startupProbe")),
        ports=[f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or []],
        volume_mounts=[f"{m.get('name')} -> {m.get('mountPath')}" for m in spec.get("volumeMounts") or []],
    )


def _containers(pod: KubeObject, spec_key: str, status_key: str, *, init: bool) -> list[ContainerInfo]:
    statuses = {s.get("name"): s for s in (pod.get("status") or {}).get(status_key) or []}
    return [
        container_info(c, statuses.get(c.get("name")), init=init) for c in (pod.get("spec") or {}).get(spec_key) or []
    ]


def pod_status_text(pod: KubeObject) -> str:
    """The STATUS column of `kubectl get pods` (after kubectl's printers.go)."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    init_statuses = status.get("initContainerStatuses") or []
    init_total = len(spec.get("initContainers") or [])
    initializing = False
    for index, init in enumerate(init_statuses):
        state = init.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode") == 0:
            continue
        initializing = True
        if terminated:
            reason = "Init:" + (terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}")
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{init_total}"
        break
    if not initializing:
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            state = container.get("state") or {}
            if (state.get("waiting") or {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif terminated := state.get("terminated"):
                reason = terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}"
            elif "running" in state and container.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            reason = "Running"
    if _meta(pod).get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _ready_text(pod: KubeObject) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    return f"{sum(1 for s in statuses if s.get('ready'))}/{total}"


def _restarts(pod: KubeObject) -> int:
    status = pod.get("status") or {}
    return sum(
        int(s.get("restartCount", 0))
        for s in (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    )


def pod_summary(pod: KubeObject) -> PodSummary:
    meta = _meta(pod)
    return PodSummary(
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        phase=(pod.get("status") or {}).get("phase", "Unknown"),
        status=pod_status_text(pod),
        ready=_ready_text(pod),
        ready_condition=next(
            (c.get("status") for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"),
            None,
        ),
        restarts=_restarts(pod),
        node=(pod.get("spec") or {}).get("nodeName"),
        labels=meta.get("labels") or {},
        owner=controller_ref(pod),
        created_at=meta.get("creationTimestamp"),
    )


def _volume_source(volume: dict[str, Any]) -> str:
    for key, name_key in (
        ("configMap", "name"),
        ("secret", "secretName"),
        ("persistentVolumeClaim", "claimName"),
        ("hostPath", "path"),
    ):
        if key in volume:
            return f"{key} {(volume[key] or {}).get(name_key, '')}".strip()
    kinds = [k for k in volume if k != "name"]
    return kinds[0] if kinds else "unknown"


def pod_detail(pod: KubeObject, owner_chain: list[ObjectRef]) -> PodDetail:
    meta, spec, status = _meta(pod), pod.get("spec") or {}, pod.get("status") or {}
    return PodDetail(
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        phase=status.get("phase", "Unknown"),
        status=pod_status_text(pod),
        reason=status.get("reason"),
        message=_redacted(status.get("message")),
        conditions=conditions(status),
        containers=_containers(pod, "containers", "containerStatuses", init=False),
        init_containers=_containers(pod, "initContainers", "initContainerStatuses", init=True),
        node=spec.get("nodeName"),
        owner_chain=owner_chain,
        qos_class=status.get("qosClass"),
        service_account=spec.get("serviceAccountName"),
        labels=meta.get("labels") or {},
        node_selector=spec.get("nodeSelector") or {},
        volumes=[VolumeInfo(name=v.get("name", ""), source=_volume_source(v)) for v in spec.get("volumes") or []],
        pod_ip=status.get("podIP"),
        created_at=meta.get("creationTimestamp"),
        start_time=status.get("startTime"),
    )


def event_time(event: KubeObject) -> str:
    """When an event last happened; newer components fill eventTime/series, older ones lastTimestamp."""
    return (
        (event.get("series") or {}).get("lastObservedTime")
        or event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or _meta(event).get("creationTimestamp")
        or ""
    )


def event_info(event: KubeObject) -> EventInfo:
    involved = event.get("involvedObject") or {}
    source = event.get("source") or {}
    return EventInfo(
        type=event.get("type", "Normal"),
        reason=event.get("reason", ""),
        message=redact_text(event.get("message", ""))[0],
        object=ObjectRef(kind=involved.get("kind", ""), name=involved.get("name", "")),
        count=int((event.get("series") or {}).get("count") or event.get("count") or 1),
        first_seen=event.get("firstTimestamp") or event.get("eventTime"),
        last_seen=event_time(event) or None,
        source=source.get("component") or event.get("reportingComponent") or event.get("reportingController"),
    )


def sort_events_newest_first(events: list[KubeObject]) -> list[KubeObject]:
    return sorted(events, key=lambda e: (event_time(e), _meta(e).get("name", "")), reverse=True)


def workload_detail(workload: KubeObject, kind: str, owner_chain: list[ObjectRef]) -> WorkloadDetail:
    meta, spec, status = _meta(workload), workload.get("spec") or {}, workload.get("status") or {}
    template = (spec.get("template") or {}).get("spec") or {}
    detail = WorkloadDetail(
        kind=kind,
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        selector=(spec.get("selector") or {}).get("matchLabels") or {},
        conditions=conditions(status),
        images=[c.get("image", "") for c in template.get("containers") or []],
        owner_chain=owner_chain,
        created_at=meta.get("creationTimestamp"),
    )
    if kind == "DaemonSet":
        detail.replicas = status.get("desiredNumberScheduled", 0)
        detail.ready_replicas = status.get("numberReady", 0)
        detail.available_replicas = status.get("numberAvailable", 0)
        detail.updated_replicas = status.get("updatedNumberScheduled", 0)
    elif kind == "Job":
        detail.replicas = spec.get("completions", 1)
        detail.ready_replicas = status.get("ready", 0)
        detail.active = status.get("active", 0)
        detail.succeeded = status.get("succeeded", 0)
        detail.failed = status.get("failed", 0)
        detail.backoff_limit = spec.get("backoffLimit", 6)
    else:
        detail.replicas = spec.get("replicas", 1)
        detail.ready_replicas = status.get("readyReplicas", 0)
        detail.available_replicas = status.get("availableReplicas", 0)
        detail.updated_replicas = status.get("updatedReplicas", status.get("currentReplicas", 0))
    return detail


def _addresses(addresses: list[dict[str, Any]]) -> list[EndpointAddress]:
    return [
        EndpointAddress(
            ip=a.get("ip", ""),
            pod=(a.get("targetRef") or {}).get("name") if (a.get("targetRef") or {}).get("kind") == "Pod" else None,
            node=a.get("nodeName"),
        )
        for a in addresses
    ]


def service_detail(service: KubeObject, endpoints: KubeObject | None, max_addresses: int) -> ServiceDetail:
    meta, spec = _meta(service), service.get("spec") or {}
    ready: list[EndpointAddress] = []
    not_ready: list[EndpointAddress] = []
    for subset in (endpoints or {}).get("subsets") or []:
        ready += _addresses(subset.get("addresses") or [])
        not_ready += _addresses(subset.get("notReadyAddresses") or [])
    return ServiceDetail(
        namespace=meta.get("namespace", ""),
        name=meta.get("name", ""),
        type=spec.get("type", "ClusterIP"),
        cluster_ip=spec.get("clusterIP"),
        ports=[
            f"{p.get('name', '') + ' ' if p.get('name') else ''}{p.get('port')}->{p.get('targetPort', p.get('port'))}"
            f"/{p.get('protocol', 'TCP')}"
            for p in spec.get("ports") or []
        ],
        selector=spec.get("selector") or {},
        ready_endpoints=ready[:max_addresses],
        not_ready_endpoints=not_ready[:max_addresses],
        endpoints_known=endpoints is not None,
        truncated=len(ready) > max_addresses or len(not_ready) > max_addresses,
    )


def node_detail(node: KubeObject) -> NodeDetail:
    meta, spec, status = _meta(node), node.get("spec") or {}, node.get("status") or {}
    node_conditions = conditions(status)
    ready = next((c.status for c in node_conditions if c.type == "Ready"), "Unknown")
    labels = meta.get("labels") or {}
    return NodeDetail(
        name=meta.get("name", ""),
        ready=ready,
        unschedulable=bool(spec.get("unschedulable", False)),
        conditions=node_conditions,
        taints=[
            Taint(key=t.get("key", ""), value=t.get("value"), effect=t.get("effect", ""))
            for t in spec.get("taints") or []
        ],
        capacity={k: str(v) for k, v in (status.get("capacity") or {}).items()},
        allocatable={k: str(v) for k, v in (status.get("allocatable") or {}).items()},
        roles=sorted(k.removeprefix(_ROLE_LABEL_PREFIX) for k in labels if k.startswith(_ROLE_LABEL_PREFIX)),
        kubelet_version=(status.get("nodeInfo") or {}).get("kubeletVersion"),
        created_at=meta.get("creationTimestamp"),
    )
