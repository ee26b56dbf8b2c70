"""What `kubectl get` shows for an object: the server's Table columns (priority 0), computed here.

A real API server computes these (pkg/printers/internalversion, and a CRD's
additionalPrinterColumns); the snapshot backend has no server, so it computes the same columns
with the same wording, and the test API server serves them as its Table answers. Ages follow
apimachinery's `duration.HumanDuration` ("45s", "3m12s", "5h", "2d3h", "400d", "3y20d").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp_servers.kubernetes import printer_cells as c
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.durations import age
from mcp_servers.kubernetes.kinds import ResourceType

Cell = str | int


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    format: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": "",
            "priority": self.priority,
        }


NAME = Column("Name", format="name")
AGE = Column("Age", "date")


_S = Column
PRINTERS: dict[tuple[str, str], tuple[tuple[Column, ...], Callable[[KubeObject], list[Cell]]]] = {
    ("", "pods"): ((NAME, _S("Ready"), _S("Status"), _S("Restarts"), AGE), c.pod_cells),
    ("", "services"): ((NAME, _S("Type"), _S("Cluster-IP"), _S("External-IP"), _S("Port(s)"), AGE), c.service_cells),
    ("", "endpoints"): ((NAME, _S("Endpoints"), AGE), c.endpoints_cells),
    ("", "events"): ((_S("Last Seen"), _S("Type"), _S("Reason"), _S("Object"), _S("Message")), c.event_cells),
    ("events.k8s.io", "events"): (
        (_S("Last Seen"), _S("Type"), _S("Reason"), _S("Object"), _S("Message")),
        c.event_cells,
    ),
    ("", "nodes"): ((NAME, _S("Status"), _S("Roles"), AGE, _S("Version")), c.node_cells),
    ("", "namespaces"): ((NAME, _S("Status"), AGE), c.simple(lambda o: c.get(o, "status", "phase") or "", c.created)),
    ("", "configmaps"): (
        (NAME, _S("Data", "integer"), AGE),
        c.simple(lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}), c.created),
    ),
    ("", "persistentvolumeclaims"): (
        (
            NAME,
            _S("Status"),
            _S("Volume"),
            _S("Capacity"),
            _S("Access Modes"),
            _S("StorageClass"),
            _S("VolumeAttributesClass"),
            AGE,
        ),
        c.pvc_cells,
    ),
    ("", "persistentvolumes"): (
        (
            NAME,
            _S("Capacity"),
            _S("Access Modes"),
            _S("Reclaim Policy"),
            _S("Status"),
            _S("Claim"),
            _S("StorageClass"),
            _S("VolumeAttributesClass"),
            _S("Reason"),
            AGE,
        ),
        c.pv_cells,
    ),
    ("", "replicationcontrollers"): (
        (NAME, _S("Desired", "integer"), _S("Current", "integer"), _S("Ready", "integer"), AGE),
        lambda o: c.replica_cells(o, "spec", "replicas", "readyReplicas"),
    ),
    ("", "resourcequotas"): ((NAME, AGE, _S("Request"), _S("Limit")), c.quota_cells),
    ("", "serviceaccounts"): (
        (NAME, _S("Secrets", "integer"), AGE),
        c.simple(lambda o: len(o.get("secrets") or []), c.created),
    ),
    ("apps", "deployments"): (
        (NAME, _S("Ready"), _S("Up-to-date", "integer"), _S("Available", "integer"), AGE),
        c.deployment_cells,
    ),
    ("apps", "replicasets"): (
        (NAME, _S("Desired", "integer"), _S("Current", "integer"), _S("Ready", "integer"), AGE),
        lambda o: c.replica_cells(o, "spec", "replicas", "readyReplicas"),
    ),
    ("apps", "statefulsets"): ((NAME, _S("Ready"), AGE), c.statefulset_cells),
    ("apps", "daemonsets"): (
        (
            NAME,
            _S("Desired", "integer"),
            _S("Current", "integer"),
            _S("Ready", "integer"),
            _S("Up-to-date", "integer"),
            _S("Available", "integer"),
            _S("Node Selector"),
            AGE,
        ),
        c.daemonset_cells,
    ),
    ("apps", "controllerrevisions"): ((NAME, _S("Controller"), _S("Revision", "integer"), AGE), c.revision_cells),
    ("batch", "jobs"): ((NAME, _S("Status"), _S("Completions"), _S("Duration"), AGE), c.job_cells),
    ("batch", "cronjobs"): (
        (NAME, _S("Schedule"), _S("Timezone"), _S("Suspend"), _S("Active", "integer"), _S("Last Schedule"), AGE),
        c.cronjob_cells,
    ),
    ("autoscaling", "horizontalpodautoscalers"): (
        (
            NAME,
            _S("Reference"),
            _S("Targets"),
            _S("MinPods", "integer"),
            _S("MaxPods", "integer"),
            _S("Replicas", "integer"),
            AGE,
        ),
        c.hpa_cells,
    ),
    ("networking.k8s.io", "ingresses"): (
        (NAME, _S("Class"), _S("Hosts"), _S("Address"), _S("Ports"), AGE),
        c.ingress_cells,
    ),
    ("networking.k8s.io", "networkpolicies"): (
        (NAME, _S("Pod-Selector"), AGE),
        c.simple(lambda o: c.labels(c.get(o, "spec", "podSelector", "matchLabels")), c.created),
    ),
    ("policy", "poddisruptionbudgets"): (
        (NAME, _S("Min Available"), _S("Max Unavailable"), _S("Allowed Disruptions", "integer"), AGE),
        c.pdb_cells,
    ),
    ("storage.k8s.io", "storageclasses"): (
        (NAME, _S("Provisioner"), _S("ReclaimPolicy"), _S("VolumeBindingMode"), _S("AllowVolumeExpansion"), AGE),
        c.storageclass_cells,
    ),
}
_CREATED_AT = Column("Created At", "date")
_DEFAULT = ((NAME, _CREATED_AT), c.simple(lambda o: c.meta(o).get("creationTimestamp") or "<unknown>"))


def columns_and_cells(
    resource: ResourceType, printer_columns: list[dict[str, Any]] | None = None
) -> tuple[tuple[Column, ...], Callable[[KubeObject], list[Cell]]]:
    """The Table columns of a type and the function computing one object's cells."""
    if printer_columns is not None:  # a custom resource: Name, then its additionalPrinterColumns
        shown = [c for c in printer_columns if not c.get("priority")] or [
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
        ]
        columns = (NAME, *(Column(c["name"], c.get("type", "string")) for c in shown))
        return columns, lambda obj: [c.meta(obj).get("name", ""), *(_custom_cell(obj, c) for c in shown)]
    return PRINTERS.get((resource.group, resource.name), _DEFAULT)


