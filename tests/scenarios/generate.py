#!/usr/bin/env python3
"""Build every scenario directory under tests/scenarios/ and the demo under knowledge/demo/.

    /tmp/venv/bin/python tests/scenarios/generate.py            # (re)write everything
    /tmp/venv/bin/python tests/scenarios/generate.py oom-killed-java
    /tmp/venv/bin/python tests/scenarios/generate.py --check    # fail if the files are stale

Each scenario is one function below, registered with @scenario under its directory name. To
add one, copy a function that looks like yours, change the story, run this script and commit
the output. The cluster is built with tests/support/scenario_builder: healthy noise comes from the
backdrop helpers, the incident from the few `.set(...)` / `.unschedule(...)` lines that break a
pod. Everything is deterministic (fixed clock, hashed ids): two runs give identical bytes.
"""

# Log lines and messages are reproduced verbatim, whatever their length; the builder is imported
# after putting tests/support/ on sys.path so that the script runs from anywhere.
# ruff: noqa: E501, E402

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "support"))

from scenario_builder import (
    Cluster,
    Container,
    Expect,
    Namespace,
    Node,
    Pod,
    PodTemplate,
    ProbeFailure,
    Scenario,
    ServicePort,
    check_scenario_dir,
    completed,
    config_error,
    configmap_ref,
    configmap_volume,
    crash_loop,
    creating,
    days_ago,
    empty_dir,
    env_from_configmap,
    env_from_secret,
    exited,
    failed,
    field_ref,
    go_service,
    http_get,
    java_service,
    logs,
    nginx_frontend,
    node_service,
    oom_killed,
    pending_init,
    postgres,
    pvc_volume,
    python_service,
    redis,
    run_container_error,
    running,
    seconds,
    secret_ref,
    t,
)
from scenario_builder import (
    image_pull_backoff as cannot_pull,
)
from scenario_builder.ids import safe_suffix
from scenario_builder.knowledge import Component
from scenario_builder.logs import GoLog, KlogLog, Log, LogContext, NodeLog, PythonLog, SpringLog
from scenario_builder.nodes import EKS, eks_nodes

SCENARIOS: dict[str, Callable[[], Scenario]] = {}


def scenario(build: Callable[[], Scenario]) -> Callable[[], Scenario]:
    SCENARIOS[build.__name__.replace("_", "-")] = build
    return build


# --- planted secrets (fake, but shaped like the real thing so redaction must catch them) ---


