"""A whole cluster: nodes, namespaces and what lives in them, written out as a snapshot in
the layout of `kubectl cluster-info dump --output-directory DIR -o json`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import ids
from .clock import days_ago, recent, seconds
from .deployments import Deployment
from .events import Event, ObjectRef
from .knowledge import Component, KnowledgeGraph
from .metrics import pod_metrics
from .network import Service, ServicePort
from .nodes import EKS, KUBEADM, Flavor, Node, eks_nodes, kubeadm_nodes
from .pods import Owner, Pod
from .presets import ISTIO_VOLUMES, fluent_bit, istio_init, istio_proxy
from .spec import Container, Json, PodTemplate, configmap_volume, empty_dir
from .statefulsets import ClaimTemplate, StatefulSet
from .storage import Claim
from .workloads import DaemonSet, Job

# File name, List kind and apiVersion of every per-namespace file, in the order kubectl writes
# them, then our optional extensions.
NAMESPACE_FILES: tuple[tuple[str, str, str], ...] = (
    ("events.json", "EventList", "v1"),
    ("replication-controllers.json", "ReplicationControllerList", "v1"),
    ("services.json", "ServiceList", "v1"),
    ("daemonsets.json", "DaemonSetList", "apps/v1"),
    ("deployments.json", "DeploymentList", "apps/v1"),
    ("replicasets.json", "ReplicaSetList", "apps/v1"),
    ("pods.json", "PodList", "v1"),
    ("statefulsets.json", "StatefulSetList", "apps/v1"),
    ("jobs.json", "JobList", "batch/v1"),
    ("endpoints.json", "EndpointsList", "v1"),
    ("persistentvolumeclaims.json", "PersistentVolumeClaimList", "v1"),
    ("controllerrevisions.json", "ControllerRevisionList", "apps/v1"),
)


# Fields that are Go maps: encoding/json writes their keys sorted. Everything else is a struct
# and keeps its field order.
MAP_FIELDS = frozenset(
    {
        "labels",
        "annotations",
        "selector",
        "matchLabels",
        "nodeSelector",
        "limits",
        "requests",
        "capacity",
        "allocatable",
    }
)


def _sort_maps(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        items = sorted(value.items()) if key in MAP_FIELDS else value.items()
        return {k: _sort_maps(v, k) for k, v in items}
    if isinstance(value, list):
        return [_sort_maps(v, key) for v in value]
    return value


def _go_json(document: Json) -> str:
    """JSON as kubectl writes it: 4-space indent, UTF-8, and Go's HTML-safe escapes."""
    text = json.dumps(document, indent=4, ensure_ascii=False)
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text + "\n"


def resource_version(kind: str, namespace: str | None, name: str) -> str:
    return str(ids.number(1_000_000, 8_999_999, kind, namespace, name))


