"""Nodes and the two cluster flavours scenarios run on (EKS-like and kubeadm on-prem)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import ids
from .clock import NOW, days_ago, rfc3339, seconds
from .events import ObjectRef
from .spec import Json


@dataclass(frozen=True)
class Flavor:
    name: str
    kubelet_version: str
    runtime: str
    os_image: str
    kernel: str
    cluster_dns: str
    service_prefix: str  # ClusterIPs are <prefix>.<a>.<b>
    api_server_ips: tuple[str, ...]
    scheduler_instance: str
    cpu: str
    memory_ki: int
    max_pods: int
    instance_type: str
    region: str


EKS = Flavor(
    name="eks",
    kubelet_version="v1.33.5-eks-113cf36",
    runtime="containerd://1.7.27",
    os_image="Amazon Linux 2023.9.20251014",
    kernel="6.1.155-176.282.amzn2023.x86_64",
    cluster_dns="172.20.0.10",
    service_prefix="172.20",
    api_server_ips=("10.0.43.118", "10.0.87.9"),
    scheduler_instance="default-scheduler-ip-172-16-61-204.eu-west-1.compute.internal",
    cpu="4",
    memory_ki=15896772,
    max_pods=58,
    instance_type="m6i.xlarge",
    region="eu-west-1",
)

KUBEADM = Flavor(
    name="kubeadm",
    kubelet_version="v1.33.5",
    runtime="containerd://2.0.6",
    os_image="Ubuntu 24.04.3 LTS",
    kernel="6.8.0-85-generic",
    cluster_dns="10.96.0.10",
    service_prefix="10.96",
    api_server_ips=("192.168.10.10",),
    scheduler_instance="default-scheduler-k8s-cp-01",
    cpu="4",
    memory_ki=16364868,
    max_pods=110,
    instance_type="",
    region="",
)


@dataclass
class Node:
    name: str
    ip: str
    flavor: Flavor
    index: int
    zone: str = ""
    control_plane: bool = False
    created: datetime = field(default_factory=lambda: days_ago(41, clock="14:02:31"))
    ready: str = "True"  # "True" | "False" | "Unknown"
    not_ready_since: datetime | None = None  # when the kubelet stopped posting / went NotReady
    pressure: dict[str, datetime] = field(default_factory=dict)  # "DiskPressure" -> since
    labels: dict[str, str] = field(default_factory=dict)
    cpu: str | None = None
    memory_ki: int | None = None
    taints: list[Json] = field(default_factory=list)  # set on the node (dedicated/GPU node groups)
    extended: dict[str, str] = field(default_factory=dict)  # extended resources, e.g. {"nvidia.com/gpu": "1"}
    _next_ip: int = 10

    @property
    def uid(self) -> str:
        return ids.uid("Node", None, self.name)

    def ref(self) -> ObjectRef:
        # The node-controller and kubelet reference nodes by name as uid.
        return ObjectRef("Node", None, self.name, self.name)

    @property
    def schedulable(self) -> bool:
        return not self.control_plane and self.ready == "True"

    @property
    def dedicated(self) -> bool:
        """A node whose own taints keep ordinary workloads away (they are not placed on it)."""
        return any(taint.get("effect") in ("NoSchedule", "NoExecute") for taint in self.taints)

    def allocate_pod_ip(self) -> str:
        self._next_ip += 1 + ids.number(0, 6, self.name, self._next_ip)
        if self.flavor is EKS:
            third = int(self.ip.split(".")[2])
            return f"10.0.{third}.{self._next_ip + 40}"
        return f"10.244.{self.index}.{self._next_ip}"

    def render(self, resource_version: str) -> Json:
        flavor = self.flavor
        labels: Json = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
        }
        annotations: Json = {
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        }
        spec: Json = {}
        if flavor is EKS:
            labels |= {
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "eks.amazonaws.com/nodegroup": "general-purpose",
                "eks.amazonaws.com/nodegroup-image": "ami-0c7f3a9d1e2b4f608",
                "failure-domain.beta.kubernetes.io/region": flavor.region,
                "failure-domain.beta.kubernetes.io/zone": self.zone,
                "node.kubernetes.io/instance-type": flavor.instance_type,
                "topology.kubernetes.io/region": flavor.region,
                "topology.kubernetes.io/zone": self.zone,
            }
            annotations["alpha.kubernetes.io/provided-node-ip"] = self.ip
            spec["providerID"] = f"aws:///{self.zone}/i-0{ids.hex_id(16, self.name)}"
        else:
            annotations |= {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "projectcalico.org/IPv4Address": f"{self.ip}/24",
                "projectcalico.org/IPv4IPIPTunnelAddr": f"10.244.{self.index}.0",
            }
            spec |= {"podCIDR": f"10.244.{self.index}.0/24", "podCIDRs": [f"10.244.{self.index}.0/24"]}
            if self.control_plane:
                labels |= {
                    "node-role.kubernetes.io/control-plane": "",
                    "node.kubernetes.io/exclude-from-external-load-balancers": "",
                }
        labels |= self.labels
        taints = [dict(taint) for taint in self.taints] + self._taints()
        if taints:
            spec["taints"] = taints
        cpu = self.cpu or flavor.cpu
        memory_ki = self.memory_ki or flavor.memory_ki
        capacity = {
            "cpu": cpu,
            "ephemeral-storage": "101430960Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": f"{memory_ki}Ki",
            "pods": str(flavor.max_pods),
            **self.extended,
        }
        reserved_cpu = 80 if flavor is EKS else 0
        allocatable = capacity | {
            "cpu": f"{int(cpu) * 1000 - reserved_cpu}m" if reserved_cpu else cpu,
            "ephemeral-storage": "92403047678",
            "memory": f"{memory_ki - (759940 if flavor is EKS else 102400)}Ki",
        }
        return {
            "metadata": {
                "name": self.name,
                "uid": self.uid,
                "resourceVersion": resource_version,
                "creationTimestamp": rfc3339(self.created),
                "labels": labels,
                "annotations": annotations,
            },
            "spec": spec,
            "status": {
                "capacity": capacity,
                "allocatable": allocatable,
                "conditions": self._conditions(),
                "addresses": [
                    {"type": "InternalIP", "address": self.ip},
                    {"type": "Hostname", "address": self.name},
                ]
                + ([{"type": "InternalDNS", "address": self.name}] if flavor is EKS else []),
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": ids.hex_id(32, "machine", self.name),
                    "systemUUID": ids.uid("system", None, self.name).upper()
                    if flavor is KUBEADM
                    else "ec2" + ids.hex_id(5, self.name) + "-" + ids.uid("sys", None, self.name)[9:],
                    "bootID": ids.uid("boot", None, self.name),
                    "kernelVersion": flavor.kernel,
                    "osImage": flavor.os_image,
                    "containerRuntimeVersion": flavor.runtime,
                    "kubeletVersion": flavor.kubelet_version,
                    "kubeProxyVersion": "",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        }

    def _taints(self) -> list[Json]:
        taints: list[Json] = []
        if self.control_plane:
            taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
        if self.ready == "Unknown" and self.not_ready_since:
            added = rfc3339(self.not_ready_since + seconds(45))
            taints += [
                {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": added},
                {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": added},
            ]
        elif self.ready == "False" and self.not_ready_since:
            added = rfc3339(self.not_ready_since + seconds(5))
            taints += [
                {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule", "timeAdded": added},
                {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "timeAdded": added},
            ]
        for kind, key in (
            ("DiskPressure", "disk-pressure"),
            ("MemoryPressure", "memory-pressure"),
            ("PIDPressure", "pid-pressure"),
        ):
            if kind in self.pressure:
                taints.append(
                    {
                        "key": f"node.kubernetes.io/{key}",
                        "effect": "NoSchedule",
                        "timeAdded": rfc3339(self.pressure[kind] + seconds(2)),
                    }
                )
        return taints

    def _conditions(self) -> list[Json]:
        booted = self.created + seconds(12)
        heartbeat = NOW - seconds(ids.number(20, 280, self.name))
        if self.ready == "Unknown":
            assert self.not_ready_since is not None
            lost = self.not_ready_since + timedelta(seconds=40)
            unknown = {
                "status": "Unknown",
                "lastHeartbeatTime": rfc3339(self.not_ready_since),
                "lastTransitionTime": rfc3339(lost),
                "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
            }
            return [{"type": kind} | unknown for kind in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
        healthy = {
            "MemoryPressure": (
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
                "KubeletHasInsufficientMemory",
                "kubelet has insufficient memory available",
            ),
            "DiskPressure": (
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
                "KubeletHasDiskPressure",
                "kubelet has disk pressure",
            ),
            "PIDPressure": (
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
                "KubeletHasInsufficientPID",
                "kubelet has insufficient PID available",
            ),
        }
        conditions: list[Json] = []
        for kind, (ok_reason, ok_message, bad_reason, bad_message) in healthy.items():
            since = self.pressure.get(kind)
            conditions.append(
                {
                    "type": kind,
                    "status": "True" if since else "False",
                    "lastHeartbeatTime": rfc3339(heartbeat),
                    "lastTransitionTime": rfc3339(since or booted),
                    "reason": bad_reason if since else ok_reason,
                    "message": bad_message if since else ok_message,
                }
            )
        if self.ready == "False":
            assert self.not_ready_since is not None
            conditions.append(
                {
                    "type": "Ready",
                    "status": "False",
                    "lastHeartbeatTime": rfc3339(heartbeat),
                    "lastTransitionTime": rfc3339(self.not_ready_since),
                    "reason": "KubeletNotReady",
                    "message": "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                    "message:Network plugin returns error: cni plugin not initialized",
                }
            )
        else:
            conditions.append(
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": rfc3339(heartbeat),
                    "lastTransitionTime": rfc3339(booted + seconds(9)),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            )
        return conditions


def eks_nodes(count: int = 3) -> list[Node]:
    zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    nodes = []
    for i in range(count):
        third = 16 * (i % 3) + 1 + i // 3
        last = ids.number(10, 250, "eks-node", i)
        ip = f"10.0.{third}.{last}"
        nodes.append(
            Node(
                name=f"ip-10-0-{third}-{last}.eu-west-1.compute.internal",
                ip=ip,
                flavor=EKS,
                index=i + 1,
                zone=zones[i % 3],
            )
        )
    return nodes


def kubeadm_nodes(workers: int = 2) -> list[Node]:
    nodes = [
        Node(
            name="k8s-cp-01",
            ip="192.168.10.10",
            flavor=KUBEADM,
            index=0,
            control_plane=True,
            created=days_ago(212, clock="10:41:03"),
        )
    ]
    for i in range(workers):
        nodes.append(
            Node(
                name=f"k8s-worker-{i + 1:02d}",
                ip=f"192.168.10.{21 + i}",
                flavor=KUBEADM,
                index=i + 1,
                created=days_ago(212 - 7 * i, clock="11:05:40"),
            )
        )
    return nodes
