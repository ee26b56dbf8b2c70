"""Scenarios whose ticket names no workload: symptom-first triage (issue 15).

Tickets as people and Alertmanager write them: a business function ('payments are failing'),
a namespace, an alert with no pod, a fuzzy name ('the indexer workers'). Some reuse an
existing scenario's cluster with a ticket that no longer names the workload; the others are
built here. `generate.py` registers every `@symptom` function with the backdrops it defines
(`g`: the generate module), so the files are generated like every other scenario.
"""

# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from scenario_builder import (
    Cluster,
    Expect,
    ProbeFailure,
    Scenario,
    config_error,
    crash_loop,
    exited,
    go_service,
    ids,
    oom_killed,
    postgres,
    python_service,
    running,
    secret_ref,
    t,
)
from scenario_builder.clock import seconds
from scenario_builder.logs import LogContext, NodeLog, PythonLog

BUILDERS: list[Callable[[ModuleType], Scenario]] = []


def symptom(build: Callable[[ModuleType], Scenario]) -> Callable[[ModuleType], Scenario]:
    BUILDERS.append(build)
    return build


def _since(ctx: LogContext, clock: str) -> float:
    """Offset of a wall-clock moment of the incident night from the start of a container instance."""
    return (t(clock) - ctx.start).total_seconds()


def _retold(original: Scenario, name: str, description: str, notes: str) -> Scenario:
    """The same cluster and expected answer, told by someone who does not know the workload's name."""
    return Scenario(name, description, original.expect, original.cluster, notes=notes, secrets=original.secrets)


# --- the same incidents, told without a workload name ----------------------------------------


@symptom
def symptom_logged_out_web_namespace(g: ModuleType) -> Scenario:
    return _retold(
        g.redis_refused_node(),
        "symptom-logged-out-web-namespace",
        "people keep getting logged out of the site since just after 3, login sometimes gives a 500. something in the web namespace?",
        "As redis-refused-node, but the ticket names only the namespace: the sweep of `web` finds session-api not "
        "ready and redis-cache without endpoints; session-api's logs tie the refusal to redis-cache.",
    )


@symptom
def symptom_alert_crashlooping_warehouse(g: ModuleType) -> Scenario:
    return _retold(
        g.oom_killed_java(),
        "symptom-alert-crashlooping-warehouse",
        "[FIRING:1] KubePodCrashLooping (namespace=warehouse severity=warning) summary: Pod is crash looping. "
        "description: a container has been restarting repeatedly over the last 15 minutes",
        "As oom-killed-java, as Alertmanager's grouped notification reads when the pod label is dropped: only the "
        "namespace is known.",
    )


@symptom
def symptom_transcode_backlog(g: ModuleType) -> Scenario:
    return _retold(
        g.pending_insufficient_cpu(),
        "symptom-transcode-backlog",
        "media team says the transcode backlog keeps growing and the extra workers never come up",
        "As pending-insufficient-cpu; 'transcode' is a fuzzy form of video-transcoder, the only media component it fits.",
    )


@symptom
def symptom_add_to_cart_errors(g: ModuleType) -> Scenario:
    return _retold(
        g.application_crash_node(),
        "symptom-add-to-cart-errors",
        "some customers get an error when they add items to their cart in the shop, started after the deploy tonight",
        "As application-crash-node; 'cart' is a distinctive part of cart-service's name.",
    )


# --- new clusters ----------------------------------------------------------------------------