def _jwt(claims: dict[str, object]) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "k8s-2026-10"}, separators=(",", ":")).encode())
    body = part(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{body}.{part(bytes(range(7, 250, 3)))}"


CUSTOMER_JWT = _jwt({"sub": "user-48213", "iss": "https://auth.acme-shop.com", "aud": "shop-api", "exp": 1795651200})
SERVICE_JWT = _jwt({"sub": "system:serviceaccount:warehouse:inventory", "scope": "catalog:read", "exp": 1795649000})
AWS_KEY_ID = "AKIAZ7Q3EXAMPLE4N2XW"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
GITHUB_TOKEN = "ghp_8fK2mQ9xLr4Tz7Wc1Vb6Nd3Hs0Jp5Ya2Ue9G"


# --- backdrops: healthy neighbours every incident happens among ----------------------------


def storefront(c: Cluster, namespace: str = "shop", *, skip: tuple[str, ...] = ()) -> Namespace:
    """The web shop: frontend -> catalog-api / cart-service -> redis-cache."""
    shop = c.namespace(namespace)
    if "frontend" not in skip:
        shop.deployment(
            "frontend",
            nginx_frontend("ghcr.io/acme/storefront-web:4.18.2"),
            replicas=2,
            port=80,
            component="service",
            depends_on=[a for a in ("catalog-api", "cart-service") if a not in skip],
            volumes=(configmap_volume("nginx-conf", "frontend-nginx"),),
        )
    if "catalog-api" not in skip:
        shop.deployment(
            "catalog-api",
            go_service("catalog-api", "ghcr.io/acme/catalog-api:v3.7.1"),
            replicas=2,
            port=80,
            component="service",
            depends_on=["redis-cache"],
            mesh=True,
        )
    if "cart-service" not in skip:
        shop.deployment(
            "cart-service",
            node_service("cart-service", "ghcr.io/acme/cart-service:2.9.4"),
            replicas=2,
            port=80,
            component="service",
            depends_on=["redis-cache"],
            log_shipper=True,
        )
    shop.statefulset("redis-cache", redis(), port=6379, component="cache", storage=None)
    return shop


def back_office(c: Cluster, namespace: str) -> Namespace:
    """Internal tools nobody looks at until 3 a.m.: an admin portal and a nightly backup CronJob."""
    ns = c.namespace(namespace)
    ns.deployment(
        "admin-portal",
        node_service("admin-portal", "ghcr.io/acme/admin-portal:1.31.0", port=3000),
        replicas=1,
        port=80,
        component="service",
    )
    backup = ns.cron_job_run(
        "pg-backup",
        Container(
            name="backup",
            image="ghcr.io/acme/pg-backup:2.3.0",
            command=("/usr/local/bin/backup.sh",),
            env={"PGHOST": "warehouse-db", "S3_BUCKET": "acme-db-backups"},
            requests={"cpu": "100m", "memory": "128Mi"},
            limits={"memory": "256Mi"},
            logs=logs.static("""
            2026-11-20T02:00:03Z starting pg_dump of warehouse (format=custom, jobs=2)
            2026-11-20T02:03:41Z dump complete: 1.82 GiB in 218s
            2026-11-20T02:04:09Z uploaded s3://acme-db-backups/warehouse/2026-11-20T0200.dump (1.82 GiB)
            2026-11-20T02:04:09Z pruned 1 backup older than 14 days
        """),
        ),
        scheduled=t("02:00:00"),
    )
    pod = backup.new_pod(c.workers[0], t("02:00:00"))
    pod.set("backup", completed(t("02:00:02"), t("02:04:10")))
    return ns


# --- third-party servers used as dependencies ----------------------------------------------


def clickhouse_server() -> Container:
    return Container(
        name="clickhouse",
        image="clickhouse/clickhouse-server:24.8.6.70",
        ports={"http": 8123, "native": 9000},
        requests={"cpu": "1", "memory": "12Gi"},
        limits={"memory": "12Gi"},
        mounts={"data": "/var/lib/clickhouse"},
        readiness=http_get("/ping", "http"),
        liveness=http_get("/ping", "http", initial_delay=30),
        logs=logs.timed("""
            Processing configuration file '/etc/clickhouse-server/config.xml'.
            Logging information to /var/log/clickhouse-server/clickhouse-server.log
            {start:%Y.%m.%d %H:%M:%S}.402118 [ 1 ] {{}} <Information> Application: Starting ClickHouse 24.8.6.70 (revision: 54490, git hash: 1b4ef3b2a0c, build id: 8B2A3A0E) PID 1
            {start:%Y.%m.%d %H:%M:%S}.917003 [ 1 ] {{}} <Information> Application: Listening for http://0.0.0.0:8123
            {start:%Y.%m.%d %H:%M:%S}.917220 [ 1 ] {{}} <Information> Application: Ready for connections.
        """),
    )


def rabbitmq_server() -> Container:
    return Container(
        name="rabbitmq",
        image="rabbitmq:4.0.4-management",
        ports={"amqp": 5672, "management": 15672},
        requests={"cpu": "500m", "memory": "1Gi"},
        limits={"memory": "1Gi"},
        mounts={"data": "/var/lib/rabbitmq"},
        env={
            "RABBITMQ_ERLANG_COOKIE": secret_ref("rabbitmq", "erlang-cookie"),
            "K8S_SERVICE_NAME": "rabbitmq-headless",
        },
        readiness=http_get("/api/health/checks/port-listener/5672", "management"),
    )


def opensearch_node() -> Container:
    return Container(
        name="opensearch",
        image="opensearchproject/opensearch:2.18.0",
        ports={"http": 9200, "transport": 9300},
        requests={"cpu": "1", "memory": "4Gi"},
        limits={"memory": "4Gi"},
        mounts={"data": "/usr/share/opensearch/data"},
        readiness=http_get("/_cluster/health?local=true", "http"),
        logs=logs.timed("""
            [{start:%Y-%m-%dT%H:%M:%S},402][INFO ][o.o.n.Node               ] [{pod}] version[2.18.0], pid[1], build[tar/99a9a81da366173b0c2b963b26ea92e15ef34547/2024-10-31T19:08:04.231254959Z], OS[Linux/6.1.155-176.282.amzn2023.x86_64/amd64], JVM[Eclipse Adoptium/OpenJDK 64-Bit Server VM/21.0.5/21.0.5+11-LTS]
            [{start:%Y-%m-%dT%H:%M:%S},911][INFO ][o.o.n.Node               ] [{pod}] started
            [{start:%Y-%m-%dT%H:%M:%S},944][INFO ][o.o.c.r.a.AllocationService] [{pod}] Cluster health status changed from [YELLOW] to [GREEN] (reason: [shards started [[products][0]]]).
        """),
    )


# ============================================================================================
# insufficient_memory
# ============================================================================================


def _inventory_until_oom(ctx: LogContext) -> str:
    log = SpringLog(ctx, "inventory-service")
    main = "com.acme.inventory.InventoryServiceApplication"
    log.startup(main_class=main, version="5.2.0", port=8080)
    log.started(main_class=main, port=8080, took=11.2)
    log.line(
        14.0,
        "INFO",
        "c.a.inventory.cache.StockSnapshotLoader",
        "Loading stock snapshot for warehouse EU-3 (1,284,112 SKUs) into memory",
    )
    log.line(
        15.2,
        "DEBUG",
        "o.s.web.client.RestTemplate",
        'HTTP GET http://catalog-api.shop.svc.cluster.local/api/v2/skus?page=1&size=5000, headers=[Accept:"application/json", '
        f'Authorization:"Bearer {SERVICE_JWT}"]',
    )
    log.line(
        31.7,
        "INFO",
        "c.a.inventory.cache.StockSnapshotLoader",
        "Snapshot progress: 412,000/1,284,112 SKUs (heap used 338 MiB)",
    )
    log.line(
        52.3,
        "WARN",
        "com.zaxxer.hikari.pool.HikariPool",
        "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=46s318ms).",
        thread="ikariPool-1 housekeeper",
    )
    log.line(
        -1.0,
        "INFO",
        "c.a.inventory.cache.StockSnapshotLoader",
        "Snapshot progress: 903,000/1,284,112 SKUs (heap used 471 MiB)",
    )
    return log.text()


@scenario
def oom_killed_java() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    wh = c.namespace("warehouse")
    wh.statefulset("warehouse-db", postgres(version="15.8"), port=5432, component="database")
    app = java_service(
        "inventory-service",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/warehouse/inventory-service:5.2.0",
        main_class="com.acme.inventory.InventoryServiceApplication",
        memory="512Mi",
        env={
            "JAVA_TOOL_OPTIONS": "-Xms256m -Xmx1024m -XX:+UseG1GC",
            "LOGGING_LEVEL_ORG_SPRINGFRAMEWORK_WEB_CLIENT": "DEBUG",
            "SPRING_DATASOURCE_URL": "jdbc:postgresql://warehouse-db:5432/inventory",
            "SPRING_DATASOURCE_PASSWORD": secret_ref("inventory-db", "password"),
        },
    )
    inventory = wh.deployment(
        "inventory-service",
        app,
        replicas=3,
        port=80,
        component="service",
        depends_on=["warehouse-db", "catalog-api"],
        mesh=True,
    )
    wh.deployment(
        "stock-events-consumer",
        go_service(
            "stock-events-consumer", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/warehouse/stock-events:v1.9.0"
        ),
        replicas=2,
        component="service",
        depends_on=["warehouse-db"],
    )
    target = inventory.pod(0)
    target.set(
        "app",
        crash_loop(
            oom_killed(t("03:15:40"), t("03:16:41")), restarts=14, since=t("02:29:50"), logs=_inventory_until_oom
        ),
    )
    inventory.pod(2).set(
        "app",
        running(
            t("03:02:11"),
            restarts=1,
            last=oom_killed(t("02:51:30"), t("03:01:58")),
            since=t("03:01:58"),
            previous_logs=_inventory_until_oom,
        ),
    )
    return Scenario(
        "oom-killed-java",
        f"{target.name} in warehouse is in CrashLoopBackOff, 14 restarts in the last hour. Stock sync is stuck.",
        Expect("insufficient_memory", "inventory-service", target.name),
        c,
        notes="lastState OOMKilled exit 137 on a 512Mi limit while JAVA_TOOL_OPTIONS sets -Xmx1024m; logs stop mid-snapshot "
        "load with no Java error (the kernel killed it). A second replica was OOMKilled once and is Running again.",
        secrets=("Bearer JWT in a RestTemplate DEBUG line of the inventory-service logs",),
    )


def _checkout_bff_heap(ctx: LogContext) -> str:
    log = NodeLog(ctx)
    log.line(0.4, "info", "checkout-bff 3.4.1 starting", env="production", node="v20.18.1")
    log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
    for i, offset in enumerate((180, 420, 700, 930, 1150, 1290)):
        log.line(
            offset, "info", "price cache refreshed", entries=41_000 * (i + 2), rssMb=96 + 29 * i, heapUsedMb=71 + 27 * i
        )
    log.line(-2.0, "warn", "slow request", reqId="req-88121", url="/api/checkout/summary", responseTime=4812.7)
    return log.text()


@scenario
def oom_killed_node() -> Scenario:
    c = Cluster.eks()
    web = storefront(c, "web")
    app = node_service(
        "checkout-bff",
        "ghcr.io/acme/checkout-bff:3.4.1",
        memory="256Mi",
        env={
            "NODE_OPTIONS": "--max-old-space-size=512",
            "PRICE_CACHE_TTL": "6h",
            "UPSTREAM_CART_URL": "http://cart-service.web.svc.cluster.local",
        },
    )
    bff = web.deployment(
        "checkout-bff", app, replicas=2, port=80, component="service", depends_on=["cart-service", "catalog-api"]
    )
    target = bff.pod(1)
    target.set(
        "app",
        running(
            t("03:11:32"),
            restarts=3,
            last=oom_killed(t("02:49:05"), t("03:11:20")),
            since=t("02:27:40"),
            previous_logs=_checkout_bff_heap,
        ),
    )
    return Scenario(
        "oom-killed-node",
        "checkout-bff keeps restarting in the web namespace (3 restarts since 2:30), nothing in the logs, "
        "users get intermittent 502s on checkout",
        Expect("insufficient_memory", "checkout-bff", target.name),
        c,
        notes="The container is Running and Ready now; only lastState (OOMKilled, 137) and restartCount=3 show it. "
        "NODE_OPTIONS allows a 512 MB heap in a 256Mi container; previous logs show RSS climbing, then stop.",
    )


# ============================================================================================
# insufficient_cluster_resources
# ============================================================================================


@scenario
def pending_insufficient_cpu() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    media = c.namespace("media")
    media.deployment(
        "thumbnailer",
        go_service("thumbnailer", "ghcr.io/acme/thumbnailer:v0.14.2"),
        replicas=2,
        port=80,
        component="service",
    )
    worker = go_service("video-transcoder", "ghcr.io/acme/video-transcoder:v2.3.0", cpu="2500m", memory="2Gi").but(
        limits={"cpu": "3500m", "memory": "3Gi"},
        env={"FFMPEG_THREADS": "3", "QUEUE_URL": "amqp://rabbitmq.media:5672/transcode"},
    )
    transcoder = media.deployment(
        "video-transcoder", worker, replicas=3, component="service", depends_on=["thumbnailer"]
    )
    message = (
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod."
    )
    new = transcoder.scale(5, t("03:04:12"))
    for pod in new:
        pod.unschedule(message)
    return Scenario(
        "pending-insufficient-cpu",
        "video-transcoder scaled up by the HPA around 03:04 but the new pods are stuck Pending (media ns), "
        "transcode queue is growing",
        Expect("insufficient_cluster_resources", "video-transcoder", new[0].name),
        c,
        notes="Two new replicas have no node: FailedScheduling (events.k8s.io shape: eventTime + series, null "
        "lastTimestamp) says 3 Insufficient cpu; each pod requests 1500m on 4-CPU nodes already running 3.",
    )


@scenario
def pending_insufficient_memory() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    analytics = c.namespace("analytics")
    analytics.deployment(
        "dashboards-api",
        python_service("dashboards-api", "harbor.internal.acme.io/analytics/dashboards-api:1.8.3"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["clickhouse"],
    )
    clickhouse = analytics.statefulset(
        "clickhouse", clickhouse_server(), replicas=3, port=8123, component="database", storage="200Gi"
    )
    pending = clickhouse.pod(2)
    pending.created = t("03:05:58")
    pending.unschedule(
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    claim = analytics.get_claim("data-clickhouse-2")
    claim.bound, claim.selected_node, claim.created = False, None, t("03:05:57")
    analytics.event(
        claim.ref(),
        "WaitForFirstConsumer",
        "waiting for first consumer to be created before binding",
        first=t("03:05:57"),
        last=t("03:19:42"),
        count=58,
        type="Normal",
        component="persistentvolume-controller",
    )
    return Scenario(
        "pending-insufficient-memory",
        "clickhouse-2 has been Pending for 15 minutes after we scaled the clickhouse statefulset to 3 replicas (analytics)",
        Expect("insufficient_cluster_resources", "clickhouse", pending.name),
        c,
        notes="Each replica requests 12Gi; the two 16Gi workers each hold one. FailedScheduling names the control-plane "
        "taint and 2 Insufficient memory. The PVC is Pending too, but only because local-path waits for the "
        "first consumer (a red herring, not a volume failure).",
    )


# ============================================================================================
# dependency_unreachable
# ============================================================================================

AUTH_DATABASE_URL = "postgresql://auth_svc:Xk9vR2mPq7Lw@users-db.shop.svc.cluster.local:5432/auth"


def _auth_service_refused(db_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = PythonLog(ctx)
        log.gunicorn_boot(port=8000, workers=1)
        log.line(
            1.5,
            "DEBUG",
            "auth_service.settings",
            f"settings loaded: {{'env': 'prod', 'database_url': '{AUTH_DATABASE_URL}', 'redis_url': 'redis://redis-cache:6379/2', "
            "'token_ttl_seconds': 900}",
        )
        log.line(
            1.6,
            "INFO",
            "auth_service.db",
            "connecting to postgresql://auth_svc:***@users-db.shop.svc.cluster.local:5432/auth (pool_size=10)",
        )
        refused = (
            f'connection failed: connection to server at "users-db.shop.svc.cluster.local" ({db_ip}), port 5432 failed: '
            "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
        )
        stamp = f"[{log.at(1.7):%Y-%m-%d %H:%M:%S} +0000] [7]"
        log.raw(f"""{stamp} [ERROR] Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py", line 146, in __init__
    self._dbapi_connection = engine.raw_connection()
                             ^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/pool/base.py", line 896, in __connect
    self.dbapi_connection = connection = pool._invoke_creator(self)
                                         ^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/site-packages/psycopg/connection_async.py", line 135, in connect
    raise last_ex.with_traceback(None)
psycopg.OperationalError: {refused}

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/starlette/routing.py", line 693, in lifespan
    async with self.lifespan_context(app) as maybe_state:
  File "/usr/local/lib/python3.12/contextlib.py", line 210, in __aenter__
    return await anext(self.gen)
           ^^^^^^^^^^^^^^^^^^^^^
  File "/app/auth_service/main.py", line 38, in lifespan
    await database.verify_connection()
  File "/app/auth_service/db.py", line 57, in verify_connection
    async with self.engine.connect() as conn:
  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/ext/asyncio/engine.py", line 267, in start
    await greenlet_spawn(self.sync_engine.connect)
sqlalchemy.exc.OperationalError: (psycopg.OperationalError) {refused}
(Background on this error at: https://sqlalche.me/e/20/e3q8)

{stamp} [ERROR] Application startup failed. Exiting.
{stamp} [INFO] Worker exiting (pid: 7)
[{log.at(-0.2):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Worker (pid:7) exited with code 3
[{log.at(-0.1):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Shutting down: Master
[{log.at(-0.1):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Reason: Worker failed to boot.""")
        return log.text()

    return render


@scenario
def db_connection_refused_python() -> Scenario:
    c = Cluster.eks()
    shop = storefront(c)
    db = shop.statefulset(
        "users-db",
        postgres(version="16.4", password_secret="users-db-credentials"),
        port=5432,
        component="database",
        storage="50Gi",
    )
    db.pod(0).set(
        "postgres",
        crash_loop(
            exited(1, t("03:16:02"), t("03:16:03")),
            restarts=9,
            since=t("02:47:10"),
            logs=logs.timed("""
        PostgreSQL Database directory appears to contain a database; Skipping initialization

        {start:%Y-%m-%d %H:%M:%S}.412 UTC [1] FATAL:  could not write lock file "postmaster.pid": No space left on device
    """),
        ),
    )
    db_ip = shop.get_service("users-db").cluster_ip
    app = python_service(
        "auth-service",
        "ghcr.io/acme/auth-service:3.12.0",
        env={
            "DATABASE_URL": AUTH_DATABASE_URL,
            "LOG_LEVEL": "DEBUG",
            "JWT_SIGNING_KEY": secret_ref("auth-jwt", "signing-key"),
            "REDIS_URL": "redis://redis-cache:6379/2",
        },
    )
    auth = shop.deployment(
        "auth-service", app, replicas=3, port=80, component="service", depends_on=["users-db", "redis-cache"], mesh=True
    )
    c.graph.depends("frontend", "auth-service")
    for i, (restarts, last_start) in enumerate(((7, "03:17:41"), (6, "03:15:05"), (7, "03:18:20"))):
        started = t(last_start)
        auth.pod(i).set(
            "app",
            crash_loop(
                exited(3, started, started + seconds(2)),
                restarts=restarts,
                since=t("02:47:30"),
                logs=_auth_service_refused(db_ip),
            ),
        )
    target = auth.pod(0)
    return Scenario(
        "db-connection-refused-python",
        f"Logins failing since ~02:50. {target.name} (shop) is crashlooping.",
        Expect("dependency_unreachable", "auth-service", target.name),
        c,
        notes="auth-service exits at startup: psycopg/SQLAlchemy 'Connection refused' to users-db:5432, a database it "
        "depends_on. users-db-0 is itself crash-looping (disk full) so the Service has no ready endpoints.",
        secrets=(
            "postgres URL with password in the DATABASE_URL env value of auth-service",
            "the same URL printed in a DEBUG 'settings loaded' log line of auth-service",
        ),
    )


def _orders_refused(ctx: LogContext) -> str:
    log = SpringLog(ctx, "orders-service")
    main = "com.acme.orders.OrdersApplication"
    log.startup(main_class=main, version="8.1.3", port=8080)
    log.line(5.9, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed.")
    log.started(main_class=main, port=8080, took=9.6)
    lost = (t("02:52:14") - ctx.start).total_seconds()
    log.line(
        lost,
        "WARN",
        "com.zaxxer.hikari.pool.PoolBase",
        "HikariPool-1 - Failed to validate connection "
        "org.postgresql.jdbc.PgConnection@3f2a9c1d (This connection has been closed.). Possibly consider using a shorter "
        "maxLifetime value.",
        thread="nio-8080-exec-7",
    )
    for n, offset in enumerate((lost + 30, lost + 590, lost + 1290)):
        thread = f"nio-8080-exec-{3 + n}"
        log.line(
            offset, "WARN", "o.h.engine.jdbc.spi.SqlExceptionHelper", "SQL Error: 0, SQLState: 08001", thread=thread
        )
        log.line(
            offset,
            "ERROR",
            "o.h.engine.jdbc.spi.SqlExceptionHelper",
            "HikariPool-1 - Connection is not available, request "
            "timed out after 30001ms (total=0, active=0, idle=0, waiting=2)",
            thread=thread,
        )
        log.line(
            offset,
            "ERROR",
            "o.h.engine.jdbc.spi.SqlExceptionHelper",
            "Connection to orders-db:5432 refused. Check that the "
            "hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
            thread=thread,
        )
    log.line(
        lost + 1290.01,
        "ERROR",
        "o.a.c.c.C.[.[.[/].[dispatcherServlet]",
        "Servlet.service() for servlet [dispatcherServlet] "
        "in context with path [] threw exception [Request processing failed: org.springframework.dao."
        "DataAccessResourceFailureException: Unable to acquire JDBC Connection [HikariPool-1 - Connection is not available, "
        "request timed out after 30001ms (total=0, active=0, idle=0, waiting=2)] [n/a]] with root cause",
        thread="nio-8080-exec-5",
    )
    log.raw("""
java.net.ConnectException: Connection refused
	at java.base/sun.nio.ch.Net.pollConnect(Native Method)
	at java.base/sun.nio.ch.Net.pollConnectNow(Net.java:682)
	at java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:542)
	at java.base/sun.nio.ch.NioSocketImpl.connect(NioSocketImpl.java:592)
	at java.base/java.net.SocksSocketImpl.connect(SocksSocketImpl.java:327)
	at java.base/java.net.Socket.connect(Socket.java:751)
	at org.postgresql.core.PGStream.createSocket(PGStream.java:260)
	at org.postgresql.core.PGStream.<init>(PGStream.java:121)
	at org.postgresql.core.v3.ConnectionFactoryImpl.tryConnect(ConnectionFactoryImpl.java:140)
	at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:268)
	at org.postgresql.core.ConnectionFactory.openConnection(ConnectionFactory.java:54)
	at org.postgresql.jdbc.PgConnection.<init>(PgConnection.java:273)
	at org.postgresql.Driver.makeConnection(Driver.java:446)
	at org.postgresql.Driver.connect(Driver.java:298)
	at com.zaxxer.hikari.util.DriverDataSource.getConnection(DriverDataSource.java:137)
	at com.zaxxer.hikari.pool.PoolBase.newConnection(PoolBase.java:360)
	at com.zaxxer.hikari.pool.PoolBase.newPoolEntry(PoolBase.java:202)
	at com.zaxxer.hikari.pool.HikariPool.createPoolEntry(HikariPool.java:461)
	at com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:724)
	at com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator.call(HikariPool.java:703)
	at java.base/java.util.concurrent.FutureTask.run(FutureTask.java:317)
	at java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)
	at java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:642)
	at java.base/java.lang.Thread.run(Thread.java:1583)
""")
    return log.text()


def _export_refused(db_ip: str) -> Callable[[LogContext], str]:
    return lambda ctx: _export_refused_logs(ctx, db_ip)


def _export_refused_logs(ctx: LogContext, db_ip: str) -> str:
    log = PythonLog(ctx)
    log.line(0.3, "INFO", "orders_export", "exporting orders updated in the last 24h to s3://acme-order-exports/")
    log.raw(f"""Traceback (most recent call last):
  File "/app/orders_export/__main__.py", line 44, in <module>
    main()
  File "/app/orders_export/__main__.py", line 31, in main
    with psycopg.connect(settings.db_url) as conn:
         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.12/site-packages/psycopg/connection.py", line 119, in connect
    raise last_ex.with_traceback(None)
psycopg.OperationalError: connection failed: connection to server at "orders-db" ({db_ip}), port 5432 failed: Connection refused
	Is the server running on that host and accepting TCP/IP connections?""")
    return log.text()


@scenario
def db_connection_refused_java() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    orders = c.namespace("orders")
    db = orders.statefulset(
        "orders-db",
        postgres(version="15.8", password_secret="orders-db-credentials"),
        port=5432,
        component="database",
        storage="100Gi",
    )
    db.scale(0, t("02:51:58"))
    app = java_service(
        "orders-service",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders/orders-service:8.1.3",
        main_class="com.acme.orders.OrdersApplication",
        memory="1536Mi",
        env={
            "SPRING_DATASOURCE_URL": "jdbc:postgresql://orders-db:5432/orders",
            "SPRING_DATASOURCE_USERNAME": "orders",
            "SPRING_DATASOURCE_PASSWORD": "Tr0ub4dor&3-orders",
            "EXPORT_S3_BUCKET": "acme-order-exports",
            "AWS_ACCESS_KEY_ID": AWS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            "AWS_REGION": "eu-west-1",
        },
    )
    svc = orders.deployment("orders-service", app, replicas=3, port=80, component="service", depends_on=["orders-db"])
    orders.deployment(
        "order-notifier",
        python_service("order-notifier", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders/notifier:2.2.0"),
        replicas=1,
        component="service",
        depends_on=["orders-service"],
    )
    db_ip = orders.get_service("orders-db").cluster_ip
    export = orders.cron_job_run(
        "orders-export",
        Container(
            name="export",
            image="ghcr.io/acme/orders-export:1.4.2",
            args=("--since", "24h"),
            env={"DB_URL": "postgresql://orders-db:5432/orders"},
            requests={"cpu": "100m", "memory": "256Mi"},
            limits={"memory": "512Mi"},
        ),
        scheduled=t("03:00:00"),
        backoff_limit=2,
    )
    for attempt, started in enumerate(("03:00:04", "03:00:17", "03:00:40")):
        pod = export.new_pod(c.workers[attempt], t(started) - seconds(5))
        pod.set("export", failed(exited(1, t(started), t(started) + seconds(2)), logs=_export_refused(db_ip)))
    for i, pod in enumerate(svc.pods):
        failing = ProbeFailure(
            "Readiness", "HTTP probe failed with statuscode: 503", count=330 - 7 * i, since=t("02:52:20")
        )
        pod.set(
            "app",
            running(
                pod.created + seconds(4),
                ready=False,
                since=t("02:52:20"),
                probe_failures=(failing,),
                logs=_orders_refused,
            ),
        )
    target = svc.pod(1)
    return Scenario(
        "db-connection-refused-java",
        f"orders API is returning 503 for everything since about 02:50, {target.name} and the other orders-service pods "
        "are all 0/1 ready. namespace orders",
        Expect("dependency_unreachable", "orders-service", target.name),
        c,
        notes="orders-service pods run but fail readiness (actuator 503); logs: PSQLException 'Connection to orders-db:5432 "
        "refused' and java.net.ConnectException. The orders-db StatefulSet was scaled to 0 at 02:51:58, so the "
        "orders-db Service has no endpoints at all. Readiness failing is the symptom, the dependency the cause.",
        secrets=(
            "SPRING_DATASOURCE_PASSWORD literal env value",
            f"AWS access key id {AWS_KEY_ID} and AWS_SECRET_ACCESS_KEY literal env values of orders-service",
        ),
    )


# ============================================================================================
# image_pull_failure, missing_config
# ============================================================================================


@scenario
def image_pull_backoff() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    payments = c.namespace("payments")
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payment-gateway"
    app = go_service(
        "payment-gateway",
        f"{registry}:v2.13.4",
        env={
            "STRIPE_API_KEY": secret_ref("stripe", "api-key"),
            "AWS_ACCESS_KEY_ID": AWS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            "FRAUD_SCORER_URL": "http://fraud-scorer.payments.svc.cluster.local",
        },
    ).but(env_from=(env_from_secret("payment-gateway-env"),))
    gateway = payments.deployment(
        "payment-gateway", app, replicas=3, port=80, component="service", depends_on=["fraud-scorer"]
    )
    payments.deployment(
        "fraud-scorer",
        python_service("fraud-scorer", "ghcr.io/acme/fraud-scorer:0.22.1", memory="1Gi"),
        replicas=2,
        port=80,
        component="service",
    )
    bad = f"{registry}:v2.14.0-rc1"
    new = gateway.release(t("03:06:31"), image=bad, new_pods=1, old_pods_left=3)
    target = new.pods[0]
    error = (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{bad}": failed to resolve reference '
        f'"{bad}": {bad}: not found'
    )
    target.set("app", cannot_pull(error, since=t("03:06:35")))
    return Scenario(
        "image-pull-backoff",
        "payment-gateway deploy stuck for 15 min — the new pod never starts (ImagePullBackOff?), old version still serving",
        Expect("image_pull_failure", "payment-gateway", target.name),
        c,
        notes="Rollout to tag v2.14.0-rc1 that does not exist in ECR (CI pushed v2.14.0-rc.1). The new ReplicaSet's pod "
        "waits in ImagePullBackOff; the three old pods keep serving; Progressing=False ProgressDeadlineExceeded.",
        secrets=(f"AWS access key id {AWS_KEY_ID} and AWS_SECRET_ACCESS_KEY literal env values of payment-gateway",),
    )


@scenario
def missing_configmap() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    back_office(c, "ops")
    notify = c.namespace("notifications")
    notify.deployment(
        "push-gateway",
        go_service("push-gateway", "harbor.internal.acme.io/notify/push-gateway:v1.4.0"),
        replicas=2,
        port=80,
        component="service",
    )
    app = python_service(
        "notification-service",
        "harbor.internal.acme.io/notify/notification-service:2.0.0",
        env={
            "SMTP_HOST": configmap_ref("smtp-settings", "host"),
            "SMTP_PORT": configmap_ref("smtp-settings", "port"),
            "SMTP_PASSWORD": secret_ref("smtp-credentials", "password"),
            "PUSH_GATEWAY_URL": "http://push-gateway",
        },
    ).but(env_from=(env_from_configmap("notification-service-env"),))
    service = notify.deployment(
        "notification-service",
        app,
        replicas=1,
        port=80,
        component="service",
        depends_on=["push-gateway"],
        created=t("03:09:14"),
    )
    target = service.pod(0)
    target.set("app", config_error('configmap "smtp-settings" not found', since=target.created + seconds(3)))
    return Scenario(
        "missing-configmap",
        "the new notification-service we just deployed to notifications never started, pod shows CreateContainerConfigError",
        Expect("missing_config", "notification-service", target.name),
        c,
        notes="Env SMTP_HOST/SMTP_PORT come from ConfigMap smtp-settings, which was never created (the chart names it "
        "notification-smtp). Waiting reason CreateContainerConfigError, kubelet Failed events 'Error: configmap "
        '"smtp-settings" not found\'.',
    )


@scenario
def missing_configmap_volume() -> Scenario:
    c = Cluster.eks()
    shop = storefront(c)
    app = python_service("recommendation-engine", "ghcr.io/acme/reco-engine:7.0.2", memory="2Gi", cpu="500m").but(
        mounts={"model-config": "/etc/reco", "models": "/models"}, read_only_mounts=frozenset({"model-config"})
    )
    reco = shop.deployment(
        "recommendation-engine",
        app,
        replicas=2,
        port=80,
        component="service",
        depends_on=["catalog-api"],
        volumes=(configmap_volume("model-config", "reco-model-config"), empty_dir("models", size_limit="5Gi")),
    )
    c.graph.depends("frontend", "recommendation-engine")
    new = reco.rollout(
        t("03:03:50"),
        change=lambda tpl: tpl.but(
            volumes=(configmap_volume("model-config", "reco-model-config-v7"), empty_dir("models", size_limit="5Gi"))
        ),
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set("app", creating(since=target.created + seconds(1)))
    target.warn(
        "FailedMount",
        'MountVolume.SetUp failed for volume "model-config" : configmap "reco-model-config-v7" not found',
        first=target.created + seconds(1),
        last=t("03:19:02"),
        count=16,
    )
    return Scenario(
        "missing-configmap-volume",
        "recommendation-engine rollout in shop is hanging, new pod stuck in ContainerCreating for 15 minutes",
        Expect("missing_config", "recommendation-engine", target.name),
        c,
        notes="The new revision mounts ConfigMap reco-model-config-v7, which does not exist: FailedMount "
        "'MountVolume.SetUp failed for volume \"model-config\" : configmap ... not found', the sandbox is never "
        "created (PodReadyToStartContainers=False), no container logs.",
    )


@scenario
def missing_secret() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    identity = c.namespace("identity")
    identity.statefulset("keycloak-db", postgres(version="16.4"), port=5432, component="database")
    keycloak = java_service(
        "keycloak",
        "quay.io/keycloak/keycloak:26.0.7",
        main_class="org.keycloak.quarkus.runtime.KeycloakMain",
        memory="1Gi",
    ).but(
        args=("start", "--optimized"),
        logs=logs.timed("""
        {start:%Y-%m-%d %H:%M:%S},212 INFO  [org.keycloak.quarkus.runtime.storage.infinispan.CacheManagerFactory] (main) Starting Infinispan embedded cache manager
        {start:%Y-%m-%d %H:%M:%S},934 INFO  [org.keycloak.connections.infinispan.DefaultInfinispanConnectionProviderFactory] (main) Node name: {pod}, Site name: null
        {start:%Y-%m-%d %H:%M:%S},988 INFO  [io.quarkus] (main) Keycloak 26.0.7 on JVM (powered by Quarkus 3.15.1) started in 11.402s. Listening on: http://0.0.0.0:8080. Management interface listening on http://0.0.0.0:9000.
        {start:%Y-%m-%d %H:%M:%S},988 INFO  [io.quarkus] (main) Profile prod activated.
    """),
    )
    identity.deployment("keycloak", keycloak, replicas=2, port=8080, component="service", depends_on=["keycloak-db"])
    app = go_service(
        "sso-gateway",
        "harbor.internal.acme.io/identity/sso-gateway:v0.9.0",
        env={
            "OIDC_ISSUER": "http://keycloak.identity.svc.cluster.local:8080/realms/acme",
            "OIDC_CLIENT_ID": "sso-gateway",
            "OIDC_CLIENT_SECRET": secret_ref("oidc-client", "client-secret"),
            "COOKIE_SECRET": secret_ref("sso-gateway-cookie", "secret"),
            "POD_IP": field_ref("status.podIP"),
        },
    )
    gateway = identity.deployment("sso-gateway", app, replicas=2, port=80, component="service", depends_on=["keycloak"])
    new = gateway.release(
        t("03:10:05"), image="harbor.internal.acme.io/identity/sso-gateway:v0.10.0", new_pods=1, old_pods_left=2
    )
    target = new.pods[0]
    target.set("app", config_error('secret "oidc-client" not found', since=target.created + seconds(2)))
    return Scenario(
        "missing-secret",
        f"sso-gateway upgrade to v0.10.0 stuck in identity namespace; {target.name} says CreateContainerConfigError",
        Expect("missing_config", "sso-gateway", target.name),
        c,
        notes="OIDC_CLIENT_SECRET comes from Secret oidc-client, which is missing in this namespace. The old pods still run "
        "because their containers were created before the Secret was deleted.",
    )


# ============================================================================================
# liveness_probe_failure, readiness_probe_failure
# ============================================================================================


def _liveness_refused(pod: Pod, *, kills: int) -> tuple[ProbeFailure, ...]:
    message = f'Get "http://{pod.ip}:8080/healthz": dial tcp {pod.ip}:8080: connect: connection refused'
    return (ProbeFailure("Liveness", message, count=3 * kills + 2, since=pod.created + seconds(24)),)


@scenario
def liveness_probe_failure() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    search = c.namespace("search")
    search.statefulset("opensearch", opensearch_node(), port=9200, component="database", storage="100Gi")
    app = node_service("search-api", "ghcr.io/acme/search-api:4.2.0", port=3000)
    api = search.deployment("search-api", app, replicas=2, port=80, component="service", depends_on=["opensearch"])
    # 4.3.0 moves the liveness probe to port 8080; the app still listens on 3000.
    new = api.release(
        t("02:58:02"), image="ghcr.io/acme/search-api:4.3.0", liveness=http_get("/healthz", 8080, initial_delay=20)
    )
    target, other = new.pods
    # Each instance lives ~50s (20s delay + 3 failed probes); the restart back-off has grown to 5 minutes.
    target.set(
        "app",
        crash_loop(
            exited(143, t("03:15:46"), t("03:16:38")),
            restarts=7,
            since=target.created + seconds(24),
            probe_failures=_liveness_refused(target, kills=7),
            killed_by_liveness=7,
        ),
    )
    other.set(
        "app",
        running(
            t("03:18:59"),
            restarts=6,
            last=exited(143, t("03:13:17"), t("03:14:09")),
            since=other.created + seconds(24),
            probe_failures=_liveness_refused(other, kills=6),
            killed_by_liveness=6,
        ),
    )
    return Scenario(
        "liveness-probe-failure",
        f"{target.name} keeps restarting since the 02:58 deploy, search is flaky (search ns)",
        Expect("liveness_probe_failure", "search-api", target.name),
        c,
        notes="Release 4.3.0 moved the liveness probe to port 8080 while the app listens on 3000. Unhealthy 'Liveness probe "
        "failed: Get ...:8080/healthz: ... connect: connection refused' then Killing 'failed liveness probe, will be "
        "restarted'; exit 143. Logs are clean. The 'connection refused' is the probe's, not a dependency's.",
    )


def _catalog_not_ready(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000)
    log.line(1.6, "INFO", "catalog.startup", "loaded 48,211 products from cache snapshot")
    log.app_ready()
    probes = int((ctx.end - ctx.start).total_seconds() - 7) // 5
    for i in range(probes + 1):  # the kubelet asks every 5 seconds, and gets 404 every time
        log.access(7 + 5 * i, "GET", "/healthz/ready", 404, worker=7 + i % 2)
    return log.text()


@scenario
def readiness_probe_failure() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    catalog_ns = c.namespace("catalog")
    catalog_ns.statefulset("catalog-db", postgres(), port=5432, component="database")
    app = python_service("catalog-api", "harbor.internal.acme.io/catalog/catalog-api:5.6.0")
    api = catalog_ns.deployment("catalog-api", app, replicas=3, port=80, component="service", depends_on=["catalog-db"])
    catalog_ns.deployment(
        "catalog-indexer",
        go_service("catalog-indexer", "harbor.internal.acme.io/catalog/indexer:v1.2.2"),
        replicas=1,
        component="service",
        depends_on=["catalog-db"],
    )
    new = api.release(
        t("03:03:15"),
        image="harbor.internal.acme.io/catalog/catalog-api:5.7.0",
        readiness=http_get("/healthz/ready", "http", period=5),
        new_pods=1,
        old_pods_left=3,
    )
    target = new.pods[0]
    failing = ProbeFailure(
        "Readiness", "HTTP probe failed with statuscode: 404", count=197, since=target.created + seconds(7)
    )
    target.set(
        "app",
        running(
            target.created + seconds(4),
            ready=False,
            probe_failures=(failing,),
            since=target.created + seconds(7),
            logs=_catalog_not_ready,
        ),
    )
    return Scenario(
        "readiness-probe-failure",
        "catalog-api rollout hanging in catalog: new pod is Running but never becomes Ready",
        Expect("readiness_probe_failure", "catalog-api", target.name),
        c,
        notes="5.7.0's readiness probe asks /healthz/ready; the app serves /healthz. Running, restartCount 0, Ready=False, "
        "listed under notReadyAddresses of the catalog-api Endpoints; Unhealthy 'Readiness probe failed: HTTP probe "
        "failed with statuscode: 404'; access log shows the 404s.",
    )


# ============================================================================================
# application_crash, configuration_error, container_command_failure, permission_denied
# ============================================================================================


def _cart_crash(ctx: LogContext) -> str:
    log = NodeLog(ctx)
    log.line(0.4, "info", "cart-service 2.10.0 starting", env="production", node="v20.18.1")
    log.line(0.8, "info", "connected to redis", url="redis://redis-cache:6379/0")
    log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
    log.line(
        -0.3,
        "info",
        "incoming request",
        reqId="req-4t1",
        req={
            "method": "POST",
            "url": "/api/cart/items",
            "headers": {
                "host": "cart-service.shop.svc.cluster.local",
                "authorization": f"Bearer {CUSTOMER_JWT}",
                "content-type": "application/json",
            },
        },
    )
    log.raw("""
node:internal/process/promises:394
    triggerUncaughtException(err, true /* fromPromise */);
    ^

TypeError: Cannot read properties of undefined (reading 'currency')
    at formatLinePrice (/app/dist/services/pricing.js:88:31)
    at Array.map (<anonymous>)
    at CartService.addItem (/app/dist/services/cart.js:142:38)
    at async Object.<anonymous> (/app/dist/routes/cart.js:57:20)

Node.js v20.18.1
""")
    return log.text()


@scenario
def application_crash_node() -> Scenario:
    c = Cluster.eks()
    shop = storefront(c, skip=("cart-service",))
    app = node_service(
        "cart-service", "ghcr.io/acme/cart-service:2.9.4", env={"REDIS_URL": "redis://redis-cache:6379/0"}
    )
    cart = shop.deployment(
        "cart-service",
        app,
        replicas=3,
        port=80,
        component="service",
        depends_on=["redis-cache", "catalog-api"],
        log_shipper=True,
    )
    c.graph.depends("frontend", "cart-service")
    new = cart.release(t("02:55:40"), image="ghcr.io/acme/cart-service:2.10.0", new_pods=1, old_pods_left=3)
    target = new.pods[0]
    target.set(
        "app", crash_loop(exited(1, t("03:16:12"), t("03:16:14")), restarts=8, since=t("02:55:47"), logs=_cart_crash)
    )
    return Scenario(
        "application-crash-node",
        "cart-service keeps crashing after tonight's 2.10.0 deploy, add-to-cart errors for some users",
        Expect("application_crash", "cart-service", target.name),
        c,
        notes="Node.js unhandled promise rejection (TypeError: Cannot read properties of undefined (reading 'currency')) on "
        "the first add-to-cart request; exit code 1, CrashLoopBackOff, only the new ReplicaSet's pod. The "
        "log-shipper sidecar in the same pod is healthy.",
        secrets=("customer JWT in the authorization header logged by cart-service before the crash",),
    )


def _mailer_settings_error(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.raw("""Traceback (most recent call last):
  File "/app/.venv/bin/mailer", line 8, in <module>
    sys.exit(main())
             ^^^^^^
  File "/app/mailer/__main__.py", line 21, in main
    settings = Settings()
               ^^^^^^^^^^
  File "/app/.venv/lib/python3.12/site-packages/pydantic_settings/main.py", line 171, in __init__
    super().__init__(
  File "/app/.venv/lib/python3.12/site-packages/pydantic/main.py", line 214, in __init__
    validated_self = self.__pydantic_validator__.validate_python(data, self_instance=self)
                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
smtp_port
  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='587 # STARTTLS', input_type=str]
    For further information visit https://errors.pydantic.dev/2.10/v/int_parsing""")
    return log.text()


@scenario
def configuration_error() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    mail = c.namespace("mail")
    mail.statefulset("mail-queue", redis(), port=6379, component="queue", storage="5Gi")
    app = python_service(
        "mailer",
        "harbor.internal.acme.io/mail/mailer:1.7.2",
        memory="256Mi",
        env={
            "SMTP_HOST": "email-smtp.eu-west-1.amazonaws.com",
            "SMTP_PORT": "587",
            "SMTP_USERNAME": "AKIAZ7Q3EXAMPLESMTP1",
            "SENDGRID_API_KEY": "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",
            "QUEUE_URL": "redis://mail-queue:6379/0",
        },
    ).but(command=("mailer",), args=("--worker",), liveness=None, readiness=None)
    mailer = mail.deployment("mailer", app, replicas=2, component="service", depends_on=["mail-queue"])
    new = mailer.release(t("03:01:20"), env={"SMTP_PORT": "587 # STARTTLS"}, new_pods=1, old_pods_left=2)
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(1, t("03:15:31"), t("03:15:32")), restarts=8, since=t("03:01:24"), logs=_mailer_settings_error
        ),
    )
    return Scenario(
        "configuration-error",
        "mailer in mail namespace crashlooping after someone edited the deployment env",
        Expect("configuration_error", "mailer", target.name),
        c,
        notes="SMTP_PORT was set to '587 # STARTTLS' (a YAML comment pasted into a quoted value); pydantic-settings "
        "refuses it at startup: ValidationError int_parsing, exit 1. The config, not the code, is wrong.",
        secrets=("SENDGRID_API_KEY literal env value", "an SES SMTP username shaped like an AWS access key id"),
    )


@scenario
def command_not_found() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    billing = c.namespace("billing")
    billing.statefulset("billing-db", postgres(version="16.4"), port=5432, component="database")
    app = python_service("invoice-worker", "ghcr.io/acme/invoice-worker:4.0.1", env={"DATABASE_HOST": "billing-db"})
    worker = billing.deployment(
        "invoice-worker", app, replicas=2, port=80, component="service", depends_on=["billing-db"]
    )
    new = worker.release(t("03:08:45"), image="ghcr.io/acme/invoice-worker:4.1.0-slim", new_pods=1, old_pods_left=2)
    target = new.pods[0]
    error = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: exec: "gunicorn": executable file not found in $PATH: unknown'
    )
    target.set(
        "app", run_container_error(error, restarts=6, since=target.created + seconds(3), last_attempt=t("03:15:52"))
    )
    return Scenario(
        "command-not-found",
        f"{target.name} in billing is stuck in RunContainerError after we switched to the slim image",
        Expect("container_command_failure", "invoice-worker", target.name),
        c,
        notes="The -slim image has no gunicorn; containerd cannot exec the command. Waiting RunContainerError, lastState "
        "terminated StartError exit 128 (startedAt 1970-01-01), event 'Error: failed to create containerd task: ... "
        'exec: "gunicorn": executable file not found in $PATH\'. No application logs at all.',
    )


@scenario
def command_not_found_shell() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    data = c.namespace("data")
    data.statefulset("etl-broker", redis(), port=6379, component="queue", storage="10Gi")
    data.deployment(
        "etl-worker",
        python_service("etl-worker", "harbor.internal.acme.io/data/etl:3.3.0").but(
            command=("/bin/sh", "-c"),
            args=("celery -A etl.tasks worker --concurrency=4 --loglevel=INFO",),
            liveness=None,
            readiness=None,
            logs=logs.timed("""
            [{start:%Y-%m-%d %H:%M:%S},118: INFO/MainProcess] Connected to redis://etl-broker:6379/0
            [{start:%Y-%m-%d %H:%M:%S},141: INFO/MainProcess] mingle: searching for neighbors
            [{start:%Y-%m-%d %H:%M:%S},166: INFO/MainProcess] mingle: all alone
            [{start:%Y-%m-%d %H:%M:%S},203: INFO/MainProcess] celery@{pod} ready.
        """),
        ),
        replicas=2,
        component="service",
        depends_on=["etl-broker"],
    )
    beat = Container(
        name="scheduler",
        image="harbor.internal.acme.io/data/etl-scheduler:3.3.0",
        command=("/bin/sh", "-c"),
        args=("celery -A etl.tasks beat --loglevel=INFO --schedule=/tmp/celerybeat-schedule",),
        env={"CELERY_BROKER_URL": "redis://etl-broker:6379/0"},
        requests={"cpu": "50m", "memory": "128Mi"},
        limits={"memory": "256Mi"},
    )
    scheduler = data.deployment(
        "etl-scheduler", beat, replicas=1, component="service", depends_on=["etl-broker"], created=t("03:04:30")
    )
    target = scheduler.pod(0)
    target.set(
        "scheduler",
        crash_loop(
            exited(127, t("03:15:58"), t("03:15:58")),
            restarts=7,
            since=target.created + seconds(3),
            logs="/bin/sh: 1: celery: not found\n",
        ),
    )
    return Scenario(
        "command-not-found-shell",
        "new etl-scheduler deployment (data namespace) is in CrashLoopBackOff, exits immediately",
        Expect("container_command_failure", "etl-scheduler", target.name),
        c,
        notes="The scheduler image was built without celery; the shell wrapper prints '/bin/sh: 1: celery: not found' and "
        "exits 127 (command not found). CrashLoopBackOff with lastState terminated Error exit 127.",
    )


def _config_syncer_forbidden(ctx: LogContext) -> str:
    log = KlogLog(ctx)
    log.line(0.05, "I", "main.go:64", '"Starting config-syncer" version="v0.8.2" watchNamespaces=""')
    denied = (
        'configmaps is forbidden: User "system:serviceaccount:platform:config-syncer" cannot list resource "configmaps" '
        'in API group "" at the cluster scope'
    )
    for i in range(3):
        log.line(
            0.4 + i * 9,
            "W",
            "reflector.go:569",
            f"pkg/mod/k8s.io/client-go@v0.31.3/tools/cache/reflector.go:243: failed to list *v1.ConfigMap: {denied}",
        )
        log.line(
            0.41 + i * 9,
            "E",
            "reflector.go:166",
            f'"Unhandled Error" err="pkg/mod/k8s.io/client-go@v0.31.3/tools/cache/'
            f'reflector.go:243: Failed to watch *v1.ConfigMap: failed to list *v1.ConfigMap: {denied}" logger="UnhandledError"',
        )
    log.line(30.1, "E", "main.go:112", '"timed out waiting for caches to sync" controller="configmap-mirror"')
    log.line(
        30.1,
        "F",
        "main.go:113",
        '"unable to start controller" err="failed to wait for configmap-mirror caches to sync: timed out '
        'waiting for cache to be synced for Kind *v1.ConfigMap"',
    )
    return log.text()


@scenario
def permission_denied() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    platform = c.namespace("platform")
    platform.deployment(
        "docs-portal",
        nginx_frontend("harbor.internal.acme.io/platform/docs:2026.11.3"),
        replicas=1,
        port=80,
        component="service",
        volumes=(configmap_volume("nginx-conf", "docs-nginx"),),
    )
    app = go_service(
        "config-syncer",
        "harbor.internal.acme.io/platform/config-syncer:v0.8.2",
        env={"GITHUB_TOKEN": GITHUB_TOKEN, "SYNC_REPO": "https://github.com/acme/platform-config"},
    )
    syncer = platform.deployment(
        "config-syncer", app, replicas=1, component="service", service_account="config-syncer", created=days_ago(12)
    )
    target = syncer.pod(0)
    target.set(
        "app",
        crash_loop(
            exited(255, t("03:14:20"), t("03:14:51")), restarts=11, since=t("02:40:02"), logs=_config_syncer_forbidden
        ),
    )
    return Scenario(
        "permission-denied",
        "config-syncer crashloop in platform — did someone touch RBAC during the cluster-roles cleanup?",
        Expect("permission_denied", "config-syncer", target.name),
        c,
        notes="The ClusterRoleBinding for ServiceAccount platform/config-syncer was removed at 02:40. client-go reflector: "
        "'configmaps is forbidden: User \"system:serviceaccount:platform:config-syncer\" cannot list resource', then "
        "klog F 'timed out waiting for caches to sync', exit 255.",
        secrets=(f"GitHub token {GITHUB_TOKEN[:8]}... literal in the GITHUB_TOKEN env value of config-syncer",),
    )


# ============================================================================================
# node_failure, eviction, volume_failure
# ============================================================================================


@scenario
def node_not_ready() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    accounts = c.namespace("accounts")
    accounts.statefulset(
        "ledger-db", postgres(version="16.4", memory="4Gi"), port=5432, component="database", storage="200Gi"
    )
    app = java_service(
        "ledger-api",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/accounts/ledger-api:12.4.0",
        main_class="com.acme.ledger.LedgerApiApplication",
        memory="2Gi",
        env={
            "SPRING_DATASOURCE_URL": "jdbc:postgresql://ledger-db:5432/ledger",
            "SPRING_DATASOURCE_PASSWORD": secret_ref("ledger-db", "password"),
        },
    )
    ledger = accounts.deployment("ledger-api", app, replicas=3, port=80, component="service", depends_on=["ledger-db"])
    lost = c.workers[2]
    lost.ready, lost.not_ready_since = "Unknown", t("03:15:04")
    target = next(p for p in ledger.pods if p.node is lost)
    c.node_event(
        lost,
        "NodeNotReady",
        f"Node {lost.name} status is now: NodeNotReady",
        first=t("03:15:45"),
        type="Normal",
        component="node-controller",
    )
    return Scenario(
        "node-not-ready",
        "ledger-api degraded in accounts — only 2/3 ready since a few minutes, nothing changed on our side",
        Expect("node_failure", "ledger-api", target.name),
        c,
        notes=f"Node {lost.name} stopped posting status at 03:15:04: all conditions Unknown 'Kubelet stopped posting node "
        "status.', unreachable taints. Pods on it keep their last container status (running, ready) but the node "
        "controller set Ready=False and emitted NodeNotReady; the endpoint is notReady. Logs stop at 03:15.",
    )


def _report_builder_scratch(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000)
    log.app_ready()

    def at(clock: str) -> float:
        return (t(clock) - ctx.start).total_seconds()

    for part, (begun, done, rows, size) in enumerate(
        (("02:10:04", "02:31:40", "41,220,118", "3.1"), ("02:31:41", "02:54:09", "96,004,311", "7.4")), start=1
    ):
        log.line(
            at(begun), "INFO", "report_builder.jobs", f"rendering nightly ledger report part {part}/3 into /tmp/reports"
        )
        log.line(
            at(done),
            "INFO",
            "report_builder.export",
            f"wrote /tmp/reports/ledger-2026-11-19-part{part}.csv ({rows} rows, {size} GiB); kept until all parts are uploaded",
        )
    log.line(
        at("02:54:10"), "INFO", "report_builder.jobs", "rendering nightly ledger report part 3/3 into /tmp/reports"
    )
    log.line(at("03:06:02"), "INFO", "report_builder.jobs", "part 3/3: 61% rendered (7.9 GiB written so far)")
    return log.text()


@scenario
def evicted_disk_pressure() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    reporting = c.namespace("reporting")
    reporting.deployment(
        "reports-ui",
        node_service("reports-ui", "harbor.internal.acme.io/reporting/ui:1.12.0"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["report-builder"],
    )
    app = python_service("report-builder", "harbor.internal.acme.io/reporting/report-builder:2.4.1", memory="1Gi").but(
        mounts={"scratch": "/tmp/reports"}
    )
    builder = reporting.deployment(
        "report-builder", app, replicas=1, port=80, component="service", volumes=(empty_dir("scratch"),)
    )
    evicted = builder.pod(0)
    evicted.set("app", running(evicted.created + seconds(4), logs=_report_builder_scratch))
    node = evicted.node
    assert node is not None
    node.pressure["DiskPressure"] = t("03:08:31")
    message = (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 10120387515, available: 9472180Ki. "
        "Container app was using 16494112Ki, which exceeds its request of 0. "
    )
    evicted.evict(message, t("03:09:12"))
    other = next(n for n in c.workers if n is not node)
    replacement = builder.current.new_pod(other, t("03:09:13"))
    c.node_event(
        node, "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", first=t("03:08:31"), type="Warning"
    )
    c.node_event(
        node, "NodeHasDiskPressure", f"Node {node.name} status is now: NodeHasDiskPressure", first=t("03:08:31")
    )
    c.node_event(
        node,
        "FreeDiskSpaceFailed",
        "Failed to garbage collect required amount of images. Attempted to free 9820422144 "
        "bytes, but only found 2117281792 bytes eligible to free.",
        first=t("03:08:40"),
        last=t("03:18:40"),
        count=3,
        type="Warning",
    )
    return Scenario(
        "evicted-disk-pressure",
        f"report-builder pod {evicted.name} shows Evicted in reporting, last night's reports are missing",
        Expect("eviction", "report-builder", evicted.name),
        c,
        notes=f"report-builder filled its emptyDir scratch volume (no sizeLimit, no ephemeral-storage request) until "
        f"{node.name} hit DiskPressure; the kubelet evicted it (phase Failed, reason Evicted, DisruptionTarget "
        f"TerminationByKubelet). Replacement {replacement.name} runs on {other.name}.",
    )


@scenario
def pvc_pending() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    messaging = c.namespace("messaging")
    messaging.deployment(
        "event-router",
        go_service("event-router", "ghcr.io/acme/event-router:v1.6.3"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["rabbitmq"],
    )
    mq = messaging.statefulset(
        "rabbitmq",
        rabbitmq_server(),
        replicas=1,
        port=5672,
        component="queue",
        storage="30Gi",
        storage_class="fast-ssd",
        created=t("03:04:10"),
    )
    mq.replicas = 3  # OrderedReady: rabbitmq-1 is not created while rabbitmq-0 is not Ready
    target = mq.pod(0)
    target.unschedule(
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are "
        "available: 3 Preemption is not helpful for scheduling."
    )
    claim = messaging.get_claim("data-rabbitmq-0")
    claim.bound, claim.selected_node = False, None
    claim.provisioning_error = 'storageclass.storage.k8s.io "fast-ssd" not found'
    return Scenario(
        "pvc-pending",
        "rabbitmq install in messaging is stuck, rabbitmq-0 Pending since 03:04",
        Expect("volume_failure", "rabbitmq", target.name),
        c,
        notes="The volumeClaimTemplate asks for StorageClass fast-ssd, which does not exist on this cluster (gp2/gp3 do). "
        "PVC data-rabbitmq-0 Pending with ProvisioningFailed 'storageclass.storage.k8s.io \"fast-ssd\" not found'; "
        "the pod is unschedulable: 'pod has unbound immediate PersistentVolumeClaims'.",
    )


# ============================================================================================
# init_container_failure, dns_resolution_failure
# ============================================================================================

FLYWAY_FAILURE = """Flyway OSS Edition 10.21.0 by Redgate

See release notes here: https://rd.gt/416ObMi
Database: jdbc:postgresql://crm-db.crm.svc.cluster.local:5432/crm (PostgreSQL 15.8)
Successfully validated 42 migrations (execution time 00:00.087s)
Current version of schema "public": 41
Migrating schema "public" to version "42 - add loyalty tier"
ERROR: Migration of schema "public" to version "42 - add loyalty tier" failed! Changes successfully rolled back.
ERROR: Migration V42__add_loyalty_tier.sql failed
-------------------------------------------
SQL State  : 42701
Error Code : 0
Message    : ERROR: column "loyalty_tier" of relation "customers" already exists
Location   : db/migration/V42__add_loyalty_tier.sql (/flyway/sql/db/migration/V42__add_loyalty_tier.sql)
Line       : 1
Statement  : ALTER TABLE customers ADD COLUMN loyalty_tier varchar(16) NOT NULL DEFAULT 'bronze'

Caused by: Migration V42__add_loyalty_tier.sql failed
"""


@scenario
def init_container_failure() -> Scenario:
    c = Cluster.eks()
    crm = c.namespace("crm")
    crm.statefulset("crm-db", postgres(version="15.8"), port=5432, component="database", storage="50Gi")
    crm.deployment(
        "crm-web",
        nginx_frontend("ghcr.io/acme/crm-web:2026.11.2"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["customer-api"],
        volumes=(configmap_volume("nginx-conf", "crm-web-nginx"),),
    )
    api = go_service(
        "customer-api",
        "ghcr.io/acme/customer-api:v6.1.0",
        env={"DB_HOST": "crm-db", "DB_PASSWORD": secret_ref("crm-db", "password")},
    )
    customers = crm.deployment("customer-api", api, replicas=2, port=80, component="service", depends_on=["crm-db"])
    migrate = Container(
        name="db-migrate",
        image="flyway/flyway:10.21",
        args=("migrate",),
        env={
            "FLYWAY_URL": "jdbc:postgresql://crm-db.crm.svc.cluster.local:5432/crm",
            "FLYWAY_USER": "crm_migrator",
            "FLYWAY_PASSWORD": "crm-M1gr4tor!2026",
            "FLYWAY_LOCATIONS": "filesystem:/flyway/sql/db/migration",
        },
        requests={"cpu": "100m", "memory": "256Mi"},
        limits={"memory": "512Mi"},
        mounts={"migrations": "/flyway/sql"},
    )
    new = customers.rollout(
        t("03:01:05"),
        change=lambda tpl: tpl.but(
            init_containers=(migrate,), volumes=(configmap_volume("migrations", "customer-api-migrations-v6-2"),)
        ).map_container("app", lambda ct: ct.but(image="ghcr.io/acme/customer-api:v6.2.0")),
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "db-migrate",
        crash_loop(exited(1, t("03:14:48"), t("03:14:51")), restarts=7, since=t("03:01:09"), logs=FLYWAY_FAILURE),
    )
    target.set("app", pending_init())
    return Scenario(
        "init-container-failure",
        "customer-api v6.2.0 rollout stuck in Init:CrashLoopBackOff (crm namespace)",
        Expect("init_container_failure", "customer-api", target.name),
        c,
        notes='Init container db-migrate (Flyway) fails migration V42: column "loyalty_tier" already exists (it was added '
        "by hand), exit 1, CrashLoopBackOff; the app container waits in PodInitializing; Initialized=False "
        "ContainersNotInitialized. The two old pods still serve.",
        secrets=("FLYWAY_PASSWORD literal env value of the db-migrate init container",),
    )


def _checkout_dns(ctx: LogContext) -> str:
    log = GoLog(ctx)
    log.line(0.01, "info", "cmd/checkout/main.go:41", "starting", service="checkout", version="v5.0.1", go="go1.23.4")
    log.line(
        0.02,
        "info",
        "config/config.go:77",
        "configuration loaded",
        source="env",
        payments_url="http://payments-api.shop.svc.cluster.local:8080",
    )
    error = (
        'Get "http://payments-api.shop.svc.cluster.local:8080/healthz": dial tcp: lookup payments-api.shop.svc.cluster.local '
        "on 10.96.0.10:53: no such host"
    )
    for attempt in range(1, 4):
        log.line(
            0.04 + attempt * 1.5,
            "warn",
            "payments/client.go:96",
            "payments warm-up failed, retrying",
            attempt=attempt,
            error=error,
        )
    log.line(-0.01, "fatal", "cmd/checkout/main.go:87", "payments client warm-up failed", error=error)
    return log.text()


@scenario
def dns_resolution_failure() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    payments = c.namespace("payments")
    payments.deployment(
        "payments-api",
        go_service("payments-api", "harbor.internal.acme.io/payments/payments-api:v3.2.0"),
        replicas=2,
        port=8080,
        component="service",
    )
    shop = storefront(c, skip=("cart-service",))
    app = go_service(
        "checkout",
        "harbor.internal.acme.io/shop/checkout:v5.0.0",
        env={"PAYMENTS_URL": "http://payments-api.payments.svc.cluster.local:8080"},
    )
    checkout = shop.deployment(
        "checkout", app, replicas=2, port=80, component="service", depends_on=["payments-api", "catalog-api"]
    )
    c.graph.depends("frontend", "checkout")
    new = checkout.release(
        t("03:02:26"),
        image="harbor.internal.acme.io/shop/checkout:v5.0.1",
        env={"PAYMENTS_URL": "http://payments-api.shop.svc.cluster.local:8080"},
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "app", crash_loop(exited(1, t("03:14:40"), t("03:14:46")), restarts=7, since=t("03:02:30"), logs=_checkout_dns)
    )
    return Scenario(
        "dns-resolution-failure",
        "checkout is crashlooping after the config change at 3am, errors mention payments lookup",
        Expect("dns_resolution_failure", "checkout", target.name),
        c,
        notes="v5.0.1 points PAYMENTS_URL at payments-api.shop.svc.cluster.local, but payments-api lives in namespace "
        "payments: 'dial tcp: lookup ... on 10.96.0.10:53: no such host' (NXDOMAIN from a healthy CoreDNS), zap fatal, "
        "exit 1.",
    )


# ============================================================================================
# resource_quota_exceeded, unschedulable_constraints
# ============================================================================================


@scenario
def quota_exceeded() -> Scenario:
    c = Cluster.eks()
    finance = c.namespace("finance")
    finance.deployment(
        "ledger-exporter",
        python_service("ledger-exporter", "ghcr.io/acme/ledger-exporter:1.3.0", memory="2Gi"),
        replicas=2,
        component="service",
    )
    finance.deployment(
        "fx-rates",
        go_service("fx-rates", "ghcr.io/acme/fx-rates:v0.7.1", memory="1536Mi"),
        replicas=2,
        port=80,
        component="service",
    )
    app = java_service(
        "billing-worker", "ghcr.io/acme/billing-worker:1.0.0", main_class="com.acme.billing.BillingWorker", memory="2Gi"
    )
    worker = finance.deployment(
        "billing-worker", app, replicas=2, pods=0, created=t("03:02:40"), component="service", depends_on=["fx-rates"]
    )
    worker.current.fail_create(
        "exceeded quota: compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, "
        "limited: limits.memory=8Gi",
        t("03:02:41"),
    )
    return Scenario(
        "quota-exceeded",
        "new billing-worker deployment in finance shows 0/2 ready and there are no pods at all",
        Expect("resource_quota_exceeded", "billing-worker"),
        c,
        notes="ResourceQuota compute-quota caps limits.memory at 8Gi and 7Gi is used; every pod the ReplicaSet creates is "
        "rejected (ReplicaFailure FailedCreate, 'exceeded quota: compute-quota, requested: limits.memory=2Gi'). "
        "No pod exists, so expect has no pod; the Deployment is Progressing=False ProgressDeadlineExceeded.",
    )


@scenario
def node_selector_mismatch() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    ml = c.namespace("ml")
    ml.deployment(
        "feature-store",
        python_service("feature-store", "ghcr.io/acme/feature-store:0.9.4"),
        replicas=2,
        port=80,
        component="service",
    )
    app = python_service("embedding-worker", "ghcr.io/acme/embedding-worker:1.2.0", memory="8Gi", cpu="2").but(
        limits={"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "1"},
        requests={"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"},
    )
    worker = ml.deployment(
        "embedding-worker",
        app,
        replicas=1,
        component="service",
        depends_on=["feature-store"],
        created=t("03:05:12"),
        node_selector={"node.kubernetes.io/instance-type": "g5.xlarge"},
        tolerations=({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},),
    )
    target = worker.pod(0)
    target.unschedule(
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
        "available: 3 Preemption is not helpful for scheduling."
    )
    return Scenario(
        "node-selector-mismatch",
        "embedding-worker never starts in ml, stays Pending",
        Expect("unschedulable_constraints", "embedding-worker", target.name),
        c,
        notes="nodeSelector node.kubernetes.io/instance-type=g5.xlarge but the GPU node group was scaled to zero: only "
        "m6i.xlarge nodes exist. FailedScheduling \"3 node(s) didn't match Pod's node affinity/selector\".",
    )


# ============================================================================================
# Issue #5: a wider suite. Each scenario below covers a shape the ones above do not.
# ============================================================================================


def _rid(*parts: object) -> str:
    """A short, stable id for request/order ids in logs."""
    return safe_suffix(3, *parts)


def _since_start(ctx: LogContext, clock: str) -> float:
    """Offset of a wall-clock moment of the incident night from the start of a container instance."""
    return (t(clock) - ctx.start).total_seconds()


PRICEFEED_AMQP = "amqp://pricefeed:Pf-amqp-9Qx2Lm7Rt4@rabbitmq.pricing.svc.cluster.local:5672/%2F"


def _pricefeed_start(log: PythonLog) -> None:
    log.line(0.6, "INFO", "pricefeed.worker", "pricefeed-worker 2.7.0 starting (python 3.12.7, pandas 2.2.3, pid 1)")
    log.line(
        0.9,
        "INFO",
        "pricefeed.amqp",
        "connected to amqp://pricefeed:***@rabbitmq.pricing.svc.cluster.local:5672/%2F (prefetch=1, heartbeat=60s)",
    )
    log.line(1.0, "INFO", "pricefeed.worker", "consuming from queue supplier-feeds")


def _pricefeed_until_oom(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    _pricefeed_start(log)
    log.line(
        1.3,
        "INFO",
        "pricefeed.worker",
        "job 7f3c2a91: feed eurotrade/full-catalog-2026-11-20.csv.gz (612.4 MiB compressed, redelivered=True, attempt="
        f"{ctx.instance + 2})",
    )
    log.line(
        9.8, "INFO", "pricefeed.feeds", "downloaded full-catalog-2026-11-20.csv.gz in 8.4s, loading into a DataFrame"
    )
    log.raw(
        "/app/pricefeed/feeds.py:88: DtypeWarning: Columns (14,22,31) have mixed types. Specify dtype option on import "
        'or set low_memory=False.\n  frame = pd.read_csv(path, compression="gzip", sep=";")'
    )
    log.line(-6.0, "INFO", "pricefeed.feeds", "parsed 9,812,440 rows x 46 columns; joining with 1,204,331 SKU mappings")
    return log.text()


def _pricefeed_loading(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    _pricefeed_start(log)
    log.line(
        1.4,
        "INFO",
        "pricefeed.worker",
        "job 7f3c2a91: feed eurotrade/full-catalog-2026-11-20.csv.gz (612.4 MiB compressed, redelivered=True, attempt=27)",
    )
    log.line(
        10.3, "INFO", "pricefeed.feeds", "downloaded full-catalog-2026-11-20.csv.gz in 8.9s, loading into a DataFrame"
    )
    return log.text()


def _pricefeed_idle(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    _pricefeed_start(log)
    if ctx.uptime > 600:
        for offset in log.tail_offsets(3, 170):
            log.line(offset, "INFO", "pricefeed.worker", "heartbeat: idle, 0 jobs in flight")
    return log.text()


@scenario
def oom_killed_python() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    back_office(c, "ops")
    pricing = c.namespace("pricing")
    pricing.statefulset("rabbitmq", rabbitmq_server(), port=5672, component="queue", storage="20Gi")
    pricing.statefulset(
        "pricing-db",
        postgres(version="16.4", password_secret="pricing-db-credentials"),
        port=5432,
        component="database",
        storage="50Gi",
    )
    pricing.deployment(
        "price-api",
        go_service("price-api", "harbor.internal.acme.io/pricing/price-api:v4.1.2"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["pricing-db"],
    )
    worker = python_service(
        "pricefeed-worker",
        "harbor.internal.acme.io/pricing/pricefeed-worker:2.7.0",
        memory="1Gi",
        cpu="500m",
        env={
            "RABBITMQ_URL": PRICEFEED_AMQP,
            "DATABASE_PASSWORD": secret_ref("pricing-db-credentials", "password"),
            "DATABASE_HOST": "pricing-db",
            "FEED_BUCKET": "s3://acme-supplier-feeds",
            "METRICS_PORT": "9102",
        },
    ).but(
        command=("python", "-m", "pricefeed.worker"),
        args=(),
        ports={"metrics": 9102},
        liveness=None,
        readiness=None,
        env_from=(env_from_secret("pricefeed-s3"),),
        logs=_pricefeed_idle,
    )
    feed = pricing.deployment(
        "pricefeed-worker", worker, replicas=3, component="service", depends_on=["rabbitmq", "pricing-db"]
    )
    target = feed.pod(0)
    target.set(
        "app",
        crash_loop(
            oom_killed(t("03:15:02"), t("03:15:58")), restarts=9, since=t("02:41:15"), logs=_pricefeed_until_oom
        ),
    )
    feed.pod(1).set(
        "app",
        crash_loop(
            oom_killed(t("03:17:10"), t("03:18:04")), restarts=8, since=t("02:43:40"), logs=_pricefeed_until_oom
        ),
    )
    feed.pod(2).set(
        "app",
        running(
            t("03:19:21"),
            restarts=9,
            last=oom_killed(t("03:12:47"), t("03:13:44")),
            since=t("02:42:02"),
            logs=_pricefeed_loading,
            previous_logs=_pricefeed_until_oom,
        ),
    )
    return Scenario(
        "oom-killed-python",
        "pricing: pricefeed-worker pods keep dying, exit code 137 every time, supplier feed import has not finished since ~2:40",
        Expect("insufficient_memory", "pricefeed-worker", target.name),
        c,
        notes="A 612 MiB gzipped supplier feed is loaded into one pandas DataFrame (9.8M rows x 46 columns) inside a 1Gi "
        "limit. The kernel kills the worker (OOMKilled, 137) mid-join; the message is redelivered, so all three replicas "
        "take turns dying: two in CrashLoopBackOff, the third Running again and loading the same feed. No Python error, "
        "only a pandas DtypeWarning before the logs stop.",
        secrets=("RabbitMQ URL with password in the RABBITMQ_URL env value of pricefeed-worker",),
    )


# --- extended resources: a GPU node group --------------------------------------------------


def _gpu_node(node: Node) -> Node:
    node.labels = {
        "eks.amazonaws.com/nodegroup": "gpu-g5",
        "k8s.amazonaws.com/accelerator": "nvidia-a10g",
        "node.kubernetes.io/instance-type": "g5.xlarge",
        "nvidia.com/gpu.count": "1",
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": "NVIDIA-A10G",
    }
    node.memory_ki = 16069868
    node.extended = {"nvidia.com/gpu": "1"}
    node.created = days_ago(9, clock="16:40:12")
    return node


def _nvidia_device_plugin(c: Cluster, gpu: Node) -> None:
    plugin = Container(
        name="nvidia-device-plugin-ctr",
        image="nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
        env={"FAIL_ON_INIT_ERROR": "false"},
        mounts={"device-plugin": "/var/lib/kubelet/device-plugins"},
        security_context={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        logs=logs.timed("""
            I{start:%m%d %H:%M:%S}.118311       1 main.go:235] "Starting NVIDIA Device Plugin" version="v0.17.0"
            I{start:%m%d %H:%M:%S}.118402       1 main.go:238] Starting FS watcher for /var/lib/kubelet/device-plugins
            I{start:%m%d %H:%M:%S}.118433       1 main.go:245] Starting OS watcher.
            I{start:%m%d %H:%M:%S}.311201       1 main.go:356] Starting Plugins.
            I{start:%m%d %H:%M:%S}.311246       1 main.go:413] Loading configuration.
            I{start:%m%d %H:%M:%S}.412009       1 server.go:195] Starting GRPC server for 'nvidia.com/gpu'
            I{start:%m%d %H:%M:%S}.412877       1 server.go:139] Starting to serve 'nvidia.com/gpu' on /var/lib/kubelet/device-plugins/nvidia-gpu.sock
            I{start:%m%d %H:%M:%S}.415188       1 server.go:146] Registered device plugin for 'nvidia.com/gpu' with Kubelet
        """),
    )
    c.namespace("kube-system").daemonset(
        "nvidia-device-plugin-daemonset",
        plugin,
        nodes=[gpu],
        created=gpu.created,
        labels={"name": "nvidia-device-plugin-ds"},
        priority_class="system-node-critical",
        tolerations=(
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        ),
        volumes=({"name": "device-plugin", "hostPath": {"path": "/var/lib/kubelet/device-plugins", "type": ""}},),
    )


VLLM_LOGS = logs.timed("""
    INFO {start:%m-%d %H:%M:%S} api_server.py:585] vLLM API server version 0.6.4.post1
    INFO {start:%m-%d %H:%M:%S} api_server.py:586] args: Namespace(host=None, port=8000, uvicorn_log_level='info', model='/models/llama-3.1-8b-instruct', tokenizer=None, max_model_len=8192, gpu_memory_utilization=0.9, served_model_name=['llama-3.1-8b-instruct'], enable_prefix_caching=True)
    INFO {start:%m-%d %H:%M:%S} config.py:350] This model supports multiple tasks: {{'generate', 'embedding'}}. Defaulting to 'generate'.
    INFO {start:%m-%d %H:%M:%S} model_runner.py:1072] Starting to load model /models/llama-3.1-8b-instruct...
    INFO {start:%m-%d %H:%M:%S} model_runner.py:1077] Loading model weights took 14.9888 GB
    INFO {start:%m-%d %H:%M:%S} gpu_executor.py:122] # GPU blocks: 1795, # CPU blocks: 2048
    INFO {start:%m-%d %H:%M:%S} launcher.py:19] Available routes are:
    INFO {start:%m-%d %H:%M:%S} launcher.py:27] Route: /health, Methods: GET
    INFO {start:%m-%d %H:%M:%S} launcher.py:27] Route: /v1/chat/completions, Methods: POST
    INFO:     Started server process [1]
    INFO:     Waiting for application startup.
    INFO:     Application startup complete.
    INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)
    INFO {end:%m-%d %H:%M:%S} metrics.py:449] Avg prompt throughput: 912.4 tokens/s, Avg generation throughput: 388.1 tokens/s, Running: 14 reqs, Swapped: 0 reqs, Pending: 31 reqs, GPU KV cache usage: 97.8%, CPU KV cache usage: 0.0%.
""")


@scenario
def pending_insufficient_gpu() -> Scenario:
    nodes = eks_nodes(4)
    gpu = _gpu_node(nodes[3])
    gpu.taints = [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
    c = Cluster(EKS, nodes)
    _nvidia_device_plugin(c, gpu)
    storefront(c)
    ml = c.namespace("ml")
    ml.deployment(
        "embedding-api",
        python_service(
            "embedding-api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ml/embedding-api:1.4.0", memory="2Gi"
        ),
        replicas=2,
        port=80,
        component="service",
    )
    vllm = Container(
        name="vllm",
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/ml/llm-inference:llama31-8b-v3",
        args=(
            "--model",
            "/models/llama-3.1-8b-instruct",
            "--served-model-name",
            "llama-3.1-8b-instruct",
            "--max-model-len",
            "8192",
            "--gpu-memory-utilization",
            "0.90",
            "--enable-prefix-caching",
        ),
        ports={"http": 8000},
        requests={"cpu": "3", "memory": "12Gi", "nvidia.com/gpu": "1"},
        limits={"memory": "12Gi", "nvidia.com/gpu": "1"},
        env={"HF_HUB_OFFLINE": "1", "VLLM_LOGGING_LEVEL": "INFO"},
        mounts={"dshm": "/dev/shm"},
        readiness=http_get("/health", "http", initial_delay=60, period=10),
        liveness=http_get("/health", "http", initial_delay=180, period=20, failure_threshold=5),
        logs=VLLM_LOGS,
    )
    inference = ml.deployment(
        "llm-inference",
        vllm,
        replicas=1,
        port=80,
        component="service",
        created=days_ago(6, clock="22:13:20"),
        node_selector={"eks.amazonaws.com/nodegroup": "gpu-g5"},
        tolerations=({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},),
        volumes=(empty_dir("dshm", medium="Memory", size_limit="8Gi"),),
    )
    inference.pod(0).move_to(gpu)
    c.graph.depends("embedding-api", "llm-inference")
    (pending,) = inference.scale(2, t("03:03:41"))
    pending.unschedule(
        "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not "
        "helpful for scheduling."
    )
    pending.warn(
        "NotTriggerScaleUp",
        "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, 1 max node group size reached",
        first=t("03:03:52"),
        last=t("03:19:31"),
        count=94,
        type="Normal",
        component="cluster-autoscaler",
    )
    return Scenario(
        "pending-insufficient-gpu",
        "llm-inference stuck at 1/2 in ml, the second replica has been Pending for ~15 min and the chat assistant is "
        "crawling",
        Expect("insufficient_cluster_resources", "llm-inference", pending.name),
        c,
        notes="The HPA asked for a second vLLM replica at 03:03; each needs one nvidia.com/gpu and the only GPU node "
        "(g5.xlarge, 1 A10G) already runs the first. FailedScheduling '1 Insufficient nvidia.com/gpu, 3 node(s) didn't "
        "match Pod's node affinity/selector'; the cluster-autoscaler says the GPU node group is at its max size.",
    )


# --- dependency_unreachable: a Service named differently from its component ----------------


LEDGER_DSN = (
    "postgres://payouts:Lg3r-P4y0uts-2026@ledger-postgres.finance.svc.cluster.local:5432/ledger?sslmode=disable"
    "&connect_timeout=5"
)


def _ledger_db_hung(ctx: LogContext) -> str:
    log = Log(ctx)

    def stamp(offset: float) -> str:
        moment = log.at(offset)
        return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} UTC"

    log.raw("\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n")
    log.raw(
        f"{stamp(0.3)} [1] LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit\n"
        f'{stamp(0.3)} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432\n'
        f'{stamp(0.31)} [1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"\n'
        f"{stamp(0.4)} [1] LOG:  database system is ready to accept connections"
    )
    for begun, done, buffers, share, took in (
        ("02:42:11", "02:42:38", 2841, "17.3", "26.912"),
        ("02:47:11", "02:47:40", 3017, "18.4", "28.530"),
        ("02:52:11", "02:52:36", 2655, "16.2", "24.871"),
    ):
        log.raw(
            f"{stamp(_since_start(ctx, begun) + 0.412)} [27] LOG:  checkpoint starting: time\n"
            f"{stamp(_since_start(ctx, done) + 0.655)} [27] LOG:  checkpoint complete: wrote {buffers} buffers "
            f"({share}%); 0 WAL file(s) added, 0 removed, 2 recycled; write={took} s, sync=0.204 s, total=27.231 s; "
            "sync files=48, longest=0.118 s, average=0.005 s; distance=31452 kB, estimate=33018 kB; lsn=2/8C1F2D10, "
            "redo lsn=2/8A3B9F08"
        )
    log.raw(f"{stamp(_since_start(ctx, '02:57:11') + 0.409)} [27] LOG:  checkpoint starting: time")
    return log.text()


def _payouts_timeouts(db_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = GoLog(ctx)
        log.line(
            0.01,
            "info",
            "cmd/payouts/main.go:38",
            "starting",
            service="payouts-service",
            version="v2.9.3",
            go="go1.23.4",
        )
        log.line(0.02, "info", "config/config.go:81", "configuration loaded", source="env", ledger_dsn=LEDGER_DSN)
        log.line(
            0.31,
            "info",
            "store/postgres.go:64",
            "database pool ready",
            db_addr="ledger-postgres.finance.svc.cluster.local:5432",
            max_conns=20,
        )
        log.line(0.32, "info", "server/http.go:58", "http server listening", addr=":8080")
        for hour in ("01", "02"):
            log.line(
                _since_start(ctx, f"{hour}:00:04") + 0.217,
                "info",
                "payouts/runner.go:61",
                "payout batch settled",
                batch=f"po_2026-11-20T{hour}:00",
                payouts=412 if hour == "01" else 388,
                duration_ms=1840 if hour == "01" else 1712,
            )
        dial = (
            "failed to connect to `user=payouts database=ledger`: "
            f"{db_ip}:5432 (ledger-postgres.finance.svc.cluster.local): dial error: dial tcp {db_ip}:5432: i/o timeout"
        )
        first = _since_start(ctx, "02:57:52") + 0.318
        log.line(
            first,
            "warn",
            "store/postgres.go:131",
            "slow acquire",
            db_addr="ledger-postgres.finance.svc.cluster.local:5432",
            waited_ms=5004,
        )
        for i in range(6):
            offset = first + 30.004 + 180.011 * i + 0.093 * (i % 3)
            log.line(
                offset,
                "error",
                "store/postgres.go:112",
                "database ping failed",
                db_addr="ledger-postgres.finance.svc.cluster.local:5432",
                error=dial,
            )
            log.line(
                offset + 0.01, "warn", "server/health.go:44", "readiness check failed", check="postgres", error=dial
            )
            if i == 0:
                log.line(
                    _since_start(ctx, "03:00:09") + 0.641,
                    "error",
                    "payouts/runner.go:77",
                    "payout batch failed",
                    batch="po_2026-11-20T03:00",
                    error=f"begin tx: {dial}",
                )
        log.line(
            -2.713,
            "error",
            "store/postgres.go:112",
            "database ping failed",
            db_addr="ledger-postgres.finance.svc.cluster.local:5432",
            error=dial,
        )
        return log.text()

    return render


@scenario
def db_timeout_go() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    storefront(c)
    finance = c.namespace("finance")
    db = finance.statefulset(
        "ledger-db",
        postgres(version="16.4", memory="4Gi", password_secret="ledger-db-credentials").but(liveness=None),
        port=5432,
        component="database",
        storage="200Gi",
        storage_class="ceph-rbd",
        service="ledger-postgres",
    )
    finance.get_claim("data-ledger-db-0").selected_node = None  # ceph-rbd binds immediately
    ledger = db.pod(0)
    ledger.set(
        "postgres",
        running(
            ledger.created + seconds(4),
            ready=False,
            since=t("02:57:41"),
            probe_failures=(
                ProbeFailure(
                    "Readiness",
                    'command "/bin/sh -c exec pg_isready -U app -h 127.0.0.1 -p 5432" timed out',
                    count=134,
                    since=t("02:57:41"),
                ),
            ),
            logs=_ledger_db_hung,
        ),
    )
    finance.deployment(
        "fx-rates",
        go_service("fx-rates", "harbor.internal.acme.io/finance/fx-rates:v0.7.1"),
        replicas=2,
        port=80,
        component="service",
    )
    db_ip = finance.get_service("ledger-postgres").cluster_ip
    app = go_service(
        "payouts-service",
        "harbor.internal.acme.io/finance/payouts-service:v2.9.3",
        env={"LEDGER_DSN": LEDGER_DSN, "FX_RATES_URL": "http://fx-rates.finance.svc.cluster.local"},
    )
    payouts = finance.deployment(
        "payouts-service", app, replicas=2, port=80, component="service", depends_on=["ledger-db", "fx-rates"]
    )
    for i, pod in enumerate(payouts.pods):
        pod.set(
            "app",
            running(
                pod.created + seconds(4),
                ready=False,
                since=t("02:58:21"),
                probe_failures=(
                    ProbeFailure(
                        "Readiness", "HTTP probe failed with statuscode: 503", count=251 - 4 * i, since=t("02:58:21")
                    ),
                ),
                logs=_payouts_timeouts(db_ip),
            ),
        )
    target = payouts.pod(0)
    return Scenario(
        "db-timeout-go",
        "payouts are failing (the 03:00 batch did not settle), payouts-service logs are full of db timeouts. finance ns",
        Expect("dependency_unreachable", "payouts-service", target.name),
        c,
        notes="payouts-service (Go, pgx) cannot reach its database: 'dial tcp <ClusterIP>:5432: i/o timeout' to "
        "ledger-postgres.finance.svc.cluster.local. The knowledge graph knows the database as component ledger-db whose "
        "Service is ledger-postgres (names differ). ledger-db-0 is Running but not Ready since 02:57: its pg_isready "
        "readiness probe times out (the postgres log stops at a checkpoint that never completes: I/O stalled on the "
        "ceph-rbd volume). payouts-service is Running, 0/1 ready (its /readyz pings the database).",
        secrets=(
            "postgres DSN with password in the LEDGER_DSN env value of payouts-service",
            "the same DSN logged by payouts-service at startup ('configuration loaded')",
        ),
    )


# --- dependency_unreachable: a cache scaled to zero -----------------------------------------

SESSION_REDIS_URL = "redis://:S3ss10n-C4che-Zp81@redis-cache:6379/0"


def _session_api_refused(redis_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = NodeLog(ctx)
        log.line(0.4, "info", "session-api 1.12.3 starting", env="production", node="v20.18.1")
        log.line(0.7, "info", "redis ready", host="redis-cache", port=6379, db=0)
        log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
        for i, clock in enumerate(("02:58:14", "02:59:40", "03:00:51")):
            log.line(
                _since_start(ctx, clock),
                "info",
                "request completed",
                reqId=f"req-{_rid(ctx.pod, i)}",
                res={"statusCode": 200},
                responseTime=4.1 + i,
            )
        lost = _since_start(ctx, "03:01:12")
        log.line(lost, "warn", "redis connection closed", host="redis-cache", port=6379)
        refused = {
            "type": "Error",
            "message": f"connect ECONNREFUSED {redis_ip}:6379",
            "stack": f"Error: connect ECONNREFUSED {redis_ip}:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1610:16)",
            "errno": -111,
            "code": "ECONNREFUSED",
            "syscall": "connect",
            "address": redis_ip,
            "port": 6379,
        }
        log.line(lost + 0.06, "error", "redis error", err=refused)
        log.line(lost + 0.06, "warn", "redis reconnecting", host="redis-cache", port=6379, attempt=1, delayMs=50)
        # The app throttles its redis error logging to one line per 30 s (ioredis retries every 2 s).
        for k in range(1, int((ctx.end - t("03:01:12")).total_seconds() // 30) + 1):
            offset = lost + 30.0 * k + 0.061
            log.line(offset, "error", "redis error", err=refused, suppressed=14)
            log.line(
                offset + 0.001,
                "warn",
                "redis reconnecting",
                host="redis-cache",
                port=6379,
                attempt=1 + 15 * k,
                delayMs=2000,
            )
            if k == 1:
                log.line(
                    lost + 41.2,
                    "error",
                    "request failed",
                    reqId="req-9zq",
                    req={"method": "POST", "url": "/api/session/refresh"},
                    err={
                        "type": "MaxRetriesPerRequestError",
                        "message": 'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.',
                        "stack": 'MaxRetriesPerRequestError: Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.\n    at Socket.<anonymous> (/app/node_modules/ioredis/built/redis/event_handler.js:182:37)\n    at Object.onceWrapper (node:events:634:26)\n    at Socket.emit (node:events:519:28)\n    at TCP.<anonymous> (node:net:339:12)',
                    },
                )
        last = lost + 30.0 * (int((ctx.end - t("03:01:12")).total_seconds() // 30)) + 0.062
        for n in range(1, 5):  # the kubelet's readiness probes since the last throttled error line
            if last + 4.9 * n >= ctx.uptime:
                break
            log.line(
                last + 4.9 * n,
                "info",
                "request completed",
                reqId=f"req-{_rid(ctx.pod, 100 + n)}",
                req={"method": "GET", "url": "/health/ready"},
                res={"statusCode": 503},
                responseTime=0.9,
            )
        return log.text()

    return render


@scenario
def redis_refused_node() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    back_office(c, "ops")
    web = c.namespace("web")
    cache = web.statefulset("redis-cache", redis(), port=6379, component="cache", storage=None)
    cache.scale(0, t("03:01:09"))
    web.deployment(
        "cms-api",
        python_service("cms-api", "harbor.internal.acme.io/web/cms-api:3.0.4"),
        replicas=2,
        port=80,
        component="service",
    )
    redis_ip = web.get_service("redis-cache").cluster_ip
    app = node_service(
        "session-api",
        "harbor.internal.acme.io/web/session-api:1.12.3",
        env={"REDIS_URL": SESSION_REDIS_URL, "SESSION_TTL": "43200"},
    )
    sessions = web.deployment(
        "session-api",
        app,
        replicas=2,
        port=80,
        component="service",
        depends_on=["redis-cache"],
        log_shipper=True,
    )
    web.deployment(
        "web-frontend",
        nginx_frontend("harbor.internal.acme.io/web/frontend:2026.11.18"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["session-api", "cms-api"],
        volumes=(configmap_volume("nginx-conf", "web-frontend-nginx"),),
    )
    for i, pod in enumerate(sessions.pods):
        pod.set(
            "app",
            running(
                pod.created + seconds(4),
                ready=False,
                since=t("03:01:20"),
                probe_failures=(
                    ProbeFailure(
                        "Readiness", "HTTP probe failed with statuscode: 503", count=223 - 3 * i, since=t("03:01:20")
                    ),
                ),
                logs=_session_api_refused(redis_ip),
            ),
        )
    target = sessions.pod(0)  # both replicas fail alike; this one has the most failed probes
    return Scenario(
        "redis-refused-node",
        "everyone is getting logged out / login gives 500 since a bit after 3. session-api pods 0/1 in web",
        Expect("dependency_unreachable", "session-api", target.name),
        c,
        notes="The redis-cache StatefulSet was scaled to 0 at 03:01:09 (SuccessfulDelete redis-cache-0); its Service has "
        "no endpoints. session-api (Node.js, ioredis) logs 'connect ECONNREFUSED <ClusterIP>:6379' and 'redis "
        "reconnecting host=redis-cache port=6379', requests fail with MaxRetriesPerRequestError and /health/ready answers "
        "503, so both pods are Running but not Ready. The dependency is a cache, not a database.",
        secrets=("redis URL with password in the REDIS_URL env value of session-api",),
    )


# --- container_command_failure: wrong CPU architecture --------------------------------------


@scenario
def exec_format_error() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    edge = c.namespace("edge")
    edge.statefulset("ratelimit-redis", redis(), port=6379, component="cache", storage=None)
    edge.deployment(
        "rate-limiter",
        go_service("rate-limiter", "ghcr.io/acme/rate-limiter:v0.11.2", env={"REDIS_ADDR": "ratelimit-redis:6379"}),
        replicas=2,
        port=80,
        component="service",
        depends_on=["ratelimit-redis"],
    )
    geo = edge.deployment(
        "geoip-lookup",
        go_service("geoip-lookup", "ghcr.io/acme/geoip-lookup:v1.7.4", env={"GEOIP_DB": "/data/GeoLite2-City.mmdb"}),
        replicas=3,
        port=80,
        component="service",
    )
    edge.deployment(
        "edge-proxy",
        nginx_frontend("ghcr.io/acme/edge-proxy:2026.11.1"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["geoip-lookup", "rate-limiter"],
        volumes=(configmap_volume("nginx-conf", "edge-proxy-nginx"),),
    )
    new = geo.release(t("03:09:28"), image="ghcr.io/acme/geoip-lookup:v1.8.0", new_pods=1, old_pods_left=3)
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(1, t("03:16:44"), t("03:16:44")),
            restarts=6,
            since=target.created + seconds(3),
            logs="exec /app/server: exec format error\n",
        ),
    )
    return Scenario(
        "exec-format-error",
        "geoip-lookup v1.8.0 won't start, crashloop right away, v1.7.4 pods still fine (edge)",
        Expect("container_command_failure", "geoip-lookup", target.name),
        c,
        notes="v1.8.0 was built and pushed from an arm64 laptop; the nodes are amd64. The runtime cannot execute the "
        "entrypoint: the only log line is 'exec /app/server: exec format error', exit 1 immediately (startedAt == "
        "finishedAt), CrashLoopBackOff. The image pulled fine; the three v1.7.4 pods keep serving.",
    )


# --- application_crash: a native library segfaults ------------------------------------------


def _resizer_segfault(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.line(
        0.5, "INFO", "resizer.worker", "image-resizer 3.8.0 (pyvips 2.2.3, libvips 8.16.0, libheif 1.19.5) starting"
    )
    log.line(0.7, "INFO", "resizer.metrics", "metrics on :9102")
    log.line(0.8, "INFO", "resizer.worker", "polling sqs://media-uploads (wait=20s, batch=1, visibility=120s)")
    log.line(
        -1.6,
        "INFO",
        "resizer.worker",
        f"job {ctx.pod[-5:]}-{ctx.instance}: s3://acme-media-uploads/u/48213/IMG_4471.HEIC (image/heic, 3.1 MiB) -> "
        "sizes [320, 1024, 2048]",
    )
    log.raw("""Fatal Python error: Segmentation fault

Thread 0x00007f2c9b7fe6c0 (most recent call first):
  File "/usr/local/lib/python3.12/selectors.py", line 415 in select
  File "/usr/local/lib/python3.12/socketserver.py", line 235 in serve_forever
  File "/usr/local/lib/python3.12/threading.py", line 1012 in run
  File "/usr/local/lib/python3.12/threading.py", line 1075 in _bootstrap_inner
  File "/usr/local/lib/python3.12/threading.py", line 1032 in _bootstrap

Current thread 0x00007f2ca3d4eb80 (most recent call first):
  File "/app/.venv/lib/python3.12/site-packages/pyvips/voperation.py", line 305 in call
  File "/app/.venv/lib/python3.12/site-packages/pyvips/vimage.py", line 1554 in call_function
  File "/app/resizer/render.py", line 41 in thumbnail
  File "/app/resizer/worker.py", line 97 in handle
  File "/app/resizer/worker.py", line 132 in run
  File "/app/resizer/__main__.py", line 6 in <module>
  File "<frozen runpy>", line 88 in _run_code
  File "<frozen runpy>", line 198 in _run_module_as_main

Extension modules: _cffi_backend, _libvips, yaml._yaml, charset_normalizer.md, _brotli (total: 5)""")
    return log.text()


def _resizer_ok(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.line(
        0.5, "INFO", "resizer.worker", "image-resizer 3.8.0 (pyvips 2.2.3, libvips 8.16.0, libheif 1.19.5) starting"
    )
    log.line(0.7, "INFO", "resizer.metrics", "metrics on :9102")
    log.line(0.8, "INFO", "resizer.worker", "polling sqs://media-uploads (wait=20s, batch=1, visibility=120s)")
    for i, offset in enumerate(log.tail_offsets(4 if ctx.uptime > 160 else 1, 37)):
        log.line(
            offset,
            "INFO",
            "resizer.worker",
            f"job done: s3://acme-media-uploads/u/{51000 + 17 * i}/photo-{i + 1}.jpg -> 3 sizes in {0.41 + 0.07 * i:.2f}s",
        )
    return log.text()


@scenario
def segfault_native() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    media = c.namespace("media")
    media.deployment(
        "thumbnail-api",
        go_service("thumbnail-api", "ghcr.io/acme/thumbnail-api:v2.2.0"),
        replicas=2,
        port=80,
        component="service",
    )
    media.deployment(
        "media-ui",
        nginx_frontend("ghcr.io/acme/media-ui:2026.11.12"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["thumbnail-api"],
        volumes=(configmap_volume("nginx-conf", "media-ui-nginx"),),
    )
    worker = python_service(
        "image-resizer",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/media/image-resizer:3.7.2",
        memory="1Gi",
        cpu="500m",
        env={
            "PYTHONFAULTHANDLER": "1",
            "SQS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/media-uploads",
            "OUTPUT_BUCKET": "acme-media-thumbs",
            "AWS_REGION": "eu-west-1",
        },
    ).but(
        command=("python", "-m", "resizer"),
        args=(),
        ports={"metrics": 9102},
        liveness=None,
        readiness=None,
        logs=_resizer_ok,
    )
    resizer = media.deployment(
        "image-resizer",
        worker,
        replicas=3,
        component="service",
        depends_on=["thumbnail-api"],
        service_account="image-resizer",
    )
    new = resizer.release(
        t("02:14:05"), image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/media/image-resizer:3.8.0", new_pods=3
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(exited(139, t("03:15:51"), t("03:15:54")), restarts=8, since=t("02:52:30"), logs=_resizer_segfault),
    )
    new.pods[1].set(
        "app",
        running(
            t("03:18:06"),
            restarts=6,
            last=exited(139, t("03:12:40"), t("03:12:43")),
            since=t("02:53:12"),
            logs=_resizer_ok,
            previous_logs=_resizer_segfault,
        ),
    )
    new.pods[2].set("app", running(new.pods[2].created + seconds(4), logs=_resizer_ok))
    return Scenario(
        "segfault-native",
        "image-resizer pods in media crashing with exit code 139 since ~3am, thumbnails not generated",
        Expect("application_crash", "image-resizer", target.name),
        c,
        notes="image-resizer 3.8.0 (rolled out at 02:14) bundles libvips 8.16/libheif 1.19; decoding iPhone HEIC uploads "
        "crashes inside the native library. PYTHONFAULTHANDLER=1 prints 'Fatal Python error: Segmentation fault' with "
        "the Python stack (pyvips call_function), then the process dies of SIGSEGV: exit code 139, reason Error, "
        "CrashLoopBackOff. A second pod crashed the same way and is Running again; the third has not met a HEIC yet.",
    )


# --- application_crash: a CronJob's Job gives up ---------------------------------------------

RECONCILE_DB_URL = "postgresql://reconcile:R3c0nc1le-Bl1ng-77@billing-db.billing.svc.cluster.local:5432/billing"


def _reconcile_keyerror(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.line(
        0.4,
        "INFO",
        "reconcile.main",
        "invoice-reconcile 1.9.0: reconciling invoices issued 2026-11-19 (batch size 500)",
    )
    log.line(
        0.9,
        "INFO",
        "reconcile.rates",
        "loaded VAT rates for 27 countries from billing-db (vat_rates, valid_on=2026-11-19)",
    )
    log.line(3.6, "INFO", "reconcile.main", "fetched 18,244 invoices from billing-db in 2.7s")
    log.line(4.8, "INFO", "reconcile.ledger", "batch 1/37 ok (500 invoices, delta 0.00 EUR)")
    log.line(5.5, "INFO", "reconcile.ledger", "batch 2/37 ok (500 invoices, delta 0.00 EUR)")
    log.raw("""Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "<frozen runpy>", line 88, in _run_code
  File "/app/reconcile/__main__.py", line 4, in <module>
    sys.exit(main())
             ^^^^^^
  File "/app/reconcile/main.py", line 61, in main
    totals = reconcile_batch(batch, rates)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/app/reconcile/ledger.py", line 112, in reconcile_batch
    vat = invoice.net_amount * rates[invoice.country_code]
                               ~~~~~^^^^^^^^^^^^^^^^^^^^^^
KeyError: 'NO'""")
    return log.text()


@scenario
def job_backoff_limit() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    billing = c.namespace("billing")
    billing.statefulset(
        "billing-db",
        postgres(version="16.4", password_secret="billing-db-credentials"),
        port=5432,
        component="database",
        storage="100Gi",
    )
    billing.deployment(
        "billing-api",
        java_service(
            "billing-api",
            "harbor.internal.acme.io/billing/billing-api:7.3.0",
            main_class="com.acme.billing.BillingApiApplication",
            memory="1536Mi",
            env={
                "SPRING_DATASOURCE_URL": "jdbc:postgresql://billing-db:5432/billing",
                "SPRING_DATASOURCE_PASSWORD": secret_ref("billing-db-credentials", "password"),
            },
        ),
        replicas=2,
        port=80,
        component="service",
        depends_on=["billing-db"],
    )
    job = Container(
        name="reconcile",
        image="harbor.internal.acme.io/billing/invoice-reconcile:1.9.0",
        command=("python", "-m", "reconcile"),
        args=("--date", "yesterday"),
        env={"DATABASE_URL": RECONCILE_DB_URL, "LEDGER_EXPORT_BUCKET": "s3://acme-finance-ledger"},
        requests={"cpu": "250m", "memory": "512Mi"},
        limits={"memory": "512Mi"},
    )
    c.graph.add(Component("invoice-reconcile", "service", "billing", {"app": "invoice-reconcile"}))
    c.graph.depends("invoice-reconcile", "billing-db")
    yesterday = billing.cron_job_run("invoice-reconcile", job, scheduled=t("02:45:00", day=19), backoff_limit=3)
    done = yesterday.new_pod(c.workers[1], t("02:45:00", day=19))
    done.set(
        "reconcile",
        completed(
            t("02:45:03", day=19),
            t("02:46:52", day=19),
            logs=logs.static("""
            2026-11-19 02:45:03,611 INFO reconcile.main invoice-reconcile 1.9.0: reconciling invoices issued 2026-11-18 (batch size 500)
            2026-11-19 02:45:04,102 INFO reconcile.rates loaded VAT rates for 27 countries from billing-db (vat_rates, valid_on=2026-11-18)
            2026-11-19 02:45:06,954 INFO reconcile.main fetched 17,903 invoices from billing-db in 2.6s
            2026-11-19 02:46:51,208 INFO reconcile.main reconciled 17,903 invoices in 36 batches, total delta 0.00 EUR
            2026-11-19 02:46:51,870 INFO reconcile.export wrote s3://acme-finance-ledger/reconcile/2026-11-18.parquet (4.2 MiB)
        """),
        ),
    )
    tonight = billing.cron_job_run("invoice-reconcile", job, scheduled=t("02:45:00"), backoff_limit=3)
    created = t("02:45:00")
    pods = []
    for attempt, backoff in enumerate((10, 20, 40, 0)):
        node = c.workers[(attempt + 2) % len(c.workers)]
        pod = tonight.new_pod(node, created)
        started = created + seconds(3)
        finished = started + seconds(6)
        pod.set("reconcile", failed(exited(1, started, finished), logs=_reconcile_keyerror))
        pods.append(pod)
        created = finished + seconds(backoff)
    target = pods[-1]
    return Scenario(
        "job-backoff-limit",
        "invoice-reconcile cronjob failed tonight in billing (BackoffLimitExceeded), finance needs the numbers by 9",
        Expect("application_crash", "invoice-reconcile", target.name),
        c,
        notes="CronJob invoice-reconcile's 02:45 Job ran four pods (backoffLimit 3), each exiting 1 with the same Python "
        "traceback: KeyError: 'NO' in reconcile_batch (the first Norwegian invoice; the VAT rate table has no NO "
        "entry). The Job is Failed with reason BackoffLimitExceeded. Yesterday's run, still listed, completed.",
        secrets=("postgres URL with password in the DATABASE_URL env value of the reconcile job",),
    )


# --- unschedulable_constraints: taints ---------------------------------------------------------


@scenario
def taint_not_tolerated() -> Scenario:
    nodes = eks_nodes(3)
    gpu = _gpu_node(nodes[2])
    gpu.labels |= {"dedicated": "gpu"}
    gpu.taints = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    c = Cluster(EKS, nodes)
    _nvidia_device_plugin(c, gpu)
    back_office(c, "ops")
    data = c.namespace("data")
    data.statefulset("warehouse-db", postgres(version="16.4", memory="4Gi"), port=5432, component="database")
    data.deployment(
        "superset",
        python_service("superset", "apache/superset:4.1.1", port=8088, memory="2Gi"),
        replicas=1,
        port=80,
        component="service",
        depends_on=["warehouse-db"],
    )
    sync = data.deployment(
        "warehouse-sync",
        python_service(
            "warehouse-sync",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/data/warehouse-sync:0.14.0",
            env={"WAREHOUSE_DSN": secret_ref("warehouse-db", "dsn")},
        ),
        replicas=2,
        port=80,
        component="service",
        depends_on=["warehouse-db"],
    )
    pressured = [n for n in c.workers if n is not gpu]
    for i, node in enumerate(pressured):
        since = t("03:05:38") + seconds(47 * i)
        node.pressure["DiskPressure"] = since
        c.node_event(node, "NodeHasDiskPressure", f"Node {node.name} status is now: NodeHasDiskPressure", first=since)
        c.node_event(
            node,
            "EvictionThresholdMet",
            "Attempting to reclaim ephemeral-storage",
            first=since,
            last=t("03:19:10") - seconds(9 * i),
            count=15 - i,
            type="Warning",
        )
    new = sync.release(
        t("03:07:12"),
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/data/warehouse-sync:0.15.0",
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.unschedule(
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) had untolerated taint "
        "{node.kubernetes.io/disk-pressure: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
        "scheduling."
    )
    return Scenario(
        "taint-not-tolerated",
        "warehouse-sync 0.15.0 rollout stuck in data, new pod Pending since 03:07, scheduler mentions taints",
        Expect("unschedulable_constraints", "warehouse-sync", target.name),
        c,
        notes="Every node is tainted against the new pod: the GPU node has dedicated=gpu:NoSchedule (not tolerated), "
        "and both general-purpose nodes got node.kubernetes.io/disk-pressure:NoSchedule at 03:05-03:06 "
        "(DiskPressure=True, EvictionThresholdMet). FailedScheduling lists both untolerated taints. The old pods keep "
        "running; nothing was evicted.",
    )


# --- volume_failure: a ReadWriteOnce volume still used on another node ----------------------


def prometheus_server(version: str) -> Container:
    return Container(
        name="prometheus",
        image=f"quay.io/prometheus/prometheus:{version}",
        args=(
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            "--web.enable-lifecycle",
        ),
        ports={"web": 9090},
        requests={"cpu": "500m", "memory": "4Gi"},
        limits={"memory": "4Gi"},
        mounts={"config": "/etc/prometheus", "data": "/prometheus"},
        read_only_mounts=frozenset({"config"}),
        readiness=http_get("/-/ready", "web", period=5, timeout=3),
        liveness=http_get("/-/healthy", "web", period=15, timeout=10, failure_threshold=10),
    )


def config_reloader() -> Container:
    return Container(
        name="config-reloader",
        image="quay.io/prometheus-operator/prometheus-config-reloader:v0.78.2",
        args=("--listen-address=:8080", "--reload-url=http://127.0.0.1:9090/-/reload", "--watched-dir=/etc/prometheus"),
        ports={"reloader-web": 8080},
        requests={"cpu": "10m", "memory": "32Mi"},
        limits={"memory": "64Mi"},
        mounts={"config": "/etc/prometheus"},
        read_only_mounts=frozenset({"config"}),
        logs=logs.timed("""
            level=info ts={start:%Y-%m-%dT%H:%M:%S}.201Z caller=main.go:115 msg="Starting prometheus-config-reloader" version="(version=0.78.2, branch=, revision=a0a8e77)"
            level=info ts={start:%Y-%m-%dT%H:%M:%S}.204Z caller=reloader.go:282 msg="reloading via HTTP"
            level=info ts={start:%Y-%m-%dT%H:%M:%S}.209Z caller=main.go:166 msg="Starting web server for metrics" listen=:8080
        """),
    )


@scenario
def failed_attach_volume() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    storefront(c)
    monitoring = c.namespace("monitoring")
    prom_template = monitoring.template(
        "prometheus",
        (prometheus_server("v3.0.1"), config_reloader()),
        volumes=(configmap_volume("config", "prometheus-config"),),
        service_account="prometheus",
        security_context={"runAsUser": 65534, "runAsGroup": 65534, "runAsNonRoot": True, "fsGroup": 65534},
    )
    prom = monitoring.statefulset(
        "prometheus",
        template=prom_template,
        port=9090,
        component="database",
        storage="200Gi",
        storage_class="ceph-rbd",
    )
    monitoring.statefulset(
        "alertmanager",
        Container(
            name="alertmanager",
            image="quay.io/prometheus/alertmanager:v0.27.0",
            args=("--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"),
            ports={"web": 9093},
            requests={"cpu": "50m", "memory": "128Mi"},
            limits={"memory": "256Mi"},
            mounts={"data": "/alertmanager"},
            readiness=http_get("/-/ready", "web"),
            logs=logs.timed("""
                ts={start:%Y-%m-%dT%H:%M:%S}.118Z caller=main.go:181 level=info msg="Starting Alertmanager" version="(version=0.27.0, branch=HEAD, revision=0aa3c2aad14cff039931923ab16b26b7481783b5)"
                ts={start:%Y-%m-%dT%H:%M:%S}.131Z caller=coordinator.go:113 level=info component=configuration msg="Loading configuration file" file=/etc/alertmanager/alertmanager.yml
                ts={start:%Y-%m-%dT%H:%M:%S}.140Z caller=tls_config.go:313 level=info msg="Listening on" address=[::]:9093
            """),
        ),
        port=9093,
        component="service",
        storage="2Gi",
        storage_class="ceph-rbd",
    )
    monitoring.deployment(
        "grafana",
        Container(
            name="grafana",
            image="grafana/grafana:11.3.1",
            ports={"grafana": 3000},
            requests={"cpu": "100m", "memory": "256Mi"},
            limits={"memory": "512Mi"},
            env={"GF_SECURITY_ADMIN_PASSWORD": secret_ref("grafana-admin", "password")},
            readiness=http_get("/api/health", "grafana"),
            logs=logs.timed("""
                logger=settings t={start:%Y-%m-%dT%H:%M:%S}.512811Z level=info msg="Starting Grafana" version=11.3.1 commit=9e2ad6f9c7 branch=HEAD compiled={start:%Y-%m-%dT%H:%M:%S}Z
                logger=sqlstore t={start:%Y-%m-%dT%H:%M:%S}.631904Z level=info msg="Connecting to DB" dbtype=sqlite3
                logger=http.server t={start:%Y-%m-%dT%H:%M:%S}.918377Z level=info msg="HTTP Server Listen" address=[::]:3000 protocol=http subUrl= socket=
            """),
        ),
        replicas=1,
        port=80,
        component="service",
        depends_on=["prometheus"],
    )
    target = prom.pod(0)
    before = target.node
    after = next(n for n in c.workers if n is not before)
    claim = monitoring.get_claim("data-prometheus-0")
    for bound in (claim, monitoring.get_claim("data-alertmanager-0")):
        bound.selected_node = None  # ceph-rbd binds immediately: no selected-node annotation
    inspect = monitoring.pod(
        "pvc-inspect",
        PodTemplate(
            labels={"run": "pvc-inspect"},
            containers=(
                Container(
                    name="pvc-inspect",
                    image="busybox:1.37",
                    args=("sleep", "86400"),
                    mounts={"data": "/prometheus"},
                    logs="",
                ),
            ),
            volumes=(pvc_volume("data", "data-prometheus-0"),),
        ),
        before,
        t("02:41:07"),
    )
    inspect.set("pvc-inspect", running(t("02:41:11"), logs=""))
    prom.recreate(0, after, t("03:02:14"))
    target.set("prometheus", creating(since=t("03:02:15")))
    target.set("config-reloader", creating(since=t("03:02:15")))
    target.warn(
        "FailedAttachVolume",
        f'Multi-Attach error for volume "pvc-{claim.uid}" Volume is already used by pod(s) pvc-inspect',
        first=t("03:02:15"),
        component="attachdetach-controller",
    )
    return Scenario(
        "failed-attach-volume",
        "prometheus-0 stuck in ContainerCreating since the helm upgrade at 3, no metrics and no alerts. monitoring ns",
        Expect("volume_failure", "prometheus", target.name),
        c,
        notes=f"At 02:41 someone started a bare pod pvc-inspect on {before.name} that mounts PVC data-prometheus-0 "
        "(ReadWriteOnce, ceph-rbd) to look at the TSDB, and left it running. The 03:02 upgrade recreated prometheus-0, "
        f"which landed on {after.name}: the attach/detach controller refuses to attach the volume to a second node "
        "(FailedAttachVolume 'Multi-Attach error ... Volume is already used by pod(s) pvc-inspect', reported once). "
        "Since 1.28 the kubelet emits no FailedMount event for a plain wait timeout, so that single event is all there "
        "is; both containers wait in ContainerCreating with no logs.",
    )


# --- permission_denied: Pod Security admission ----------------------------------------------


@scenario
def admission_denied() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    reports = c.namespace("reports")
    reports.deployment(
        "reports-api",
        python_service("reports-api", "ghcr.io/acme/reports-api:2.3.1"),
        replicas=2,
        port=80,
        component="service",
    )
    renderer = node_service(
        "pdf-renderer",
        "ghcr.io/acme/pdf-renderer:1.0.0",
        memory="1Gi",
        cpu="500m",
        env={"PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium", "MAX_CONCURRENT_PAGES": "4"},
        container="renderer",
    ).but(security_context={"capabilities": {"add": ["SYS_ADMIN"]}})
    pdf = reports.deployment(
        "pdf-renderer",
        renderer,
        replicas=2,
        pods=0,
        port=80,
        component="service",
        created=t("03:05:48"),
    )
    c.graph.depends("reports-api", "pdf-renderer")
    container = '"renderer"'
    pdf.current.fail_create(
        'violates PodSecurity "restricted:latest": non-default capabilities (container '
        f'{container} must not include "SYS_ADMIN" in securityContext.capabilities.add), allowPrivilegeEscalation != '
        f"false (container {container} must set securityContext.allowPrivilegeEscalation=false), unrestricted "
        f'capabilities (container {container} must set securityContext.capabilities.drop=["ALL"]; container '
        f'{container} must not include "SYS_ADMIN" in securityContext.capabilities.add), runAsNonRoot != true (pod or '
        f"container {container} must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "
        f'{container} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
        t("03:05:49"),
    )
    return Scenario(
        "admission-denied",
        "deployed pdf-renderer to reports ~15 min ago, it says 0/2 and kubectl get pods shows nothing at all",
        Expect("permission_denied", "pdf-renderer"),
        c,
        notes="The reports namespace enforces Pod Security 'restricted'. pdf-renderer adds SYS_ADMIN for Chromium's "
        "sandbox and sets none of the restricted fields, so admission rejects every pod: ReplicaSet ReplicaFailure "
        "FailedCreate 'pods ... is forbidden: violates PodSecurity \"restricted:latest\": ...'. No pod exists.",
    )


# --- missing_config: the ServiceAccount is not there ------------------------------------------


@scenario
def missing_service_account() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    payments = c.namespace("payments")
    payments.deployment(
        "fraud-scorer",
        python_service("fraud-scorer", "ghcr.io/acme/fraud-scorer:0.22.1", memory="1Gi"),
        replicas=2,
        port=80,
        component="service",
    )
    app = python_service(
        "payments-api",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payments-api:2.6.0",
        env={
            "STRIPE_API_KEY": secret_ref("stripe", "api-key"),
            "FRAUD_SCORER_URL": "http://fraud-scorer.payments.svc.cluster.local",
        },
    )
    api = payments.deployment(
        "payments-api", app, replicas=2, port=80, component="service", depends_on=["fraud-scorer"], mesh=True
    )
    c.graph.depends("cart-service", "payments-api")
    new = api.rollout(
        t("03:08:20"),
        change=lambda tpl: tpl.but(service_account="payments-sa").map_container(
            "app",
            lambda ct: ct.but(image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payments-api:2.7.0"),
        ),
        new_pods=0,
        old_pods_left=2,
        desired=1,
    )
    new.fail_create(
        'error looking up service account payments/payments-sa: serviceaccount "payments-sa" not found', t("03:08:21")
    )
    return Scenario(
        "missing-service-account",
        "payments-api 2.7.0 deploy not progressing, new replicaset never gets any pods (payments). old ones still up",
        Expect("missing_config", "payments-api"),
        c,
        notes="Release 2.7.0 switches serviceAccountName to payments-sa (for IRSA), but the chart's serviceAccount.create "
        "was false and nobody created it: the new ReplicaSet's pods are rejected at admission (FailedCreate 'error "
        'looking up service account payments/payments-sa: serviceaccount "payments-sa" not found\'). No new pod exists; '
        "the two 2.6.0 pods keep serving.",
    )


# --- unknown: nothing is wrong (that the cluster can see) ------------------------------------


def _search_api_ordinary(ctx: LogContext) -> str:
    log = GoLog(ctx)
    log.line(
        0.01, "info", "cmd/search-api/main.go:44", "starting", service="search-api", version="v3.4.2", go="go1.23.4"
    )
    log.line(0.05, "info", "opensearch/client.go:52", "cluster reachable", url="http://opensearch:9200", status="green")
    log.line(0.15, "info", "server/http.go:58", "http server listening", addr=":8080")
    for i, offset in enumerate(log.tail_offsets(8, 41)):
        log.line(
            offset,
            "info",
            "server/http.go:112",
            "request served",
            method="GET",
            path="/api/v1/search",
            status=200,
            hits=[12, 48, 3, 120, 27, 9, 64, 31][i],
            took_ms=[38, 52, 29, 71, 44, 33, 58, 40][i],
        )
    return log.text()


@scenario
def unknown_cause() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    back_office(c, "ops")
    search = c.namespace("search")
    search.statefulset("opensearch", opensearch_node(), port=9200, component="database", storage="100Gi")
    api = search.deployment(
        "search-api",
        go_service(
            "search-api", "ghcr.io/acme/search-api:v3.4.2", env={"OPENSEARCH_URL": "http://opensearch:9200"}
        ).but(logs=_search_api_ordinary),
        replicas=1,
        port=80,
        component="service",
        depends_on=["opensearch"],
    )
    search.deployment(
        "search-indexer",
        python_service("search-indexer", "ghcr.io/acme/search-indexer:1.6.0"),
        replicas=1,
        component="service",
        depends_on=["opensearch", "catalog-api"],
    )
    c.graph.depends("frontend", "search-api")
    target = api.pod(0)
    return Scenario(
        "unknown-cause",
        "search feels slow tonight",
        Expect("unknown", "search-api", target.name),
        c,
        notes="Nothing in the cluster explains it: search-api is Running and Ready with 0 restarts, its logs show "
        "ordinary 30-70 ms searches, opensearch is green, no warning events anywhere. The right answer is 'no cause "
        "found' (category unknown, low confidence), not a guess.",
    )


def _profile_service_logs(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000)
    log.line(1.6, "INFO", "profiles.settings", "settings loaded from /etc/profiles/settings.yaml (revision 41)")
    log.app_ready()
    if ctx.uptime > 600:
        for offset in log.tail_offsets(4, 30):
            log.access(offset, "GET", "/healthz", 200)
    return log.text()


def _profile_service_reload_exit(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000)
    log.line(1.6, "INFO", "profiles.settings", "settings loaded from /etc/profiles/settings.yaml (revision 40)")
    log.app_ready()
    log.line(
        -2.2,
        "INFO",
        "profiles.settings",
        "settings file /etc/profiles/settings.yaml changed (revision 40 -> 41), exiting for a clean restart",
    )
    log.raw(f"[{log.at(-1.9):%Y-%m-%d %H:%M:%S} +0000] [1] [INFO] Handling signal: term")
    log.raw(f"[{log.at(-1.2):%Y-%m-%d %H:%M:%S} +0000] [7] [INFO] Worker exiting (pid: 7)")
    log.raw(f"[{log.at(-1.2):%Y-%m-%d %H:%M:%S} +0000] [8] [INFO] Worker exiting (pid: 8)")
    log.raw(f"[{log.at(-0.3):%Y-%m-%d %H:%M:%S} +0000] [1] [INFO] Shutting down: Master")
    return log.text()


@scenario
def unknown_restart_completed() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    back_office(c, "ops")
    profiles = c.namespace("profiles")
    profiles.statefulset("profiles-db", postgres(version="16.4"), port=5432, component="database")
    app = python_service(
        "profile-service",
        "harbor.internal.acme.io/profiles/profile-service:5.1.0",
        env={"DATABASE_HOST": "profiles-db", "DATABASE_PASSWORD": secret_ref("profiles-db", "password")},
    ).but(mounts={"settings": "/etc/profiles"}, read_only_mounts=frozenset({"settings"}), logs=_profile_service_logs)
    service = profiles.deployment(
        "profile-service",
        app,
        replicas=2,
        port=80,
        component="service",
        depends_on=["profiles-db"],
        volumes=(configmap_volume("settings", "profile-service-settings"),),
    )
    profiles.deployment(
        "avatar-service",
        go_service("avatar-service", "harbor.internal.acme.io/profiles/avatar-service:v1.3.0"),
        replicas=1,
        port=80,
        component="service",
    )
    new = service.release(
        t("01:04:10"), image="harbor.internal.acme.io/profiles/profile-service:5.2.0", new_pods=2, old_pods_left=0
    )
    target = new.pods[1]
    restarted = target.created + seconds(141)
    target.set(
        "app",
        running(
            restarted + seconds(1),
            restarts=1,
            last=exited(0, target.created + seconds(4), restarted),
            previous_logs=_profile_service_reload_exit,
        ),
    )
    return Scenario(
        "unknown-restart-completed",
        "profile-service feels off since the deploy earlier tonight? not sure, can someone take a look",
        Expect("unknown", "profile-service", target.name),
        c,
        notes="Both profile-service 5.2.0 pods are Running and Ready. One restarted once, at 01:06, right after the "
        "rollout: lastState terminated Completed, exit code 0, its previous log says the mounted settings ConfigMap "
        "changed and it exited for a clean restart. That restart is routine and two hours old (its events expired). "
        "Nothing points at a cause: the answer is unknown, and a crash finding would be wrong.",
    )


# --- dns_resolution_failure: Node.js, a typo'd namespace ------------------------------------

PAYMENTS_API_TOKEN = "pk_svc_7Hq2Xw9LmB4nR8tVz3Kc6Yd1Fg5Ja0Ue"


def _order_gateway_enotfound(ctx: LogContext) -> str:
    log = NodeLog(ctx)
    host = "payments-api.payment.svc.cluster.local"
    log.line(0.4, "info", "order-gateway 4.3.0 starting", env="production", node="v20.18.1")
    log.line(0.6, "info", "payments client configured", baseUrl=f"http://{host}:8080", timeoutMs=3000)
    log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
    error = {
        "type": "TypeError",
        "message": f"fetch failed: getaddrinfo ENOTFOUND {host}",
        "stack": "TypeError: fetch failed\n    at node:internal/deps/undici/undici:13502:13\n"
        "    at async PaymentsClient.authorize (/app/dist/clients/payments.js:41:26)\n"
        "    at async OrderService.place (/app/dist/services/orders.js:118:24)\n"
        "    at async Object.<anonymous> (/app/dist/routes/orders.js:52:20)\n"
        f"caused by: Error: getaddrinfo ENOTFOUND {host}\n"
        "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:120:26)",
        "errno": -3008,
        "code": "ENOTFOUND",
        "syscall": "getaddrinfo",
        "hostname": host,
    }
    count = max(1, int((ctx.uptime - 30) // 47))
    for i in range(min(count, 12)):
        offset = -47.0 * (min(count, 12) - i) + 3
        order = f"ord_{_rid(ctx.pod, 'order', i)}{_rid(ctx.pod, i)}"
        req = f"req-{_rid(ctx.pod, 'req', i)}"
        log.line(offset, "error", "payment authorization failed", reqId=req, orderId=order, err=error)
        log.line(
            offset + 0.004,
            "info",
            "request completed",
            reqId=req,
            req={"method": "POST", "url": "/api/orders"},
            res={"statusCode": 502},
            responseTime=11.6 + i % 3,
        )
        if i % 3 == 1:
            log.line(
                offset + 9.1,
                "info",
                "request completed",
                reqId=f"req-{_rid(ctx.pod, 'get', i)}",
                req={"method": "GET", "url": "/api/orders/recent"},
                res={"statusCode": 200},
                responseTime=8.2,
            )
    return log.text()


@scenario
def dns_nodejs() -> Scenario:
    c = Cluster.eks()
    payments = c.namespace("payments")
    payments.deployment(
        "payments-api",
        go_service("payments-api", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/payments-api:v3.2.0"),
        replicas=2,
        port=8080,
        component="service",
    )
    shop = storefront(c)
    app = node_service(
        "order-gateway",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/order-gateway:4.2.1",
        env={
            "PAYMENTS_API_URL": "http://payments-api.payments.svc.cluster.local:8080",
            "PAYMENTS_API_TOKEN": PAYMENTS_API_TOKEN,
        },
    )
    gateway = shop.deployment(
        "order-gateway",
        app,
        replicas=2,
        port=80,
        component="service",
        depends_on=["payments-api", "cart-service"],
        mesh=True,
    )
    c.graph.depends("frontend", "order-gateway")
    new = gateway.release(
        t("03:05:10"),
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/order-gateway:4.3.0",
        env={"PAYMENTS_API_URL": "http://payments-api.payment.svc.cluster.local:8080"},
        new_pods=2,
    )
    for pod in new.pods:
        pod.set("app", running(pod.created + seconds(4), logs=_order_gateway_enotfound))
    target = new.pods[0]
    return Scenario(
        "dns-nodejs",
        "checkout broken since the 3am config push, order-gateway returns 502 on every payment (shop)",
        Expect("dns_resolution_failure", "order-gateway", target.name),
        c,
        notes="order-gateway 4.3.0 points PAYMENTS_API_URL at payments-api.payment.svc.cluster.local (namespace typo: "
        "it is 'payments'). Every order fails with undici 'fetch failed' caused by 'getaddrinfo ENOTFOUND "
        "payments-api.payment.svc.cluster.local' and a 502. The pods are Running, Ready, 0 restarts (their probes do "
        "not touch payments); only the logs show it.",
        secrets=("PAYMENTS_API_TOKEN literal env value of order-gateway",),
    )


# --- permission_denied: Java, S3 403 ---------------------------------------------------------


def _document_service_denied(ctx: LogContext) -> str:
    log = SpringLog(ctx, "document-service")
    main = "com.acme.documents.DocumentServiceApplication"
    log.startup(main_class=main, version="4.2.0", port=8080)
    log.line(5.1, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Starting...")
    log.line(5.6, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed.")
    log.line(
        6.2,
        "INFO",
        "c.a.documents.templates.TemplateRegistry",
        "Loading template bundle s3://acme-doc-templates/v7/bundle-manifest.json (region eu-west-1)",
    )
    request_id = f"{_rid(ctx.pod, ctx.instance, 'r').upper()}Q8XW2M1R7T3ZA"
    extended = "hV3kR9pX2mQ7wL4tZ8cB1nF6yJ0sD5gA3eK9uH2vT7oP4iM8rW1qE6xY0zN5bC3j/Lk="
    denied = (
        "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, "
        f"Request ID: {request_id}, Extended Request ID: {extended})"
    )
    log.line(
        6.9,
        "WARN",
        "ConfigServletWebServerApplicationContext",
        "Exception encountered during context initialization - cancelling refresh attempt: "
        "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'templateRegistry' "
        "defined in URL [jar:nested:/app/app.jar/!BOOT-INF/classes/!/com/acme/documents/templates/TemplateRegistry.class]: "
        "Failed to instantiate [com.acme.documents.templates.TemplateRegistry]: Constructor threw exception",
    )
    log.line(6.92, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Shutdown initiated...")
    log.line(6.93, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Shutdown completed.")
    log.line(6.94, "INFO", "o.apache.catalina.core.StandardService", "Stopping service [Tomcat]")
    log.line(
        6.96,
        "INFO",
        ".s.b.a.l.ConditionEvaluationReportLogger",
        "\n\nError starting ApplicationContext. To display the condition evaluation report re-run your application "
        "with 'debug' enabled.",
    )
    log.line(6.98, "ERROR", "o.s.boot.SpringApplication", "Application run failed\n")
    log.raw(f"""org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'templateRegistry' defined in URL [jar:nested:/app/app.jar/!BOOT-INF/classes/!/com/acme/documents/templates/TemplateRegistry.class]: Failed to instantiate [com.acme.documents.templates.TemplateRegistry]: Constructor threw exception
	at org.springframework.beans.factory.support.ConstructorResolver.instantiate(ConstructorResolver.java:321)
	at org.springframework.beans.factory.support.ConstructorResolver.autowireConstructor(ConstructorResolver.java:309)
	at org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.createBeanInstance(AbstractAutowireCapableBeanFactory.java:1190)
	at org.springframework.beans.factory.support.AbstractBeanFactory.getBean(AbstractBeanFactory.java:200)
	at org.springframework.boot.SpringApplication.run(SpringApplication.java:335)
	at com.acme.documents.DocumentServiceApplication.main(DocumentServiceApplication.java:14)
Caused by: org.springframework.beans.BeanInstantiationException: Failed to instantiate [com.acme.documents.templates.TemplateRegistry]: Constructor threw exception
	at org.springframework.beans.BeanUtils.instantiateClass(BeanUtils.java:222)
	at org.springframework.beans.factory.support.SimpleInstantiationStrategy.instantiate(SimpleInstantiationStrategy.java:110)
	at org.springframework.beans.factory.support.ConstructorResolver.instantiate(ConstructorResolver.java:318)
	... 17 common frames omitted
Caused by: {denied}
	at software.amazon.awssdk.services.s3.model.S3Exception$BuilderImpl.build(S3Exception.java:104)
	at software.amazon.awssdk.services.s3.model.S3Exception$BuilderImpl.build(S3Exception.java:58)
	at software.amazon.awssdk.protocols.xml.internal.unmarshall.AwsXmlPredicatedResponseHandler.handleErrorResponse(AwsXmlPredicatedResponseHandler.java:156)
	at software.amazon.awssdk.core.internal.http.pipeline.stages.RetryableStage.execute(RetryableStage.java:50)
	at software.amazon.awssdk.core.internal.http.AmazonSyncHttpClient$RequestExecutionBuilderImpl.execute(AmazonSyncHttpClient.java:210)
	at software.amazon.awssdk.services.s3.DefaultS3Client.getObject(DefaultS3Client.java:5261)
	at software.amazon.awssdk.services.s3.S3Client.getObjectAsBytes(S3Client.java:6140)
	at com.acme.documents.templates.S3TemplateSource.manifest(S3TemplateSource.java:48)
	at com.acme.documents.templates.TemplateRegistry.<init>(TemplateRegistry.java:37)
	at java.base/jdk.internal.reflect.DirectConstructorHandleAccessor.newInstance(DirectConstructorHandleAccessor.java:62)
	at java.base/java.lang.reflect.Constructor.newInstanceWithCaller(Constructor.java:502)
	at org.springframework.beans.BeanUtils.instantiateClass(BeanUtils.java:209)
	... 19 common frames omitted""")
    return log.text()


IRSA_ENV = {
    "AWS_STS_REGIONAL_ENDPOINTS": "regional",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/eks-documents-document-service",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
}
IRSA_VOLUME = {
    "name": "aws-iam-token",
    "projected": {
        "sources": [
            {"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}
        ],
        "defaultMode": 420,
    },
}


@scenario
def permission_denied_java() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    docs = c.namespace("documents")
    docs.statefulset("documents-db", postgres(version="15.8"), port=5432, component="database", storage="50Gi")
    app = java_service(
        "document-service",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/documents/document-service:4.1.3",
        main_class="com.acme.documents.DocumentServiceApplication",
        memory="1Gi",
        env={
            **IRSA_ENV,
            "SPRING_DATASOURCE_URL": "jdbc:postgresql://documents-db:5432/documents",
            "SPRING_DATASOURCE_USERNAME": "documents",
            "SPRING_DATASOURCE_PASSWORD": "D0cs-Svc!pg-2026-x9",
            "TEMPLATES_S3_URI": "s3://acme-doc-templates/v6/",
        },
    ).but(
        mounts={"aws-iam-token": "/var/run/secrets/eks.amazonaws.com/serviceaccount"},
        read_only_mounts=frozenset({"aws-iam-token"}),
    )
    service = docs.deployment(
        "document-service",
        app,
        replicas=2,
        port=80,
        component="service",
        depends_on=["documents-db", "document-templates"],
        service_account="document-service",
        volumes=(IRSA_VOLUME,),
    )
    c.graph.external("document-templates", "S3 bucket acme-doc-templates (eu-west-1)")
    docs.deployment(
        "doc-preview",
        node_service("doc-preview", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/documents/doc-preview:0.9.8"),
        replicas=1,
        port=80,
        component="service",
        depends_on=["document-service"],
    )
    new = service.release(
        t("03:04:02"),
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/documents/document-service:4.2.0",
        env={"TEMPLATES_S3_URI": "s3://acme-doc-templates/v7/"},
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(1, t("03:15:09"), t("03:15:17")), restarts=7, since=t("03:04:14"), logs=_document_service_denied
        ),
    )
    return Scenario(
        "permission-denied-java",
        "document-service 4.2.0 crashlooping in documents, something about S3 403 in the logs, old pods ok",
        Expect("permission_denied", "document-service", target.name),
        c,
        notes="4.2.0 loads its templates from s3://acme-doc-templates/v7/ at startup, but the IRSA role "
        "eks-documents-document-service only allows the v6/ prefix. AWS SDK v2 S3Exception 'Access Denied (Service: "
        "S3, Status Code: 403 ...)' breaks bean creation, Spring exits 1, CrashLoopBackOff. The two 4.1.3 pods (v6 "
        "templates) keep serving.",
        secrets=("SPRING_DATASOURCE_PASSWORD literal env value of document-service",),
    )


# --- liveness_probe_failure: the probe times out under load ----------------------------------


def _mobile_bff_overloaded(ctx: LogContext) -> str:
    log = NodeLog(ctx)
    log.line(0.4, "info", "mobile-bff 6.0.2 starting", env="production", node="v20.18.1")
    log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
    life = ctx.uptime
    for i in range(int(life // 9)):
        offset = 2.5 + 9 * i
        lag = 180 + 420 * i
        if i % 2 == 0:
            log.line(
                offset,
                "info",
                "request completed",
                reqId=f"req-{_rid(ctx.pod, ctx.instance, i)}",
                req={"method": "GET", "url": "/api/feed?personalised=1&limit=50"},
                res={"statusCode": 200},
                responseTime=round(950.4 + lag * 1.7, 1),
            )
        else:
            log.line(
                offset,
                "warn",
                "event loop delay high",
                eventLoopDelayMs=round(lag * 1.13, 1),
                activeRequests=140 + 37 * i,
            )
    log.line(-0.8, "info", "SIGTERM received, closing server", openConnections=412)
    return log.text()


@scenario
def liveness_timeout() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    mobile = c.namespace("mobile")
    app = node_service(
        "mobile-bff",
        "ghcr.io/acme/mobile-bff:6.0.2",
        memory="768Mi",
        cpu="500m",
        env={
            "CATALOG_URL": "http://catalog-api.shop.svc.cluster.local",
            "CART_URL": "http://cart-service.shop.svc.cluster.local",
            "UV_THREADPOOL_SIZE": "4",
        },
    )
    bff = mobile.deployment(
        "mobile-bff",
        app,
        replicas=3,
        port=80,
        component="service",
        depends_on=["catalog-api", "cart-service"],
        log_shipper=True,
    )

    def timeouts(pod: Pod, liveness: int, readiness: int, since: str) -> tuple[ProbeFailure, ...]:
        deadline = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        return (
            ProbeFailure(
                "Liveness", f'Get "http://{pod.ip}:3000/health/live": {deadline}', liveness, t(since) + seconds(6)
            ),
            ProbeFailure("Readiness", f'Get "http://{pod.ip}:3000/health/ready": {deadline}', readiness, t(since)),
        )

    for pod, restarts, last_start, started, since in (
        (bff.pod(0), 5, "03:12:26", "03:18:40", "03:01:34"),
        (bff.pod(2), 4, "03:10:58", "03:17:02", "03:02:12"),
    ):
        pod.set(
            "app",
            running(
                t(started),
                restarts=restarts,
                last=exited(143, t(last_start), t(last_start) + seconds(71 + 4 * restarts)),
                ready=pod is bff.pod(2),
                since=t(since),
                probe_failures=timeouts(pod, 3 * restarts + 2, 9 * restarts + 4, since),
                killed_by_liveness=restarts,
                logs=_mobile_bff_overloaded,
                previous_logs=_mobile_bff_overloaded,
            ),
        )
    target = bff.pod(1)
    target.set(
        "app",
        crash_loop(
            exited(143, t("03:16:02"), t("03:17:11")),
            restarts=6,
            since=t("03:01:31"),
            probe_failures=timeouts(target, 21, 58, "03:01:31"),
            killed_by_liveness=6,
            logs=_mobile_bff_overloaded,
        ),
    )
    return Scenario(
        "liveness-timeout",
        "mobile-bff restarting nonstop since the push campaign went out at 3:00, the app is crawling (mobile ns)",
        Expect("liveness_probe_failure", "mobile-bff", target.name),
        c,
        notes="A push campaign tripled traffic at 03:00. mobile-bff's event loop is saturated (logs: 'event loop delay "
        "high', multi-second responses), so the kubelet's 1s liveness probe times out: Unhealthy 'Liveness probe "
        'failed: Get "http://...:3000/health/live": context deadline exceeded (Client.Timeout exceeded while awaiting '
        "headers)', then Killing 'failed liveness probe, will be restarted', exit 143. Readiness times out too. No "
        "crash, no OOM: the restarts are the kubelet's.",
    )


# ============================================================================================
# Issue #6: traffic, lifecycle hooks, DaemonSets and stalled rollouts
# ============================================================================================


def _storefront_bff_503(ctx: LogContext) -> str:
    log = NodeLog(ctx)
    log.line(0.4, "info", "storefront-bff 3.4.1 starting", env="production", node="v20.18.1")
    log.line(0.8, "info", "Server listening at http://0.0.0.0:3000")
    since = max(0.0, _since_start(ctx, "03:00:41"))
    for i in range(6):
        log.line(
            since + 31.7 * i,
            "error",
            "checkout request failed",
            reqId=f"req-{_rid(ctx.pod, i)}",
            upstream="http://checkout.shop.svc.cluster.local/api/checkout",
            statusCode=503,
            body="no healthy upstream",
        )
    return log.text()


@scenario
def service_selector_mismatch() -> Scenario:
    c = Cluster.eks()
    shop = storefront(c, skip=("frontend",))
    back_office(c, "ops")
    app = go_service("checkout", "ghcr.io/acme/checkout:v6.2.0")
    checkout = shop.deployment("checkout", app, replicas=3, depends_on=["catalog-api", "cart-service"])
    c.graph.add(Component("checkout", "service", "shop", {"app": "checkout"}, "checkout"))
    c.graph.depends("checkout", "catalog-api", "cart-service")
    # The 03:00 chart refactor renamed the Service's selector to app=checkout-v2; the pod template kept app=checkout.
    shop.service(
        "checkout",
        {"app": "checkout-v2"},
        [ServicePort("http", 80, "http")],
        days_ago(41),
        labels={"app": "checkout", "app.kubernetes.io/managed-by": "Helm"},
    )
    new = checkout.release(t("03:00:12"), image="ghcr.io/acme/checkout:v6.3.0")
    bff = node_service("storefront-bff", "ghcr.io/acme/storefront-bff:3.4.1").but(logs=_storefront_bff_503)
    shop.deployment(
        "storefront-bff",
        bff,
        replicas=2,
        port=80,
        component="service",
        depends_on=["checkout", "catalog-api"],
        mesh=True,
    )
    target = new.pods[0]
    return Scenario(
        "service-selector-mismatch",
        "checkout returns 503 for everyone since the 03:00 deploy but the pods look fine??",
        Expect("configuration_error", "checkout", target.name),
        c,
        notes="The 03:00 release (chart refactor) changed the checkout Service's selector to app=checkout-v2 while the "
        "pod template still labels pods app=checkout. All three checkout pods are Running and Ready, restartCount 0, "
        "clean logs; the checkout Endpoints object has no subsets. storefront-bff (behind istio) logs 503 'no healthy "
        "upstream' from checkout. The pod named is simply the first checkout pod: none of them is broken.",
    )


def _register_hook_killed(ctx: LogContext) -> str:
    log = GoLog(ctx)
    log.line(0.01, "info", "cmd/indexer/main.go:38", "starting", service="search-indexer", version="v2.8.0")
    log.line(0.05, "info", "server/http.go:52", "listening", addr=":8080")
    log.line(-0.02, "info", "cmd/indexer/main.go:71", "received signal, shutting down", signal="terminated")
    return log.text()


@scenario
def post_start_hook_error() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    back_office(c, "ops")
    search = c.namespace("search")
    search.statefulset("opensearch", opensearch_node(), port=9200, component="database", storage="100Gi")
    app = go_service("search-indexer", "harbor.internal.acme.io/search/indexer:v2.7.3")
    indexer = search.deployment(
        "search-indexer", app, replicas=2, port=80, component="service", depends_on=["opensearch"]
    )
    hook = {"postStart": {"exec": {"command": ["/bin/sh", "-c", "/app/register.sh"]}}}
    new = indexer.release(
        t("03:01:40"),
        image="harbor.internal.acme.io/search/indexer:v2.8.0",
        lifecycle=hook,
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(143, t("03:15:11"), t("03:15:13")), restarts=8, since=t("03:01:45"), logs=_register_hook_killed
        ),
    )
    assert target.node is not None
    search.event(
        target.ref("app"),
        "FailedPostStartHook",
        "PostStartHook failed",
        first=t("03:01:45"),
        last=t("03:15:12"),
        count=9,
        host=target.node.name,
    )
    search.event(
        target.ref("app"),
        "Killing",
        "FailedPostStartHook",
        first=t("03:01:45"),
        last=t("03:15:12"),
        count=9,
        type="Normal",
        host=target.node.name,
    )
    return Scenario(
        "post-start-hook-error",
        "search-indexer v2.8.0 won't come up, CrashLoopBackOff but the logs just say it got a signal and shut down",
        Expect("container_command_failure", "search-indexer", target.name),
        c,
        notes="v2.8.0 adds a postStart exec hook '/bin/sh -c /app/register.sh' that exits 1 (the script is not in the "
        "image). The kubelet records FailedPostStartHook 'PostStartHook failed' (it deliberately omits the exec output "
        "from the event), kills the container (Killing 'FailedPostStartHook'), exit 143, and backs off: "
        "CrashLoopBackOff, 8 restarts. App logs are clean apart from the SIGTERM shutdown. The old pods keep serving.",
    )


@scenario
def daemonset_not_scheduled() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    monitoring = c.namespace("monitoring")
    exporter = Container(
        name="node-exporter",
        image="quay.io/prometheus/node-exporter:v1.8.2",
        args=(
            "--path.procfs=/host/proc",
            "--path.sysfs=/host/sys",
            "--path.rootfs=/host/root",
            "--web.listen-address=[$(HOST_IP)]:9100",
        ),
        env={"HOST_IP": "0.0.0.0"},
        ports={"http-metrics": 9100},
        host_ports=frozenset({"http-metrics"}),
        requests={"cpu": "50m", "memory": "32Mi"},
        limits={"memory": "64Mi"},
        readiness=http_get("/", "http-metrics"),
        liveness=http_get("/", "http-metrics"),
    )
    ds = monitoring.daemonset(
        "node-exporter",
        exporter,
        created=t("02:51:04"),
        host_network=True,
        labels={"app.kubernetes.io/part-of": "kube-prometheus"},
    )
    # The old chart's DaemonSet was deleted with --cascade=orphan; its pods were removed by hand, except on one node.
    blocked = c.workers[2]
    legacy = monitoring.template(
        "prometheus-node-exporter",
        (
            exporter.but(
                image="quay.io/prometheus/node-exporter:v1.3.1",
                args=("--path.procfs=/host/proc", "--path.sysfs=/host/sys"),
            ),
        ),
        labels={"release": "prometheus"},
        host_network=True,
    )
    monitoring.pod("prometheus-node-exporter-q8wzt", legacy, blocked, days_ago(212, clock="14:12:09"))
    target = next(p for p in ds.pods if p.node is blocked)
    target.unschedule(
        "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 2 node(s) didn't match "
        "Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming "
        "pod, 2 Preemption is not helpful for scheduling."
    )
    c.graph.add(Component("node-exporter", "service", "monitoring", {"app": "node-exporter"}))
    return Scenario(
        "daemonset-not-scheduled",
        "node-exporter daemonset only 2/3 ready since install, one pod stuck Pending, missing metrics for one node",
        Expect("unschedulable_constraints", "node-exporter", target.name),
        c,
        notes="The new node-exporter DaemonSet (hostNetwork, hostPort 9100) cannot place its pod on the third node: an "
        "orphaned pod of the old chart (prometheus-node-exporter-q8wzt, no owner) still holds hostPort 9100 there. "
        "FailedScheduling '1 node(s) didn't have free ports for the requested pod ports' (the other two nodes fail the "
        "DaemonSet pod's matchFields affinity); equal priority, so no preemption victims. DaemonSet: desired 3, "
        "ready 2, numberUnavailable 1.",
    )


def _billing_migration_missing(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000)
    log.line(1.5, "INFO", "billing.startup", "billing-api 7.4.0 starting, running startup checks")
    log.line(1.7, "ERROR", "billing.health", 'startup check "schema" failed: relation "invoices_v2" does not exist')
    log.line(
        1.7,
        "WARNING",
        "billing.health",
        "readiness will report 500 until startup checks pass (migration 0142_invoices_v2 not applied?)",
    )
    log.app_ready()
    probes = int((ctx.end - ctx.start).total_seconds() - 8) // 10
    for i in range(probes + 1):
        offset = 8 + 10 * i
        if i % 6 == 0:
            log.line(
                offset - 0.01,
                "ERROR",
                "billing.health",
                'schema check failed: psycopg.errors.UndefinedTable: relation "invoices_v2" does not exist',
            )
        log.access(offset, "GET", "/ready", 500, worker=7 + i % 2)
    return log.text()


@scenario
def rollout_progress_deadline() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    billing = c.namespace("billing")
    billing.statefulset("billing-db", postgres(version="16.4"), port=5432, component="database")
    app = python_service(
        "billing-api",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing/billing-api:7.3.2",
        env={"DATABASE_HOST": "billing-db", "DATABASE_PASSWORD": secret_ref("billing-db", "password")},
    ).but(readiness=http_get("/ready", "http", period=10))
    api = billing.deployment("billing-api", app, replicas=3, port=80, component="service", depends_on=["billing-db"])
    new = api.release(
        t("03:04:50"),
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing/billing-api:7.4.0",
        new_pods=1,
        old_pods_left=3,
    )
    target = new.pods[0]
    failing = ProbeFailure(
        "Readiness", "HTTP probe failed with statuscode: 500", count=89, since=target.created + seconds(9)
    )
    target.set(
        "app",
        running(
            target.created + seconds(4),
            ready=False,
            probe_failures=(failing,),
            since=target.created + seconds(9),
            logs=_billing_migration_missing,
        ),
    )
    return Scenario(
        "rollout-progress-deadline",
        "billing-api deploy timed out (ProgressDeadlineExceeded), new pod running but 0/1 ready. old ones still up",
        Expect("readiness_probe_failure", "billing-api", target.name),
        c,
        notes="7.4.0 needs migration 0142_invoices_v2, which was never applied: its startup schema check fails with "
        "'relation \"invoices_v2\" does not exist' and /ready answers 500. Unhealthy 'Readiness probe failed: HTTP probe "
        "failed with statuscode: 500'; the pod is Running, restartCount 0, Ready=False; the three old pods keep serving; "
        "Progressing=False ProgressDeadlineExceeded after 600s.",
    )


# ============================================================================================
# The README demo: knowledge/demo/
# ============================================================================================

DEMO_INCIDENT = "auth-service is in CrashLoopBackOff in shop"


def _auth_heap(ctx: LogContext) -> str:
    log = SpringLog(ctx, "auth-service")
    main = "com.acme.auth.AuthServiceApplication"
    log.startup(main_class=main, version="3.8.2", port=8080)
    log.line(5.3, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Starting...")
    log.line(5.9, "INFO", "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Start completed.")
    log.started(main_class=main, port=8080, took=9.1)
    log.line(
        12.4,
        "INFO",
        "c.a.auth.session.SessionCacheWarmer",
        "Warming session cache from users-db: 2,318,440 active sessions",
    )
    log.line(
        14.0,
        "DEBUG",
        "c.a.auth.web.TokenFilter",
        f"validated token for user-48213: Bearer {CUSTOMER_JWT}",
        thread="nio-8080-exec-2",
    )
    log.line(
        33.8, "INFO", "c.a.auth.session.SessionCacheWarmer", "Session cache: 1,100,000/2,318,440 loaded (heap 402 MiB)"
    )
    log.line(
        -0.6,
        "WARN",
        "c.a.auth.session.SessionCacheWarmer",
        "Session cache: 1,950,000/2,318,440 loaded (heap 497 MiB), GC overhead 61%",
    )
    return log.text()


def demo() -> Scenario:
    c = Cluster.eks()
    shop = c.namespace("shop")
    shop.deployment(
        "frontend",
        nginx_frontend("ghcr.io/acme/storefront-web:4.18.2"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["auth-service", "checkout"],
        volumes=(configmap_volume("nginx-conf", "frontend-nginx"),),
    )
    shop.statefulset(
        "users-db", postgres(version="16.4", password_secret="users-db-credentials"), port=5432, component="database"
    )
    shop.statefulset(
        "orders-db", postgres(version="16.4", password_secret="orders-db-credentials"), port=5432, component="database"
    )
    shop.statefulset("redis", redis(), port=6379, component="cache", storage=None)
    auth_app = java_service(
        "auth-service",
        "ghcr.io/acme/auth-service:3.8.2",
        main_class="com.acme.auth.AuthServiceApplication",
        memory="512Mi",
        env={
            "SPRING_DATASOURCE_URL": "jdbc:postgresql://users-db:5432/auth",
            "SPRING_DATASOURCE_PASSWORD": secret_ref("users-db-credentials", "password"),
            "JWT_SIGNING_KEY": "c2VjcmV0LXNpZ25pbmcta2V5LWRvLW5vdC1zaGlw",
            "SPRING_DATA_REDIS_HOST": "redis",
        },
    )
    auth = shop.deployment(
        "auth-service", auth_app, replicas=2, port=80, component="service", depends_on=["users-db", "redis"]
    )
    shop.deployment(
        "checkout",
        go_service(
            "checkout",
            "ghcr.io/acme/checkout:v5.0.1",
            env={"PAYMENTS_URL": "http://payments-api.shop.svc.cluster.local"},
        ),
        replicas=2,
        port=80,
        component="service",
        depends_on=["orders-db", "payments-api", "auth-service"],
    )
    shop.deployment(
        "payments-api",
        python_service(
            "payments-api", "ghcr.io/acme/payments-api:2.6.0", env={"STRIPE_API_KEY": secret_ref("stripe", "api-key")}
        ),
        replicas=1,
        port=80,
        component="service",
        depends_on=["stripe"],
    )
    c.graph.external("stripe", "Stripe payments API (api.stripe.com)")
    target = auth.pod(0)
    target.set(
        "app", crash_loop(oom_killed(t("03:15:10"), t("03:16:02")), restarts=7, since=t("02:44:30"), logs=_auth_heap)
    )
    auth.pod(1).set(
        "app",
        running(
            t("03:09:44"),
            restarts=2,
            last=oom_killed(t("02:58:20"), t("03:09:31")),
            since=t("02:47:12"),
            previous_logs=_auth_heap,
        ),
    )
    return Scenario(
        "demo",
        DEMO_INCIDENT,
        Expect("insufficient_memory", "auth-service", target.name),
        c,
        notes="auth-service (Spring Boot, 512Mi limit) is OOMKilled while warming its session cache; CrashLoopBackOff.",
        secrets=("customer JWT in a DEBUG TokenFilter line", "JWT_SIGNING_KEY literal env value"),
    )


# Tickets that name no workload (symptom-first triage) live in their own module; they use the backdrops above.
import symptom_scenarios

for _build in symptom_scenarios.BUILDERS:
    SCENARIOS[_build.__name__.replace("_", "-")] = partial(_build, sys.modules[__name__])


def write_demo(scenario: Scenario, directory: Path) -> dict[str, str]:
    files = {
        path: text
        for path, text in scenario.files().items()
        if path.startswith("cluster/") or path == "knowledge_graph.yaml"
    }
    files["incident.txt"] = DEMO_INCIDENT + "\n"
    return files


# ============================================================================================


def _existing(directory: Path) -> dict[str, str]:
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in directory.rglob("*") if p.is_file()}


def _write(directory: Path, files: dict[str, str], *, owned: tuple[str, ...]) -> None:
    for relative in owned:  # wipe what we generate, keep anything else a person put there
        target = directory / relative
        if target.is_dir():
            import shutil

            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="scenarios to build (default: all, plus the demo)")
    parser.add_argument("--check", action="store_true", help="only verify that the files on disk are up to date")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(SCENARIOS) - {"demo"}
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    names = args.names or [*SCENARIOS, "demo"]
    stale: list[str] = []
    problems: list[str] = []
    for name in names:
        if name == "demo":
            scenario_obj, directory = demo(), REPO / "knowledge" / "demo"
            files = write_demo(scenario_obj, directory)
            owned: tuple[str, ...] = ("cluster", "knowledge_graph.yaml", "incident.txt")
        else:
            scenario_obj, directory = SCENARIOS[name](), HERE / name
            files = scenario_obj.files()
            owned = ("cluster", "scenario.yaml", "knowledge_graph.yaml")
        if args.check:
            on_disk = {k: v for k, v in _existing(directory).items() if k.split("/")[0] in owned}
            if on_disk != files:
                stale.append(name)
        else:
            _write(directory, files, owned=owned)
        with tempfile.TemporaryDirectory() as tmp:  # validate exactly what was generated
            scenario_obj.write(tmp)
            problems += [f"{name}: {p}" for p in check_scenario_dir(tmp)]
        print(f"{'checked' if args.check else 'wrote'} {directory.relative_to(REPO)} ({len(files)} files)")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if stale:
        print(f"stale (run tests/scenarios/generate.py): {', '.join(stale)}", file=sys.stderr)
    return 1 if problems or stale else 0


# ============================================================================================
# What changed: scenarios where a rollout's diff is the key evidence, or must not be blamed
# ============================================================================================


def _ledger_exporter_bad_format(ctx: LogContext) -> str:
    log = GoLog(ctx)
    log.line(0.2, "info", "cmd/exporter/main.go:41", "ledger-exporter starting", version="v3.7.2", commit="4be1c0d")
    log.line(0.3, "info", "internal/config/config.go:52", "loading configuration from environment")
    log.line(
        0.31,
        "fatal",
        "cmd/exporter/main.go:58",
        "invalid configuration: EXPORT_FORMAT must be one of csv, parquet",
        value="parquet-v2",
    )
    return log.text()


@scenario
def change_env_crash() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    finance = c.namespace("finance")
    finance.statefulset("ledger-db", postgres(version="16.4"), port=5432, component="database", storage="100Gi")
    app = go_service(
        "ledger-exporter",
        "ghcr.io/acme/ledger-exporter:v3.7.2",
        env={"DB_HOST": "ledger-db", "EXPORT_FORMAT": "parquet", "EXPORT_BUCKET": "s3://acme-ledger-exports"},
    )
    exporter = finance.deployment(
        "ledger-exporter", app, replicas=2, port=80, component="service", depends_on=["ledger-db"]
    )
    new = exporter.release(
        t("03:04:10"),
        env={"EXPORT_FORMAT": "parquet-v2"},
        new_pods=1,
        old_pods_left=2,
        change_cause="kubectl set env deployment/ledger-exporter EXPORT_FORMAT=parquet-v2",
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(1, t("03:16:40"), t("03:16:41")), restarts=7, since=t("03:04:16"), logs=_ledger_exporter_bad_format
        ),
    )
    return Scenario(
        "change-env-crash",
        "ledger-exporter in finance: the new pod has been crashlooping since ~03:05, the two old ones look fine",
        Expect("configuration_error", "ledger-exporter", target.name),
        c,
        notes="Revision 2 only changed env EXPORT_FORMAT parquet -> parquet-v2 (kubectl set env); the exporter refuses "
        "it at startup (fatal 'invalid configuration', exit 1). Revision 1's two pods are Ready. The change is the "
        "trigger and should be cited, with a rollback to revision 1 suggested.",
    )


def _pricing_engine_until_oom(ctx: LogContext) -> str:
    log = SpringLog(ctx, "pricing-engine")
    log.startup(main_class="com.acme.pricing.PricingEngineApplication", version="5.2.0", port=8080)
    log.line(14.0, "INFO", "c.a.pricing.cache.RuleCache", "loading 1,284,112 price rules into memory")
    log.line(38.5, "INFO", "c.a.pricing.cache.RuleCache", "rule cache warm: 1,284,112 rules, ~690 MB")
    return log.text()


@scenario
def oom_after_limit_lowered() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    pricing = c.namespace("pricing")
    app = java_service(
        "pricing-engine",
        "ghcr.io/acme/pricing-engine:5.2.0",
        main_class="com.acme.pricing.PricingEngineApplication",
        memory="2Gi",
    )
    engine = pricing.deployment("pricing-engine", app, replicas=3, port=80, component="service")
    new = engine.release(
        t("02:52:30"),
        requests={"cpu": "500m", "memory": "1Gi"},
        limits={"memory": "1Gi"},
        new_pods=1,
        old_pods_left=3,
        change_cause="right-size pricing-engine memory (FinOps ticket)",
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            oom_killed(t("03:15:02"), t("03:15:44")),
            restarts=6,
            since=t("02:53:20"),
            logs=_pricing_engine_until_oom,
        ),
    )
    return Scenario(
        "oom-after-limit-lowered",
        f"{target.name} (pricing) keeps restarting since the right-sizing rollout",
        Expect("insufficient_memory", "pricing-engine", target.name),
        c,
        notes="Revision 2 lowered the memory request and limit from 2Gi to 1Gi; the JVM (MaxRAMPercentage=75) plus a "
        "~690 MB rule cache does not fit: OOMKilled, exit 137. The three pods of revision 1 are Ready. The OOM "
        "finding should name the lowered limit.",
    )


@scenario
def image_tag_typo() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    back_office(c, "ops")
    notify = c.namespace("messaging")
    registry = "harbor.internal.acme.io/messaging/sms-dispatcher"
    app = python_service("sms-dispatcher", f"{registry}:2.8.1", env={"PROVIDER": "twilio"})
    dispatcher = notify.deployment("sms-dispatcher", app, replicas=2, port=80, component="service")
    bad = f"{registry}:2.9.1a"
    new = dispatcher.release(t("03:10:05"), image=bad, new_pods=1, old_pods_left=2)
    target = new.pods[0]
    error = (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{bad}": failed to resolve reference '
        f'"{bad}": {bad}: not found'
    )
    target.set("app", cannot_pull(error, since=t("03:10:09")))
    return Scenario(
        "image-tag-typo",
        "sms-dispatcher deploy (messaging) hangs, new pod ImagePullBackOff",
        Expect("image_pull_failure", "sms-dispatcher", target.name),
        c,
        notes="The release set tag 2.9.1a (a typo of 2.9.1) which the registry does not have. The pull failure should "
        "name the new tag and the last working one (2.8.1, revision 1, whose pods are Ready).",
    )


@scenario
def liveness_new_probe_path() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    media = c.namespace("media")
    app = go_service("thumbnailer", "ghcr.io/acme/thumbnailer:v1.14.0")
    thumbs = media.deployment("thumbnailer", app, replicas=3, port=80, component="service")
    new = thumbs.release(
        t("03:02:40"), liveness=http_get("/health/live", "http", initial_delay=5), new_pods=1, old_pods_left=3
    )
    target = new.pods[0]
    failing = ProbeFailure(
        "Liveness", "HTTP probe failed with statuscode: 404", count=3 * 8 + 2, since=target.created + seconds(8)
    )
    target.set(
        "app",
        crash_loop(
            exited(2, t("03:16:05"), t("03:16:37")),
            restarts=8,
            since=target.created + seconds(8),
            probe_failures=(failing,),
            killed_by_liveness=8,
        ),
    )
    return Scenario(
        "liveness-new-probe-path",
        "thumbnailer in media: pods of the new rollout restart every ~30 s",
        Expect("liveness_probe_failure", "thumbnailer", target.name),
        c,
        notes="Revision 2 changed only the liveness probe path /healthz -> /health/live, which the service does not "
        "serve (404). The kubelet kills the container after 3 failures. The old pods keep the old probe and are Ready.",
    )


def _loyalty_missing_setting(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.gunicorn_boot(port=8000, workers=2)
    stamp = f"[{log.at(1.5):%Y-%m-%d %H:%M:%S} +0000] [7]"
    log.raw(f"""{stamp} [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/app/loyalty/settings.py", line 31, in load
    raise RuntimeError("POINTS_RULES_URL must be set")
RuntimeError: POINTS_RULES_URL must be set""")
    log.raw(f"[{log.at(1.6):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Reason: Worker failed to boot.")
    return log.text()


@scenario
def configmap_key_removed() -> Scenario:
    c = Cluster.eks()
    storefront(c)
    loyalty = c.namespace("loyalty")
    app = python_service(
        "loyalty-api",
        "ghcr.io/acme/loyalty-api:1.19.0",
        env={
            "POINTS_RULES_URL": configmap_ref("loyalty-config", "points_rules_url"),
            "TIER_CACHE_TTL": configmap_ref("loyalty-config", "tier_cache_ttl"),
        },
    )
    api = loyalty.deployment("loyalty-api", app, replicas=2, port=80, component="service")

    def drop_rules_url(ct: Container) -> Container:
        return ct.but(env={k: v for k, v in ct.env.items() if k != "POINTS_RULES_URL"})

    new = api.rollout(
        t("03:06:50"), change=lambda tpl: tpl.map_container("app", drop_rules_url), new_pods=1, old_pods_left=2
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(
            exited(3, t("03:17:10"), t("03:17:12")), restarts=7, since=t("03:06:55"), logs=_loyalty_missing_setting
        ),
    )
    return Scenario(
        "configmap-key-removed",
        "loyalty-api (loyalty ns) new replica crashloops: Worker failed to boot",
        Expect("configuration_error", "loyalty-api", target.name),
        c,
        notes="Revision 2 removed env POINTS_RULES_URL (from ConfigMap loyalty-config key points_rules_url) during a "
        "chart refactor; the app refuses to start without it ('POINTS_RULES_URL must be set'). The diff shows the "
        "ConfigMap key reference removed; revision 1's pods are Ready.",
    )


def _wait_schema_failure(ctx: LogContext) -> str:
    return logs.timed("""
        {start:%Y-%m-%d %H:%M:%S} checking schema version of reviews-db (want >= 58)
        {start:%Y-%m-%d %H:%M:%S} ERROR: schema version 57 is older than required 58; run the migration job first
    """)(ctx)


@scenario
def init_container_added() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    reviews = c.namespace("reviews")
    reviews.statefulset("reviews-db", postgres(version="16.4"), port=5432, component="database", storage="20Gi")
    app = go_service("reviews-api", "harbor.internal.acme.io/reviews/reviews-api:v2.3.0", env={"DB_HOST": "reviews-db"})
    api = reviews.deployment("reviews-api", app, replicas=2, port=80, component="service", depends_on=["reviews-db"])
    check = Container(
        name="schema-check",
        image="harbor.internal.acme.io/reviews/reviews-api:v2.4.0",
        command=("/app/reviews-api",),
        args=("check-schema", "--min-version=58"),
        env={"DB_HOST": "reviews-db"},
        requests={"cpu": "50m", "memory": "64Mi"},
        limits={"memory": "128Mi"},
    )
    new = api.rollout(
        t("03:03:15"),
        change=lambda tpl: tpl.but(init_containers=(check,)).map_container(
            "app", lambda ct: ct.but(image="harbor.internal.acme.io/reviews/reviews-api:v2.4.0")
        ),
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "schema-check",
        crash_loop(exited(1, t("03:15:30"), t("03:15:31")), restarts=7, since=t("03:03:19"), logs=_wait_schema_failure),
    )
    target.set("app", pending_init())
    return Scenario(
        "init-container-added",
        "reviews-api v2.4.0 rollout stuck at Init:CrashLoopBackOff in reviews",
        Expect("init_container_failure", "reviews-api", target.name),
        c,
        notes="Revision 2 added an init container schema-check that refuses to start the pod until the schema is at "
        "version 58; the migration job was never run (version 57). Exit 1, Init:CrashLoopBackOff. Revision 1's pods "
        "are Ready; the change (the added init container) is the trigger.",
    )


@scenario
def changed_command() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    data = c.namespace("analytics")
    app = python_service("events-ingest", "ghcr.io/acme/events-ingest:3.1.4").but(
        command=("python", "-m", "ingest"), args=("--workers=4",)
    )
    ingest = data.deployment("events-ingest", app, replicas=2, port=80, component="service")
    new = ingest.release(t("03:07:25"), command=("python3.13", "-m", "ingest"), new_pods=1, old_pods_left=2)
    target = new.pods[0]
    error = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: exec: "python3.13": executable file not found in $PATH: unknown'
    )
    target.set(
        "app", run_container_error(error, restarts=7, since=target.created + seconds(3), last_attempt=t("03:16:48"))
    )
    return Scenario(
        "changed-command",
        "events-ingest (analytics) new pod RunContainerError after a deploy",
        Expect("container_command_failure", "events-ingest", target.name),
        c,
        notes="Revision 2 changed the command from python to python3.13, which the image (Python 3.12) does not have; "
        "the image is unchanged. Revision 1's pods are Ready; the command change should be cited.",
    )


def _orders_worker_refused(db_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = PythonLog(ctx)
        log.line(0.5, "INFO", "orders_worker", "orders-worker starting")
        log.line(0.9, "INFO", "orders_worker.db", "connecting to orders-db.fulfilment.svc.cluster.local:5432")
        log.raw(f"""Traceback (most recent call last):
  File "/app/orders_worker/db.py", line 22, in connect
    return psycopg.connect(DSN, connect_timeout=5)
psycopg.OperationalError: connection failed: connection to server at "orders-db.fulfilment.svc.cluster.local" ({db_ip}), port 5432 failed: Connection refused
	Is the server running on that host and accepting TCP/IP connections?""")
        return log.text()

    return render


def _orders_db_down(c: Cluster, namespace: Namespace, since: str) -> Callable[[LogContext], str]:
    """orders-db crash-looping since `since`; returns the workers' log of refused connections."""
    db = namespace.statefulset("orders-db", postgres(version="15.8"), port=5432, component="database", storage="50Gi")
    db.pod(0).set(
        "postgres",
        crash_loop(
            exited(1, t("03:14:02"), t("03:14:03")),
            restarts=11,
            since=t(since),
            logs=logs.timed("""
        {start:%Y-%m-%d %H:%M:%S}.118 UTC [1] FATAL:  could not open file "global/pg_filenode.map": Input/output error
    """),
        ),
    )
    return _orders_worker_refused(namespace.get_service("orders-db").cluster_ip)


@scenario
def rollout_restart_not_blamed() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    fulfilment = c.namespace("fulfilment")
    refused = _orders_db_down(c, fulfilment, "03:01:30")
    app = python_service("orders-worker", "ghcr.io/acme/orders-worker:4.0.2", env={"DB_HOST": "orders-db"})
    worker = fulfilment.deployment(
        "orders-worker", app, replicas=2, port=80, component="service", depends_on=["orders-db"]
    )
    new = worker.rollout(
        t("03:05:00"),
        change=lambda tpl: tpl.but(
            annotations={**tpl.annotations, "kubectl.kubernetes.io/restartedAt": "2026-11-20T03:05:00Z"}
        ),
        new_pods=2,
        old_pods_left=0,
    )
    target = new.pods[0]
    for pod in new.pods:
        pod.set(
            "app",
            crash_loop(exited(1, t("03:16:20"), t("03:16:22")), restarts=6, since=t("03:05:06"), logs=refused),
        )
    return Scenario(
        "rollout-restart-not-blamed",
        f"{target.name} crashlooping in fulfilment, we restarted the deployment at 03:05 and it did not help",
        Expect("dependency_unreachable", "orders-worker", target.name),
        c,
        notes="A `kubectl rollout restart` (revision 2 changes only the restartedAt annotation) recreated the pods; they "
        "crash because orders-db is down (I/O error, crash-looping since 03:01). The rollout changed nothing that "
        "matters and must not be cited or blamed.",
    )


@scenario
def cause_predates_rollout() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    fulfilment = c.namespace("fulfilment")
    refused = _orders_db_down(c, fulfilment, "02:41:10")
    app = python_service("orders-worker", "ghcr.io/acme/orders-worker:4.0.2", env={"DB_HOST": "orders-db"})
    worker = fulfilment.deployment(
        "orders-worker", app, replicas=2, port=80, component="service", depends_on=["orders-db"]
    )
    for i, last in enumerate(("03:17:01", "03:15:48")):
        worker.pod(i).set(
            "app",
            crash_loop(
                exited(1, t(last), t(last) + seconds(2)),
                restarts=9,
                since=t("02:41:30"),
                logs=refused,
            ),
        )
    new = worker.release(
        t("03:06:00"),
        image="ghcr.io/acme/orders-worker:4.0.3",
        env={"DB_CONNECT_RETRIES": "10"},
        new_pods=1,
        old_pods_left=2,
    )
    target = new.pods[0]
    target.set(
        "app",
        crash_loop(exited(1, t("03:16:40"), t("03:16:42")), restarts=6, since=t("03:06:05"), logs=refused),
    )
    return Scenario(
        "cause-predates-rollout",
        f"{target.name} (fulfilment) crashlooping; we shipped 4.0.3 with more DB retries at 03:06 but it still fails",
        Expect("dependency_unreachable", "orders-worker", target.name),
        c,
        notes="orders-db has been down since 02:41; the old pods have crash-looped since 02:41 with 'Connection "
        "refused'. The 4.0.3 rollout at 03:06 came after the failure began: its pod fails the same way and the "
        "change must not be blamed (revision 1's pods are not Ready).",
    )


@scenario
def statefulset_env_change() -> Scenario:
    c = Cluster.kubeadm(workers=3)
    back_office(c, "ops")
    stream = c.namespace("streaming")
    app = python_service(
        "ingest-buffer", "harbor.internal.acme.io/streaming/ingest-buffer:0.9.3", env={"BUFFER_MAX_BYTES": "67108864"}
    )
    buffer = stream.statefulset("ingest-buffer", app, replicas=3, port=80, component="queue", storage="10Gi")
    buffer.rollout(
        t("03:04:45"),
        lambda tpl: tpl.map_container("app", lambda ct: ct.but(env={**ct.env, "BUFFER_MAX_BYTES": "64MiB"})),
        updated=1,
        change_cause="BUFFER_MAX_BYTES in human units",
    )
    target = buffer.pod(2)
    target.set(
        "app",
        crash_loop(
            exited(1, t("03:16:55"), t("03:16:56")),
            restarts=7,
            since=target.created + seconds(4),
            logs=logs.timed("""
        {start:%Y-%m-%d %H:%M:%S},204 INFO ingest_buffer starting ingest-buffer 0.9.3
        {start:%Y-%m-%d %H:%M:%S},311 ERROR ingest_buffer.config could not parse BUFFER_MAX_BYTES: invalid literal for int() with base 10: '64MiB'
    """),
        ),
    )
    return Scenario(
        "statefulset-env-change",
        "ingest-buffer-2 in streaming crashlooping since the config change",
        Expect("configuration_error", "ingest-buffer", target.name),
        c,
        notes="StatefulSet revision 2 (a ControllerRevision) changed BUFFER_MAX_BYTES from 67108864 to '64MiB'; the "
        "controller replaced ordinal 2 first and it cannot parse the value. Ordinals 0 and 1 run revision 1 and are "
        "Ready.",
    )


@scenario
def oom_limit_raised_not_blamed() -> Scenario:
    c = Cluster.eks()
    back_office(c, "ops")
    search = c.namespace("catalog")
    app = python_service("feed-indexer", "ghcr.io/acme/feed-indexer:7.3.0", memory="512Mi")
    indexer = search.deployment("feed-indexer", app, replicas=2, port=80, component="service")
    for i, last in enumerate(("02:51:40", "02:55:12")):
        indexer.pod(i).set(
            "app",
            running(t("03:02:10"), restarts=4, last=oom_killed(t(last), t(last) + seconds(610)), since=t("02:31:05")),
        )
    new = indexer.release(
        t("03:03:30"),
        requests={"cpu": "250m", "memory": "768Mi"},
        limits={"cpu": "1", "memory": "768Mi"},
        new_pods=2,
        old_pods_left=0,
        change_cause="raise memory to 768Mi while we look for the leak",
    )
    target = new.pods[0]
    target.set(
        "app",
        running(t("03:17:52"), restarts=1, last=oom_killed(t("03:03:36"), t("03:17:40")), since=t("03:17:40")),
    )
    return Scenario(
        "oom-limit-raised-not-blamed",
        f"{target.name} in catalog got OOMKilled again even after we raised the memory at 03:03",
        Expect("insufficient_memory", "feed-indexer", target.name),
        c,
        notes="feed-indexer leaks memory: its pods were OOMKilled at 512Mi since 02:31; revision 2 raised the limit to "
        "768Mi, which only delays the kill. The OOM finding stands; the raised limit is listed but must not be cited "
        "as the cause (only a lowered limit explains an OOM kill).",
    )


@scenario
def readiness_new_port() -> Scenario:
    c = Cluster.kubeadm(workers=2)
    back_office(c, "ops")
    geo = c.namespace("geo")
    app = go_service("route-planner", "harbor.internal.acme.io/geo/route-planner:v0.31.0")
    planner = geo.deployment("route-planner", app, replicas=3, port=80, component="service")
    new = planner.release(t("03:05:20"), readiness=http_get("/readyz", 9091, period=5), new_pods=1, old_pods_left=3)
    target = new.pods[0]
    message = f'Get "http://{target.ip}:9091/readyz": dial tcp {target.ip}:9091: connect: connection refused'
    failing = ProbeFailure("Readiness", message, count=160, since=target.created + seconds(6))
    target.set("app", running(target.created + seconds(3), ready=False, probe_failures=(failing,)))
    return Scenario(
        "readiness-new-port",
        "route-planner rollout in geo is not progressing: the new pod never becomes Ready",
        Expect("readiness_probe_failure", "route-planner", target.name),
        c,
        notes="Revision 2 moved the readiness probe to port 9091 (the metrics port is 9090, the app serves 8080); every "
        "probe is refused and the pod stays out of the Service. The three old pods are Ready.",
    )


if __name__ == "__main__":
    sys.exit(main())
