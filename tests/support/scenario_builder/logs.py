"""Container logs that read like the real thing, per language and runtime.

A log source is either a literal string or a function of a `LogContext` (which pod, which
container instance, when it started and stopped), so the same definition yields correctly
timed logs for the current and the previous instance of a crash-looping container.

Each `*Log` class knows its runtime's line format; scenarios call `.line(offset, ...)` with
an offset in seconds from the instance start and `.raw(...)` for stack traces.
"""

# Log lines and messages are reproduced verbatim, whatever their length.
# ruff: noqa: E501

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import ids


@dataclass(frozen=True)
class LogContext:
    namespace: str
    pod: str
    container: str
    pod_ip: str
    node: str
    start: datetime
    end: datetime  # when the instance stopped, or NOW while it runs
    instance: int  # 0 for the first run of the container, 1 after the first restart, ...
    node_ip: str = ""  # where kubelet probes come from

    @property
    def uptime(self) -> float:
        return (self.end - self.start).total_seconds()


LogSource = str | Callable[[LogContext], str]


def render_logs(source: LogSource | None, ctx: LogContext) -> str:
    if source is None:
        return ""
    text = source if isinstance(source, str) else source(ctx)
    return text if not text or text.endswith("\n") else text + "\n"


class Log:
    """Collects lines for one container instance; subclasses format a line for a runtime."""

    def __init__(self, ctx: LogContext) -> None:
        self.ctx = ctx
        self._lines: list[str] = []

    def at(self, offset: float) -> datetime:
        """`offset` seconds after start; negative offsets count back from the end."""
        moment = self.ctx.start + timedelta(seconds=offset) if offset >= 0 else self.ctx.end + timedelta(seconds=offset)
        return min(moment, self.ctx.end)

    def raw(self, text: str) -> Log:
        self._lines.extend(text.strip("\n").split("\n"))
        return self

    def text(self) -> str:
        return "\n".join(self._lines) + "\n" if self._lines else ""

    def tail_offsets(self, count: int, every: float) -> Iterable[float]:
        """Offsets (negative, from the end) for `count` periodic lines before the instance ended."""
        return (-(count - i) * every for i in range(count))

    @staticmethod
    def iso_millis(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- runtimes -------------------------------------------------------------------------


class SpringLog(Log):
    """Spring Boot 3 default console format."""

    def __init__(self, ctx: LogContext, app: str) -> None:
        super().__init__(ctx)
        self.app = app

    def line(self, offset: float, level: str, logger: str, message: str, *, thread: str = "main") -> SpringLog:
        moment = self.at(offset)
        self._lines.append(
            f"{self.iso_millis(moment)} {level:>5} 1 --- [{self.app}] [{thread[-15:]:>15}] {logger[:40]:<40} : {message}"
        )
        return self

    def startup(
        self, *, main_class: str, version: str, port: int, java: str = "21.0.5", took: float = 8.4
    ) -> SpringLog:
        package = ".".join(part[0] for part in main_class.split(".")[:-1]) + "." + main_class.split(".")[-1]
        self.raw(SPRING_BANNER)
        self.line(
            0.9,
            "INFO",
            package,
            f"Starting {main_class.split('.')[-1]} v{version} using Java {java} with PID 1 (/app/app.jar started by app in /app)",
        )
        self.line(
            0.95,
            "INFO",
            package,
            'No active profile set, falling back to 1 default profile: "default"'
            if version.startswith("0")
            else 'The following 1 profile is active: "prod"',
        )
        self.line(3.1, "INFO", "o.s.b.w.embedded.tomcat.TomcatWebServer", f"Tomcat initialized with port {port} (http)")
        self.line(3.2, "INFO", "o.apache.catalina.core.StandardService", "Starting service [Tomcat]")
        self.line(
            3.2, "INFO", "o.apache.catalina.core.StandardEngine", "Starting Servlet engine: [Apache Tomcat/10.1.34]"
        )
        return self

    def started(self, *, main_class: str, port: int, took: float = 8.4) -> SpringLog:
        package = ".".join(part[0] for part in main_class.split(".")[:-1]) + "." + main_class.split(".")[-1]
        self.line(
            took - 0.2,
            "INFO",
            "o.s.b.w.embedded.tomcat.TomcatWebServer",
            f"Tomcat started on port {port} (http) with context path '/'",
        )
        self.line(
            took,
            "INFO",
            package,
            f"Started {main_class.split('.')[-1]} in {took:.3f} seconds (process running for {took + 0.6:.3f})",
        )
        return self


SPRING_BANNER = r"""
  .   ____          _            __ _ _
 /\\ / ___'_ __ _ _(_)_ __  __ _ \ \ \ \
( ( )\___ | '_ | '_| | '_ \/ _` | \ \ \ \
 \\/  ___)| |_)| | | | | || (_| |  ) ) ) )
  '  |____| .__|_| |_|_| |_\__, | / / / /
 =========|_|==============|___/=/_/_/_/

 :: Spring Boot ::                (v3.4.1)
"""


class GoLog(Log):
    """zap production JSON lines."""

    def line(self, offset: float, level: str, caller: str, message: str, **fields: object) -> GoLog:
        entry: dict[str, object] = {
            "level": level,
            "ts": self.iso_millis(self.at(offset)),
            "caller": caller,
            "msg": message,
        }
        entry.update(fields)
        self._lines.append(json.dumps(entry, separators=(",", ":")))
        return self


class KlogLog(Log):
    """klog text format used by Kubernetes components and many Go controllers."""

    def line(self, offset: float, severity: str, source: str, message: str) -> KlogLog:
        moment = self.at(offset)
        self._lines.append(f"{severity[0]}{moment:%m%d %H:%M:%S}.{moment.microsecond:06d}       1 {source}] {message}")
        return self


class PythonLog(Log):
    """gunicorn/uvicorn process lines plus stdlib logging `%(asctime)s %(levelname)s %(name)s %(message)s`."""

    def gunicorn_boot(
        self, *, port: int, app: str = "app.main:app", workers: int = 2, uvicorn: bool = True
    ) -> PythonLog:
        stamp = self._gunicorn_stamp
        self._lines.append(f"[{stamp(0.2)}] [1] [INFO] Starting gunicorn 23.0.0")
        self._lines.append(f"[{stamp(0.21)}] [1] [INFO] Listening at: http://0.0.0.0:{port} (1)")
        worker = "uvicorn.workers.UvicornWorker" if uvicorn else "sync"
        self._lines.append(f"[{stamp(0.21)}] [1] [INFO] Using worker: {worker}")
        for i in range(workers):
            self._lines.append(f"[{stamp(0.25 + i * 0.01)}] [{7 + i}] [INFO] Booting worker with pid: {7 + i}")
        if uvicorn:
            for i in range(workers):
                self._lines.append(f"[{stamp(1.4 + i * 0.02)}] [{7 + i}] [INFO] Started server process [{7 + i}]")
                self._lines.append(f"[{stamp(1.41 + i * 0.02)}] [{7 + i}] [INFO] Waiting for application startup.")
        return self

    def app_ready(self, offset: float = 1.9, workers: int = 2) -> PythonLog:
        for i in range(workers):
            self._lines.append(
                f"[{self._gunicorn_stamp(offset + i * 0.01)}] [{7 + i}] [INFO] Application startup complete."
            )
        return self

    def line(self, offset: float, level: str, logger: str, message: str) -> PythonLog:
        moment = self.at(offset)
        self._lines.append(f"{moment:%Y-%m-%d %H:%M:%S},{moment.microsecond // 1000:03d} {level} {logger} {message}")
        return self

    def access(
        self, offset: float, method: str, path: str, status: int, *, client: str | None = None, worker: int = 7
    ) -> PythonLog:
        """A uvicorn access line as gunicorn's UvicornWorker logs it (client defaults to the kubelet)."""
        port = ids.number(32768, 60999, self.ctx.pod, offset, path)
        self._lines.append(
            f"[{self._gunicorn_stamp(offset)}] [{worker}] [INFO] {client or self.ctx.node_ip}:{port} - "
            f'"{method} {path} HTTP/1.1" {status}'
        )
        return self

    def _gunicorn_stamp(self, offset: float) -> str:
        return f"{self.at(offset):%Y-%m-%d %H:%M:%S} +0000"


class NodeLog(Log):
    """pino JSON lines (Fastify/Express with pino-http)."""

    LEVELS = {"trace": 10, "debug": 20, "info": 30, "warn": 40, "error": 50, "fatal": 60}

    def line(self, offset: float, level: str, message: str, **fields: object) -> NodeLog:
        moment = self.at(offset)
        entry: dict[str, object] = {
            "level": self.LEVELS[level],
            "time": int(moment.timestamp() * 1000),
            "pid": 1,
            "hostname": self.ctx.pod,
        }
        entry.update(fields)
        entry["msg"] = message
        self._lines.append(json.dumps(entry, separators=(",", ":")))
        return self


# --- healthy logs of common workloads -------------------------------------------------


def spring_service(app: str, main_class: str, *, port: int = 8080, version: str = "1.0.0") -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = SpringLog(ctx, app)
        log.startup(main_class=main_class, version=version, port=port)
        log.line(5.3, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Starting...")
        log.line(
            5.9,
            "INFO",
            "com.zaxxer.hikari.pool.HikariPool",
            "HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@5b1ebf56",
        )
        log.line(5.9, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed.")
        log.started(main_class=main_class, port=port)
        if ctx.uptime > 120:
            log.line(
                -95,
                "INFO",
                "o.a.c.c.C.[Tomcat].[localhost].[/]",
                "Initializing Spring DispatcherServlet 'dispatcherServlet'",
                thread="nio-8080-exec-1",
            )
        return log.text()

    return logs


def go_service(app: str, *, port: int = 8080, version: str = "v1.0.0") -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = GoLog(ctx)
        log.line(0.01, "info", "cmd/main.go:41", "starting", service=app, version=version, go="go1.23.4")
        log.line(0.02, "info", "config/config.go:77", "configuration loaded", source="env")
        log.line(0.15, "info", "server/http.go:58", "http server listening", addr=f":{port}")
        log.line(0.15, "info", "server/metrics.go:23", "metrics server listening", addr=":9090")
        if ctx.uptime > 300:
            for i, offset in enumerate(log.tail_offsets(3, 60)):
                log.line(
                    offset,
                    "info",
                    "server/http.go:112",
                    "request served",
                    method="GET",
                    path="/api/v1/status",
                    status=200,
                    duration_ms=3 + i,
                )
        return log.text()

    return logs


def python_service(app: str, *, port: int = 8000) -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = PythonLog(ctx)
        log.gunicorn_boot(port=port)
        log.line(1.6, "INFO", f"{app.replace('-', '_')}.startup", "database pool ready (min=2, max=10)")
        log.app_ready()
        if ctx.uptime > 120:
            for offset in log.tail_offsets(4, 30):
                log.access(offset, "GET", "/healthz", 200)
        return log.text()

    return logs


def node_service(app: str, *, port: int = 3000, version: str = "1.0.0") -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = NodeLog(ctx)
        log.line(0.4, "info", f"{app} {version} starting", env="production", node="v20.18.1")
        log.line(0.9, "info", f"Server listening at http://0.0.0.0:{port}")
        if ctx.uptime > 120:
            for i, offset in enumerate(log.tail_offsets(3, 40)):
                log.line(
                    offset,
                    "info",
                    "request completed",
                    reqId=f"req-{ids.number(100, 999, ctx.pod, i)}",
                    res={"statusCode": 200},
                    responseTime=12.4 + i,
                )
        return log.text()

    return logs


def nginx_frontend() -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = Log(ctx)
        start = log.at(0.1)
        stamp = f"{start:%Y/%m/%d %H:%M:%S}"
        log.raw(
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n"
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/\n"
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh\n"
            "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
            f'{stamp} [notice] 1#1: using the "epoll" event method\n'
            f"{stamp} [notice] 1#1: nginx/1.27.3\n"
            f"{stamp} [notice] 1#1: start worker processes"
        )
        if ctx.uptime > 60:
            for i, offset in enumerate(log.tail_offsets(4, 20)):
                moment = log.at(offset)
                log.raw(
                    f'10.0.{i}.{20 + i} - - [{moment:%d/%b/%Y:%H:%M:%S} +0000] "GET /static/js/main.{ids.hex_id(8, ctx.pod)}.js HTTP/1.1" 200 48213 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15" "-"'
                )
        return log.text()

    return logs


def postgres(version: str = "16.4") -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = Log(ctx)
        stamp = lambda offset: f"{log.at(offset):%Y-%m-%d %H:%M:%S}.{log.at(offset).microsecond // 1000:03d} UTC"  # noqa: E731
        log.raw("\nPostgreSQL Database directory appears to contains a database; Skipping initialization\n")
        log.raw(
            f"{stamp(0.3)} [1] LOG:  starting PostgreSQL {version} (Debian {version}-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit\n"
            f'{stamp(0.3)} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432\n'
            f'{stamp(0.3)} [1] LOG:  listening on IPv6 address "::", port 5432\n'
            f'{stamp(0.31)} [1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"\n'
            f"{stamp(0.35)} [29] LOG:  database system was shut down at {ctx.start - timedelta(seconds=4):%Y-%m-%d %H:%M:%S} UTC\n"
            f"{stamp(0.4)} [1] LOG:  database system is ready to accept connections"
        )
        if ctx.uptime > 600:
            log.raw(
                f"{stamp(-240)} [27] LOG:  checkpoint starting: time\n{stamp(-236)} [27] LOG:  checkpoint complete: wrote 41 buffers (0.3%); 0 WAL file(s) added, 0 removed, 0 recycled; write=4.021 s, sync=0.004 s, total=4.031 s; sync files=12, longest=0.002 s, average=0.001 s; distance=212 kB, estimate=388 kB; lsn=0/3A1F2C8, redo lsn=0/3A1B9F0"
            )
        return log.text()

    return logs


def redis(version: str = "7.4.1") -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = Log(ctx)
        stamp = lambda offset: f"{log.at(offset):%d %b %Y %H:%M:%S}.{log.at(offset).microsecond // 1000:03d}"  # noqa: E731
        log.raw(
            f"1:C {stamp(0.01)} # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n"
            f"1:C {stamp(0.01)} # Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just started\n"
            f"1:M {stamp(0.02)} * monotonic clock: POSIX clock_gettime\n"
            f"1:M {stamp(0.02)} * Running mode=standalone, port=6379.\n"
            f"1:M {stamp(0.03)} * Server initialized\n"
            f"1:M {stamp(0.03)} * Ready to accept connections tcp"
        )
        return log.text()

    return logs


def istio_proxy() -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = Log(ctx)
        stamp = lambda offset: Log.iso_millis(log.at(offset)).replace("Z", "000Z")  # noqa: E731
        log.raw(
            f'{stamp(0.05)}\tinfo\tFLAG: --concurrency="2"\n'
            f"{stamp(0.08)}\tinfo\tVersion 1.24.2-c6e7f0c1d3b3b8a6a5e1f8c9f4a4e8d2b6f2d9a1-Clean\n"
            f"{stamp(0.2)}\tinfo\tProxy role\tips=[{ctx.pod_ip}] type=sidecar id={ctx.pod}.{ctx.namespace} domain={ctx.namespace}.svc.cluster.local\n"
            f"{stamp(0.9)}\tinfo\txdsproxy\tconnected to delta upstream XDS server: istiod.istio-system.svc:15012\n"
            f"{stamp(1.3)}\tinfo\tads\tADS: new connection for node:{ctx.pod}.{ctx.namespace}-1\n"
            f"{stamp(1.6)}\tinfo\tReadiness succeeded in 1.412153891s\n"
            f"{stamp(1.6)}\tinfo\tEnvoy proxy is ready"
        )
        return log.text()

    return logs


def fluent_bit() -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = Log(ctx)
        stamp = lambda offset: f"{log.at(offset):%Y/%m/%d %H:%M:%S}"  # noqa: E731
        log.raw(
            "Fluent Bit v3.2.4\n"
            "* Copyright (C) 2015-2024 The Fluent Bit Authors\n"
            "* Fluent Bit is a CNCF sub-project under the umbrella of Fluentd\n"
            "* https://fluentbit.io\n\n"
            f"[{stamp(0.01)}] [ info] [fluent bit] version=3.2.4, commit=8f8a3b2f1c, pid=1\n"
            f"[{stamp(0.01)}] [ info] [storage] ver=1.5.2, type=memory, sync=normal, checksum=off, max_chunks_up=128\n"
            f"[{stamp(0.02)}] [ info] [input:tail:tail.0] initializing\n"
            f"[{stamp(0.03)}] [ info] [output:forward:forward.0] worker #0 started\n"
            f"[{stamp(0.03)}] [ info] [sp] stream processor started"
        )
        return log.text()

    return logs


def coredns(version: str = "1.11.3") -> LogSource:
    def logs(ctx: LogContext) -> str:
        return (
            ".:53\n"
            "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908\n"
            f"CoreDNS-{version}\n"
            "linux/amd64, go1.21.11, a6338e9\n"
        )

    return logs


def kube_proxy() -> LogSource:
    def logs(ctx: LogContext) -> str:
        log = KlogLog(ctx)
        log.line(0.1, "I", "server_linux.go:66", '"Using iptables proxy"')
        log.line(0.2, "I", "server.go:677", f'"Successfully retrieved node IP(s)" IPs=["{ctx.pod_ip}"]')
        log.line(0.2, "I", "conntrack.go:60", '"Setting nf_conntrack_max" nfConntrackMax=131072')
        log.line(0.3, "I", "config.go:199", '"Starting service config controller"')
        log.line(0.3, "I", "config.go:105", '"Starting endpoint slice config controller"')
        log.line(0.4, "I", "shared_informer.go:320", '"Caches are synced" controller="service config"')
        log.line(0.4, "I", "shared_informer.go:320", '"Caches are synced" controller="endpoint slice config"')
        return log.text()

    return logs


def static(text: str) -> LogSource:
    """Literal log text (dedented, with a trailing newline)."""
    return textwrap.dedent(text).strip("\n") + "\n"


__all__ = [
    "GoLog",
    "KlogLog",
    "Log",
    "LogContext",
    "LogSource",
    "NodeLog",
    "PythonLog",
    "SpringLog",
    "coredns",
    "fluent_bit",
    "go_service",
    "istio_init",
    "istio_proxy",
    "kube_proxy",
    "nginx_frontend",
    "node_service",
    "postgres",
    "python_service",
    "redis",
    "render_logs",
    "spring_service",
    "static",
    "timed",
]


def istio_init() -> LogSource:
    def logs(ctx: LogContext) -> str:
        stamp = Log.iso_millis(ctx.start).replace("Z", "412Z")
        return (
            f"{stamp}\tinfo\tIstio iptables environment:\n"
            "ENVOY_PORT=\nINBOUND_CAPTURE_PORT=\nINBOUND_INTERCEPTION_MODE=\nINBOUND_TPROXY_MARK=\n"
            "INBOUND_TPROXY_ROUTE_TABLE=\nINBOUND_PORTS_INCLUDE=\nINBOUND_PORTS_EXCLUDE=\nOUTBOUND_OWNER_GROUPS_INCLUDE=\n"
            "OUTBOUND_IP_RANGES_INCLUDE=\nOUTBOUND_IP_RANGES_EXCLUDE=\nKUBE_VIRT_INTERFACES=\nENABLE_INBOUND_IPV6=false\n"
            f"{stamp}\tinfo\tIstio iptables variables:\n"
            "IPTABLES_VERSION=\nPROXY_PORT=15001\nPROXY_INBOUND_CAPTURE_PORT=15006\nPROXY_UID=1337\nPROXY_GID=1337\n"
            "INBOUND_INTERCEPTION_MODE=REDIRECT\nINBOUND_PORTS_INCLUDE=*\nINBOUND_PORTS_EXCLUDE=15090,15021,15020\n"
            "OUTBOUND_IP_RANGES_INCLUDE=*\nDRY_RUN=false\n"
            f"{stamp}\tinfo\tRunning iptables-restore with the following input:\n"
            "* nat\n-N ISTIO_INBOUND\n-N ISTIO_REDIRECT\n-N ISTIO_IN_REDIRECT\n-N ISTIO_OUTPUT\n"
            "-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN\n-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001\n"
            "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006\n-A PREROUTING -p tcp -j ISTIO_INBOUND\n"
            "-A OUTPUT -p tcp -j ISTIO_OUTPUT\n-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN\n"
            "-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN\n-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN\n"
            "-A ISTIO_OUTPUT -j ISTIO_REDIRECT\nCOMMIT\n"
        )

    return logs


def timed(text: str) -> LogSource:
    """Literal log text with `{start:...}`, `{end:...}`, `{pod}`, `{ip}`, `{namespace}` filled in
    from the container instance, e.g. "{start:%Y.%m.%d %H:%M:%S} <Information> Ready"."""
    body = textwrap.dedent(text).strip("\n") + "\n"

    def logs(ctx: LogContext) -> str:
        return body.format(start=ctx.start, end=ctx.end, pod=ctx.pod, ip=ctx.pod_ip, namespace=ctx.namespace)

    return logs
