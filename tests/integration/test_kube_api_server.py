"""The test API server against the real `kubernetes` client and the real kubectl.

One small but realistic cluster is written in the `kubectl cluster-info dump` layout: in
`shop`, a Deployment -> ReplicaSet -> two Pods with an init container and two containers (one
crash-looping, with previous logs), a redis Pod, a Service with Endpoints and Events; in
`payments`, a running Deployment's Pod and a Pod stuck in ContainerCreating; two Nodes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import urllib3
from kube_api_server import KubeApiServer, Kubeconfig, run_kubectl, write_kubeconfig
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from mcp_servers.kubernetes.backend import LogsUnavailableError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.kinds import WELL_KNOWN

T0 = "2025-06-01T10:00:00Z"
CRASHING = "checkout-7d9f8b6c5-abcde"
HEALTHY = "checkout-7d9f8b6c5-fghij"
PENDING = "payments-worker-0"
PODS = {
    "shop": [CRASHING, HEALTHY, "redis-0"],
    "payments": ["payments-api-6c9d8f7b5-k2m4p", PENDING],
}


# -- the snapshot ------------------------------------------------------------------------


def _meta(name: str, namespace: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "resourceVersion": "100", "creationTimestamp": T0}
    if namespace:
        meta["namespace"] = namespace
    return {**meta, **extra}


def _owner(kind: str, name: str) -> dict[str, Any]:
    api_version = "v1" if kind == "Node" else "apps/v1"
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": f"uid-{name}", "controller": True}


def _running(name: str, image: str, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imageID": f"docker.io/{image}@sha256:0000",
        "containerID": f"containerd://{name}-1",
        "ready": True,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": T0}},
    }


def _checkout_pod(name: str, node: str, ip: str, *, crashing: bool) -> dict[str, Any]:
    app_status = _running("app", "shop/checkout:1.4.2")
    if crashing:
        app_status |= {
            "ready": False,
            "started": False,
            "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}},
            "lastState": {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": T0,
                    "finishedAt": "2025-06-01T10:01:08Z",
                    "containerID": "containerd://app-0",
                }
            },
        }
    return {
        "metadata": _meta(
            name,
            "shop",
            labels={"app": "checkout", "pod-template-hash": "7d9f8b6c5"},
            ownerReferences=[_owner("ReplicaSet", "checkout-7d9f8b6c5")],
        ),
        "spec": {
            "nodeName": node,
            "initContainers": [{"name": "migrate", "image": "shop/checkout:1.4.2", "command": ["migrate"]}],
            "containers": [
                {
                    "name": "app",
                    "image": "shop/checkout:1.4.2",
                    "resources": {"limits": {"memory": "256Mi"}},
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                },
                {"name": "log-shipper", "image": "fluent/fluent-bit:3.0"},
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "hostIP": "10.0.0.1" if node == "node-1" else "10.0.0.2",
            "startTime": T0,
            "conditions": [{"type": "Ready", "status": "False" if crashing else "True"}],
            "initContainerStatuses": [
                {
                    "name": "migrate",
                    "image": "shop/checkout:1.4.2",
                    "imageID": "docker.io/shop/checkout@sha256:0000",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "containerd://m"}},
                }
            ],
            "containerStatuses": [app_status, _running("log-shipper", "fluent/fluent-bit:3.0")],
        },
    }


def _simple_pod(name: str, namespace: str, app: str, container: str, node: str, owner: str | None) -> dict:
    meta = _meta(name, namespace, labels={"app": app})
    if owner:
        meta["ownerReferences"] = [_owner("ReplicaSet", owner)]
    return {
        "metadata": meta,
        "spec": {"nodeName": node, "containers": [{"name": container, "image": f"{app}:1"}]},
        "status": {"phase": "Running", "startTime": T0, "containerStatuses": [_running(container, f"{app}:1")]},
    }


def _pending_pod() -> dict[str, Any]:
    waiting = {"waiting": {"reason": "ContainerCreating"}}
    status = {"name": "worker", "image": "worker:1", "imageID": "", "ready": False, "restartCount": 0}
    return {
        "metadata": _meta(PENDING, "payments", labels={"app": "payments-worker"}),
        "spec": {"nodeName": "node-1", "containers": [{"name": "worker", "image": "worker:1"}]},
        "status": {"phase": "Pending", "containerStatuses": [status | {"state": waiting}]},
    }


def _event(namespace: str, kind: str, name: str, reason: str, message: str, type_: str = "Normal") -> dict:
    involved = {"kind": kind, "namespace": namespace, "name": name, "uid": f"uid-{name}"}
    involved["apiVersion"] = "v1" if kind == "Pod" else "apps/v1"
    return {
        "metadata": _meta(f"{name}.{reason.lower()}", namespace),
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": T0,
        "lastTimestamp": "2025-06-01T10:05:00Z",
        "count": 4,
        "type": type_,
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
    }


def _ready(count: int) -> dict[str, int]:
    return {"readyReplicas": count} if count else {}  # omitted when zero, like the real API


def _deployment(name: str, namespace: str, replicas: int) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": name}]}}
    return {
        "metadata": _meta(name, namespace, labels={"app": name}, generation=2),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": template},
        "status": {"replicas": replicas, "observedGeneration": 2, **_ready(replicas - 1)},
    }


def _replicaset(name: str, namespace: str, deployment: str, replicas: int) -> dict[str, Any]:
    selector = {"matchLabels": {"app": deployment}}
    return {
        "metadata": _meta(
            name, namespace, labels={"app": deployment}, ownerReferences=[_owner("Deployment", deployment)]
        ),
        "spec": {"replicas": replicas, "selector": selector},
        "status": {"replicas": replicas, **_ready(replicas - 1)},
    }


def _service(name: str, namespace: str, cluster_ip: str) -> dict[str, Any]:
    port = {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
    return {
        "metadata": _meta(name, namespace),
        "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "selector": {"app": name}, "ports": [port]},
    }


def _node(name: str, ip: str, *, cordoned: bool = False) -> dict[str, Any]:
    return {
        "metadata": _meta(name, labels={"kubernetes.io/hostname": name}),
        "spec": {"podCIDR": "10.244.0.0/24", **({"unschedulable": True} if cordoned else {})},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "lastHeartbeatTime": T0,
                    "lastTransitionTime": T0,
                }
            ],
            "addresses": [{"type": "InternalIP", "address": ip}],
            "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": f"machine-{name}",
                "systemUUID": f"uuid-{name}",
                "bootID": f"boot-{name}",
                "kernelVersion": "6.1.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.20",
                "kubeletVersion": "v1.32.4",
                "kubeProxyVersion": "v1.32.4",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def _list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": f"{kind}List", "apiVersion": "v1", "metadata": {"resourceVersion": "100"}, "items": items}


def _log_blocks(namespace: str, pod: str, blocks: dict[str, str]) -> str:
    """What kubectl writes: the END marker right after the log bytes, newline or not."""
    out = []
    for container, text in blocks.items():
        out.append(f"==== START logs for container {container} of pod {namespace}/{pod} ====\n")
        out.append(text)
        out.append(f"==== END logs for container {container} of pod {namespace}/{pod} ====\n")
    return "".join(out)


APP_LOG = (
    "2025-06-01T10:04:00Z INFO starting checkout 1.4.2\n"
    "2025-06-01T10:04:01Z INFO connected to redis:6379\n"
    "2025-06-01T10:04:02Z INFO loading catalogue cache\n"
    "2025-06-01T10:04:09Z WARN heap at 92% of limit\n"
)
PREVIOUS_APP_LOG = (
    "2025-06-01T10:01:00Z INFO starting checkout 1.4.2\n"
    "2025-06-01T10:01:07Z WARN heap at 97% of limit\n"
    "2025-06-01T10:01:08Z ERROR java.lang.OutOfMemoryError: Java heap space\n"
)
# The last line lacks a newline, and one line quotes a dump's END marker mid-line: both must
# survive the round trip through logs.txt.
SHIPPER_LOG = (
    '[debug] skipped "==== END logs for container x of pod a/b ====" in /var/log/dump.txt\n'
    "[info] tailing /var/log/app.log"
)
MIGRATE_LOG = "migrations: 12 applied\n"


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def build_snapshot(root: Path) -> Path:
    _write_json(
        root / "nodes.json", _list("Node", [_node("node-1", "10.0.0.1"), _node("node-2", "10.0.0.2", cordoned=True)])
    )
    shop, payments = root / "shop", root / "payments"
    crashing = _checkout_pod(CRASHING, "node-1", "10.244.0.11", crashing=True)
    healthy = _checkout_pod(HEALTHY, "node-2", "10.244.1.12", crashing=False)
    redis = _simple_pod("redis-0", "shop", "redis", "redis", "node-1", None)
    _write_json(shop / "pods.json", _list("Pod", [crashing, healthy, redis]))
    api = _simple_pod(
        "payments-api-6c9d8f7b5-k2m4p", "payments", "payments-api", "api", "node-2", "payments-api-6c9d8f7b5"
    )
    _write_json(payments / "pods.json", _list("Pod", [api, _pending_pod()]))
    _write_json(shop / "deployments.json", _list("Deployment", [_deployment("checkout", "shop", 2)]))
    _write_json(payments / "deployments.json", _list("Deployment", [_deployment("payments-api", "payments", 1)]))
    _write_json(
        shop / "replicasets.json", _list("ReplicaSet", [_replicaset("checkout-7d9f8b6c5", "shop", "checkout", 2)])
    )
    _write_json(
        payments / "replicasets.json",
        _list("ReplicaSet", [_replicaset("payments-api-6c9d8f7b5", "payments", "payments-api", 1)]),
    )
    services = [_service("checkout", "shop", "10.96.0.10"), _service("redis", "shop", "10.96.0.11")]
    _write_json(shop / "services.json", _list("Service", services))
    _write_json(payments / "services.json", _list("Service", [_service("payments-api", "payments", "10.96.1.10")]))
    endpoints = {
        # Typed items, as `kubectl get -o json` writes them (a real dump's items are untyped).
        "kind": "Endpoints",
        "apiVersion": "v1",
        "metadata": _meta("checkout", "shop"),
        "subsets": [
            {
                "addresses": [
                    {"ip": "10.244.1.12", "targetRef": {"kind": "Pod", "name": HEALTHY, "namespace": "shop"}}
                ],
                "notReadyAddresses": [{"ip": "10.244.0.11"}],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }
        ],
    }
    _write_json(shop / "endpoints.json", _list("Endpoints", [endpoints]))
    shop_events = [
        _event(
            "shop", "Pod", CRASHING, "BackOff", f"Back-off restarting failed container app in pod {CRASHING}", "Warning"
        ),
        _event("shop", "Pod", CRASHING, "Pulled", 'Container image "shop/checkout:1.4.2" already present on machine'),
        _event("shop", "Pod", HEALTHY, "Started", "Started container app"),
        _event("shop", "Deployment", "checkout", "ScalingReplicaSet", "Scaled up replica set checkout-7d9f8b6c5 to 2"),
    ]
    _write_json(shop / "events.json", _list("Event", shop_events))
    mount = 'MountVolume.SetUp failed for volume "config" : configmap "worker-config" not found'
    _write_json(
        payments / "events.json", _list("Event", [_event("payments", "Pod", PENDING, "FailedMount", mount, "Warning")])
    )

    checkout_blocks = {"migrate": MIGRATE_LOG, "app": APP_LOG, "log-shipper": SHIPPER_LOG}
    (shop / CRASHING).mkdir()
    (shop / CRASHING / "logs.txt").write_text(_log_blocks("shop", CRASHING, checkout_blocks))
    (shop / CRASHING / "logs.previous.txt").write_text(_log_blocks("shop", CRASHING, {"app": PREVIOUS_APP_LOG}))
    (shop / HEALTHY).mkdir()
    (shop / HEALTHY / "logs.txt").write_text(_log_blocks("shop", HEALTHY, checkout_blocks))
    (shop / "redis-0").mkdir()
    (shop / "redis-0" / "logs.txt").write_text(
        _log_blocks("shop", "redis-0", {"redis": "Ready to accept connections\n"})
    )
    api_dir = payments / "payments-api-6c9d8f7b5-k2m4p"
    api_dir.mkdir()
    (api_dir / "logs.txt").write_text(
        _log_blocks("payments", api_dir.name, {"api": "listening on :8080\nGET /healthz 200\n"})
    )
    return root


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(tmp_path_factory.mktemp("cluster"))


@pytest.fixture(scope="module")
def kubeconfig(kube_api_server: KubeApiServer, snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Kubeconfig:
    return kube_api_server.kubeconfig_for(snapshot, tmp_path_factory.mktemp("kube") / "config")


@pytest.fixture(scope="module")
def api_client(kubeconfig: Kubeconfig) -> Iterator[k8s.ApiClient]:
    api = k8s_config.new_client_from_config(config_file=str(kubeconfig.path), context=kubeconfig.context)
    yield api
    api.close()


@pytest.fixture(scope="module")
def core(api_client: k8s.ApiClient) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(api_client)


def _status(exc: ApiException) -> dict[str, Any]:
    body = json.loads(exc.body)
    assert body["kind"] == "Status"
    assert body["status"] == "Failure"
    assert body["code"] == exc.status
    return body


def _raw_get(server: KubeApiServer, url: str, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, context=server.client_ssl_context(), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the Python client ---------------------------------------------------------------------


def test_discovery_describes_the_served_resources(api_client: k8s.ApiClient) -> None:
    assert k8s.VersionApi(api_client).get_code().git_version.startswith("v1.")
    assert k8s.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = {g.name: g.preferred_version.group_version for g in k8s.ApisApi(api_client).get_api_versions().groups}
    # Every group of the built-in table; metrics.k8s.io only when the snapshot has metrics files.
    expected = {t.group: t.group_version for t in WELL_KNOWN if t.group and t.group != "metrics.k8s.io"}
    # ... and, as on every cluster, access reviews (create only: nothing the generic tools list).
    assert groups == {**expected, "authorization.k8s.io": "authorization.k8s.io/v1"}
    reviews = k8s.AuthorizationV1Api(api_client).get_api_resources().resources
    assert [(r.name, r.verbs) for r in reviews] == [("selfsubjectaccessreviews", ["create"])]

    core_resources = {r.name: r for r in k8s.CoreV1Api(api_client).get_api_resources().resources}
    assert (core_resources["pods"].kind, core_resources["pods"].namespaced) == ("Pod", True)
    assert (core_resources["nodes"].kind, core_resources["nodes"].namespaced) == ("Node", False)
    assert core_resources["pods/log"].verbs == ["get"]
    assert all(set(r.verbs) <= {"get", "list", "watch"} for r in core_resources.values())
    apps = {r.name: r.kind for r in k8s.AppsV1Api(api_client).get_api_resources().resources}
    assert apps == {
        "deployments": "Deployment",
        "replicasets": "ReplicaSet",
        "statefulsets": "StatefulSet",
        "daemonsets": "DaemonSet",
        "controllerrevisions": "ControllerRevision",
    }
    batch = k8s.BatchV1Api(api_client).get_api_resources().resources
    assert [(r.name, r.kind, r.namespaced) for r in batch] == [("jobs", "Job", True), ("cronjobs", "CronJob", True)]
    assert {r.name: r.short_names for r in batch} == {"jobs": None, "cronjobs": ["cj"]}


def test_lists_pods_in_all_namespaces_and_in_one(core: k8s.CoreV1Api) -> None:
    everywhere = core.list_pod_for_all_namespaces()
    assert everywhere.kind == "PodList"
    assert everywhere.api_version == "v1"
    assert everywhere.metadata.resource_version
    # etcd order: namespace, then name.
    expected = [(ns, name) for ns in sorted(PODS) for name in sorted(PODS[ns])]
    assert [(p.metadata.namespace, p.metadata.name) for p in everywhere.items] == expected
    shop = core.list_namespaced_pod("shop")
    assert [p.metadata.name for p in shop.items] == sorted(PODS["shop"])
    assert core.list_namespaced_pod("nowhere").items == []


def test_list_items_carry_no_type_meta_but_get_does(kube_api_server: KubeApiServer, kubeconfig: Kubeconfig) -> None:
    def get(path: str) -> dict[str, Any]:
        status, body = _raw_get(kube_api_server, kubeconfig.server_url + path, kube_api_server.token)
        assert status == 200
        return body

    endpoints = get("/api/v1/namespaces/shop/endpoints")
    assert (endpoints["kind"], endpoints["apiVersion"]) == ("EndpointsList", "v1")
    assert [sorted(item) for item in endpoints["items"]] == [["metadata", "subsets"]]
    for path, kind, api_version in (
        ("/api/v1/namespaces/shop/endpoints/checkout", "Endpoints", "v1"),
        ("/apis/apps/v1/namespaces/shop/deployments/checkout", "Deployment", "apps/v1"),
    ):
        document = get(path)
        assert (document["kind"], document["apiVersion"]) == (kind, api_version)


def test_paginates_with_limit_and_continue(core: k8s.CoreV1Api) -> None:
    seen, pages, token = [], [], None
    while len(pages) < 10:  # a server that never stops paging must fail, not hang
        page = core.list_pod_for_all_namespaces(limit=2, _continue=token)
        pages.append(page)
        seen += [(p.metadata.namespace, p.metadata.name) for p in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [page.metadata.remaining_item_count for page in pages] == [3, 1, None]
    assert seen == [(ns, name) for ns in sorted(PODS) for name in sorted(PODS[ns])]
    filtered = core.list_pod_for_all_namespaces(limit=1, label_selector="app=checkout")
    assert len(filtered.items) == 1
    assert filtered.metadata._continue
    assert filtered.metadata.remaining_item_count is None  # unknown once a selector filtered
    rest = core.list_pod_for_all_namespaces(
        limit=5, label_selector="app=checkout", _continue=filtered.metadata._continue
    )
    assert [p.metadata.name for p in filtered.items + rest.items] == [CRASHING, HEALTHY]
    with pytest.raises(ApiException) as bad_token:
        core.list_pod_for_all_namespaces(limit=1, _continue="not-a-token")
    assert bad_token.value.status == 400


def test_label_and_field_selectors(core: k8s.CoreV1Api) -> None:
    def names(**kwargs: str) -> set[str]:
        return {p.metadata.name for p in core.list_pod_for_all_namespaces(**kwargs).items}

    assert names(label_selector="app=checkout") == {CRASHING, HEALTHY}
    assert names(label_selector="app in (redis, payments-api)") == {"redis-0", "payments-api-6c9d8f7b5-k2m4p"}
    assert names(label_selector="app=checkout,pod-template-hash!=7d9f8b6c5") == set()
    assert names(field_selector="status.phase=Pending") == {PENDING}
    assert names(field_selector="spec.nodeName=node-2") == {HEALTHY, "payments-api-6c9d8f7b5-k2m4p"}
    assert names(field_selector="metadata.namespace=payments,metadata.name!=" + PENDING) == {
        "payments-api-6c9d8f7b5-k2m4p"
    }
    events = core.list_namespaced_event(
        "shop",
        field_selector=f"involvedObject.name={CRASHING},involvedObject.kind=Pod,involvedObject.uid=uid-{CRASHING}",
    )
    assert sorted(e.reason for e in events.items) == ["BackOff", "Pulled"]
    assert [
        e.reason for e in core.list_event_for_all_namespaces(field_selector="involvedObject.namespace=payments").items
    ] == ["FailedMount"]
    nodes = {
        flag: [n.metadata.name for n in core.list_node(field_selector=f"spec.unschedulable={flag}").items]
        for flag in ("true", "false")
    }
    assert nodes == {"true": ["node-2"], "false": ["node-1"]}  # Go booleans: absent reads "false"
    for bad in ({"field_selector": "spec.containers=app"}, {"label_selector": "app=(x"}):
        with pytest.raises(ApiException) as exc:
            core.list_pod_for_all_namespaces(**bad)
        assert exc.value.status == 400
        assert _status(exc.value)["reason"] == "BadRequest"


def test_gets_every_kind_of_object(api_client: k8s.ApiClient, core: k8s.CoreV1Api) -> None:
    pod = core.read_namespaced_pod(CRASHING, "shop")
    assert pod.spec.containers[1].name == "log-shipper"
    assert pod.status.container_statuses[0].last_state.terminated.reason == "OOMKilled"
    assert core.read_node("node-2").status.addresses[0].address == "10.0.0.2"
    assert core.read_namespaced_service("checkout", "shop").spec.cluster_ip == "10.96.0.10"
    endpoints = core.read_namespaced_endpoints("checkout", "shop")
    assert endpoints.subsets[0].not_ready_addresses[0].ip == "10.244.0.11"
    apps = k8s.AppsV1Api(api_client)
    replicaset = apps.read_namespaced_replica_set("checkout-7d9f8b6c5", "shop")
    assert replicaset.metadata.owner_references[0].name == "checkout"
    assert apps.read_namespaced_deployment("checkout", "shop").spec.replicas == 2
    assert [d.metadata.name for d in apps.list_deployment_for_all_namespaces().items] == ["payments-api", "checkout"]
    assert k8s.BatchV1Api(api_client).list_job_for_all_namespaces().items == []
    assert [ns.metadata.name for ns in core.list_namespace().items] == ["payments", "shop"]
    assert core.read_namespace("shop").status.phase == "Active"


def test_missing_objects_are_404_status(api_client: k8s.ApiClient, core: k8s.CoreV1Api) -> None:
    with pytest.raises(ApiException) as pod:
        core.read_namespaced_pod("nope", "shop")
    body = _status(pod.value)
    assert pod.value.status == 404
    assert body["reason"] == "NotFound"
    assert body["message"] == 'pods "nope" not found'
    assert body["details"] == {"name": "nope", "kind": "pods"}
    with pytest.raises(ApiException) as deployment:
        k8s.AppsV1Api(api_client).read_namespaced_deployment("checkout", "payments")
    assert _status(deployment.value)["message"] == 'deployments.apps "checkout" not found'
    with pytest.raises(ApiException) as namespace:
        core.read_namespace("nowhere")
    assert namespace.value.status == 404


def test_logs_follow_the_api_server_rules(core: k8s.CoreV1Api) -> None:
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="app") == APP_LOG
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="app", tail_lines=2) == "".join(
        APP_LOG.splitlines(keepends=True)[-2:]
    )
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="app", previous=True) == PREVIOUS_APP_LOG
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="migrate") == MIGRATE_LOG
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="app", limit_bytes=10) == APP_LOG[:10]
    assert core.read_namespaced_pod_log(CRASHING, "shop", container="log-shipper") == SHIPPER_LOG + "\n"
    assert core.read_namespaced_pod_log("redis-0", "shop") == "Ready to accept connections\n"

    def error(**kwargs: Any) -> str:
        with pytest.raises(ApiException) as exc:
            core.read_namespaced_pod_log(**kwargs)
        assert exc.value.status == 400
        return _status(exc.value)["message"]

    assert error(name=CRASHING, namespace="shop") == (
        f"a container name must be specified for pod {CRASHING}, choose one of: [app log-shipper]"
        " or one of the init containers: [migrate]"
    )
    assert (
        error(name=CRASHING, namespace="shop", container="nginx") == f"container nginx is not valid for pod {CRASHING}"
    )
    assert error(name=CRASHING, namespace="shop", container="log-shipper", previous=True) == (
        f'previous terminated container "log-shipper" in pod "{CRASHING}" not found'
    )
    assert error(name=PENDING, namespace="payments") == (
        f'container "worker" in pod "{PENDING}" is waiting to start: ContainerCreating'
    )


def test_secrets_are_always_forbidden(core: k8s.CoreV1Api) -> None:
    calls = (
        lambda: core.list_namespaced_secret("shop"),
        lambda: core.read_namespaced_secret("db-password", "shop"),
        lambda: core.list_secret_for_all_namespaces(),
    )
    for call in calls:
        with pytest.raises(ApiException) as exc:
            call()
        assert exc.value.status == 403
        assert _status(exc.value)["reason"] == "Forbidden"
        assert exc.value.body.count("secrets") >= 2  # names the resource, like RBAC's message


def _can_i(api_client: k8s.ApiClient, verb: str, resource: str, group: str = "", namespace: str = "") -> bool:
    attributes = k8s.V1ResourceAttributes(verb=verb, resource=resource, group=group, namespace=namespace)
    review = k8s.V1SelfSubjectAccessReview(spec=k8s.V1SelfSubjectAccessReviewSpec(resource_attributes=attributes))
    answer = k8s.AuthorizationV1Api(api_client).create_self_subject_access_review(review)
    assert answer.spec.resource_attributes.resource == resource  # the spec comes back as sent
    return bool(answer.status.allowed)


def test_access_reviews_answer_as_the_servers_authorization_does(api_client: k8s.ApiClient) -> None:
    """Reads of what is served are allowed; Secrets, writes and unknown resources are not."""
    assert _can_i(api_client, "list", "pods")  # every namespace
    assert _can_i(api_client, "get", "deployments", "apps", "shop")
    assert not _can_i(api_client, "get", "secrets", namespace="shop")
    assert not _can_i(api_client, "delete", "pods", namespace="shop")
    assert not _can_i(api_client, "list", "widgets", "example.com")


# client-go's typed clients send the review as Kubernetes protobuf: these are the bytes the peer
# MCP server (containers/kubernetes-mcp-server 0.0.67) sent to ask whether it may list pods in
# every namespace, taken from its request log.
PROTOBUF_CAN_I_LIST_PODS = bytes.fromhex(
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f763112"
    "1753656c665375626a65637441636365737352657669657712380a100a001200"
    "1a0022002a00320038004200121a0a180a0012046c6973741a00220276312a04"
    "706f647332003a001a08080012001a0020001a002200"
)


def test_access_reviews_read_client_gos_protobuf(kube_api_server: KubeApiServer, kubeconfig: Kubeconfig) -> None:
    request = urllib.request.Request(
        kubeconfig.server_url + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        data=PROTOBUF_CAN_I_LIST_PODS,
        method="POST",
        headers={
            "Authorization": f"Bearer {kube_api_server.token}",
            "Content-Type": "application/vnd.kubernetes.protobuf",
            "Accept": "application/vnd.kubernetes.protobuf,application/json",
        },
    )
    with urllib.request.urlopen(request, context=kube_api_server.client_ssl_context(), timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["spec"]["resourceAttributes"] == {
        "namespace": "", "verb": "list", "group": "", "version": "v1", "resource": "pods", "subresource": "", "name": ""
    }  # fmt: skip
    assert answer["status"] == {"allowed": True}


def test_requests_without_the_token_are_401(
    kube_api_server: KubeApiServer, kubeconfig: Kubeconfig, tmp_path: Path
) -> None:
    pods_url = kubeconfig.server_url + "/api/v1/pods"
    assert _raw_get(kube_api_server, pods_url, kube_api_server.token)[0] == 200
    for token in (None, "wrong"):
        status, body = _raw_get(kube_api_server, pods_url, token)
        assert (status, body["kind"], body["reason"]) == (401, "Status", "Unauthorized")
    bad = kube_api_server.write_kubeconfig(tmp_path / "bad", {"bad": kubeconfig.server_url}, token="wrong")
    api = k8s_config.new_client_from_config(config_file=str(bad), context="bad")
    with pytest.raises(ApiException) as exc:
        k8s.CoreV1Api(api).list_namespaced_pod("shop")
    api.close()
    assert exc.value.status == 401


def test_clients_verify_the_server_certificate(kubeconfig: Kubeconfig, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger-ca.crt"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    config = write_kubeconfig(tmp_path / "config", {"c": kubeconfig.server_url}, ca_file=stranger, token="unused")
    api = k8s_config.new_client_from_config(config_file=str(config), context="c")
    with pytest.raises(urllib3.exceptions.MaxRetryError) as exc:
        k8s.CoreV1Api(api).list_node(_request_timeout=5)
    api.close()
    assert isinstance(exc.value.reason, urllib3.exceptions.SSLError)
    untrusted = Kubeconfig(config, "c", "c", kubeconfig.server_url, kubeconfig.server_url)
    refused = run_kubectl(untrusted, "get", "nodes", check=False)
    assert refused.returncode != 0
    assert "certificate signed by unknown authority" in refused.stderr


def test_writes_watches_and_unknown_paths_are_refused(
    kube_api_server: KubeApiServer, kubeconfig: Kubeconfig, core: k8s.CoreV1Api
) -> None:
    with pytest.raises(ApiException) as delete:
        core.delete_namespaced_pod(CRASHING, "shop")
    assert delete.value.status == 405
    assert _status(delete.value)["reason"] == "MethodNotAllowed"
    with pytest.raises(ApiException) as create:
        core.create_namespaced_config_map("shop", k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="x")))
    assert create.value.status in (404, 405)  # configmaps are not served at all
    with pytest.raises(ApiException) as watch:
        core.list_namespaced_pod("shop", watch=True)
    assert watch.value.status == 405
    for path in ("/apis/extensions/v1beta1", "/api/v1/widgets", "/api/v1/pods/" + CRASHING, "/openapi/v2"):
        status, body = _raw_get(kube_api_server, kubeconfig.server_url + path, kube_api_server.token)
        assert (status, body["reason"]) == (404, "NotFound"), path
    status, _ = _raw_get(kube_api_server, kube_api_server.base_url + "/clusters/unknown/api", kube_api_server.token)
    assert status == 404


def test_injected_faults_fail_or_delay_matching_requests(
    kube_faults: KubeApiServer, kubeconfig: Kubeconfig, core: k8s.CoreV1Api
) -> None:
    fault = kube_faults.inject_fault(r"^/api/v1/namespaces/shop/pods$", status=500, times=1, message="etcd is sad")
    with pytest.raises(ApiException) as failed:
        core.list_namespaced_pod("shop")
    body = _status(failed.value)
    assert (failed.value.status, body["reason"], body["message"]) == (500, "InternalError", "etcd is sad")
    assert len(core.list_namespaced_pod("shop").items) == 3  # `times=1` is used up
    assert core.read_namespaced_pod(CRASHING, "shop").metadata.name == CRASHING  # the regex did not match
    assert fault.hits == 1

    kube_faults.inject_fault("/nodes", status=403, server_url="https://127.0.0.1:1/clusters/another")
    assert len(core.list_node().items) == 2  # scoped to another cluster

    delay = kube_faults.inject_fault("/nodes", delay_seconds=0.6)
    started = time.monotonic()
    assert len(core.list_node().items) == 2
    assert time.monotonic() - started >= 0.6
    with pytest.raises(urllib3.exceptions.MaxRetryError) as timeout:
        core.list_node(_request_timeout=0.2)
    assert isinstance(timeout.value.reason, urllib3.exceptions.ReadTimeoutError)
    # One delayed answer, then four timed-out attempts: urllib3 retries a read timeout three
    # times by default, so a client's real wait is four times its `_request_timeout`.
    assert delay.hits == 5
    kube_faults.clear_faults()
    started = time.monotonic()
    core.list_node()
    assert time.monotonic() - started < 0.5


def test_serves_several_snapshots_at_once(kube_api_server: KubeApiServer, snapshot: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    _write_json(other / "lonely" / "pods.json", _list("Pod", [_simple_pod("solo", "lonely", "solo", "c", "n", None)]))
    both = kube_api_server.kubeconfig_for(snapshot, tmp_path / "config", alt_snapshot=other)
    assert both.server_url != both.alt_server_url
    assert kube_api_server.add_snapshot(snapshot) == both.server_url  # same directory, same URL
    clients = {
        context: k8s_config.new_client_from_config(config_file=str(both.path), context=context)
        for context in (both.context, both.alt_context)
    }
    names = {
        context: {p.metadata.name for p in k8s.CoreV1Api(api).list_pod_for_all_namespaces().items}
        for context, api in clients.items()
    }
    for api in clients.values():
        api.close()
    assert names == {both.context: {n for pods in PODS.values() for n in pods}, both.alt_context: {"solo"}}


# -- kubectl -------------------------------------------------------------------------------


def test_kubectl_gets_lists(kubeconfig: Kubeconfig) -> None:
    pods = run_kubectl(kubeconfig, "get", "pods", "-A").stdout.splitlines()
    assert pods[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert sorted(tuple(line.split()[:2]) for line in pods[1:]) == sorted(
        (ns, name) for ns, names in PODS.items() for name in names
    )
    shop = json.loads(run_kubectl(kubeconfig, "get", "pods", "-n", "shop", "-o", "json").stdout)
    assert [p["metadata"]["name"] for p in shop["items"]] == sorted(PODS["shop"])
    assert shop["items"][0]["spec"]["initContainers"][0]["name"] == "migrate"
    nodes = run_kubectl(kubeconfig, "get", "nodes", "-o", "name").stdout.split()
    assert nodes == ["node/node-1", "node/node-2"]
    deployments = run_kubectl(kubeconfig, "get", "deploy", "-n", "shop", "-o", "name").stdout.split()
    assert deployments == ["deployment.apps/checkout"]
    # Columns of our own choosing, read from the objects (custom-columns asks for no Table).
    events = run_kubectl(
        kubeconfig,
        "get",
        "events",
        "-n",
        "shop",
        "--no-headers",
        "-o",
        "custom-columns=R:.reason,O:.involvedObject.name",
    )
    assert sorted(tuple(line.split()) for line in events.stdout.splitlines()) == [
        ("BackOff", CRASHING),
        ("Pulled", CRASHING),
        ("ScalingReplicaSet", "checkout"),
        ("Started", HEALTHY),
    ]
    selected = run_kubectl(
        kubeconfig, "get", "pods", "-A", "-l", "app=checkout", "--field-selector", "spec.nodeName=node-1"
    )
    assert [line.split()[1] for line in selected.stdout.splitlines()[1:]] == [CRASHING]


def test_kubectl_auth_can_i(kubeconfig: Kubeconfig) -> None:
    assert run_kubectl(kubeconfig, "auth", "can-i", "list", "pods", "-A").stdout.strip() == "yes"
    refused = run_kubectl(kubeconfig, "auth", "can-i", "get", "secrets", "-n", "shop", check=False)
    assert refused.returncode == 1 and refused.stdout.startswith("no")


def test_kubectl_describe_pod_shows_its_events(kubeconfig: Kubeconfig) -> None:
    described = run_kubectl(kubeconfig, "describe", "pod", CRASHING, "-n", "shop").stdout
    assert "CrashLoopBackOff" in described
    assert "OOMKilled" in described
    events = described.split("Events:")[1]
    assert "Back-off restarting failed container app" in events
    assert "already present on machine" in events
    assert "Started container app" not in events  # another pod's event


def test_kubectl_logs(kubeconfig: Kubeconfig) -> None:
    default = run_kubectl(kubeconfig, "logs", CRASHING, "-n", "shop")
    assert default.stdout == APP_LOG  # kubectl picks the first container itself
    assert 'Defaulted container "app"' in default.stderr
    assert run_kubectl(kubeconfig, "logs", CRASHING, "-n", "shop", "-c", "app", "--previous").stdout == PREVIOUS_APP_LOG
    assert run_kubectl(kubeconfig, "logs", CRASHING, "-n", "shop", "-c", "migrate").stdout == MIGRATE_LOG
    assert (
        run_kubectl(kubeconfig, "logs", CRASHING, "-n", "shop", "-c", "app", "--tail=1").stdout
        == APP_LOG.splitlines(keepends=True)[-1]
    )
    missing = run_kubectl(kubeconfig, "logs", CRASHING, "-n", "shop", "-c", "log-shipper", "-p", check=False)
    assert missing.returncode != 0
    assert "previous terminated container" in missing.stderr


def test_kubectl_reports_errors_from_status(kubeconfig: Kubeconfig) -> None:
    missing = run_kubectl(kubeconfig, "get", "pod", "nope", "-n", "shop", check=False)
    assert missing.returncode != 0
    assert 'Error from server (NotFound): pods "nope" not found' in missing.stderr
    secrets = run_kubectl(kubeconfig, "get", "secrets", "-n", "shop", check=False)
    assert secrets.returncode != 0
    assert "Error from server (Forbidden)" in secrets.stderr


def _pruned(value: Any) -> Any:
    """Without what Go's encoding adds for unset fields (null, {}, []), which carry nothing."""
    if isinstance(value, dict):
        pruned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [_pruned(item) for item in value]
    return value


