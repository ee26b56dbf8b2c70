"""list_resources, get_resource and list_namespaces: any kind, both backends, nothing secret.

The snapshot is a scenario plus the README's extension files (ConfigMaps, an HPA, an Ingress, a
CRD and two of its objects, a Deployment with secret-like env literals). Every call goes through
the snapshot backend and through the live backend against the test API server (real discovery,
real `as=Table` lists) and must answer identically; kubectl reads the same server.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from kube_api_server import Kubeconfig, run_kubectl
from mcp import Client
from paths import SCENARIOS
from tool_plan import ToolAnswer, ToolCall, run_plan

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.kinds import REFUSAL_TEXT
from mcp_servers.kubernetes.object_redaction import LAST_APPLIED
from mcp_servers.kubernetes.tools import build_server

SCENARIO = SCENARIOS / "oom-killed-java" / "cluster"
CREATED = "2026-10-01T08:00:00Z"
PLANTED_PASSWORD = "hunter2-planted"


def _list(kind: str, api_version: str, items: list[dict[str, Any]]) -> str:
    return json.dumps({"kind": f"{kind}List", "apiVersion": api_version, "items": items})


def _meta(name: str, namespace: str | None = "shop", **extra: Any) -> dict[str, Any]:
    meta = {"name": name, "creationTimestamp": CREATED, "uid": f"uid-{name}", **extra}
    return {**meta, "namespace": namespace} if namespace else meta


WIDGET_CRD = {
    "metadata": _meta("widgets.example.com", None),
    "spec": {
        "group": "example.com",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    {"name": "Owner", "type": "string", "jsonPath": ".spec.owner", "priority": 1},
                ],
            }
        ],
    },
}


def _widget(name: str, size: int, ready: str) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1alpha1",
        "kind": "Widget",
        "metadata": _meta(name),
        "spec": {"size": size, "owner": "team-a"},
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


def build_snapshot(root: Path) -> Path:
    cluster = root / "cluster"
    shutil.copytree(SCENARIO, cluster)
    shop = cluster / "shop"
    last_applied = json.dumps({"data": {"DB_PASSWORD": PLANTED_PASSWORD}})
    config_maps = [
        {
            "metadata": {
                **_meta("app-config"),
                "annotations": {LAST_APPLIED: last_applied, "team": "shop"},
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
            },
            "data": {
                "DB_PASSWORD": PLANTED_PASSWORD,
                "settings.yaml": f"log_level: info\npassword: {PLANTED_PASSWORD}\n",
                "LOG_LEVEL": "info",
            },
            "binaryData": {"logo.png": "iVBORw0KGgo="},
        },
        {"metadata": _meta("feature-flags"), "data": {"checkout_v2": "true"}},
    ]
    (shop / "configmaps.json").write_text(_list("ConfigMap", "v1", config_maps))
    hpa = {
        "metadata": _meta("cart-service"),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart-service"},
            "minReplicas": 2,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
        "status": {
            "currentReplicas": 2,
            "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 35}}}
            ],
        },
    }
    (shop / "horizontalpodautoscalers.json").write_text(_list("HorizontalPodAutoscaler", "autoscaling/v2", [hpa]))
    ingress = {
        "metadata": _meta("shop"),
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
    }
    (shop / "ingresses.json").write_text(_list("Ingress", "networking.k8s.io/v1", [ingress]))
    (cluster / "customresourcedefinitions.json").write_text(
        _list("CustomResourceDefinition", "apiextensions.k8s.io/v1", [WIDGET_CRD])
    )
    widgets = [_widget("blue", 3, "True"), _widget("red", 1, "False")]
    (shop / "widgets.example.com.json").write_text(_list("Widget", "example.com/v1alpha1", widgets))
    event = {
        "metadata": _meta("checkout.1"),
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "checkout"},
        "reason": "BackOff",
        "type": "Warning",
        "message": "x" * 2000,
        "lastTimestamp": CREATED,
    }
    (shop / "events.json").write_text(_list("Event", "v1", [event]))
    deployments = json.loads((shop / "deployments.json").read_text())
    container = deployments["items"][0]["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [*container.get("env", []), {"name": "API_TOKEN", "value": PLANTED_PASSWORD}]
    (shop / "deployments.json").write_text(json.dumps(deployments))
    return cluster


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(tmp_path_factory.mktemp("generic"))


def answers(reader: ClusterReader, plan: list[ToolCall]) -> dict[str, ToolAnswer]:
    async def run() -> dict[str, ToolAnswer]:
        async with Client(build_server(reader)) as client:
            return await run_plan(client, plan)

    return anyio.run(run)


@pytest.fixture
def both(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> Callable[..., dict[str, ToolAnswer]]:
    """Run a plan through both backends, require identical answers, return them."""
    kubeconfig = kubeconfig_for(snapshot)

    def run(plan: list[ToolCall], allowed: list[str] | None = None) -> dict[str, ToolAnswer]:
        reference = answers(ClusterReader(SnapshotBackend(snapshot), allowed_namespaces=allowed), plan)
        live = LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))
        live_answers = answers(ClusterReader(live, allowed_namespaces=allowed), plan)
        for label, expected in reference.items():
            assert live_answers[label] == expected, f"{label}: the live backend answers differently"
        return reference

    return run


def one(answer: dict[str, ToolAnswer], tool: str, **arguments: Any) -> ToolAnswer:
    return answer[ToolCall(tool, arguments).label]


FLAGS = "metadata.name=feature-flags"


def test_lists_any_kind_with_kubectl_columns(both: Callable[..., dict[str, ToolAnswer]]) -> None:
    plan = [
        ToolCall("list_resources", {"kind": "deploy"}),
        ToolCall("list_resources", {"kind": "po", "namespace": "shop", "limit": 2}),
        ToolCall("list_resources", {"kind": "hpa", "namespace": "shop"}),
        ToolCall("list_resources", {"kind": "ingresses.networking.k8s.io"}),
        ToolCall("list_resources", {"kind": "wd"}),
        ToolCall(
            "list_resources", {"kind": "cm", "namespace": "shop", "field_selector": "metadata.name=feature-flags"}
        ),
        ToolCall("list_resources", {"kind": "no"}),
        ToolCall("list_resources", {"kind": "pvc", "namespace": "default"}),
        ToolCall("list_resources", {"kind": "ev", "namespace": "shop"}),
    ]
    answer = both(plan)
    deployments = one(answer, "list_resources", kind="deploy")
    assert deployments.structured["columns"] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert deployments.text.splitlines()[0].split() == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert {"namespace": "shop", "name": "cart-service"} in [
        {"namespace": r["namespace"], "name": r["name"]} for r in deployments.structured["rows"]
    ]
    pods = one(answer, "list_resources", kind="po", namespace="shop", limit=2)
    assert pods.structured["columns"] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert len(pods.structured["rows"]) == 2 and pods.structured["truncated"] is True
    assert "more exist" in pods.text
    hpa = one(answer, "list_resources", kind="hpa", namespace="shop").structured
    assert hpa["resource"] == "horizontalpodautoscalers.autoscaling"
    assert hpa["rows"][0]["cells"][1:6] == ["Deployment/cart-service", "cpu: 35%/70%", "2", "6", "2"]
    ingress = one(answer, "list_resources", kind="ingresses.networking.k8s.io").structured
    assert ingress["rows"][0]["cells"][:4] == ["shop", "nginx", "shop.example.com", "203.0.113.10"]
    widgets = one(answer, "list_resources", kind="wd").structured
    assert widgets["columns"] == ["Name", "Size", "Ready", "Age"]  # the priority-1 column is left out
    assert [r["cells"][:3] for r in widgets["rows"]] == [["blue", "3", "True"], ["red", "1", "False"]]
    flags = one(answer, "list_resources", kind="cm", namespace="shop", field_selector=FLAGS)
    assert [r["cells"][:2] for r in flags.structured["rows"]] == [["feature-flags", "1"]]
    assert one(answer, "list_resources", kind="no").structured["namespaced"] is False
    assert (
        one(answer, "list_resources", kind="pvc", namespace="default").text
        == "No resources found in default namespace."
    )


@pytest.mark.parametrize(
    "kind",
    ["deploy", "deployment", "deployments", "Deployment", "deployments.apps", "deployment.v1.apps",
     "apps/v1/Deployment", "/apis/apps/v1/deployments"],
)  # fmt: skip
def test_every_kubectl_spelling_names_the_same_type(kind: str, snapshot: Path) -> None:
    answer = answers(ClusterReader(SnapshotBackend(snapshot)), [ToolCall("list_resources", {"kind": kind})])
    (result,) = answer.values()
    assert not result.is_error, result.text
    assert (result.structured["resource"], result.structured["kind"]) == ("deployments.apps", "Deployment")


SECRET_SPELLINGS = ["secret", "secrets", "Secret", "v1/Secret", "/api/v1/secrets", "SECRETS"]


def test_secrets_are_refused_in_every_spelling(both: Callable[..., dict[str, ToolAnswer]]) -> None:
    plan = [ToolCall("list_resources", {"kind": kind}) for kind in SECRET_SPELLINGS]
    plan += [
        ToolCall("get_resource", {"kind": kind, "namespace": "shop", "name": "db"}) for kind in SECRET_SPELLINGS[:5]
    ]
    plan.append(ToolCall("list_resources", {"kind": "secret", "full": True}))
    for label, answer in both(plan).items():
        assert answer.is_error, label
        assert REFUSAL_TEXT in answer.text, label


def test_full_objects_drop_managed_fields_and_redact(both: Callable[..., dict[str, ToolAnswer]]) -> None:
    plan = [
        ToolCall("get_resource", {"kind": "configmap", "namespace": "shop", "name": "app-config", "full": True}),
        ToolCall("list_resources", {"kind": "cm", "namespace": "shop", "full": True}),
        ToolCall("get_resource", {"kind": "deploy", "namespace": "shop", "name": "cart-service", "full": True}),
        ToolCall("list_resources", {"kind": "deploy", "namespace": "shop", "full": True}),
    ]
    answer = both(plan)
    for label, result in answer.items():
        assert not result.is_error, label
        assert PLANTED_PASSWORD not in result.text and PLANTED_PASSWORD not in json.dumps(result.structured), label
        assert "managedFields" not in result.text and LAST_APPLIED not in result.text, label
    config = one(answer, "get_resource", kind="configmap", namespace="shop", name="app-config", full=True).structured
    obj = config["object"]
    assert (obj["apiVersion"], obj["kind"]) == ("v1", "ConfigMap")
    assert obj["data"]["DB_PASSWORD"] == "[REDACTED]"
    assert obj["data"]["settings.yaml"] == "log_level: info\npassword: [REDACTED]\n"
    assert obj["data"]["LOG_LEVEL"] == "info"
    assert obj["binaryData"] == {"logo.png": "<8 bytes>"}
    assert obj["metadata"]["annotations"] == {"team": "shop"}
    assert config["redactions"] >= 2
    assert config["cells"][:2] == ["app-config", "4"]
    deployment = one(answer, "get_resource", kind="deploy", namespace="shop", name="cart-service", full=True)
    env = deployment.structured["object"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "API_TOKEN", "value": "[REDACTED]"} in env
    assert {"name": "NODE_ENV", "value": "production"} in env


def test_missing_objects_and_bad_arguments_are_tool_errors_that_say_what(
    both: Callable[..., dict[str, ToolAnswer]],
) -> None:
    plan = [
        ToolCall("get_resource", {"kind": "deploy", "namespace": "shop", "name": "no-such-app"}),
        ToolCall("get_resource", {"kind": "widget", "namespace": "shop", "name": "green"}),
        ToolCall("get_resource", {"kind": "no", "name": "no-such-node"}),
        ToolCall("get_resource", {"kind": "deploy", "name": "cart-service"}),
        ToolCall("list_resources", {"kind": "gizmos"}),
        ToolCall("list_resources", {"kind": "apps/v1/Deployment/extra"}),
        ToolCall("list_resources", {"kind": "po", "field_selector": "spec.containers=x"}),
        ToolCall("list_resources", {"kind": "po", "label_selector": "app in (a"}),
    ]
    texts = [answer.text for answer in both(plan).values()]
    assert all(answer.is_error for answer in both(plan).values())
    assert "Deployment shop/no-such-app not found" in texts[0]
    assert "Widget shop/green not found" in texts[1]
    assert "Node no-such-node not found" in texts[2]
    assert "Deployment is namespaced: give the namespace of 'cart-service'" in texts[3]
    assert "serves no resource type 'gizmos'" in texts[4] and "kubectl api-resources" in texts[4]
    assert "is not a resource type" in texts[5]
    assert "field label not supported: spec.containers" in texts[6]
    assert "invalid selector" in texts[7]


def test_namespaces_and_the_allow_list(both: Callable[..., dict[str, ToolAnswer]]) -> None:
    plan = [
        ToolCall("list_namespaces", {}),
        ToolCall("list_resources", {"kind": "deploy"}),
        ToolCall("list_resources", {"kind": "ns"}),
        ToolCall("get_resource", {"kind": "ns", "name": "kube-system"}),
        ToolCall("get_resource", {"kind": "deploy", "namespace": "kube-system", "name": "coredns"}),
    ]
    everything = both(plan)
    assert [n["name"] for n in one(everything, "list_namespaces").structured["namespaces"]] == [
        "default", "kube-system", "shop", "warehouse"
    ]  # fmt: skip
    assert one(everything, "list_namespaces").text.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    allowed = both(plan, allowed=["shop", "warehouse"])
    assert [n["name"] for n in one(allowed, "list_namespaces").structured["namespaces"]] == ["shop", "warehouse"]
    assert {r["namespace"] for r in one(allowed, "list_resources", kind="deploy").structured["rows"]} == {
        "shop", "warehouse"
    }  # fmt: skip
    assert [r["name"] for r in one(allowed, "list_resources", kind="ns").structured["rows"]] == ["shop", "warehouse"]
    for refused in (one(allowed, "get_resource", kind="ns", name="kube-system"),
                    one(allowed, "get_resource", kind="deploy", namespace="kube-system", name="coredns")):  # fmt: skip
        assert refused.is_error and "'kube-system' is not in this server's allowed namespaces" in refused.text


def test_kubectl_sees_the_table_discovery_and_the_crd(
    snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]
) -> None:
    kubeconfig = kubeconfig_for(snapshot)
    pods = run_kubectl(kubeconfig, "get", "pods", "-n", "shop").stdout.splitlines()
    assert pods[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert any(line.split()[1:3] == ["2/2", "Running"] for line in pods[1:])
    resources = run_kubectl(kubeconfig, "api-resources").stdout.splitlines()
    assert resources[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {tuple(line.split()) for line in resources[1:]}
    assert ("widgets", "wd", "example.com/v1alpha1", "true", "Widget") in rows
    assert ("horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler") in rows
    assert not any(row[0] == "podmetrics" or row[-1] == "PodMetrics" for row in rows)  # no metrics files here
    widgets = run_kubectl(kubeconfig, "get", "wd", "-n", "shop").stdout.splitlines()
    assert widgets[0].split() == ["NAME", "SIZE", "READY", "AGE"]
    assert widgets[1].split()[:3] == ["blue", "3", "True"]
    hpa = run_kubectl(kubeconfig, "get", "hpa", "-n", "shop").stdout.splitlines()
    assert hpa[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    secrets = run_kubectl(kubeconfig, "get", "secrets", "-n", "shop", check=False)
    assert secrets.returncode != 0 and "forbidden" in secrets.stderr
