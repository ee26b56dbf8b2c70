"""Resource types by name: the spellings kubectl accepts, resolved against what a cluster serves.

A `ResourceType` is one entry of discovery (group, version, plural, kind, scope, short names).
`WELL_KNOWN` is the built-in table of the kinds a cluster commonly serves, in the priority order
kubectl resolves a short name in (the core group first); the snapshot backend serves these from
its files, and the live backend uses discovery instead.

`parse_kind` reads every spelling a person or a model may use: `deploy`, `deployments`,
`Deployment`, `deployments.apps`, `deployment.v1.apps`, `apps/v1/Deployment`, `v1/Secret`,
`/api/v1/secrets`, `/apis/apps/v1/deployments`. `resolve` finds it among served types. Secrets
are refused whatever the spelling, before and after resolution (`SecretRefusedError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mcp_servers.kubernetes.backend import BackendError

REFUSAL_TEXT = (
    "Secrets are never read by this server: their values must not leave the cluster. "
    "A pod's env shows which Secret and key a value comes from (get_pod)."
)


class SecretRefusedError(BackendError):
    def __init__(self) -> None:
        super().__init__(REFUSAL_TEXT)


class UnknownKindError(BackendError):
    pass


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    name: str  # plural, lower case, as `kubectl api-resources` prints it
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    singular: str = ""
    # The snapshot serves this type only when one of its files exists (metrics, custom resources).
    optional: bool = False
    snapshot_file: str | None = None  # a file name other than the convention's
    categories: tuple[str, ...] = field(default=(), compare=False)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def api_prefix(self) -> str:
        return f"/apis/{self.group_version}" if self.group else f"/api/{self.version}"

    @property
    def qualified_name(self) -> str:
        """`deployments.apps`, `pods`: how kubectl names a type unambiguously."""
        return f"{self.name}.{self.group}" if self.group else self.name

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def is_secret(self) -> bool:
        return self.group == "" and self.name == "secrets"

    def spellings(self) -> set[str]:
        return {self.name, self.singular_name, self.kind.lower(), *self.short_names}


def _t(gv: str, name: str, kind: str, namespaced: bool = True, *short: str, **extra: object) -> ResourceType:
    group, _, version = gv.rpartition("/")
    return ResourceType(group, version, name, kind, namespaced, tuple(short), **extra)  # type: ignore[arg-type]


_ALL = {"categories": ("all",)}
WELL_KNOWN: tuple[ResourceType, ...] = (
    _t("v1", "pods", "Pod", True, "po", **_ALL),
    _t("v1", "services", "Service", True, "svc", **_ALL),
    _t("v1", "endpoints", "Endpoints", True, "ep", singular="endpoints"),
    _t("v1", "events", "Event", True, "ev"),
    _t("v1", "nodes", "Node", False, "no"),
    _t("v1", "namespaces", "Namespace", False, "ns"),
    _t("v1", "configmaps", "ConfigMap", True, "cm"),
    _t("v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, "pvc"),
    _t("v1", "persistentvolumes", "PersistentVolume", False, "pv"),
    _t(
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        True,
        "rc",
        snapshot_file="replication-controllers.json",
        **_ALL,
    ),
    _t("v1", "resourcequotas", "ResourceQuota", True, "quota"),
    _t("v1", "limitranges", "LimitRange", True, "limits"),
    _t("v1", "serviceaccounts", "ServiceAccount", True, "sa"),
    _t("v1", "secrets", "Secret", True),
    _t("apps/v1", "deployments", "Deployment", True, "deploy", **_ALL),
    _t("apps/v1", "replicasets", "ReplicaSet", True, "rs", **_ALL),
    _t("apps/v1", "statefulsets", "StatefulSet", True, "sts", **_ALL),
    _t("apps/v1", "daemonsets", "DaemonSet", True, "ds", **_ALL),
    _t("apps/v1", "controllerrevisions", "ControllerRevision", True),
    _t("batch/v1", "jobs", "Job", True, **_ALL),
    _t("batch/v1", "cronjobs", "CronJob", True, "cj", **_ALL),
    _t("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, "hpa", **_ALL),
    _t("networking.k8s.io/v1", "ingresses", "Ingress", True, "ing"),
    _t("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True, "netpol"),
    _t("networking.k8s.io/v1", "ingressclasses", "IngressClass", False),
    _t("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", True, "pdb"),
    _t("storage.k8s.io/v1", "storageclasses", "StorageClass", False, "sc"),
    _t("discovery.k8s.io/v1", "endpointslices", "EndpointSlice", True),
    _t("events.k8s.io/v1", "events", "Event", True, "ev"),
    _t("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", False, "crd", "crds"),
    _t("metrics.k8s.io/v1beta1", "pods", "PodMetrics", True, optional=True, snapshot_file="pod-metrics.json"),
    _t("metrics.k8s.io/v1beta1", "nodes", "NodeMetrics", False, optional=True, snapshot_file="node-metrics.json"),
)

POD_METRICS = WELL_KNOWN[-2]
NODE_METRICS = WELL_KNOWN[-1]
NAMESPACES = next(t for t in WELL_KNOWN if t.name == "namespaces")
CRDS = next(t for t in WELL_KNOWN if t.name == "customresourcedefinitions")


@dataclass(frozen=True)
class KindQuery:
    """What a person asked for: a resource name (any spelling), maybe a group and a version."""

    text: str
    name: str  # lower case: plural, singular, kind or short name
    group: str | None = None  # None: any group; "" the core group
    version: str | None = None


_NAME = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_PATH = re.compile(
    rf"^/?(?:api/(?P<core>v[0-9a-z]+)|apis/(?P<group>{_NAME}(\.{_NAME})*)/(?P<gv>v[0-9a-z]+))/(?P<res>{_NAME})/?$"
)
_VERSION = re.compile(r"^v[0-9]+((alpha|beta)[0-9]+)?$")
_WORD = re.compile(rf"^{_NAME}(\.{_NAME})*$")


def parse_kind(text: str) -> KindQuery:
    """The spellings kubectl accepts, and API paths; ValueError says what would be accepted."""
    raw = text.strip()
    lowered = raw.lower()
    if path := _PATH.match(lowered):
        group = path["group"] or ""
        return KindQuery(raw, path["res"], group, path["core"] or path["gv"])
    parts = lowered.split("/")
    if len(parts) in (2, 3) and all(parts) and _VERSION.match(parts[-2]):
        # v1/Secret, apps/v1/Deployment (an apiVersion and a kind)
        group = parts[0] if len(parts) == 3 else ""
        return _checked(KindQuery(raw, parts[-1], group, parts[-2]))
    if len(parts) != 1 or not _WORD.match(lowered):
        raise ValueError(
            f"{text!r} is not a resource type: use a kind or a name as kubectl accepts it, e.g. 'deploy', "
            "'deployments', 'Deployment', 'deployments.apps', 'apps/v1/Deployment' or '/apis/apps/v1/deployments'"
        )
    name, _, rest = lowered.partition(".")
    if not rest:
        return KindQuery(raw, name)
    version, _, group = rest.partition(".")
    if _VERSION.match(version) and group:  # deployment.v1.apps
        return KindQuery(raw, name, group, version)
    return KindQuery(raw, name, rest)  # deployments.apps


def _checked(query: KindQuery) -> KindQuery:
    if not _WORD.match(query.name):
        raise ValueError(f"{query.text!r} is not a resource type: its kind part {query.name!r} is not a name")
    return query


def refuse_secrets(query: KindQuery) -> None:
    """Before any lookup: a Secret however named, the core group spelt as nothing, `core` or a version."""
    core = query.group in (None, "", "core") or bool(_VERSION.match(query.group or ""))
    if query.name in ("secret", "secrets") and core:
        raise SecretRefusedError()


def resolve(query: KindQuery, served: Sequence[ResourceType]) -> ResourceType:
    """The first served type (discovery order: the core group first) this query names."""
    refuse_secrets(query)
    for resource in served:
        if query.group is not None and not _group_matches(query.group, resource.group):
            continue
        if query.version is not None and query.version != resource.version:
            continue
        if query.name in resource.spellings():
            if resource.is_secret:
                raise SecretRefusedError()
            return resource
    raise UnknownKindError(
        f"the cluster serves no resource type {query.text!r}; list_resources accepts the names, kinds and "
        f"short names `kubectl api-resources` shows, e.g. {', '.join(_examples(served))}"
    )


def _group_matches(asked: str, group: str) -> bool:
    # kubectl accepts a group's leading part: `hpa.autoscaling`, `ing.networking`.
    return asked == group or (asked != "" and group.startswith(asked + "."))


def _examples(served: Iterable[ResourceType]) -> list[str]:
    names = [r.short_names[0] if r.short_names else r.name for r in served if not r.is_secret]
    return list(dict.fromkeys(names))[:12]


def custom_resource_types(definitions: Iterable[dict]) -> list[ResourceType]:
    """The served version of each CustomResourceDefinition (its storage version, else the first)."""
    types = []
    for crd in definitions:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
        if not (spec.get("group") and names.get("plural") and names.get("kind") and versions):
            continue
        version = next((v for v in versions if v.get("storage")), versions[0])
        types.append(
            ResourceType(
                spec["group"],
                version["name"],
                names["plural"],
                names["kind"],
                spec.get("scope", "Namespaced") == "Namespaced",
                tuple(names.get("shortNames") or ()),
                names.get("singular") or "",
                categories=tuple(names.get("categories") or ()),
            )
        )
    return types


def printer_columns(definition: dict, version: str) -> list[dict]:
    """A CRD version's additionalPrinterColumns (name, type, jsonPath, priority)."""
    for entry in (definition.get("spec") or {}).get("versions") or []:
        if entry.get("name") == version:
            return list(entry.get("additionalPrinterColumns") or [])
    return []


# Field selectors the API server accepts per type (it answers 400 "field label not supported"
# for any other), so a query that works on a snapshot also works on a cluster.
_COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
_EXTRA_FIELDS: dict[str, frozenset[str]] = {
    "pods": frozenset(
        {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
         "status.phase", "status.podIP", "status.nominatedNodeName"}
    ),
    "events": frozenset(
        {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
         "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
         "reportingComponent", "type"}
    ),
    "nodes": frozenset({"spec.unschedulable"}),
    "services": frozenset({"spec.clusterIP", "spec.type"}),
    "replicasets.apps": frozenset({"status.replicas"}),
    "replicationcontrollers": frozenset({"status.replicas"}),
    "jobs.batch": frozenset({"status.successful"}),
    "namespaces": frozenset({"status.phase"}),
    "secrets": frozenset({"type"}),
}  # fmt: skip


def field_labels(resource: ResourceType) -> frozenset[str]:
    return _COMMON_FIELDS | _EXTRA_FIELDS.get(resource.qualified_name, frozenset())
