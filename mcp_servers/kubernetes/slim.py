"""Objects cut down to the fields `find_problems` reads, as soon as they are listed.

A pod as the API serves it is several kilobytes (managedFields, the whole spec, image IDs); the
checks need a tenth of it. Keeping only that is what lets a sweep of thousands of pods fit in
tens of megabytes. The result keeps the API's shape (same keys, same nesting), so the checks
read a slim object exactly as they would read the full one.
"""

from __future__ import annotations

from typing import Any

from mcp_servers.kubernetes.backend import KubeObject

Keep = dict[str, Any]  # key -> True (keep whole) or a nested Keep (applied to each item of a list)
ALL = True
_META: Keep = {
    "name": ALL,
    "namespace": ALL,
    "creationTimestamp": ALL,
    "deletionTimestamp": ALL,
    "ownerReferences": ALL,
}
_CONTAINER_STATUS: Keep = {"name": ALL, "state": ALL, "lastState": ALL, "ready": ALL, "restartCount": ALL}
_CONTROLLER: Keep = {
    "metadata": _META,
    "spec": {"replicas": ALL, "template": {"metadata": {"labels": ALL}}},
    "status": ALL,
}

KEEP: dict[str, Keep] = {
    "pods": {
        "metadata": _META,
        "spec": {"nodeName": ALL, "initContainers": {"name": ALL}, "containers": {"name": ALL}},
        "status": {
            "phase": ALL,
            "reason": ALL,
            "message": ALL,
            "conditions": ALL,
            "containerStatuses": _CONTAINER_STATUS,
            "initContainerStatuses": _CONTAINER_STATUS,
        },
    },
    "replicasets": {
        "metadata": {**_META, "annotations": ALL},
        "spec": {"replicas": ALL},
        "status": {"replicas": ALL},
    },
    "deployments": _CONTROLLER,
    "statefulsets": _CONTROLLER,
    "daemonsets": _CONTROLLER,
    "jobs": {"metadata": _META, "spec": {"backoffLimit": ALL}, "status": ALL},
    "services": {"metadata": _META, "spec": {"selector": ALL, "type": ALL}},
    "endpoints": {"metadata": _META, "subsets": {"addresses": {"ip": ALL}, "notReadyAddresses": {"ip": ALL}}},
    "persistentvolumeclaims": {"metadata": _META, "status": {"phase": ALL}},
    "events": {
        "metadata": {"name": ALL, "namespace": ALL, "creationTimestamp": ALL},
        "involvedObject": {"kind": ALL, "name": ALL, "namespace": ALL},
        **dict.fromkeys(
            ("type", "reason", "message", "count", "series", "lastTimestamp", "eventTime", "firstTimestamp"), ALL
        ),
    },
    "nodes": {"metadata": {"name": ALL}, "spec": {"unschedulable": ALL}, "status": {"conditions": ALL}},
}


def _cut(value: Any, keep: Keep | bool) -> Any:
    if keep is True:
        return value
    if isinstance(value, list):
        return [_cut(item, keep) for item in value]
    if isinstance(value, dict):
        return {key: _cut(value[key], sub) for key, sub in keep.items() if key in value}  # type: ignore[union-attr]
    return value


def slim(resource: str, obj: KubeObject) -> KubeObject:
    """`obj` with only the fields the checks read (the whole object for a kind not listed)."""
    keep = KEEP.get(resource)
    return obj if keep is None else _cut(obj, keep)
