"""The chart with several kubeconfig contexts: the MCP server reads the kubeconfig of a Secret the
user created (mounted as a file; no ServiceAccount of the chart may read Secrets), serves the
contexts the values name with their own namespace allow-lists, and the orchestrator gets each
context as a cluster (SRE_CLUSTERS) read through that server. The rendered settings are read back
with the product's own settings classes, as the containers would read them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from test_chart import VALUE_SETS, deployments, env, mounts, objects, render

from mcp_servers.kubernetes.settings import KubernetesServerSettings
from orchestrator.settings import OrchestratorSettings

STAGING = "arn:aws:eks:eu-west-1:111122223333:cluster/staging"  # no cluster name: it needs `cluster`
VALUES = VALUE_SETS["contexts"]


def _settings(monkeypatch: pytest.MonkeyPatch, settings_class: type[Any], variables: dict[str, Any]) -> Any:
    """The settings a container with these environment variables reads (plain values only)."""
    for name, value in variables.items():
        if isinstance(value, str):
            monkeypatch.setenv(name, value)
    return settings_class()


def test_the_mcp_server_serves_the_contexts_of_the_mounted_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    mcp_deployment = deployments(objects(render(VALUES)))["mcp-server"]
    variables = env(mcp_deployment)
    kubeconfig = Path(variables["SRE_KUBECONFIG"])
    volume = mounts(mcp_deployment)[str(kubeconfig.parent)]
    assert volume["secret"]["secretName"] == "cluster-kubeconfigs"
    assert volume["secret"]["items"] == [{"key": "kubeconfig", "path": kubeconfig.name}]

    settings = _settings(monkeypatch, KubernetesServerSettings, variables)
    assert settings.kubeconfig == kubeconfig
    assert settings.kube_contexts == ["prod-eu", STAGING]
    assert settings.kube_context == "prod-eu"  # the first is the default
    assert settings.context_namespaces == {"prod-eu": ["shop", "payments"]}
    assert settings.allowed_namespaces == []  # the others: every namespace the RBAC allows


def test_each_context_is_a_cluster_of_the_orchestrator_through_that_server(monkeypatch: pytest.MonkeyPatch) -> None:
    found = deployments(objects(render(VALUES)))
    api_deployment, mcp_deployment = found["orchestrator"], found["mcp-server"]
    variables = env(api_deployment)
    settings = _settings(monkeypatch, OrchestratorSettings, variables)
    clusters = {name: cluster.model_dump(mode="json") for name, cluster in settings.clusters.items()}
    token_file = clusters["prod-eu"]["token_file"]
    assert clusters == {
        "prod-eu": {"url": variables["SRE_MCP_URL"], "context": "prod-eu", "token_file": token_file},
        "staging": {"url": variables["SRE_MCP_URL"], "context": STAGING, "token_file": token_file},
        "other": {"url": "https://sre-mcp.other.example.com/mcp", "token_file": None, "context": None},
    }
    # The token the orchestrator presents is the MCP server's own, from the same Secret, as a file.
    token_volume = mounts(api_deployment)[str(Path(token_file).parent)]["secret"]
    mcp_tokens = Path(env(mcp_deployment)["SRE_MCP_TOKENS_FILE"])
    assert token_volume == mounts(mcp_deployment)[str(mcp_tokens.parent)]["secret"]
    assert token_volume["items"] == [{"key": token_volume["items"][0]["key"], "path": Path(token_file).name}]


def test_without_contexts_nothing_changes() -> None:
    found = deployments(objects(render({})))
    assert not {"SRE_KUBECONFIG", "SRE_KUBE_CONTEXTS", "SRE_CONTEXT_NAMESPACES"} & set(env(found["mcp-server"]))
    assert "SRE_CLUSTERS" not in env(found["orchestrator"])
    assert all("kubeconfig" not in path for path in mounts(found["mcp-server"]))


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"mcp": {"contexts": [{"name": "prod"}]}}, "mcp.contexts needs mcp.kubeconfig.existingSecret"),
        (
            {"mcp": {"kubeconfig": {"existingSecret": "k"}, "contexts": [{"name": STAGING}]}},
            f'"{STAGING}" is no cluster name',
        ),
        (
            {
                "clusters": {"prod": {"url": "http://mcp.prod:8080/mcp"}},
                "mcp": {"kubeconfig": {"existingSecret": "k"}, "contexts": [{"name": "prod"}]},
            },
            'cluster "prod" is named twice',
        ),
    ],
)
def test_contexts_that_cannot_work_stop_the_render_saying_what_to_fix(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=re.escape(complaint)):
        render(values)


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"mcp": {"contexts": [{"cluster": "prod"}]}}, "/mcp/contexts/0"),
        ({"mcp": {"contexts": [{"name": "prod", "cluster": "default"}]}}, "/mcp/contexts/0/cluster"),
        (
            {"mcp": {"contexts": [{"name": "prod", "allowedNamespaces": ["Shop"]}]}},
            "/mcp/contexts/0/allowedNamespaces/0",
        ),
        ({"mcp": {"kubeconfig": {"secret": "k"}}}, "secret"),
    ],
)
def test_the_schema_refuses_malformed_contexts(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=re.escape(complaint)):
        render(values)
