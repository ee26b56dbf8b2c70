"""The server's lifecycle: uvicorn over HTTPS in a background thread, snapshots, kubeconfigs."""

from __future__ import annotations

import itertools
import re
import secrets
import shutil
import ssl
import tempfile
import threading
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import uvicorn
from uvicorn_thread import UvicornThread, tcp_listener

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from .app import build_app
from .faults import Fault, FaultRegistry
from .kubeconfig import Kubeconfig, write_kubeconfig
from .paths import cluster_path, split_cluster_path
from .tls import ServerTls, issue_server_tls


class KubeApiServer:
    """A read-only Kubernetes API server for snapshot directories, for tests.

    Use as a context manager, or call start() and stop(). Every snapshot added is served below
    its own URL prefix, so tests in one process can use different clusters at the same time.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.token = secrets.token_urlsafe(24)
        self._clusters: dict[str, SnapshotBackend] = {}
        self._cluster_ids: dict[Path, str] = {}
        self._faults = FaultRegistry()
        self._lock = threading.Lock()
        self._workdir: Path | None = None
        self._tls: ServerTls | None = None
        self._uvicorn: UvicornThread | None = None
        self._port = 0
        self._kubeconfig_numbers = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> KubeApiServer:
        if self._uvicorn is not None:
            raise RuntimeError("the test API server is already running")
        self._workdir = Path(tempfile.mkdtemp(prefix="kube-api-server-"))
        self._tls = issue_server_tls(self.host, "localhost")
        self._tls.write_ca(self._workdir / "ca.crt")
        listener = tcp_listener(self.host)
        self._port = listener.getsockname()[1]
        server_context = self._tls.server_context()
        config = uvicorn.Config(
            build_app(self._clusters, token=self.token, faults=self._faults),
            lifespan="off",
            log_level="warning",
            access_log=False,
            ssl_context_factory=lambda _config, _default: server_context,
        )
        self._uvicorn = UvicornThread(config, listener, "test API server")
        self._uvicorn.start()
        return self

    def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._uvicorn = self._workdir = None

    def __enter__(self) -> KubeApiServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what clients need to connect ----------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self._port}"

    @property
    def ca_file(self) -> Path:
        return self._running_workdir() / "ca.crt"

    def client_ssl_context(self) -> ssl.SSLContext:
        """Trusts this run's CA; for raw HTTP clients."""
        if self._tls is None:
            raise RuntimeError("the test API server is not running")
        return self._tls.client_context()

    def _running_workdir(self) -> Path:
        if self._workdir is None:
            raise RuntimeError("the test API server is not running")
        return self._workdir

    # -- snapshots and kubeconfigs -------------------------------------------------------

    def add_snapshot(self, directory: str | Path) -> str:
        """Serve a snapshot directory; returns its server URL. The same directory, the same URL.

        Files are read lazily and cached, so a snapshot must be complete before its first use.
        """
        resolved = Path(directory).resolve()
        with self._lock:
            cluster_id = self._cluster_ids.get(resolved)
            if cluster_id is None:
                backend = SnapshotBackend(resolved)
                cluster_id = f"{len(self._cluster_ids) + 1}-{_slug(resolved)}"
                self._clusters[cluster_id] = backend
                self._cluster_ids[resolved] = cluster_id
        return self.base_url + cluster_path(cluster_id)

    def _cluster_id(self, server_url: str) -> str:
        cluster_id = split_cluster_path(urllib.parse.urlsplit(server_url).path)[0]
        if cluster_id is None:
            raise ValueError(f"{server_url} is not a cluster URL of this server (see add_snapshot)")
        return cluster_id

    def write_kubeconfig(
        self,
        path: str | Path,
        contexts: Mapping[str, str],
        *,
        current_context: str | None = None,
        namespace: str | None = None,
        token: str | None = None,
    ) -> Path:
        """A kubeconfig with one context per entry (context name -> server URL from add_snapshot).

        `token` overrides the server's token, e.g. to test how a client reports a 401.
        """
        return write_kubeconfig(
            path,
            contexts,
            ca_file=self.ca_file,
            token=self.token if token is None else token,
            current_context=current_context,
            namespace=namespace,
        )

    def kubeconfig_for(
        self,
        directory: str | Path,
        path: str | Path | None = None,
        *,
        alt_snapshot: str | Path | None = None,
        namespace: str | None = None,
    ) -> Kubeconfig:
        """Serve `directory` and write a kubeconfig for it (into the server's temporary folder
        unless `path` is given). Its `context` is current; `alt_context` serves `alt_snapshot`
        (default: the same directory)."""
        server_url = self.add_snapshot(directory)
        alt_server_url = self.add_snapshot(alt_snapshot) if alt_snapshot is not None else server_url
        target = Path(path) if path is not None else self._new_kubeconfig_path(self._cluster_id(server_url))
        context, alt_context = "snapshot", "snapshot-alt"
        self.write_kubeconfig(
            target, {context: server_url, alt_context: alt_server_url}, current_context=context, namespace=namespace
        )
        return Kubeconfig(target, context, alt_context, server_url, alt_server_url)

    def _new_kubeconfig_path(self, stem: str) -> Path:
        folder = self._running_workdir() / "kubeconfigs"
        folder.mkdir(exist_ok=True)
        return folder / f"{stem}-{next(self._kubeconfig_numbers)}.yaml"

    # -- fault injection -----------------------------------------------------------------

    def inject_fault(
        self,
        path_regex: str,
        *,
        status: int | None = None,
        delay_seconds: float = 0.0,
        times: int | None = None,
        server_url: str | None = None,
        message: str | None = None,
        retry_after_seconds: int | None = None,
    ) -> Fault:
        """Make matching requests fail with `status` (a Status body) and/or wait `delay_seconds`.

        `path_regex` is searched in the path below the cluster prefix (`/api/v1/namespaces/
        shop/pods`); `server_url` (from add_snapshot) limits the fault to that cluster; `times`
        limits how often it fires (None: until cleared). The returned Fault counts its `hits`.
        """
        cluster_id = self._cluster_id(server_url) if server_url is not None else None
        fault = Fault(
            re.compile(path_regex),
            status,
            delay_seconds=delay_seconds,
            times=times,
            cluster_id=cluster_id,
            message=message or "",
            retry_after_seconds=retry_after_seconds,
        )
        return self._faults.add(fault)

    def remove_fault(self, fault: Fault) -> None:
        self._faults.remove(fault)

    def clear_faults(self) -> None:
        self._faults.clear()


def _slug(directory: Path) -> str:
    """A readable id part from the last folders, e.g. "crashloop-cluster"."""
    words = "-".join(directory.parts[-2:]).lower()
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")[:48] or "snapshot"
