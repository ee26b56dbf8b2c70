"""The `pods/log` subresource with the API server's and the kubelet's own error wording.

Clients branch on these answers (which container to ask for, whether a previous instance
exists), so the 400s carry the same messages a real cluster gives.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from mcp_servers.kubernetes.backend import KubeObject, LogsUnavailableError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from .params import bool_param, int_param
from .status import ApiError


def pod_logs(backend: SnapshotBackend, pod: KubeObject, params: Mapping[str, str]) -> bytes:
    namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    container = _container(pod, params.get("container") or None)
    previous = bool_param(params, "previous")
    tail_lines = _non_negative_int(params, "tailLines")
    limit_bytes = _non_negative_int(params, "limitBytes")
    try:
        text = backend.logs(
            namespace,
            name,
            container,
            tail_lines=sys.maxsize if tail_lines is None else tail_lines,
            previous=previous,
        )
    except LogsUnavailableError as exc:
        raise ApiError.bad_request(_unavailable(pod, container, previous, str(exc))) from None
    body = text.encode("utf-8")
    return body if limit_bytes is None else body[:limit_bytes]


def _names(containers: list[dict[str, Any]] | None) -> list[str]:
    return [c.get("name", "") for c in containers or []]


def _container(pod: KubeObject, requested: str | None) -> str:
    """The API server's own rules (pkg/registry/core/pod LogLocation)."""
    spec, name = pod.get("spec") or {}, pod["metadata"]["name"]
    containers = _names(spec.get("containers"))
    if requested is None:
        if len(containers) == 1:
            return containers[0]
        if not containers:
            raise ApiError.bad_request(f"a container name must be specified for pod {name}")
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
        if init := _names(spec.get("initContainers")):
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise ApiError.bad_request(message)
    every = containers + _names(spec.get("initContainers")) + _names(spec.get("ephemeralContainers"))
    if requested not in every:
        raise ApiError.bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def _container_status(pod: KubeObject, container: str) -> dict[str, Any]:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") == container:
                return entry
    return {}


def _unavailable(pod: KubeObject, container: str, previous: bool, fallback: str) -> str:
    """The kubelet's message (validateContainerLogStatus) for a container without such logs."""
    name = pod["metadata"]["name"]
    if previous:
        return f'previous terminated container "{container}" in pod "{name}" not found'
    state = _container_status(pod, container).get("state") or {}
    if "waiting" in state:
        reason = (state["waiting"] or {}).get("reason", "")
        detail = {
            "ErrImagePull": "image can't be pulled",
            "ImagePullBackOff": "trying and failing to pull image",
        }.get(reason, reason)
        return f'container "{container}" in pod "{name}" is waiting to start: {detail}'
    if "terminated" in state:
        return f'container "{container}" in pod "{name}" is terminated'
    if not state:
        return f'container "{container}" in pod "{name}" is waiting to start - no logs yet'
    # A running container whose logs the snapshot did not record.
    return fallback


def _non_negative_int(params: Mapping[str, str], key: str) -> int | None:
    value = int_param(params, key)
    if value is not None and value < 0:
        raise ApiError(422, f"PodLogOptions is invalid: {key}: Invalid value: {value}: must be >= 0")
    return value