@dataclass
class Namespace:
    cluster: Cluster
    name: str
    deployments: list[Deployment] = field(default_factory=list)
    statefulsets: list[StatefulSet] = field(default_factory=list)
    daemonsets: list[DaemonSet] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    bare_pods: list[Pod] = field(default_factory=list)
    extra_events: list[Event] = field(default_factory=list)
    static_endpoints: dict[str, list[str]] = field(default_factory=dict)

    # --- building ------------------------------------------------------------------------

    def template(
        self,
        app: str,
        containers: Iterable[Container],
        *,
        labels: dict[str, str] | None = None,
        mesh: bool = False,
        log_shipper: bool = False,
        **fields: Any,
    ) -> PodTemplate:
        """A pod template labelled `app=<app>`; `mesh` injects istio, `log_shipper` a fluent-bit sidecar."""
        containers = tuple(containers)
        all_labels = {"app": app, "app.kubernetes.io/name": app, **(labels or {})}
        annotations = dict(fields.pop("annotations", {}))
        volumes = tuple(fields.pop("volumes", ()))
        inits = tuple(fields.pop("init_containers", ()))
        if log_shipper:
            containers = (*containers, fluent_bit())
            volumes = (*volumes, empty_dir("app-logs"), configmap_volume("fluent-bit-config", "fluent-bit-config"))
        if mesh:
            main = containers[0].name
            containers = (*containers, istio_proxy())
            inits = (istio_init(), *inits)
            volumes = (*volumes, *ISTIO_VOLUMES)
            all_labels |= {
                "security.istio.io/tlsMode": "istio",
                "service.istio.io/canonical-name": app,
                "service.istio.io/canonical-revision": all_labels.get("version", "latest"),
            }
            annotations |= {
                "istio.io/rev": "default",
                "kubectl.kubernetes.io/default-container": main,
                "kubectl.kubernetes.io/default-logs-container": main,
                "prometheus.io/path": "/stats/prometheus",
                "prometheus.io/port": "15020",
                "prometheus.io/scrape": "true",
                "sidecar.istio.io/status": '{"initContainers":["istio-init"],"containers":["istio-proxy"],'
                '"volumes":["istio-envoy","istio-data","istio-token"],"imagePullSecrets":null,"revision":"default"}',
            }
        return PodTemplate(
            labels=all_labels,
            containers=containers,
            init_containers=inits,
            volumes=volumes,
            annotations=annotations,
            **fields,
        )

    def deployment(
        self,
        name: str,
        *containers: Container,
        replicas: int = 2,
        created: datetime | None = None,
        port: int | None = None,
        component: str | None = None,
        depends_on: Iterable[str] = (),
        template: PodTemplate | None = None,
        pods: int | None = None,
        service: str | None = None,
        **template_fields: Any,
    ) -> Deployment:
        """A Deployment whose first ReplicaSet runs `replicas` healthy pods (created days ago
        unless `created` says otherwise; `pods` creates fewer, e.g. 0 when admission rejects
        them). `port` adds a ClusterIP Service of the same name; `component` registers it in
        the knowledge graph with that type; `service` names the Service when it is not the
        workload's name."""
        template = template or self.template(name, containers, **template_fields)
        created = created or days_ago(
            ids.number(3, 30, self.name, name),
            clock=f"{ids.number(8, 17, name):02d}:{ids.number(10, 59, name, 'm')}:07",
        )
        deployment = Deployment(
            self.name, name, replicas, created, {"app": name}, dict(template.labels), self.cluster.place
        )
        deployment.start(template, created + seconds(1), pods)
        self.deployments.append(deployment)
        self._expose(name, template, port, created, component, depends_on, service)
        return deployment

    def statefulset(
        self,
        name: str,
        *containers: Container,
        replicas: int = 1,
        created: datetime | None = None,
        port: int | None = None,
        component: str | None = None,
        depends_on: Iterable[str] = (),
        storage: str | None = "20Gi",
        storage_class: str | None = None,
        claim: str = "data",
        template: PodTemplate | None = None,
        service: str | None = None,
        **template_fields: Any,
    ) -> StatefulSet:
        """A StatefulSet with a headless `<name>-headless` Service and, with `port`, a regular one
        (named `service` when given, else after the StatefulSet)."""
        template = template or self.template(name, containers, **template_fields)
        created = created or days_ago(ids.number(20, 60, self.name, name), clock="10:02:44")
        storage_class = storage_class or ("gp3" if self.cluster.flavor is EKS else "local-path")
        claims = (ClaimTemplate(claim, storage, storage_class),) if storage else ()
        sts = StatefulSet(
            self.name,
            name,
            template,
            replicas,
            created,
            {"app": name},
            dict(template.labels),
            f"{name}-headless",
            claims,
        )
        sts.spawn(list(self.cluster.place(replicas, name)))
        for i, pod in enumerate(sts.pods):
            for claim_name in sts.claim_names(i):
                self.claims.append(
                    Claim(
                        self.name,
                        claim_name,
                        storage or "",
                        storage_class,
                        pod.created - seconds(1),
                        labels={"app": name},
                        selected_node=pod.node.name if pod.node else None,
                    )
                )
        self.statefulsets.append(sts)
        if port:
            self.service(
                f"{name}-headless",
                {"app": name},
                [ServicePort(_first_port(template)[0], port, _first_port(template)[0])],
                created,
                headless=True,
            )
        self._expose(name, template, port, created, component, depends_on, service)
        return sts

    def daemonset(
        self,
        name: str,
        *containers: Container,
        nodes: list[Node] | None = None,
        created: datetime | None = None,
        labels: dict[str, str] | None = None,
        **template_fields: Any,
    ) -> DaemonSet:
        template = self.template(name, containers, labels=labels, **template_fields)
        created = created or days_ago(ids.number(30, 90, self.name, name), clock="12:30:00")
        ds = DaemonSet(self.name, name, template, created, {"app": name}, dict(template.labels))
        ds.spawn(nodes if nodes is not None else [n for n in self.cluster.nodes if not n.control_plane])
        self.daemonsets.append(ds)
        return ds

    def job(
        self,
        name: str,
        *containers: Container,
        created: datetime,
        backoff_limit: int = 6,
        owner: Owner | None = None,
        app: str | None = None,
        **template_fields: Any,
    ) -> Job:
        """A Job (restartPolicy Never); add its pods with `job.new_pod(node, created)`."""
        fields = {"restart_policy": "Never", **template_fields}
        template = self.template(app or name, containers, **fields)
        job = Job(self.name, name, template, created, backoff_limit, owner)
        self.jobs.append(job)
        return job

    def cron_job_run(self, cron_job: str, *containers: Container, scheduled: datetime, **job_fields: Any) -> Job:
        """The Job a CronJob created for `scheduled`: named <cronjob>-<minutes since the epoch>."""
        owner = Owner("CronJob", cron_job, ids.uid("CronJob", self.name, cron_job), "batch/v1")
        name = f"{cron_job}-{int(scheduled.timestamp()) // 60}"
        return self.job(name, *containers, created=scheduled, owner=owner, app=cron_job, **job_fields)

    def pod(
        self, name: str, template: PodTemplate, node: Node | None, created: datetime, owner: Owner | None = None
    ) -> Pod:
        """A pod without a workload (a static/mirror pod, or one made with `kubectl run`)."""
        pod = Pod(self.name, name, template, created, node, owner=owner)
        self.bare_pods.append(pod)
        return pod

    def service(
        self,
        name: str,
        selector: dict[str, str],
        ports: list[ServicePort],
        created: datetime | None = None,
        *,
        headless: bool = False,
        cluster_ip: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> Service:
        if headless:
            ip = "None"
        else:
            ip = (
                cluster_ip
                or f"{self.cluster.flavor.service_prefix}.{ids.number(1, 254, self.name, name)}.{ids.number(2, 254, name)}"  # noqa: E501
            )
        service = Service(
            self.name, name, selector, tuple(ports), created or days_ago(30), ip, labels or dict(selector)
        )
        self.services.append(service)
        return service

    def claim(
        self,
        name: str,
        size: str,
        storage_class: str,
        created: datetime,
        *,
        bound: bool = True,
        provisioning_error: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> Claim:
        claim = Claim(
            self.name,
            name,
            size,
            storage_class,
            created,
            labels or {},
            bound=bound,
            provisioning_error=provisioning_error,
        )
        self.claims.append(claim)
        return claim

    def event(
        self,
        involved: ObjectRef,
        reason: str,
        message: str,
        *,
        first: datetime,
        last: datetime | None = None,
        count: int = 1,
        type: str = "Warning",
        component: str = "kubelet",
        host: str | None = None,
    ) -> Event:
        event = Event(involved, reason, message, first, last, count, type, component, host)
        self.extra_events.append(event)
        return event

    def _expose(
        self,
        name: str,
        template: PodTemplate,
        port: int | None,
        created: datetime,
        component: str | None,
        depends_on: Iterable[str],
        service: str | None = None,
    ) -> None:
        service = service or name
        if port:
            port_name, _ = _first_port(template)
            self.service(service, {"app": name}, [ServicePort(port_name, port, port_name)], created)
        if component:
            self.cluster.graph.add(Component(name, component, self.name, {"app": name}, service if port else None))
            self.cluster.graph.depends(name, *depends_on)

    # --- reading -------------------------------------------------------------------------

    def get_service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def get_claim(self, name: str) -> Claim:
        return next(c for c in self.claims if c.name == name)

    @property
    def pods(self) -> list[Pod]:
        pods = [p for d in self.deployments for p in d.pods]
        pods += [p for s in self.statefulsets for p in s.pods]
        pods += [p for d in self.daemonsets for p in d.pods]
        pods += [p for j in self.jobs for p in j.pods]
        return pods + self.bare_pods

    def events(self) -> list[Event]:
        events: list[Event] = []
        for pod in self.pods:
            events += pod.events(self.cluster.flavor.scheduler_instance)
        for workload in (*self.deployments, *self.statefulsets, *self.daemonsets, *self.jobs, *self.claims):
            events += workload.events()
        events += self.extra_events
        events += [e for e in self.cluster.node_events if e.ns == self.name]
        return [e for e in events if recent(e.last_seen)]

    def documents(self) -> dict[str, Json]:
        def listed(kind: str, objects: list[tuple[str, Any]]) -> list[Json]:
            rendered = [render(resource_version(kind, self.name, name)) for name, render in objects]
            return sorted(rendered, key=lambda o: o["metadata"]["name"])

        pods = self.pods
        events = self.events()
        names = [e.name for e in events]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"duplicate event names in {self.name}: {sorted(duplicates)}")
        rs = [r for d in self.deployments for r in d.replica_sets]
        items: dict[str, list[Json]] = {
            "events.json": listed("Event", [(e.name, e.render) for e in events]),
            "replication-controllers.json": [],
            "services.json": listed("Service", [(s.name, s.render) for s in self.services]),
            "daemonsets.json": listed("DaemonSet", [(d.name, d.render) for d in self.daemonsets]),
            "deployments.json": listed("Deployment", [(d.name, d.render) for d in self.deployments]),
            "replicasets.json": listed("ReplicaSet", [(r.name, r.render) for r in rs]),
            "pods.json": listed("Pod", [(p.name, p.render) for p in pods]),
            "statefulsets.json": listed("StatefulSet", [(s.name, s.render) for s in self.statefulsets]),
            "jobs.json": listed("Job", [(j.name, j.render) for j in self.jobs]),
            "endpoints.json": listed(
                "Endpoints",
                [
                    (s.name, lambda rv, s=s: s.render_endpoints(rv, pods, self.static_endpoints.get(s.name)))
                    for s in self.services
                ],
            ),
            "persistentvolumeclaims.json": listed("PersistentVolumeClaim", [(c.name, c.render) for c in self.claims]),
            "controllerrevisions.json": sorted(
                (
                    revision
                    for workload in (*self.statefulsets, *self.daemonsets)
                    for revision in workload.render_revisions(
                        lambda name: resource_version("ControllerRevision", self.name, name)
                    )
                ),
                key=lambda o: o["metadata"]["name"],
            ),
        }
        return items


def _first_port(template: PodTemplate) -> tuple[str, int]:
    for container in template.containers:
        for name, number in container.ports.items():
            return name, number
    raise ValueError("the template exposes no container port")


class Cluster:
    """Nodes plus namespaces. `Cluster.eks()` / `Cluster.kubeadm()` come with kube-system."""

    def __init__(self, flavor: Flavor, nodes: list[Node], *, system: bool = True) -> None:
        self.flavor = flavor
        self.nodes = nodes
        self.namespaces: dict[str, Namespace] = {}
        self.graph = KnowledgeGraph()
        self.node_events: list[Event] = []
        # pod (namespace, name) -> container -> (cpu, memory) as metrics-server reports them
        self.pod_usage: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.namespace("default")
        if system:
            from .system import add_system_namespace

            add_system_namespace(self)

    @classmethod
    def eks(cls, nodes: int = 3) -> Cluster:
        return cls(EKS, eks_nodes(nodes))

    @classmethod
    def kubeadm(cls, workers: int = 2) -> Cluster:
        return cls(KUBEADM, kubeadm_nodes(workers))

    # --- building ------------------------------------------------------------------------

    def namespace(self, name: str) -> Namespace:
        if name not in self.namespaces:
            self.namespaces[name] = Namespace(self, name)
        return self.namespaces[name]

    @property
    def workers(self) -> list[Node]:
        return [n for n in self.nodes if not n.control_plane]

    def place(self, count: int, seed: str) -> list[Node]:
        """Round-robin over the worker nodes, starting at a node chosen by `seed`. Nodes with
        taints of their own (a GPU node group) are skipped: put pods there with `Pod.move_to`."""
        workers = [n for n in self.workers if not n.dedicated]
        start = ids.number(0, len(workers) - 1, seed)
        return [workers[(start + i) % len(workers)] for i in range(count)]

    def node_event(
        self,
        node: Node,
        reason: str,
        message: str,
        *,
        first: datetime,
        last: datetime | None = None,
        count: int = 1,
        type: str = "Normal",
        component: str = "kubelet",
    ) -> Event:
        """An event about a Node (stored in the default namespace, as Kubernetes does)."""
        ref = node.ref() if component == "kubelet" else ObjectRef("Node", None, node.name, node.uid)
        event = Event(
            ref,
            reason,
            message,
            first,
            last,
            count,
            type,
            component,
            node.name if component == "kubelet" else None,
            namespace="default",
        )
        self.node_events.append(event)
        return event

    def usage(self, pod: Pod, container: str, *, cpu: str, memory: str) -> Pod:
        """What metrics-server reports for one container; with any usage set, every namespace gets
        a pod-metrics.json (metrics.py)."""
        self.pod_usage.setdefault((pod.namespace, pod.name), {})[container] = (cpu, memory)
        return pod

    def _metrics_files(self) -> dict[str, str]:
        if not self.pod_usage:
            return {}
        files = {}
        for namespace in sorted(self.namespaces):
            items = [
                pod_metrics(p, self.pod_usage.get((namespace, p.name), {})) for p in self.namespaces[namespace].pods
            ]
            listed = sorted((i for i in items if i is not None), key=lambda i: i["metadata"]["name"])
            document = {
                "kind": "PodMetricsList",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {},
                "items": listed,
            }
            files[f"{namespace}/pod-metrics.json"] = _go_json(_sort_maps(document))
        return files

    # --- writing -------------------------------------------------------------------------

    def files(self) -> dict[str, str]:
        """Every file of the snapshot, by path relative to its directory."""
        documents: dict[str, tuple[str, str, list[Json]]] = {
            "nodes.json": (  # the API server lists by name, whatever order the nodes were made in
                "NodeList",
                "v1",
                [n.render(resource_version("Node", None, n.name)) for n in sorted(self.nodes, key=lambda n: n.name)],
            ),
        }
        logs: dict[str, str] = {}
        for namespace in sorted(self.namespaces):
            ns = self.namespaces[namespace]
            items = ns.documents()
            for file_name, kind, api_version in NAMESPACE_FILES:
                documents[f"{namespace}/{file_name}"] = (kind, api_version, items[file_name])
            for pod in ns.pods:
                current, previous = pod.log_files()
                logs[f"{namespace}/{pod.name}/logs.txt"] = current
                if previous is not None:
                    logs[f"{namespace}/{pod.name}/logs.previous.txt"] = previous
        latest = max(int(o["metadata"]["resourceVersion"]) for _, _, objs in documents.values() for o in objs)
        list_version = str(latest + ids.number(50, 400, "list"))
        files = {
            path: _go_json(
                {
                    "kind": kind,
                    "apiVersion": api_version,
                    "metadata": {"resourceVersion": list_version},
                    "items": _sort_maps(objs),
                }
            )
            for path, (kind, api_version, objs) in documents.items()
        }
        return files | logs | self._metrics_files()

    def write(self, directory: str | Path) -> None:
        """Write the snapshot, replacing whatever `directory` held."""
        directory = Path(directory)
        if directory.exists():
            shutil.rmtree(directory)
        for relative, text in self.files().items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def find_pod(self, namespace: str, name: str) -> Pod:
        for pod in self.namespaces[namespace].pods:
            if pod.name == name:
                return pod
        raise KeyError(f"no pod {namespace}/{name}")
