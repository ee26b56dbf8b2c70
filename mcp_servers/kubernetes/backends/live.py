"""A live cluster through the official `kubernetes` client.

Objects are read with `_preload_content=False` and parsed as plain JSON, so the tool layer
sees exactly what the API server sent (the same shape a snapshot holds) rather than the
client's generated models. Credentials: the pod's service account when running in a cluster,
else a kubeconfig file and context.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.util.retry import Retry

from mcp_servers.kubernetes.backend import (
    BackendError,
    ForbiddenError,
    KubeObject,
    ListPage,
    LogsUnavailableError,
    NotFoundError,
)
from mcp_servers.kubernetes.backends.live_resources import LiveResources
from mcp_servers.kubernetes.resources import RESOURCES, ResourceName

# Client method suffixes for each resource (list_namespaced_<x>, read_namespaced_<x>, ...).
_METHOD_NAMES: dict[ResourceName, tuple[type, str]] = {
    "pods": (client.CoreV1Api, "pod"),
    "events": (client.CoreV1Api, "event"),
    "services": (client.CoreV1Api, "service"),
    "endpoints": (client.CoreV1Api, "endpoints"),
    "persistentvolumeclaims": (client.CoreV1Api, "persistent_volume_claim"),
    "nodes": (client.CoreV1Api, "node"),
    "deployments": (client.AppsV1Api, "deployment"),
    "replicasets": (client.AppsV1Api, "replica_set"),
    "statefulsets": (client.AppsV1Api, "stateful_set"),
    "daemonsets": (client.AppsV1Api, "daemon_set"),
    "jobs": (client.BatchV1Api, "job"),
    "controllerrevisions": (client.AppsV1Api, "controller_revision"),
}
_PAGE_SIZE = 500
# urllib3's default retries a GET three times after a read timeout, so a hung API server would
# cost four timeouts per call. Retry only what cannot have reached the server (connecting),
# so one call costs at most one timeout and a failure is reported at once.
_RETRIES = Retry(total=2, connect=2, read=0, status=0, other=0, redirect=0, backoff_factor=0.2)


def load_api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """In-cluster credentials when running in a pod, else the kubeconfig (and context) given."""
    configuration = client.Configuration()
    try:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not kubeconfig:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    except (ConfigException, OSError) as exc:
        where = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise BackendError(
            f"cannot load Kubernetes credentials (in-cluster service account or kubeconfig {where}"
            f"{f', context {context}' if context else ''}): {exc}"
        ) from exc
    configuration.retries = _RETRIES
    return client.ApiClient(configuration)


class LiveBackend:
    name = "live"

    def __init__(self, api_client: client.ApiClient, *, timeout_seconds: float = 15.0) -> None:
        self._api_client = api_client
        self._apis: dict[type, Any] = {}
        self._timeout = (min(5.0, timeout_seconds), timeout_seconds)
        self.resources = LiveResources(api_client, self._timeout)  # any other resource type, for the generic tools

    @property
    def host(self) -> str:
        return str(self._api_client.configuration.host)

    def _api(self, api_class: type) -> Any:
        if api_class not in self._apis:
            self._apis[api_class] = api_class(self._api_client)
        return self._apis[api_class]

    def _call(self, method: Any, *args: Any, what: str, **kwargs: Any) -> Any:
        try:
            response = method(*args, _preload_content=False, _request_timeout=self._timeout, **kwargs)
            return response.data
        except ApiException as exc:
            if exc.status == 403:
                raise ForbiddenError(f"not allowed to read {what}: {_status_message(exc)}") from exc
            raise
        except urllib3.exceptions.HTTPError as exc:
            reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
            if isinstance(reason, urllib3.exceptions.TimeoutError):
                reason = f"no answer within {self._timeout[1]:g} s"
            raise BackendError(f"the Kubernetes API at {self.host} failed while reading {what}: {reason}") from exc

    def list(
        self,
        resource: ResourceName,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> ListPage:
        page = ListPage()
        for chunk in self.pages(
            resource, namespace, label_selector=label_selector, field_selector=field_selector, limit=limit
        ):
            page.items += chunk.items
            page.truncated = chunk.truncated
        return page

    def pages(
        self,
        resource: ResourceName,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int = 500,
    ) -> Iterator[ListPage]:
        """`list` as the API server's pages, so a caller can digest each before the next is read;
        the last page says whether the list was cut at `limit`."""
        api_class, suffix = _METHOD_NAMES[resource]
        api = self._api(api_class)
        namespaced = RESOURCES[resource].namespaced
        if not namespaced:
            method, args = getattr(api, f"list_{suffix}"), ()
        elif namespace:
            method, args = getattr(api, f"list_namespaced_{suffix}"), (namespace,)
        else:
            method, args = getattr(api, f"list_{suffix}_for_all_namespaces"), ()
        what = f"{resource} in namespace {namespace}" if namespace else resource
        seen, token = 0, None
        while seen < limit:
            kwargs: dict[str, Any] = {"limit": min(_PAGE_SIZE, limit - seen)}
            if label_selector:
                kwargs["label_selector"] = label_selector
            if field_selector:
                kwargs["field_selector"] = field_selector
            if token:
                kwargs["_continue"] = token
            try:
                body = json.loads(self._call(method, *args, what=what, **kwargs))
            except ApiException as exc:
                raise BackendError(f"listing {what} failed: {_status_message(exc)}") from exc
            items = body.get("items") or []
            seen += len(items)
            token = (body.get("metadata") or {}).get("continue")
            yield ListPage(items, truncated=bool(token) and seen >= limit)
            if not token:
                return

    def get(self, resource: ResourceName, namespace: str | None, name: str) -> KubeObject:
        api_class, suffix = _METHOD_NAMES[resource]
        api = self._api(api_class)
        spec = RESOURCES[resource]
        args = (name, namespace) if spec.namespaced else (name,)
        method = getattr(api, f"read_namespaced_{suffix}" if spec.namespaced else f"read_{suffix}")
        what = f"{spec.kind} {namespace}/{name}" if spec.namespaced else f"{spec.kind} {name}"
        try:
            return json.loads(self._call(method, *args, what=what))
        except ApiException as exc:
            if exc.status == 404:
                raise NotFoundError(spec.kind, name, namespace if spec.namespaced else None) from exc
            raise BackendError(f"reading {what} failed: {_status_message(exc)}") from exc

    def logs(self, namespace: str, pod: str, container: str, *, tail_lines: int, previous: bool) -> str:
        api = self._api(client.CoreV1Api)
        what = f"logs of container {container} of pod {namespace}/{pod}"
        try:
            data = self._call(
                api.read_namespaced_pod_log,
                pod,
                namespace,
                what=what,
                container=container,
                tail_lines=tail_lines,
                previous=previous,
            )
        except ApiException as exc:
            if exc.status in (400, 404):
                # The API answers 400 when there is no previous instance or the container has
                # not started; both mean "no such logs", phrased as the snapshot backend does.
                kind = "previous terminated container" if previous else "container"
                raise LogsUnavailableError(f"no logs for {kind} {container!r} of pod {namespace}/{pod}") from exc
            raise BackendError(f"reading {what} failed: {_status_message(exc)}") from exc
        return data.decode("utf-8", errors="replace")

    def check_connection(self, namespace: str | None) -> None:
        self.list("pods", namespace, limit=1)


def _status_message(exc: ApiException) -> str:
    """The HTTP status and the human part of a Kubernetes Status error (else the HTTP reason)."""
    try:
        message = str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except (ValueError, AttributeError):
        message = str(exc.reason)
    return f"HTTP {exc.status}: {message}"
