"""get_rollout_history: revisions and field-level template diffs, the same through both backends.

The cluster is built with the scenario builder: a Deployment with three revisions (an image
release with a change-cause, then a change of env, resources, probes, volumes, scheduling and
service account), a StatefulSet mid-way through its second revision, and a DaemonSet. The live
backend reads it through the test API server; the real `kubectl rollout history` is the
reference for revision numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from kube_api_server import Kubeconfig, run_kubectl
from mcp import Client
from scenario_builder import (
    Cluster,
    Container,
    configmap_volume,
    days_ago,
    http_get,
    python_service,
    redis,
    secret_ref,
    t,
)

from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.cluster import ClusterReader
from mcp_servers.kubernetes.tools import build_server

PLAIN_SECRET, NEW_PLAIN_SECRET = "hunter2-old-literal", "correct-horse-new-literal"
CAUSE = "kubectl set image deployment/checkout app=ghcr.io/acme/checkout:1.5.0"


def build(directory: Path) -> Path:
    cluster = Cluster.kubeadm()
    shop = cluster.namespace("shop")
    app = python_service("checkout", "ghcr.io/acme/checkout:1.4.0", env={"LOG_LEVEL": "info"})
    app = app.with_env(DB_PASSWORD=PLAIN_SECRET)
    checkout = shop.deployment("checkout", app, replicas=3, port=8000, created=days_ago(30))
    checkout.release(t("02:10"), image="ghcr.io/acme/checkout:1.5.0", change_cause=CAUSE)

    def reconfigure(template: Any) -> Any:
        def container(c: Container) -> Container:
            return c.but(
                env={**c.env, "DB_PASSWORD": NEW_PLAIN_SECRET, "API_TOKEN": secret_ref("checkout-api", "token")},
                limits={"memory": "1Gi"},
                readiness=http_get("/ready", 8000, period=5),
                mounts={**c.mounts, "settings": "/etc/checkout"},
            )

        changed = template.map_container("app", container)
        init = Container("migrate", "ghcr.io/acme/checkout-migrate:1.5.0", command=("alembic", "upgrade", "head"))
        return changed.but(
            volumes=(*changed.volumes, configmap_volume("settings", "checkout-settings-v2")),
            node_selector={"disktype": "ssd"},
            tolerations=({"key": "dedicated", "operator": "Equal", "value": "shop", "effect": "NoSchedule"},),
            service_account="checkout",
            init_containers=(init,),
        )

    checkout.rollout(t("03:05"), change=reconfigure, new_pods=1, old_pods_left=3)
    cache = shop.statefulset("cache", redis(), replicas=3, port=6379, created=days_ago(40))
    cache.rollout(
        t("03:00"),
        lambda tpl: tpl.map_container("redis", lambda c: c.but(image="redis:7.4.2")),
        updated=1,
        change_cause="bump redis",
    )
    shop.daemonset("node-agent", Container("agent", "ghcr.io/acme/node-agent:0.9.1"))
    cluster.write(directory)
    return directory


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("rollouts") / "cluster")


def _call(reader: ClusterReader, tool: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    async def run() -> tuple[str, dict[str, Any]]:
        async with Client(build_server(reader)) as client:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.content
            return result.content[0].text, result.structured_content  # type: ignore[union-attr,return-value]

    return anyio.run(run)


def history(snapshot: Path, kind: str, name: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    arguments = {"kind": kind, "namespace": "shop", "name": name, **extra}
    return _call(ClusterReader(SnapshotBackend(snapshot)), "get_rollout_history", arguments)


def changes_of(change: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {c["field"]: (c["before"], c["after"]) for c in change["changes"]}


def test_deployment_revisions_and_what_each_changed(snapshot: Path) -> None:
    text, result = history(snapshot, "Deployment", "checkout")
    assert [r["revision"] for r in result["revisions"]] == [3, 2, 1]
    assert result["current_revision"] == 3 and [r["current"] for r in result["revisions"]] == [True, False, False]
    assert result["revisions"][1]["change_cause"] == CAUSE
    assert result["revisions"][0]["images"] == ["ghcr.io/acme/checkout:1.5.0"]
    assert [(r["desired_replicas"], r["replicas"]) for r in result["revisions"]] == [(1, 1), (3, 3), (0, 0)]
    newest, release = result["changes"]
    assert (release["from_revision"], release["to_revision"]) == (1, 2)
    assert changes_of(release) == {
        "containers[app].image": ("ghcr.io/acme/checkout:1.4.0", "ghcr.io/acme/checkout:1.5.0")
    }
    assert release["change_cause"] == CAUSE
    fields = changes_of(newest)
    assert fields["containers[app].env[DB_PASSWORD]"] == ("[REDACTED]", "[REDACTED]")  # changed, never shown
    assert fields["containers[app].env[API_TOKEN]"] == (None, "<secretKeyRef checkout-api/token>")
    assert fields["containers[app].resources.limits.memory"] == ("512Mi", "1Gi")
    assert fields["containers[app].readinessProbe"][1].startswith("GET http://:8000/ready")
    assert fields["volumes[settings]"] == (None, 'configMap checkout-settings-v2 {"defaultMode":420}')
    assert fields["containers[app].volumeMounts[settings]"] == (None, "/etc/checkout")
    assert fields["nodeSelector[disktype]"] == (None, "ssd")
    assert fields["tolerations"] == (None, "dedicated=shop:NoSchedule (Equal)")
    assert fields["serviceAccountName"] == ("default", "checkout")
    assert fields["initContainers[migrate].image"] == (None, "ghcr.io/acme/checkout-migrate:1.5.0")
    assert fields["initContainers[migrate].command"] == (None, "alembic upgrade head")
    assert not any("pod-template-hash" in field for field in fields)
    assert PLAIN_SECRET not in text + str(result) and NEW_PLAIN_SECRET not in text + str(result)
    assert "containers[app].image: ghcr.io/acme/checkout:1.4.0 -> ghcr.io/acme/checkout:1.5.0" in text
    assert re.search(r"^3 \*\s+checkout-\S+\s+2026-11-20T03:05:00Z", text, re.MULTILINE), text


def test_statefulset_and_daemonset_history_from_controller_revisions(snapshot: Path) -> None:
    _, cache = history(snapshot, "StatefulSet", "cache")
    assert [r["revision"] for r in cache["revisions"]] == [2, 1]
    assert cache["current_revision"] == 2
    assert [(r["replicas"], r["ready_replicas"]) for r in cache["revisions"]] == [(1, 1), (2, 2)]
    assert cache["revisions"][0]["change_cause"] == "bump redis"
    (change,) = cache["changes"]
    assert changes_of(change)["containers[redis].image"][1] == "redis:7.4.2"
    _, agent = history(snapshot, "DaemonSet", "node-agent")
    assert [(r["revision"], r["current"]) for r in agent["revisions"]] == [(1, True)]
    assert agent["revisions"][0]["replicas"] == 2 and agent["changes"] == []


def test_history_is_bounded_and_says_so(snapshot: Path) -> None:
    text, result = history(snapshot, "Deployment", "checkout", limit=1)
    assert [r["revision"] for r in result["revisions"]] == [3]
    assert [(c["from_revision"], c["to_revision"]) for c in result["changes"]] == [(2, 3)]
    assert result["truncated"] is True and "more revisions exist" in text


def test_diagnose_pod_shows_the_owners_latest_change(snapshot: Path) -> None:
    pods = SnapshotBackend(snapshot).list("pods", "shop", label_selector="app=checkout").items
    newest = max(pods, key=lambda p: p["metadata"]["creationTimestamp"])
    where = {"namespace": "shop", "name": newest["metadata"]["name"]}
    text, diagnosis = _call(ClusterReader(SnapshotBackend(snapshot)), "diagnose_pod", where)
    latest = diagnosis["owner_latest_change"]
    assert (latest["from_revision"], latest["to_revision"]) == (2, 3)
    assert "containers[app].resources.limits.memory" in changes_of(latest)
    assert "Latest change of the owner:\n  revision 2 -> 3" in text


def test_both_backends_answer_identically(snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig]) -> None:
    kubeconfig = kubeconfig_for(snapshot)
    live = ClusterReader(LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context)))
    offline = ClusterReader(SnapshotBackend(snapshot))
    for kind, name in (("Deployment", "checkout"), ("StatefulSet", "cache"), ("DaemonSet", "node-agent")):
        arguments = {"kind": kind, "namespace": "shop", "name": name}
        assert _call(live, "get_rollout_history", arguments) == _call(offline, "get_rollout_history", arguments)


@pytest.mark.parametrize(("resource", "kind", "name"), [("deployment", "Deployment", "checkout"),
                                                         ("statefulset", "StatefulSet", "cache"),
                                                         ("daemonset", "DaemonSet", "node-agent")])  # fmt: skip
def test_revision_numbers_match_kubectl_rollout_history(
    snapshot: Path, kubeconfig_for: Callable[..., Kubeconfig], resource: str, kind: str, name: str
) -> None:
    kubeconfig = kubeconfig_for(snapshot)
    output = run_kubectl(kubeconfig, "rollout", "history", f"{resource}/{name}", "-n", "shop").stdout
    rows = [line.split(None, 1) for line in output.splitlines()[2:] if line.strip()]
    expected = {int(number): cause.strip() for number, cause in rows}
    _, result = history(snapshot, kind, name)
    assert {r["revision"]: r["change_cause"] or "<none>" for r in result["revisions"]} == expected, output
