"""Assemble and run the Kubernetes tool server from its settings."""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_servers.kubernetes.backend import Backend, BackendError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.contexts import ContextReaders
from mcp_servers.kubernetes.settings import KubernetesServerSettings
from mcp_servers.kubernetes.tools import build_server

if TYPE_CHECKING:
    from mcp.server import MCPServer

_SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
log = logging.getLogger("sre.mcp.kubernetes")


def create_backend(settings: KubernetesServerSettings) -> Backend:
    if settings.snapshot is not None:
        return SnapshotBackend(settings.snapshot)
    # Imported here: the kubernetes client takes ~0.9 s to import, which snapshot users
    # (the demo, Claude Desktop on a dump) should not wait for at every start.
    from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client

    api_client = load_api_client(str(settings.kubeconfig) if settings.kubeconfig else None, settings.kube_context)
    return LiveBackend(api_client, timeout_seconds=settings.api_timeout_seconds)


def create_server(settings: KubernetesServerSettings, backend: Backend | None = None) -> MCPServer:
    if backend is not None:
        return build_server(ClusterReader(backend, allowed_namespaces=settings.allowed_namespaces or None))
    return build_server(create_contexts(settings))


def create_contexts(settings: KubernetesServerSettings) -> ContextReaders:
    """One reader per served context (`kube_contexts`), each with its own namespace allow-list."""
    names = _context_names(settings)
    if len(names) <= 1:
        single = settings.model_copy(update={"kube_context": names[0]}) if names else settings
        name = "snapshot" if settings.snapshot is not None else (single.kube_context or "default")
        return ContextReaders.single(
            ClusterReader(create_backend(single), allowed_namespaces=_allowed(settings, name)), name
        )
    readers = {
        name: ClusterReader(
            create_backend(settings.model_copy(update={"kube_context": name})),
            allowed_namespaces=_allowed(settings, name),
        )
        for name in names
    }
    default = settings.kube_context if settings.kube_context in readers else _current_context(settings)
    return ContextReaders(readers, default if default in readers else names[0])


def _allowed(settings: KubernetesServerSettings, context: str) -> list[str] | None:
    return settings.context_namespaces.get(context) or settings.allowed_namespaces or None


def _kubeconfig_contexts(settings: KubernetesServerSettings) -> tuple[list[str], str | None]:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, active = config.list_kube_config_contexts(str(settings.kubeconfig) if settings.kubeconfig else None)
    except (ConfigException, OSError) as exc:
        raise BackendError(f"cannot read the kubeconfig's contexts: {exc}") from exc
    return [c["name"] for c in contexts], (active or {}).get("name")


def _current_context(settings: KubernetesServerSettings) -> str | None:
    return _kubeconfig_contexts(settings)[1]


def _context_names(settings: KubernetesServerSettings) -> list[str]:
    if settings.snapshot is not None or not settings.kube_contexts:
        return []
    available, _ = _kubeconfig_contexts(settings)
    if settings.kube_contexts == ["*"]:
        return available
    unknown = [name for name in settings.kube_contexts if name not in available]
    if unknown:
        raise BackendError(
            f"the kubeconfig has no context {', '.join(unknown)}; its contexts are: {', '.join(available)}"
        )
    return list(dict.fromkeys(settings.kube_contexts))


def _startup_namespace(settings: KubernetesServerSettings) -> str | None:
    """Where the startup check lists pods: our own namespace, so that a missing RBAC grant fails at
    start rather than in the middle of an incident."""
    if settings.namespace:
        return settings.namespace
    if _SERVICE_ACCOUNT_NAMESPACE.is_file():
        return _SERVICE_ACCOUNT_NAMESPACE.read_text(encoding="utf-8").strip()
    return settings.allowed_namespaces[0] if settings.allowed_namespaces else None


def run(settings: KubernetesServerSettings) -> int:
    """Serve until stopped; a clear message and exit code 2 when the cluster cannot be read."""
    try:
        tokens = settings.tokens()
        contexts = create_contexts(settings)
        backend = contexts.reader(contexts.default).backend
        namespace = _startup_namespace(settings)
        backend.check_connection(namespace)
    except (BackendError, ValueError) as exc:
        print(f"sre-orchestrator mcp: cannot start: {exc}", file=sys.stderr)
        return 2
    server = build_server(contexts)
    # What the start made lives as long as the server: kept out of every later collection.
    gc.freeze()
    gc.enable()
    if settings.transport == "stdio":
        from common.mcp_stdio import serve_stdio

        serve_stdio(server)
        return 0
    return _serve_http(settings, server, backend, tokens, namespace)


def _serve_http(
    settings: KubernetesServerSettings, server: MCPServer, backend: Backend, tokens: list[str], namespace: str | None
) -> int:
    # Imported here: stdio (what an MCP client spawns) needs neither Starlette nor uvicorn.
    import uvicorn

    from common.http_guard import unprotected_listen_error
    from mcp_servers.kubernetes.http import build_http_app

    refused = unprotected_listen_error(
        settings.host,
        settings.port,
        has_tokens=bool(tokens),
        allowed=settings.mcp_allow_unauthenticated,
        tokens_setting="SRE_MCP_TOKENS",
        allow_setting="SRE_MCP_ALLOW_UNAUTHENTICATED",
    )
    if refused:
        print(f"sre-orchestrator mcp: {refused}", file=sys.stderr)
        return 2
    app = build_http_app(server, backend, allowed_hosts=settings.mcp_allowed_hosts, tokens=tokens, namespace=namespace)
    log.info(
        "serving the Kubernetes tools on http://%s:%d/mcp (%s backend)",
        settings.host,
        settings.port,
        backend.name,
    )
    # log_config=None: keep the command's logging (JSON or text); warning: no access log per tool call.
    # A few calls per investigation: asyncio's loop and h11 (which the MCP library loads anyway) cost
    # 1.5 MiB less resident memory than uvloop and httptools, which the REST API uses.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        lifespan="on",
        loop="asyncio",
        http="h11",
    )
    return 0
