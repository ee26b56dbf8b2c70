"""A live cluster through the official `kubernetes` client's connection.

Objects are read with plain GETs (live_http.py) and parsed as JSON, so the tool layer sees
exactly what the API server sent (the same shape a snapshot holds) rather than the client's
generated models, whose import alone costs seconds. Credentials: the pod's service account
when running in a cluster, else a kubeconfig file and context.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from kubernetes import client, config
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
from mcp_servers.kubernetes.backends.live_http import JSON, TEXT, ApiGetter, ApiStatusError, Query, segment
from mcp_servers.kubernetes.backends.live_resources import LiveResources
from mcp_servers.kubernetes.resources import RESOURCES, Resource, ResourceName

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
        self._http = ApiGetter(api_client, (min(5.0, timeout_seconds), timeout_seconds))
        self.resources = LiveResources(self._http)  # any other resource type, for the generic tools

    @property
    def host(self) -> str:
        return self._http.host

    def _read(self, path: str, query: Query = (), *, what: str, accept: str = JSON) -> bytes:
        """The body; 403 as ForbiddenError, any other error status as ApiStatusError."""
        try:
            return self._http.raw(path, query, accept=accept, what=what)
        except ApiStatusError as exc:
            if exc.status == 403:
                raise ForbiddenError(f"not allowed to read {what}: {exc}") from exc
            raise

    def _json(self, path: str, query: Query = (), *, what: str) -> Any:
        return json.loads(self._read(path, query, what=what) or b"{}")

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
        spec = RESOURCES[resource]
        path = _path(spec, namespace if spec.namespaced else None)
        what = f"{resource} in namespace {namespace}" if namespace else resource
        selectors = [("labelSelector", label_selector)] if label_selector else []
        selectors += [("fieldSelector", field_selector)] if field_selector else []
        seen, token = 0, None
        while seen < limit:
            query = [*selectors, ("limit", str(min(_PAGE_SIZE, limit - seen)))]
            if token:
                query.append(("continue", token))
            try:
                body = self._json(path, query, what=what)
            except ApiStatusError as exc:
                raise BackendError(f"listing {what} failed: {exc}") from exc
            items = body.get("items") or []
            seen += len(items)
            token = (body.get("metadata") or {}).get("continue")
            yield ListPage(items, truncated=bool(token) and seen >= limit)
            if not token:
                return

    def get(self, resource: ResourceName, namespace: str | None, name: str) -> KubeObject:
        spec = RESOURCES[resource]
        namespace = namespace if spec.namespaced else None
        what = f"{spec.kind} {namespace}/{name}" if namespace else f"{spec.kind} {name}"
        try:
            return self._json(f"{_path(spec, namespace)}/{segment(name)}", what=what)
        except ApiStatusError as exc:
            if exc.status == 404:
                raise NotFoundError(spec.kind, name, namespace) from exc
            raise BackendError(f"reading {what} failed: {exc}") from exc

    def logs(self, namespace: str, pod: str, container: str, *, tail_lines: int, previous: bool) -> str:
        what = f"logs of container {container} of pod {namespace}/{pod}"
        path = f"{_path(RESOURCES['pods'], namespace)}/{segment(pod)}/log"
        query = [("container", container), ("tailLines", str(tail_lines)), ("previous", str(previous).lower())]
        try:
            data = self._read(path, query, what=what, accept=TEXT)
        except ApiStatusError as exc:
            if exc.status in (400, 404):
                # The API answers 400 when there is no previous instance or the container has
                # not started; both mean "no such logs", phrased as the snapshot backend does.
                kind = "previous terminated container" if previous else "container"
                raise LogsUnavailableError(f"no logs for {kind} {container!r} of pod {namespace}/{pod}") from exc
            raise BackendError(f"reading {what} failed: {exc}") from exc
        return data.decode("utf-8", errors="replace")

    def check_connection(self, namespace: str | None) -> None:
        self.list("pods", namespace, limit=1)


def _path(spec: Resource, namespace: str | None) -> str:
    prefix = "/api/v1" if spec.group_version == "v1" else f"/apis/{spec.group_version}"
    return f"{prefix}/namespaces/{segment(namespace)}/{spec.name}" if namespace else f"{prefix}/{spec.name}"
