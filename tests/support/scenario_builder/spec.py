"""Pod specs: containers, probes, environment and volumes, rendered with the API defaults.

The API server fills defaults into every object it stores (terminationMessagePath, probe
periods, port protocol, requests copied from limits, ...). Rendering them here makes the
objects look exactly like what `kubectl get -o json` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .logs import LogSource

Json = dict[str, Any]


# --- probes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    handler: Json
    initial_delay: int = 0
    period: int = 10
    timeout: int = 1
    failure_threshold: int = 3

    def render(self) -> Json:
        body: Json = dict(self.handler)
        if self.initial_delay:
            body["initialDelaySeconds"] = self.initial_delay
        body |= {
            "timeoutSeconds": self.timeout,
            "periodSeconds": self.period,
            "successThreshold": 1,
            "failureThreshold": self.failure_threshold,
        }
        return body

    def describe_target(self, pod_ip: str) -> str:
        """The URL/address the kubelet probes, as it appears in probe failure messages."""
        if "httpGet" in self.handler:
            get = self.handler["httpGet"]
            return f"http://{pod_ip}:{get['port']}{get['path']}"
        if "tcpSocket" in self.handler:
            return f"{pod_ip}:{self.handler['tcpSocket']['port']}"
        return " ".join(self.handler["exec"]["command"])


def http_get(path: str, port: int | str, **timing: int) -> Probe:
    return Probe({"httpGet": {"path": path, "port": port, "scheme": "HTTP"}}, **timing)


def tcp_socket(port: int | str, **timing: int) -> Probe:
    return Probe({"tcpSocket": {"port": port}}, **timing)


def exec_probe(*command: str, **timing: int) -> Probe:
    return Probe({"exec": {"command": list(command)}}, **timing)


# --- environment ----------------------------------------------------------------------


@dataclass(frozen=True)
class EnvRef:
    """An env value taken from elsewhere (valueFrom)."""

    value_from: Json


def secret_ref(secret: str, key: str) -> EnvRef:
    return EnvRef({"secretKeyRef": {"name": secret, "key": key}})


def configmap_ref(configmap: str, key: str) -> EnvRef:
    return EnvRef({"configMapKeyRef": {"name": configmap, "key": key}})


def field_ref(path: str) -> EnvRef:
    return EnvRef({"fieldRef": {"apiVersion": "v1", "fieldPath": path}})


def resource_ref(container: str, resource: str) -> EnvRef:
    return EnvRef({"resourceFieldRef": {"containerName": container, "resource": resource, "divisor": "0"}})


def env_from_configmap(name: str) -> Json:
    return {"configMapRef": {"name": name}}


def env_from_secret(name: str) -> Json:
    return {"secretRef": {"name": name}}


EnvValue = str | EnvRef

# The downward-API variables most charts add.
POD_IDENTITY_ENV: dict[str, EnvValue] = {
    "POD_NAME": field_ref("metadata.name"),
    "POD_NAMESPACE": field_ref("metadata.namespace"),
    "POD_IP": field_ref("status.podIP"),
}


# --- volumes --------------------------------------------------------------------------


def configmap_volume(name: str, configmap: str, *, optional: bool = False) -> Json:
    body: Json = {"name": configmap, "defaultMode": 420}
    if optional:
        body["optional"] = True
    return {"name": name, "configMap": body}


def secret_volume(name: str, secret: str) -> Json:
    return {"name": name, "secret": {"secretName": secret, "defaultMode": 420}}


def pvc_volume(name: str, claim: str) -> Json:
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}


def empty_dir(name: str, *, size_limit: str | None = None, medium: str | None = None) -> Json:
    body: Json = {}
    if medium:
        body["medium"] = medium
    if size_limit:
        body["sizeLimit"] = size_limit
    return {"name": name, "emptyDir": body}


def service_account_volume(suffix: str) -> Json:
    """The projected token volume the ServiceAccount admission plugin adds to every pod."""
    return {
        "name": f"kube-api-access-{suffix}",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
            "defaultMode": 420,
        },
    }


# --- containers -----------------------------------------------------------------------

# Field order of the Go SecurityContext struct, which is the order the API server writes.
SECURITY_CONTEXT_ORDER = (
    "capabilities", "privileged", "seLinuxOptions", "windowsOptions", "runAsUser", "runAsGroup", "runAsNonRoot",
    "readOnlyRootFilesystem", "allowPrivilegeEscalation", "procMount", "seccompProfile", "appArmorProfile",
)  # fmt: skip


@dataclass(frozen=True)
class Container:
    """One container of a pod template.

    `ports` maps port names to numbers (rendered with protocol TCP, UDP for a port named `dns`
    or ending in `-udp`). `requests`/`limits` use Kubernetes quantities. `logs` is what a healthy running
    instance prints (a string, or a function of the log context, see `logs.py`).
    """

    name: str
    image: str
    ports: dict[str, int] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    env: dict[str, EnvValue] = field(default_factory=dict)
    env_from: tuple[Json, ...] = ()
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    liveness: Probe | None = None
    readiness: Probe | None = None
    startup: Probe | None = None
    mounts: dict[str, str] = field(default_factory=dict)  # volume name -> mountPath
    read_only_mounts: frozenset[str] = frozenset()
    restart_policy: str | None = None  # "Always" makes an init container a native sidecar
    security_context: Json | None = None
    logs: LogSource | None = None
    host_ports: frozenset[str] = frozenset()  # named ports also bound on the node (hostPort = containerPort)
    lifecycle: Json | None = None  # postStart/preStop handlers, rendered as given

    def but(self, **changes: Any) -> Container:
        """A copy with some fields changed: `app.but(image="...:2.0", limits={...})`."""
        return replace(self, **changes)

    def with_env(self, **env: EnvValue) -> Container:
        return replace(self, env={**self.env, **env})

    @property
    def effective_requests(self) -> dict[str, str]:
        # Defaulting copies a limit into the request when the request is not set.
        return {**self.limits, **self.requests}

    def render(self, service_account_mount: str | None) -> Json:
        body: Json = {"name": self.name, "image": self.image}
        if self.command:
            body["command"] = list(self.command)
        if self.args:
            body["args"] = list(self.args)
        if self.ports:
            body["ports"] = [
                {"name": port_name}
                | ({"hostPort": number} if port_name in self.host_ports else {})
                | {
                    "containerPort": number,
                    "protocol": "UDP" if port_name == "dns" or port_name.endswith("-udp") else "TCP",
                }
                for port_name, number in self.ports.items()
            ]
        if self.env_from:
            body["envFrom"] = [dict(source) for source in self.env_from]
        if self.env:
            body["env"] = [
                {"name": key, "valueFrom": value.value_from}
                if isinstance(value, EnvRef)
                else {"name": key, "value": value}
                for key, value in self.env.items()
            ]
        resources: Json = {}
        if self.limits:
            resources["limits"] = dict(self.limits)
        if self.effective_requests:
            resources["requests"] = self.effective_requests
        body["resources"] = resources
        mounts = [
            {"name": volume} | ({"readOnly": True} if volume in self.read_only_mounts else {}) | {"mountPath": path}
            for volume, path in self.mounts.items()
        ]
        if service_account_mount:
            mounts.append(
                {
                    "name": service_account_mount,
                    "readOnly": True,
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                }
            )
        if mounts:
            body["volumeMounts"] = mounts
        for key, probe in (
            ("livenessProbe", self.liveness),
            ("readinessProbe", self.readiness),
            ("startupProbe", self.startup),
        ):
            if probe is not None:
                body[key] = probe.render()
        if self.lifecycle is not None:
            body["lifecycle"] = self.lifecycle
        body |= {
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": self.pull_policy,
        }
        if self.restart_policy:
            body["restartPolicy"] = self.restart_policy
        if self.security_context is not None:
            body["securityContext"] = {
                k: self.security_context[k] for k in SECURITY_CONTEXT_ORDER if k in self.security_context
            }
        return body

    @property
    def pull_policy(self) -> str:
        tail = self.image.rsplit("/", 1)[-1]
        return "Always" if ":" not in tail or tail.endswith(":latest") else "IfNotPresent"


# --- pod templates --------------------------------------------------------------------


@dataclass(frozen=True)
class PodTemplate:
    """What a workload stamps out: labels plus the pod spec fields scenarios care about."""

    labels: dict[str, str]
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    volumes: tuple[Json, ...] = ()
    annotations: dict[str, str] = field(default_factory=dict)
    service_account: str = "default"
    node_selector: dict[str, str] = field(default_factory=dict)
    affinity: Json | None = None
    tolerations: tuple[Json, ...] = ()
    priority_class: str | None = None
    restart_policy: str = "Always"
    termination_grace: int = 30
    security_context: Json = field(default_factory=dict)
    image_pull_secrets: tuple[str, ...] = ()
    host_network: bool = False

    def but(self, **changes: Any) -> PodTemplate:
        return replace(self, **changes)

    def map_container(self, name: str, change: Callable[[Container], Container]) -> PodTemplate:
        """A copy with one container (regular or init) replaced by `change(container)`."""
        containers = tuple(change(c) if c.name == name else c for c in self.containers)
        inits = tuple(change(c) if c.name == name else c for c in self.init_containers)
        if containers == self.containers and inits == self.init_containers:
            raise KeyError(f"no container {name!r} in template")
        return replace(self, containers=containers, init_containers=inits)

    def container(self, name: str) -> Container:
        for c in (*self.init_containers, *self.containers):
            if c.name == name:
                return c
        raise KeyError(f"no container {name!r} in template")

    def render_spec(self, service_account_volume_suffix: str | None = None) -> Json:
        """spec of the pod template (and, with the token volume, of a pod)."""
        sa_volume = f"kube-api-access-{service_account_volume_suffix}" if service_account_volume_suffix else None
        volumes = [dict(v) for v in self.volumes]
        if service_account_volume_suffix:
            volumes.append(service_account_volume(service_account_volume_suffix))
        spec: Json = {}
        if volumes:
            spec["volumes"] = volumes
        if self.init_containers:
            spec["initContainers"] = [c.render(sa_volume) for c in self.init_containers]
        spec["containers"] = [c.render(sa_volume) for c in self.containers]
        spec |= {
            "restartPolicy": self.restart_policy,
            "terminationGracePeriodSeconds": self.termination_grace,
            "dnsPolicy": "ClusterFirst",
        }
        if self.node_selector:
            spec["nodeSelector"] = dict(self.node_selector)
        spec["serviceAccountName"] = self.service_account
        spec["serviceAccount"] = self.service_account
        if self.host_network:
            spec["hostNetwork"] = True
        spec["securityContext"] = dict(self.security_context)
        if self.image_pull_secrets:
            spec["imagePullSecrets"] = [{"name": s} for s in self.image_pull_secrets]
        if self.affinity:
            spec["affinity"] = self.affinity
        spec["schedulerName"] = "default-scheduler"
        if self.tolerations:
            spec["tolerations"] = [dict(t) for t in self.tolerations]
        if self.priority_class:
            spec["priorityClassName"] = self.priority_class
        return spec

    def render(self) -> Json:
        metadata: Json = {"labels": dict(self.labels)}
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        return {"metadata": metadata, "spec": self.render_spec()}


# Tolerations the DefaultTolerationSeconds admission plugin adds to every pod.
DEFAULT_TOLERATIONS: tuple[Json, ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
)


def quantity_millis(value: str) -> int:
    """CPU quantity in millicores ("250m" -> 250, "2" -> 2000)."""
    return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)


_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def quantity_bytes(value: str) -> int:
    for suffix, factor in (*_BINARY.items(), *_DECIMAL.items()):
        if value.endswith(suffix):
            return int(float(value[: -len(suffix)]) * factor)
    return int(value)
