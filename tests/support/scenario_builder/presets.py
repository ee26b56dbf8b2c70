"""Ready-made containers for the usual suspects: services per language, databases, caches,
sidecars. Each comes with sensible resources, probes and the logs a healthy instance prints.
Override anything with `.but(...)` / `.with_env(...)`."""

from __future__ import annotations

from . import logs
from .spec import (
    POD_IDENTITY_ENV,
    Container,
    EnvValue,
    Json,
    exec_probe,
    http_get,
    secret_ref,
    tcp_socket,
)


def java_service(
    app: str,
    image: str,
    *,
    main_class: str,
    port: int = 8080,
    memory: str = "1Gi",
    cpu: str = "500m",
    env: dict[str, EnvValue] | None = None,
    container: str = "app",
) -> Container:
    """A Spring Boot service with actuator probes."""
    return Container(
        name=container,
        image=image,
        ports={"http": port, "management": 8081},
        requests={"cpu": cpu, "memory": memory},
        limits={"memory": memory},
        env={
            "JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError",
            "SPRING_PROFILES_ACTIVE": "prod",
            **POD_IDENTITY_ENV,
            **(env or {}),
        },
        liveness=http_get("/actuator/health/liveness", "management", initial_delay=60, period=10, failure_threshold=3),
        readiness=http_get("/actuator/health/readiness", "management", initial_delay=20, period=5),
        logs=logs.spring_service(app, main_class, port=port, version=image.rsplit(":", 1)[-1]),
    )


def go_service(
    app: str,
    image: str,
    *,
    port: int = 8080,
    memory: str = "256Mi",
    cpu: str = "100m",
    env: dict[str, EnvValue] | None = None,
    container: str = "app",
) -> Container:
    return Container(
        name=container,
        image=image,
        ports={"http": port, "metrics": 9090},
        requests={"cpu": cpu, "memory": memory},
        limits={"cpu": "1", "memory": memory},
        env={"LOG_LEVEL": "info", **(env or {})},
        liveness=http_get("/healthz", "http", initial_delay=5),
        readiness=http_get("/readyz", "http", period=5),
        logs=logs.go_service(app, port=port, version=image.rsplit(":", 1)[-1]),
    )


def python_service(
    app: str,
    image: str,
    *,
    port: int = 8000,
    memory: str = "512Mi",
    cpu: str = "250m",
    env: dict[str, EnvValue] | None = None,
    container: str = "app",
) -> Container:
    """A FastAPI app served by gunicorn with uvicorn workers."""
    return Container(
        name=container,
        image=image,
        command=("gunicorn",),
        args=(
            "app.main:app",
            "--worker-class",
            "uvicorn.workers.UvicornWorker",
            "--workers",
            "2",
            "--bind",
            f"0.0.0.0:{port}",
        ),
        ports={"http": port},
        requests={"cpu": cpu, "memory": memory},
        limits={"cpu": "1", "memory": memory},
        env={"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO", **(env or {})},
        liveness=http_get("/healthz", "http", initial_delay=10),
        readiness=http_get("/healthz", "http", period=5),
        logs=logs.python_service(app, port=port),
    )


def node_service(
    app: str,
    image: str,
    *,
    port: int = 3000,
    memory: str = "384Mi",
    cpu: str = "200m",
    env: dict[str, EnvValue] | None = None,
    container: str = "app",
) -> Container:
    return Container(
        name=container,
        image=image,
        ports={"http": port},
        requests={"cpu": cpu, "memory": memory},
        limits={"memory": memory},
        env={"NODE_ENV": "production", "PORT": str(port), **(env or {})},
        liveness=http_get("/health/live", "http", initial_delay=15),
        readiness=http_get("/health/ready", "http", period=5),
        logs=logs.node_service(app, port=port, version=image.rsplit(":", 1)[-1]),
    )


def nginx_frontend(image: str, *, container: str = "nginx") -> Container:
    return Container(
        name=container,
        image=image,
        ports={"http": 8080},
        requests={"cpu": "50m", "memory": "64Mi"},
        limits={"cpu": "200m", "memory": "128Mi"},
        liveness=http_get("/", "http"),
        readiness=http_get("/", "http", period=5),
        mounts={"nginx-conf": "/etc/nginx/conf.d"},
        read_only_mounts=frozenset({"nginx-conf"}),
        logs=logs.nginx_frontend(),
    )