def _container_logs(backend: SnapshotBackend, namespace: str, pod: str) -> dict[str, str]:
    """Each container's logs (init containers too), or the reason there are none."""
    spec = backend.get("pods", namespace, pod)["spec"]
    logs = {}
    for container in [c["name"] for c in spec.get("initContainers", []) + spec["containers"]]:
        try:
            logs[container] = backend.logs(namespace, pod, container, tail_lines=10_000, previous=False)
        except LogsUnavailableError as exc:
            logs[container] = f"unavailable: {exc}"
    return logs


def test_kubectl_dump_loads_back_into_the_snapshot_backend(
    kubeconfig: Kubeconfig, snapshot: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "dump"
    run_kubectl(
        kubeconfig, "cluster-info", "dump", f"--output-directory={dump}", "--namespaces", "shop,payments", "-o", "json"
    )
    original, loaded = SnapshotBackend(snapshot), SnapshotBackend(dump)
    assert loaded.namespaces() == ["payments", "shop"]
    for resource in ("pods", "events", "services", "deployments", "replicasets", "nodes"):
        assert _pruned(loaded.list(resource).items) == _pruned(original.list(resource).items), resource
    assert _pruned(loaded.get("pods", "shop", CRASHING)) == _pruned(original.get("pods", "shop", CRASHING))
    for namespace, pods in PODS.items():
        for pod in pods:
            dumped, expected = _container_logs(loaded, namespace, pod), _container_logs(original, namespace, pod)
            if pod == PENDING:
                # kubectl writes its failed request into the block; the backend must not serve
                # that line as if the container had logged it.
                assert expected["worker"].startswith("unavailable:")
                assert dumped["worker"].startswith("unavailable:")
                assert "Request log error" in dumped["worker"]
            else:
                assert dumped == expected, pod
    assert _container_logs(loaded, "shop", CRASHING)["log-shipper"] == SHIPPER_LOG + "\n"
    # Not part of a real dump: previous logs and the resources only we add.
    assert not (dump / "shop" / CRASHING / "logs.previous.txt").exists()
    assert loaded.list("endpoints").items == []
    assert original.list("endpoints").items != []
