"""What the tools return: compact, typed summaries rather than raw objects.

These models are the tools' output schemas (MCP clients see them) and the orchestrator's
evidence. They keep what an SRE reads when triaging and drop what bloats a context window
(managedFields, annotations, full specs); every list says whether it was cut short.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mcp_servers.kubernetes.history_models import RevisionChange

# The STATUS values kubectl shows for a pod that is doing its job (a finished Job's pod: Completed).
HEALTHY_POD_STATUSES = frozenset({"Running", "Completed", "Succeeded"})


class ObjectRef(BaseModel):
    kind: str
    name: str


class Condition(BaseModel):
    type: str
    status: str
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None


class ContainerState(BaseModel):
    state: Literal["waiting", "running", "terminated", "unknown"]
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    started_at: str | None = None
    finished_at: str | None = None


class EnvVar(BaseModel):
    name: str
    value: str | None = Field(None, description="Literal value; secret-like values are redacted.")
    value_from: str | None = Field(
        None, description="Where the value comes from, e.g. 'secretKeyRef db-credentials/password'."
    )
    redacted: bool = False


class Probe(BaseModel):
    kind: Literal["httpGet", "tcpSocket", "exec", "grpc", "unknown"]
    target: str = Field(description="What is probed, e.g. 'GET http://:8080/healthz' or 'tcp :5432'.")
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    failure_threshold: int = 3


class ContainerInfo(BaseModel):
    name: str
    image: str
    init: bool = False
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: ContainerState
    last_state: ContainerState | None = None
    requests: dict[str, str] = Field(default_factory=dict)
    limits: dict[str, str] = Field(default_factory=dict)
    env: list[EnvVar] = Field(default_factory=list)
    env_from: list[str] = Field(default_factory=list)
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    ports: list[str] = Field(default_factory=list)
    volume_mounts: list[str] = Field(default_factory=list)


class VolumeInfo(BaseModel):
    name: str
    source: str = Field(description="e.g. 'configMap app-config', 'persistentVolumeClaim data-0'.")


class PodSummary(BaseModel):
    namespace: str
    name: str
    phase: str
    status: str = Field(description="What kubectl shows in STATUS, e.g. CrashLoopBackOff or Init:0/1.")
    ready: str = Field(description="Ready containers / all containers, e.g. '1/2'.")
    ready_condition: str | None = Field(
        None, description="The pod's Ready condition: False when its node is lost even if containers last said ready."
    )
    restarts: int
    node: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    owner: ObjectRef | None = None
    created_at: str | None = None


class PodList(BaseModel):
    pods: list[PodSummary]
    truncated: bool = Field(description="True when more pods matched than were returned.")


class PodMatch(PodSummary):
    matched_on: str = Field(description="Why this pod matched, e.g. 'label app=auth-service'.")


class PodMatches(BaseModel):
    query: str
    pods: list[PodMatch]
    truncated: bool


class PodDetail(BaseModel):
    namespace: str
    name: str
    phase: str
    status: str
    reason: str | None = None
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    containers: list[ContainerInfo] = Field(default_factory=list)
    init_containers: list[ContainerInfo] = Field(default_factory=list)
    node: str | None = None
    owner_chain: list[ObjectRef] = Field(
        default_factory=list, description="Controllers from the pod upwards, e.g. ReplicaSet then Deployment."
    )
    qos_class: str | None = None
    service_account: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    node_selector: dict[str, str] = Field(default_factory=dict)
    volumes: list[VolumeInfo] = Field(default_factory=list)
    pod_ip: str | None = None
    created_at: str | None = None
    start_time: str | None = None


class LogExcerpt(BaseModel):
    namespace: str
    pod: str
    container: str
    previous: bool
    lines: int = Field(description="Number of lines returned.")
    text: str
    truncated: bool = Field(description="True when older lines or bytes were cut to respect the bounds.")
    redactions: int = Field(0, description="How many secret-like values were replaced by [REDACTED].")
    unavailable: str | None = Field(None, description="Why there are no logs, when there are none.")
    grep: str | None = Field(None, description="The pattern the lines were filtered by, if any.")
    matches: int | None = Field(None, description="With grep: how many lines matched in the lines searched.")


class EventInfo(BaseModel):
    type: str
    reason: str
    message: str
    object: ObjectRef
    count: int = 1
    first_seen: str | None = None
    last_seen: str | None = None
    source: str | None = None


class EventList(BaseModel):
    namespace: str | None
    events: list[EventInfo] = Field(description="Newest first.")
    truncated: bool


class WorkloadDetail(BaseModel):
    kind: str
    namespace: str
    name: str
    replicas: int | None = Field(None, description="Desired replicas (pods for a DaemonSet, completions for a Job).")
    ready_replicas: int = 0
    available_replicas: int = 0
    updated_replicas: int = 0
    active: int | None = Field(None, description="Jobs: running pods.")
    succeeded: int | None = None
    failed: int | None = None
    backoff_limit: int | None = None
    selector: dict[str, str] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    owner_chain: list[ObjectRef] = Field(default_factory=list)
    created_at: str | None = None


class EndpointAddress(BaseModel):
    ip: str
    pod: str | None = None
    node: str | None = None


class ServiceDetail(BaseModel):
    namespace: str
    name: str
    type: str
    cluster_ip: str | None = None
    ports: list[str] = Field(default_factory=list)
    selector: dict[str, str] = Field(default_factory=dict)
    ready_endpoints: list[EndpointAddress] = Field(default_factory=list)
    not_ready_endpoints: list[EndpointAddress] = Field(default_factory=list)
    endpoints_known: bool = Field(description="False when the cluster gave no Endpoints object for the service.")
    truncated: bool = False


class Taint(BaseModel):
    key: str
    value: str | None = None
    effect: str


class NodeDetail(BaseModel):
    name: str
    ready: str = Field(description="Status of the Ready condition: True, False or Unknown.")
    unschedulable: bool = False
    conditions: list[Condition] = Field(default_factory=list)
    taints: list[Taint] = Field(default_factory=list)
    capacity: dict[str, str] = Field(default_factory=dict)
    allocatable: dict[str, str] = Field(default_factory=dict)
    roles: list[str] = Field(default_factory=list)
    kubelet_version: str | None = None
    created_at: str | None = None


class PodDiagnosis(BaseModel):
    pod: PodDetail
    events: list[EventInfo] = Field(description="Events about the pod, newest first.")
    logs: list[LogExcerpt] = Field(description="Current and previous logs of every container.")
    owner: WorkloadDetail | None = Field(None, description="The top controller (Deployment, StatefulSet, ...).")
    owner_events: list[EventInfo] = Field(default_factory=list)
    owner_latest_change: RevisionChange | None = Field(
        None, description="What the owner workload's newest revision changed in the pod template."
    )
    node: NodeDetail | None = None
    notes: list[str] = Field(default_factory=list, description="What could not be collected and why.")
    truncated: bool
