"""Build realistic Kubernetes clusters in code and write them as `kubectl cluster-info dump`
snapshots, for the scenario suite (tests/scenarios/generate.py) and the demo.

    cluster = Cluster.eks()
    shop = cluster.namespace("shop")
    auth = shop.deployment("auth-service", python_service("auth-service", "ghcr.io/acme/auth:3.2.1"),
                           replicas=3, port=80, component="service", depends_on=["users-db"])
    auth.pod(1).set("app", crash_loop(oom_killed(t("03:14:02"), t("03:14:51")), restarts=9, since=t("02:58")))
    Scenario("oom", "auth-service keeps restarting", Expect("insufficient_memory", "auth-service", auth.pod(1).name),
             cluster).write("tests/scenarios/oom")
"""

from . import logs
from .clock import NOW, days_ago, minutes, seconds, t
from .cluster import Cluster, Namespace
from .events import Event, ObjectRef
from .network import ServicePort
from .nodes import Node
from .pods import Pod
from .presets import (
    fluent_bit,
    go_service,
    istio_proxy,
    java_service,
    nginx_frontend,
    node_service,
    postgres,
    python_service,
    redis,
)
from .scenario import CATEGORIES, Expect, Scenario, check_scenario_dir
from .spec import (
    Container,
    PodTemplate,
    configmap_ref,
    configmap_volume,
    empty_dir,
    env_from_configmap,
    env_from_secret,
    exec_probe,
    field_ref,
    http_get,
    pvc_volume,
    secret_ref,
    secret_volume,
    tcp_socket,
)
from .status import (
    ProbeFailure,
    Run,
    Terminated,
    completed,
    config_error,
    crash_loop,
    creating,
    exited,
    failed,
    image_pull_backoff,
    oom_killed,
    pending_init,
    run_container_error,
    running,
)

__all__ = [
    "CATEGORIES",
    "NOW",
    "Cluster",
    "Container",
    "Event",
    "Expect",
    "Namespace",
    "Node",
    "ObjectRef",
    "Pod",
    "PodTemplate",
    "ProbeFailure",
    "Run",
    "Scenario",
    "ServicePort",
    "Terminated",
    "check_scenario_dir",
    "completed",
    "config_error",
    "configmap_ref",
    "configmap_volume",
    "crash_loop",
    "creating",
    "days_ago",
    "empty_dir",
    "env_from_configmap",
    "env_from_secret",
    "exec_probe",
    "exited",
    "failed",
    "field_ref",
    "fluent_bit",
    "go_service",
    "http_get",
    "image_pull_backoff",
    "istio_proxy",
    "java_service",
    "logs",
    "minutes",
    "nginx_frontend",
    "node_service",
    "oom_killed",
    "pending_init",
    "postgres",
    "pvc_volume",
    "python_service",
    "redis",
    "run_container_error",
    "running",
    "seconds",
    "secret_ref",
    "secret_volume",
    "t",
    "tcp_socket",
]  # fmt: skip