def postgres(
    *,
    version: str = "16.4",
    password_secret: str = "postgres-credentials",
    memory: str = "2Gi",
    cpu: str = "500m",
    data_volume: str = "data",
) -> Container:
    return Container(
        name="postgres",
        image=f"postgres:{version}",
        ports={"postgres": 5432},
        requests={"cpu": cpu, "memory": memory},
        limits={"memory": memory},
        env={
            "POSTGRES_USER": "app",
            "POSTGRES_PASSWORD": secret_ref(password_secret, "password"),
            "PGDATA": "/var/lib/postgresql/data/pgdata",
        },
        liveness=exec_probe(
            "/bin/sh", "-c", "exec pg_isready -U app -h 127.0.0.1 -p 5432", initial_delay=30, timeout=5
        ),
        readiness=exec_probe(
            "/bin/sh", "-c", "exec pg_isready -U app -h 127.0.0.1 -p 5432", initial_delay=5, timeout=5
        ),
        mounts={data_volume: "/var/lib/postgresql/data"},
        logs=logs.postgres(version),
    )


def redis(*, version: str = "7.4.1", memory: str = "256Mi") -> Container:
    return Container(
        name="redis",
        image=f"redis:{version}-alpine",
        args=("--maxmemory", "200mb", "--maxmemory-policy", "allkeys-lru"),
        ports={"redis": 6379},
        requests={"cpu": "50m", "memory": memory},
        limits={"memory": memory},
        liveness=tcp_socket("redis", initial_delay=15),
        readiness=exec_probe("redis-cli", "ping", period=5),
        logs=logs.redis(version),
    )


# --- sidecars -----------------------------------------------------------------------------

ISTIO_VERSION = "1.24.2"


def istio_proxy() -> Container:
    return Container(
        name="istio-proxy",
        image=f"docker.io/istio/proxyv2:{ISTIO_VERSION}",
        args=(
            "proxy",
            "sidecar",
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
        ),
        ports={"http-envoy-prom": 15090},
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"cpu": "2", "memory": "1Gi"},
        env={
            "PILOT_CERT_PROVIDER": "istiod",
            "CA_ADDR": "istiod.istio-system.svc:15012",
            **POD_IDENTITY_ENV,
            "ISTIO_META_CLUSTER_ID": "Kubernetes",
        },
        readiness=http_get("/healthz/ready", 15021, period=15, timeout=3, failure_threshold=4),
        startup=http_get("/healthz/ready", 15021, initial_delay=1, period=1, timeout=3, failure_threshold=600),
        mounts={
            "istio-envoy": "/etc/istio/proxy",
            "istio-data": "/var/lib/istio/data",
            "istio-token": "/var/run/secrets/tokens",
        },
        security_context={
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsGroup": 1337,
            "runAsNonRoot": True,
            "runAsUser": 1337,
        },
        logs=logs.istio_proxy(),
    )


def istio_init() -> Container:
    return Container(
        name="istio-init",
        image=f"docker.io/istio/proxyv2:{ISTIO_VERSION}",
        args=(
            "istio-iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            "15090,15021,15020",
            "--log_output_level=default:info",
        ),
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"cpu": "2", "memory": "1Gi"},
        security_context={
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": False,
            "runAsGroup": 0,
            "runAsNonRoot": False,
            "runAsUser": 0,
        },
        logs=logs.istio_init(),
    )


ISTIO_VOLUMES: tuple[Json, ...] = (
    {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}},
    {"name": "istio-data", "emptyDir": {}},
    {
        "name": "istio-token",
        "projected": {
            "sources": [
                {"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}
            ],
            "defaultMode": 420,
        },
    },
)


def fluent_bit() -> Container:
    return Container(
        name="log-shipper",
        image="cr.fluentbit.io/fluent/fluent-bit:3.2.4",
        requests={"cpu": "20m", "memory": "32Mi"},
        limits={"memory": "64Mi"},
        mounts={"app-logs": "/var/log/app", "fluent-bit-config": "/fluent-bit/etc/"},
        read_only_mounts=frozenset({"fluent-bit-config"}),
        logs=logs.fluent_bit(),
    )