def _custom_cell(obj: KubeObject, column: dict[str, Any]) -> Cell:
    values = json_path(obj, str(column.get("jsonPath", "")))
    if not values or values[0] is None:
        return "<none>" if column.get("type") != "date" else "<unknown>"
    if column.get("type") == "date":
        return age(str(values[0]))
    if column.get("type") == "integer" and isinstance(values[0], int) and not isinstance(values[0], bool):
        return values[0]
    return ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)


_STEP = re.compile(r"""\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]|\[\*\]""")


def json_path(obj: Any, path: str) -> list[Any]:
    """The values at a kubectl JSONPath of the forms CRDs use: `.a.b`, `[0]`, `[*]`, `[?(@.k=="v")]`."""
    current, position = [obj], 0
    path = path.strip().removeprefix("{").removesuffix("}").removeprefix("$")
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            return []
        position = step.end()
        key, index, filter_key, filter_value = step.groups()
        nxt: list[Any] = []
        for value in current:
            if key is not None and isinstance(value, dict) and key in value:
                nxt.append(value[key])
            elif index is not None and isinstance(value, list) and int(index) < len(value):
                nxt.append(value[int(index)])
            elif isinstance(value, list) and key is None:
                nxt += [v for v in value if filter_key is None or str(c.get(v, *filter_key.split("."))) == filter_value]
        current = nxt
    return current