def _payments_api_refused(db_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = PythonLog(ctx).gunicorn_boot(port=8000).app_ready()
        for i, status in enumerate((200, 200, 201)):
            log.access(30.0 + i * 40, "POST", "/v1/payments", status, client="10.0.3.17")
        log.line(
            -8.0,
            "ERROR",
            "payments.db",
            f'connection failed: connection to server at "ledger-db" ({db_ip}), port 5432 failed: Connection refused',
        )
        log.access(-7.9, "POST", "/v1/payments", 503, client="10.0.3.17")
        log.line(-2.0, "WARNING", "payments.health", "readiness check failed: database unavailable")
        return log.text()

    return render


def _postgres_until_oom(ctx: LogContext) -> str:
    log = PythonLog(ctx)
    log.raw(f"""{log.at(0.1):%Y-%m-%d %H:%M:%S}.118 UTC [1] LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu
{log.at(0.2):%Y-%m-%d %H:%M:%S}.301 UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432
{log.at(0.4):%Y-%m-%d %H:%M:%S}.622 UTC [27] LOG:  database system was interrupted; last known up at {t("02:41:07"):%Y-%m-%d %H:%M:%S} UTC
{log.at(0.9):%Y-%m-%d %H:%M:%S}.014 UTC [27] LOG:  database system was not properly shut down; automatic recovery in progress
{log.at(1.2):%Y-%m-%d %H:%M:%S}.530 UTC [27] LOG:  redo starts at 3/1A2B4C90""")
    return log.text()


def _payments(c: Cluster, api: str, image: str, env: dict) -> tuple:
    """The payments namespace: a Postgres ledger-db and a two-replica Python API that depends on it."""
    pay = c.namespace("payments")
    db = pay.statefulset("ledger-db", postgres(memory="1Gi"), port=5432, component="database")
    service = python_service(api, image, env=env)
    return db, pay.deployment(api, service, replicas=2, port=80, component="service", depends_on=["ledger-db"])


@symptom
def symptom_payments_failing(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    g.storefront(c)
    g.back_office(c, "ops")
    db, api = _payments(
        c,
        "ledger-api",
        "ghcr.io/acme/ledger-api:4.2.0",
        {"DATABASE_URL": "postgresql://ledger@ledger-db:5432/ledger", "PSP_KEY": secret_ref("psp", "key")},
    )
    db_ip = c.namespace("payments").get_service("ledger-db").cluster_ip
    c.graph.component("ledger-api").aliases = ("payments", "payment")
    c.graph.depends("frontend", "ledger-api")
    target = db.pod(0)
    target.set(
        "postgres",
        crash_loop(oom_killed(t("03:14:02"), t("03:15:31")), restarts=9, since=t("02:41:10"), logs=_postgres_until_oom),
    )
    for pod in api.pods:
        pod.set(
            "app",
            running(pod.created, ready=False, since=t("02:41:30"), logs=_payments_api_refused(db_ip)),
        )
    return Scenario(
        "symptom-payments-failing",
        "payments are failing for everyone since about 2:45, checkout shows 'payment could not be processed'",
        Expect("insufficient_memory", "ledger-db", target.name),
        c,
        notes="Two faults, one the cause: ledger-db (Postgres, 1Gi limit) is OOMKilled during crash recovery and "
        "crash-loops; ledger-api (alias 'payments') logs connection refused to ledger-db and is not ready. The "
        "database is upstream on the dependency path, so it is the culprit and ledger-api its consequence.",
    )


@symptom
def symptom_healthy_shop(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    g.storefront(c)
    g.back_office(c, "ops")
    return Scenario(
        "symptom-healthy-shop",
        "the shop feels a bit slow this morning, can someone take a look?",
        Expect("unknown"),
        c,
        notes="Nothing is wrong in the cluster: the sweep of `shop` finds no problem, so the answer is unknown.",
    )


def _tax_crash(ctx: LogContext) -> str:
    log = PythonLog(ctx).gunicorn_boot(port=8000)
    log.raw(f"""[{log.at(1.5):%Y-%m-%d %H:%M:%S} +0000] [7] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/app/tax/rounding.py", line 44, in warm_up
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
           ^^^^^^^^^^^^^^^
AttributeError: 'float' object has no attribute 'quantize'
[{log.at(1.6):%Y-%m-%d %H:%M:%S} +0000] [7] [INFO] Worker exiting (pid: 7)
[{log.at(1.8):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Reason: Worker failed to boot.""")
    return log.text()


@symptom
def symptom_checkout_503(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    shop = g.storefront(c)
    shop.deployment(
        "checkout",
        go_service("checkout", "ghcr.io/acme/checkout:v5.1.3"),
        replicas=2,
        port=80,
        component="service",
        depends_on=["tax-service"],
    )
    tax = shop.deployment(
        "tax-service",
        python_service("tax-service", "ghcr.io/acme/tax-service:1.8.0"),
        replicas=2,
        port=80,
        component="service",
    )
    c.graph.depends("frontend", "checkout")
    new = tax.release(t("03:02:10"), image="ghcr.io/acme/tax-service:1.9.0", new_pods=1, old_pods_left=2)
    target = new.pods[0]
    target.set("app", crash_loop(exited(3, t("03:17:40"), t("03:17:42")), restarts=7, since=t("03:02:16"), logs=_tax_crash))
    return Scenario(
        "symptom-checkout-503",
        "checkout returns 503 for some orders but the pods look fine",
        Expect("application_crash", "tax-service", target.name),
        c,
        notes="checkout itself is healthy; the tax-service it depends on crash-loops on its new release (a bug at "
        "boot, AttributeError, exit 3). The culprit is one hop downstream of what the ticket names.",
    )


@symptom
def symptom_indexer_workers(g: ModuleType) -> Scenario:
    c = Cluster.kubeadm(workers=2)
    g.back_office(c, "ops")
    search = c.namespace("search")
    search.statefulset("opensearch", g.opensearch_node(), port=9200, component="database", storage="20Gi")
    app = go_service("es-indexer", "harbor.internal.acme.io/search/es-indexer:v2.4.0").but(
        env_from=(g.env_from_configmap("es-indexer-settings"),)
    )
    indexer = search.deployment(
        "es-indexer", app, replicas=1, component="service", depends_on=["opensearch"], created=t("03:05:12")
    )
    target = indexer.pod(0)
    target.set("app", config_error('configmap "es-indexer-settings" not found', since=t("03:05:15")))
    return Scenario(
        "symptom-indexer-workers",
        "search results are hours old, looks like the indexer workers are stuck",
        Expect("missing_config", "es-indexer", target.name),
        c,
        notes="'indexer workers' names es-indexer only through a part of its name, in the plural. Its ConfigMap was "
        "never created: CreateContainerConfigError.",
    )



# --- addresses in logs -----------------------------------------------------------------------


def _saved_items_refused(broker_ip: str) -> Callable[[LogContext], str]:
    def render(ctx: LogContext) -> str:
        log = NodeLog(ctx)
        log.line(0.4, "info", "saved-items-api 3.2.0 starting", env="production", node="v20.18.1")
        log.line(0.9, "info", "Server listening at http://0.0.0.0:3000")
        for i, clock in enumerate(("03:01:02", "03:02:19")):
            log.line(_since(ctx, clock), "info", "request completed", res={"statusCode": 201}, responseTime=12.4 + i)
        lost = _since(ctx, "03:03:05")
        log.line(lost, "warn", "amqp connection closed", reason="CONNECTION_FORCED - broker forced connection closure")
        refused = {"message": f"connect ECONNREFUSED {broker_ip}:5672", "code": "ECONNREFUSED", "port": 5672}
        for attempt in range(1, 4):
            log.line(lost + attempt * 5.0, "error", "amqp reconnect failed", err=refused, attempt=attempt)
        log.line(lost + 16.0, "error", "request failed", res={"statusCode": 503}, reason="event channel unavailable")
        return log.text()

    return render


def _wishlist_cluster(g: ModuleType, *, graph_knows_the_broker: bool) -> tuple[Cluster, object]:
    c = Cluster.eks()
    g.storefront(c)
    g.back_office(c, "ops")
    messaging = c.namespace("messaging")
    broker = messaging.statefulset("rabbitmq", g.rabbitmq_server(), port=5672, component="queue", storage="8Gi")
    broker.scale(0, t("03:03:02"))
    broker_ip = messaging.get_service("rabbitmq").cluster_ip
    shop = c.namespace("shop")
    api = shop.deployment(
        "saved-items-api",
        g.node_service("saved-items-api", "ghcr.io/acme/saved-items-api:3.2.0", env={"AMQP_URL": secret_ref("amqp", "url")}),
        replicas=2,
        port=80,
        component="service",
        depends_on=["rabbitmq"] if graph_knows_the_broker else [],
    )
    c.graph.component("saved-items-api").aliases = ("wishlist", "favourites")
    c.graph.depends("frontend", "saved-items-api")
    for i, pod in enumerate(api.pods):
        pod.set(
            "app",
            running(
                pod.created,
                ready=False,
                since=t("03:03:25"),
                probe_failures=(
                    ProbeFailure("Readiness", "HTTP probe failed with statuscode: 503", count=97 - i, since=t("03:03:25")),
                ),
                logs=_saved_items_refused(broker_ip),
            ),
        )
    return c, api.pod(0)


@symptom
def symptom_wishlist_broker_scaled_to_zero(g: ModuleType) -> Scenario:
    c, target = _wishlist_cluster(g, graph_knows_the_broker=True)
    return Scenario(
        "symptom-wishlist-broker-scaled-to-zero",
        "customers can't save items to their wishlist since about 3, the button just spins",
        Expect("dependency_unreachable", "saved-items-api", target.name),  # type: ignore[attr-defined]
        c,
        notes="The rabbitmq StatefulSet (messaging) was scaled to 0 at 03:03:02; saved-items-api (alias 'wishlist') logs "
        "only 'ECONNREFUSED <ClusterIP>:5672', no host name: the ClusterIP maps the line to rabbitmq, which has no endpoints.",
    )


@symptom
def symptom_favourites_unlisted_broker(g: ModuleType) -> Scenario:
    c, target = _wishlist_cluster(g, graph_knows_the_broker=False)
    return Scenario(
        "symptom-favourites-unlisted-broker",
        "favourites page errors out with 503 for all customers",
        Expect("dependency_unreachable", "saved-items-api", target.name),  # type: ignore[attr-defined]
        c,
        notes="As symptom-wishlist-broker-scaled-to-zero, but the knowledge graph does not say saved-items-api needs "
        "rabbitmq: the ClusterIP in the log line is the only link, and it is enough.",
    )


# --- more retellings: each ticket as a person or an alert without the workload's name ----------

_RETOLD = {
    "symptom-orders-503": (
        "db_connection_refused_java",
        "orders are failing with 503 for everyone since about 02:50, orders namespace",
        "Namespace only; the sweep finds the orders API not ready and its logs blame its database.",
    ),
    "symptom-finance-nothing-starts": (
        "quota_exceeded",
        "nothing new in the finance namespace comes up since tonight's release, 0 pods",
        "Namespace only; the workload has no pods at all, and the sweep names it.",
    ),
    "symptom-alert-rollout-stuck-payments": (
        "image_pull_backoff",
        "[FIRING:1] KubeDeploymentRolloutStuck (namespace=payments severity=warning) summary: Deployment rollout is not progressing.",
        "Alertmanager text with the namespace and no workload.",
    ),
    "symptom-embeddings-never-start": (
        "node_selector_mismatch",
        "the embeddings workers never start, ml team is blocked",
        "'embeddings' is the plural of a distinctive part of embedding-worker's name.",
    ),
    "symptom-reconciliation-missing": (
        "job_backoff_limit",
        "finance is missing last night's reconciliation numbers, something in billing failed",
        "Namespace only; the sweep finds the failed Job.",
    ),
    "symptom-reports-missing": (
        "evicted_disk_pressure",
        "last night's reports are missing, reporting namespace",
        "Namespace only; the sweep finds the evicted pod.",
    ),
    "symptom-alert-container-waiting-identity": (
        "missing_secret",
        "[FIRING:1] KubeContainerWaiting (namespace=identity severity=warning) summary: Pod container waiting longer than 1 hour",
        "Alertmanager text with the namespace and no pod.",
    ),
    "symptom-no-metrics": (
        "failed_attach_volume",
        "no metrics and no alerts since the helm upgrade at 3, monitoring namespace",
        "Namespace only; the sweep finds the pod stuck in ContainerCreating on its volume.",
    ),
    "symptom-search-slow-healthy": (
        "unknown_cause",
        "the search page feels slow tonight, search namespace",
        "Nothing unhealthy in the namespace, so the answer is unknown.",
    ),
    "symptom-mobile-app-crawling": (
        "liveness_timeout",
        "the mobile app is crawling since the push campaign went out at 3:00",
        "'mobile' is the distinctive part of mobile-bff's name.",
    ),
    "symptom-catalog-rollout-hanging": (
        "readiness_probe_failure",
        "the catalog rollout is hanging, the new pods never become ready",
        "'catalog' is the distinctive part of catalog-api's name.",
    ),
    "symptom-vague-ticket": (
        "segfault_native",
        "everything feels off tonight, can someone look?",
        "Nothing in the ticket points anywhere: the sweep covers every namespace of the knowledge graph and finds the "
        "crashing resizer, reported at medium confidence at most since no word of the ticket relates to it.",
    ),
    "symptom-thumbnails-missing": (
        "segfault_native",
        "thumbnails are not generated since about 3am, media namespace",
        "Namespace only; the sweep finds the crashing resizer.",
    ),
}


def _retelling(name: str, original: str, description: str, notes: str) -> Callable[[ModuleType], Scenario]:
    def build(g: ModuleType) -> Scenario:
        told = _retold(getattr(g, original)(), name, description, f"As {original.replace('_', '-')}. {notes}")
        if told.expect.category == "unknown":  # nothing is at fault, so no pod is the answer either
            told.expect = Expect("unknown")
        return told

    build.__name__ = name.replace("-", "_")
    return build


for _name, (_original, _description, _notes) in _RETOLD.items():
    symptom(_retelling(_name, _original, _description, _notes))


# --- a number that looks like an HTTP status, in a metrics line ------------------------------


def _recommender_crash(ctx: LogContext) -> str:
    log = PythonLog(ctx).gunicorn_boot(port=8000).app_ready()
    log.line(2.4, "INFO", "recommender.cache", "cache stats hits=403 misses=12 evictions=0 size=415")
    log.line(2.9, "INFO", "recommender.model", "loading model similar-items v2026.11.19 (184 MB)")
    log.raw(f"""[{log.at(4.1):%Y-%m-%d %H:%M:%S} +0000] [7] [ERROR] Exception in ASGI application
Traceback (most recent call last):
  File "/app/recommender/model.py", line 88, in normalise
    return [score / total for score in scores]
            ~~~~~~^~~~~~~
ZeroDivisionError: division by zero
[{log.at(4.2):%Y-%m-%d %H:%M:%S} +0000] [7] [INFO] Worker exiting (pid: 7)
[{log.at(4.4):%Y-%m-%d %H:%M:%S} +0000] [1] [ERROR] Reason: Worker failed to boot.""")
    return log.text()


@symptom
def symptom_recommendations_missing(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    shop = g.storefront(c)
    rec = shop.deployment(
        "recommender",
        python_service("recommender", "ghcr.io/acme/recommender:2026.11.19"),
        replicas=2,
        port=80,
        component="service",
    )
    c.graph.component("recommender").description = "Similar items and recommendations on product pages"
    c.graph.depends("frontend", "recommender")
    new = rec.release(t("02:58:40"), image="ghcr.io/acme/recommender:2026.11.20", new_pods=1, old_pods_left=2)
    target = new.pods[0]
    target.set("app", crash_loop(exited(3, t("03:16:50"), t("03:16:55")), restarts=8, since=t("02:58:47"), logs=_recommender_crash))
    return Scenario(
        "symptom-recommendations-missing",
        "no recommendations on the product pages since the night deploy",
        Expect("application_crash", "recommender", target.name),
        c,
        notes="The new recommender release crashes at boot (ZeroDivisionError, exit 3). Its cache stats line says "
        "hits=403: a counter, not an HTTP status, so no 'access denied' finding may come of it.",
    )


# --- causes on another workload: a neighbour that fills the node, a lost node, a quota ---------


def _evict_for_memory(c: Cluster, ns: ModuleType | object, node: object, at: str) -> list[str]:
    """Evict the Deployment pods of `ns` running on `node` for memory, lowest first, each replaced elsewhere."""
    evicted = []
    others = [n for n in c.workers if n is not node and not n.dedicated]
    for i, deployment in enumerate(ns.deployments):  # type: ignore[attr-defined]
        for pod in [p for p in deployment.pods if p.node is node and p.evicted is None]:
            request = pod.template.containers[0].effective_requests.get("memory", "0")
            using = ids.number(180_000, 420_000, pod.name)
            pod.evict(
                "The node was low on resource: memory. Threshold quantity: 100Mi, available: "
                f"{ids.number(60_000, 99_000, pod.name, 'a')}Ki. Container {pod.template.containers[0].name} was using "
                f"{using}Ki, which exceeds its request of {request}. ",
                t(at) + seconds(40 * len(evicted)),
            )
            deployment.current.new_pod(others[i % len(others)], t(at) + seconds(40 * len(evicted) + 1))
            evicted.append(pod.name)
    return evicted


def _memory_hog(c: Cluster, namespace: str, name: str, image: str, near: object | None = None) -> object:
    """A Deployment whose one pod requests 512Mi, has no memory limit and outranks its neighbours."""
    app = python_service(name, image).but(requests={"cpu": "500m", "memory": "512Mi"}, limits={"cpu": "2"})
    hog = c.namespace(namespace).deployment(
        name, app, replicas=1, port=80, component="service", priority_class="business-critical"
    )
    pod = hog.pod(0)
    if near is not None:
        pod.move_to(near)  # type: ignore[arg-type]
    return pod


def _pressure(c: Cluster, node: object, since: str) -> None:
    node.pressure["MemoryPressure"] = t(since)  # type: ignore[attr-defined]
    c.node_event(node, "EvictionThresholdMet", "Attempting to reclaim memory", first=t(since), type="Warning")  # type: ignore[arg-type]
    c.node_event(
        node,  # type: ignore[arg-type]
        "NodeHasInsufficientMemory",
        f"Node {node.name} status is now: NodeHasInsufficientMemory",  # type: ignore[attr-defined]
        first=t(since),
    )


@symptom
def symptom_shop_evicted_memory_hog(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    shop = g.storefront(c)
    g.back_office(c, "ops")
    hog = _memory_hog(c, "analytics", "clickstream-aggregator", "ghcr.io/acme/clickstream-aggregator:0.19.0")
    node = hog.node  # type: ignore[attr-defined]
    c.usage(hog, "app", cpu="1730m", memory=f"{11 * 1024 * 1024 + 48_112}Ki")  # type: ignore[arg-type]
    _pressure(c, node, "03:05:20")
    evicted = _evict_for_memory(c, shop, node, "03:05:52")
    return Scenario(
        "symptom-shop-evicted-memory-hog",
        "shop pages error out every few minutes since around 3, some pods in the shop namespace got evicted",
        Expect("eviction", "clickstream-aggregator", hog.name),  # type: ignore[attr-defined]
        c,
        notes=f"clickstream-aggregator (analytics; request 512Mi, no memory limit, priority class business-critical) "
        f"grew to 11Gi on {node.name}; the kubelet, under MemoryPressure, evicted the lower-priority shop pods that "
        f"exceeded their requests ({', '.join(evicted)}). metrics-server's pod metrics show the hog: the evictions are "
        "its consequences, and the hog is the culprit although it is healthy itself and outside the ticket's namespace.",
    )


@symptom
def symptom_alert_search_not_ready_memory_hog(g: ModuleType) -> Scenario:
    c = Cluster.kubeadm(workers=3)
    g.back_office(c, "ops")
    search = c.namespace("search")
    search.deployment(
        "search-api", go_service("search-api", "harbor.internal.acme.io/search/search-api:v1.9.2"), replicas=3, port=80,
        component="service",
    )
    search.deployment(
        "query-suggest", python_service("query-suggest", "harbor.internal.acme.io/search/query-suggest:0.6.1"),
        replicas=3, port=80, component="service",
    )
    node = c.workers[1]
    hog = _memory_hog(c, "batch", "invoice-renderer", "harbor.internal.acme.io/finance/invoice-renderer:3.2.0", node)
    c.usage(hog, "app", cpu="960m", memory=f"{6 * 1024 * 1024 + 220_416}Ki")  # type: ignore[arg-type]
    _pressure(c, node, "03:09:41")
    evicted = _evict_for_memory(c, search, node, "03:10:05")
    return Scenario(
        "symptom-alert-search-not-ready-memory-hog",
        "[FIRING:2] KubePodNotReady (namespace=search severity=warning) summary: Pod has been in a non-ready state "
        "for more than 15 minutes.",
        Expect("eviction", "invoice-renderer", hog.name),  # type: ignore[attr-defined]
        c,
        notes=f"invoice-renderer (batch; request 512Mi, no memory limit) uses over 6Gi on {node.name}; the search pods "
        f"there ({', '.join(evicted)}) were evicted for memory. The alert names only the namespace of the victims.",
    )


@symptom
def symptom_alert_replicas_mismatch_node_lost(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    g.storefront(c)
    accounts = c.namespace("accounts")
    fx = accounts.deployment(
        "fx-rates", go_service("fx-rates", "ghcr.io/acme/fx-rates:v0.7.1"), replicas=3, port=80, component="service"
    )
    app = go_service("ledger-api", "ghcr.io/acme/ledger-api:12.4.0", cpu="1500m", memory="2Gi")
    # Unrelated workloads: only the lost node ties the Pending pod to the other candidate.
    ledger = accounts.deployment("ledger-api", app, replicas=2, port=80, component="service")
    lost = c.workers[2]
    for pod, node in zip(ledger.pods, (n for n in c.workers if n is not lost), strict=False):
        pod.move_to(node)
    lost.ready, lost.not_ready_since = "Unknown", t("03:08:20")
    c.node_event(
        lost, "NodeNotReady", f"Node {lost.name} status is now: NodeNotReady", first=t("03:09:01"),
        component="node-controller",
    )
    target = next(p for p in fx.pods if p.node is lost)
    # The HPA adds a replica as the load of the lost node's pods moves to the others.
    replacement = ledger.scale(3, t("03:14:05"))[0]
    replacement.unschedule(
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient "
        "cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims "
        "found for incoming pod."
    )
    return Scenario(
        "symptom-alert-replicas-mismatch-node-lost",
        "[FIRING:1] KubeDeploymentReplicasMismatch (namespace=accounts severity=warning) summary: Deployment has not "
        "matched the expected number of replicas for longer than 15 minutes.",
        Expect("node_failure", "fx-rates", target.name),
        c,
        notes=f"Node {lost.name} stopped posting status at 03:08:20, with an fx-rates pod on it. The HPA then added "
        f"a ledger-api replica, {replacement.name} (1500m CPU), that fits on neither remaining node: Pending "
        "(untolerated unreachable taint, 2 Insufficient cpu). Both are high-confidence findings; the Pending pod is a "
        "consequence of the capacity the lost node took with it, so the node is the culprit.",
    )


@symptom
def symptom_reports_quota_after_release(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    g.back_office(c, "ops")
    reporting = c.namespace("reporting")
    reporting.deployment(
        "reports-ui", g.node_service("reports-ui", "ghcr.io/acme/reports-ui:1.12.0"), replicas=2, port=80,
        component="service", depends_on=["report-renderer"],
    )
    app = python_service("report-renderer", "ghcr.io/acme/report-renderer:2.0.0", memory="3Gi")
    reporting.deployment(
        "report-renderer", app, replicas=2, pods=0, port=80, created=t("03:01:30"), component="service"
    ).current.fail_create(
        "exceeded quota: reporting-quota, requested: limits.memory=3Gi, used: limits.memory=10Gi, "
        "limited: limits.memory=12Gi",
        t("03:01:31"),
    )
    return Scenario(
        "symptom-reports-quota-after-release",
        "reports can't be generated since tonight's release, reporting namespace",
        Expect("resource_quota_exceeded", "report-renderer"),
        c,
        notes="The new report-renderer (3Gi memory limit per pod) cannot create a single pod: the namespace's "
        "ResourceQuota has 2Gi of limits.memory left (FailedCreate 'exceeded quota' on its ReplicaSet). reports-ui "
        "is healthy; nothing is Pending, the pods are never created.",
    )


def _psp_timeouts(ctx: LogContext) -> str:
    log = PythonLog(ctx).gunicorn_boot(port=8000).app_ready()
    for i, status in enumerate((201, 201, 200, 201)):
        log.access(_since(ctx, "03:01:10") + i * 37, "POST", "/v1/charges", status, client="10.0.3.17")
    start = _since(ctx, "03:10:12")
    for i in range(4):
        log.line(
            start + i * 41.0,
            "WARNING",
            "payments.psp",
            "POST https://api.payvera.com/v2/charges failed: ReadTimeout: HTTPSConnectionPool(host='api.payvera.com', "
            "port=443): Read timed out. (read timeout=10)",
        )
        log.access(start + i * 41.0 + 0.1, "POST", "/v1/charges", 504, client="10.0.3.17")
    log.line(start + 170.0, "WARNING", "payments.psp", "api.payvera.com answered 503 Service Unavailable (retry 1/3)")
    log.line(start + 171.5, "INFO", "payments.psp", "retry succeeded after 1.4s")
    log.access(start + 171.6, "POST", "/v1/charges", 201, client="10.0.3.17")
    return log.text()


@symptom
def symptom_card_payments_provider_timeouts(g: ModuleType) -> Scenario:
    c = Cluster.eks()
    g.storefront(c)
    g.back_office(c, "ops")
    _, api = _payments(
        c,
        "charge-api",
        "ghcr.io/acme/charge-api:5.3.1",
        {"PSP_URL": "https://api.payvera.com/v2", "PSP_KEY": secret_ref("psp", "key")},
    )
    for pod in api.pods:
        pod.set("app", running(pod.created, logs=_psp_timeouts))
    c.graph.depends("frontend", "charge-api")
    return Scenario(
        "symptom-card-payments-provider-timeouts",
        "customers say card payments time out at checkout since about 3:10, payments namespace",
        Expect("unknown"),
        c,
        notes="Nothing in the cluster is broken: charge-api is Running and Ready without restarts; its logs show read "
        "timeouts and a 503 from the payment provider api.payvera.com, outside the cluster. The answer is unknown or "
        "the provider at no more than medium confidence, never a workload of the cluster at high confidence.",
    )
