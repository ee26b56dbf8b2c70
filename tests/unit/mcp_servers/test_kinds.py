"""The pieces under the generic tools: kind spellings, kubectl's ages, quantities, object redaction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_servers.kubernetes.durations import human_duration
from mcp_servers.kubernetes.kinds import (
    WELL_KNOWN,
    KindQuery,
    SecretRefusedError,
    UnknownKindError,
    custom_resource_types,
    parse_kind,
    resolve,
)
from mcp_servers.kubernetes.object_redaction import LAST_APPLIED, clean_object
from mcp_servers.kubernetes.printers import json_path
from mcp_servers.kubernetes.quantities import byte_count, millicores, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy", KindQuery("deploy", "deploy")),
        ("Deployment", KindQuery("Deployment", "deployment")),
        ("deployments.apps", KindQuery("deployments.apps", "deployments", "apps")),
        ("deployment.v1.apps", KindQuery("deployment.v1.apps", "deployment", "apps", "v1")),
        ("apps/v1/Deployment", KindQuery("apps/v1/Deployment", "deployment", "apps", "v1")),
        ("v1/Secret", KindQuery("v1/Secret", "secret", "", "v1")),
        ("/api/v1/secrets", KindQuery("/api/v1/secrets", "secrets", "", "v1")),
        ("/apis/apps/v1/deployments", KindQuery("/apis/apps/v1/deployments", "deployments", "apps", "v1")),
        ("hpa.autoscaling", KindQuery("hpa.autoscaling", "hpa", "autoscaling")),
    ],
)
def test_parse_kind(text: str, expected: KindQuery) -> None:
    assert parse_kind(text) == expected


@pytest.mark.parametrize("text", ["", "a b", "apps/v1/Deployment/x", "deploy;rm", "../secrets", "/api/v1/"])
def test_parse_kind_refuses_what_is_no_kind(text: str) -> None:
    with pytest.raises(ValueError, match="is not a resource type"):
        parse_kind(text)


def test_resolution_order_and_refusals() -> None:
    def qualified(text: str) -> str:
        return resolve(parse_kind(text), WELL_KNOWN).qualified_name

    assert qualified("ev") == "events"  # the core group first, as kubectl resolves it
    assert qualified("events.events.k8s.io") == "events.events.k8s.io"
    assert qualified("ing.networking") == "ingresses.networking.k8s.io"
    assert qualified("PodMetrics") == "pods.metrics.k8s.io"
    for text in ("secret", "Secrets", "SECRET", "v1/Secret", "/api/v1/secrets", "secret.v1"):
        with pytest.raises(SecretRefusedError):
            resolve(parse_kind(text), WELL_KNOWN)
    with pytest.raises(UnknownKindError, match="serves no resource type 'apps/v2/Deployment'"):
        resolve(parse_kind("apps/v2/Deployment"), WELL_KNOWN)


def test_custom_resource_types_take_the_storage_version() -> None:
    crd = {
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"plural": "gadgets", "kind": "Gadget", "shortNames": ["gd"]},
            "versions": [{"name": "v1beta1", "served": True}, {"name": "v1", "served": True, "storage": True}],
        }
    }
    (gadget,) = custom_resource_types([crd, {"spec": {}}])
    assert (gadget.group_version, gadget.namespaced, gadget.short_names) == ("example.com/v1", False, ("gd",))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "<invalid>"), (0, "0s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (3 * 3600, "3h"),
     (5 * 3600 + 60, "5h1m"), (30 * 3600, "30h"), (50 * 3600, "2d2h"), (9 * 86400, "9d"),
     (800 * 86400, "2y70d"), (3000 * 86400, "8y")],
)  # fmt: skip
def test_human_duration_matches_kubectl(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_quantities() -> None:
    assert parse_quantity("1.5") == Decimal("1.5")
    assert millicores("250m") == 250 and millicores("12345678n") == 13 and millicores("2") == 2000
    assert byte_count("128Mi") == 128 * 2**20 and byte_count("1G") == 10**9 and byte_count("1e3") == 1000
    assert parse_quantity("12 apples") is None and millicores(None) == 0


def test_json_path() -> None:
    obj = {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}}
    assert json_path(obj, '.status.conditions[?(@.type=="Synced")].status') == ["False"]
    assert json_path(obj, ".status.conditions[0].type") == ["Ready"]
    assert json_path(obj, ".status.conditions[*].type") == ["Ready", "Synced"]
    assert json_path(obj, ".spec.missing") == []


def test_clean_object_keeps_the_original_intact() -> None:
    original = {
        "metadata": {"name": "x", "managedFields": [{}], "annotations": {LAST_APPLIED: "{}"}},
        "spec": {"template": {"spec": {"containers": [{"env": [{"name": "DB_PASSWORD", "value": "p4ss"},
                                                               {"name": "MODE", "value": "fast"}]}]}}},
    }  # fmt: skip
    cleaned, count = clean_object(original)
    assert cleaned["metadata"] == {"name": "x"}
    env = cleaned["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "DB_PASSWORD", "value": "[REDACTED]"}, {"name": "MODE", "value": "fast"}]
    assert count == 1
    assert original["metadata"]["managedFields"] == [{}] and "p4ss" in str(original)
