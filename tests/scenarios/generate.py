#!/usr/bin/env python3
"""Build every scenario directory under tests/scenarios/ and the demo under knowledge/demo/.

    /tmp/venv/bin/python tests/scenarios/generate.py            # (re)write everything
    /tmp/venv/bin/python tests/scenarios/generate.py oom-killed-java
    /tmp/venv/bin/python tests/scenarios/generate.py --check    # fail if the files are stale

Each scenario is one function below, registered with @scenario under its directory name. To
add one, copy a function that looks like yours, change the story, run this script and commit
the output. The cluster is built with tests/scenario_builder: healthy noise comes from the
backdrop helpers, the incident from the few `.set(...)` / `.unschedule(...)` lines that break a
pod. Everything is deterministic (fixed clock, hashed ids): two runs give identical bytes.
"""

# Log lines and messages are reproduced verbatim, whatever their length; the builder is imported
# after putting tests/ on sys.path so that the script runs from anywhere.
# ruff: noqa: E501, E402

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from scenario_builder import (
    Cluster,
    Container,
    Expect,
    Namespace,
    Pod,
    ProbeFailure,
    Scenario,
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
from scenario_builder.logs import GoLog, KlogLog, LogContext, NodeLog, PythonLog, SpringLog

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


if __name__ == "__main__":
    sys.exit(main())
