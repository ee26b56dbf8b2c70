"""Several clusters in one tool server: two test API servers (each its own CA and token), one
kubeconfig with a context for each, every tool taking `context`, allow-lists per context."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import yaml
from kube_api_server import KubeApiServer
from mcp import Client, StdioServerParameters
from paths import SCENARIOS
from processes import CLI, cli_server, mcp_http_server
from test_investigations_e2e import wait_until_finished

from mcp_servers.kubernetes.serve import create_server
from mcp_servers.kubernetes.settings import KubernetesServerSettings

EAST = SCENARIOS / "oom-killed-java" / "cluster"  # namespaces default, kube-system, shop, warehouse
WEST = SCENARIOS / "pvc-pending" / "cluster"
DEFAULT = SCENARIOS / "missing-configmap" / "cluster"


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("contexts")
    with KubeApiServer() as east, KubeApiServer() as west:
        merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
        for name, server, snapshot in (("east", east, EAST), ("west", west, WEST)):
            path = server.write_kubeconfig(folder / f"{name}.yaml", {name: server.add_snapshot(snapshot)})
            document = yaml.safe_load(path.read_text())
            user = f"{name}-user"
            merged["clusters"] += document["clusters"]
            merged["users"] += [{"name": user, "user": document["users"][0]["user"]}]
            merged["contexts"] += [{"name": name, "context": {"cluster": name, "user": user}}]
        merged["current-context"] = "west"
        target = folder / "config"
        target.write_text(yaml.safe_dump(merged))
        yield target


def _namespaces(snapshot: Path) -> list[str]:
    return sorted(p.name for p in snapshot.iterdir() if p.is_dir())


def _call(target: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def run() -> list[Any]:
        async with Client(target) as client:
            listed = (await client.list_tools()).tools
            return [listed] + [await client.call_tool(name, arguments) for name, arguments in calls]

    return anyio.run(run)


def test_every_tool_reads_the_context_it_is_given(kubeconfig: Path) -> None:
    settings = KubernetesServerSettings(
        kubeconfig=kubeconfig,
        kube_contexts=["east", "west"],
        kube_context="east",
        context_namespaces={"west": ["messaging", "ops"]},
    )
    west_namespaces = ["messaging", "ops"]
    tools, contexts, east_ns, west_ns, west_pods, refused, unknown, default_pods = _call(
        create_server(settings),
        [
            ("list_contexts", {}),
            ("list_namespaces", {}),
            ("list_namespaces", {"context": "west"}),
            ("list_pods", {"context": "west"}),
            ("list_pods", {"context": "west", "namespace": "shop"}),
            ("list_pods", {"context": "north"}),
            ("list_pods", {}),
        ],
    )
    for tool in tools:
        if tool.name != "list_contexts":
            assert tool.input_schema["properties"]["context"]["anyOf"][0]["enum"] == ["east", "west"], tool.name
    assert contexts.structured_content["contexts"] == [
        {"name": "east", "default": True, "backend": "live", "allowed_namespaces": None},
        {"name": "west", "default": False, "backend": "live", "allowed_namespaces": west_namespaces},
    ]
    assert "server" not in contexts.content[0].text and "token" not in json.dumps(contexts.structured_content)
    assert [n["name"] for n in east_ns.structured_content["namespaces"]] == _namespaces(EAST)
    assert [n["name"] for n in west_ns.structured_content["namespaces"]] == west_namespaces
    assert {p["namespace"] for p in west_pods.structured_content["pods"]} <= set(west_namespaces)
    west_names = {p["name"] for p in west_pods.structured_content["pods"]}
    assert west_names and west_names.isdisjoint({p["name"] for p in default_pods.structured_content["pods"]})
    assert refused.is_error and "'shop' is not in this server's allowed namespaces" in refused.content[0].text
    assert unknown.is_error and "north" in unknown.content[0].text


def test_one_context_keeps_the_tools_as_they_were(kubeconfig: Path) -> None:
    tools, contexts = _call(
        create_server(KubernetesServerSettings(kubeconfig=kubeconfig, kube_context="east")), [("list_contexts", {})]
    )
    assert all("context" not in tool.input_schema["properties"] for tool in tools)
    (_, refused) = _call(
        create_server(KubernetesServerSettings(kubeconfig=kubeconfig, kube_context="east")),
        [("list_pods", {"context": "west"})],
    )
    assert refused.is_error and "list_pods has no argument 'context'" in refused.content[0].text
    assert contexts.structured_content["contexts"] == [
        {"name": "east", "default": True, "backend": "live", "allowed_namespaces": None}
    ]


def test_the_command_serves_every_context_from_the_environment(kubeconfig: Path) -> None:
    env = {**os.environ, "SRE_KUBE_CONTEXTS": "*", "SRE_CONTEXT_NAMESPACES": '{"east": "shop"}'}
    command = StdioServerParameters(command=CLI[0], args=[*CLI[1:], "mcp", "--kubeconfig", str(kubeconfig)], env=env)
    _, contexts, east = _call(command, [("list_contexts", {}), ("list_namespaces", {"context": "east"})])
    # The kubeconfig's current context (west) is the default when none is named.
    assert [(c["name"], c["default"]) for c in contexts.structured_content["contexts"]] == [
        ("east", False),
        ("west", True),
    ]
    assert [n["name"] for n in east.structured_content["namespaces"]] == ["shop"]


def test_an_unknown_context_stops_the_command(kubeconfig: Path) -> None:
    settings = KubernetesServerSettings(kubeconfig=kubeconfig, kube_contexts=["east", "south"])
    with pytest.raises(Exception, match="no context south; its contexts are: east, west"):
        create_server(settings)


# The command line: `--context` names the contexts served, repeated or comma-separated.


def _tool(kubeconfig: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "tool", "--kubeconfig", str(kubeconfig), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _json(run: subprocess.CompletedProcess[str]) -> Any:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("flags", [["--context", "east", "--context", "west"], ["--context", "east,west"]])
def test_the_tool_command_serves_the_contexts_named_by_its_flags(kubeconfig: Path, flags: list[str]) -> None:
    contexts = _json(_tool(kubeconfig, *flags, "list_contexts", "--output", "json"))["contexts"]
    # The first one named is the default, not the kubeconfig's current context (west).
    assert [(c["name"], c["default"]) for c in contexts] == [("east", True), ("west", False)]
    west = _json(_tool(kubeconfig, *flags, "list_namespaces", "context=west", "--output", "json"))
    assert [n["name"] for n in west["namespaces"]] == _namespaces(WEST)


def test_one_context_flag_narrows_what_the_environment_serves(kubeconfig: Path) -> None:
    """SRE_KUBE_CONTEXTS=* serves both; `--context east` serves east alone, as one `--context` always did."""
    everything = _json(_tool(kubeconfig, "list_contexts", "--output", "json", env={"SRE_KUBE_CONTEXTS": "*"}))
    assert [c["name"] for c in everything["contexts"]] == ["east", "west"]
    narrowed = _tool(
        kubeconfig, "--context", "east", "list_contexts", "--output", "json", env={"SRE_KUBE_CONTEXTS": "*"}
    )
    assert [(c["name"], c["default"]) for c in _json(narrowed)["contexts"]] == [("east", True)]
    run = _tool(kubeconfig, "--context", "east", "list_namespaces", "--output", "json", env={"SRE_KUBE_CONTEXTS": "*"})
    assert [n["name"] for n in _json(run)["namespaces"]] == _namespaces(EAST)


def test_every_context_by_star_and_the_environment_namespaces(kubeconfig: Path) -> None:
    env = {"SRE_CONTEXT_NAMESPACES": '{"west": "ops"}'}
    contexts = _json(_tool(kubeconfig, "--context", "*", "list_contexts", "--output", "json", env=env))["contexts"]
    assert [(c["name"], c["default"], c["allowed_namespaces"]) for c in contexts] == [
        ("east", False, None),
        ("west", True, ["ops"]),
    ]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--context", "east,north"], "the kubeconfig has no context north; its contexts are: east, west"),
        (["--context", "east", "--context", "*"], "--context '*' already means every context"),
    ],
)
def test_a_wrong_context_flag_stops_the_command_saying_why(kubeconfig: Path, flags: list[str], message: str) -> None:
    run = _tool(kubeconfig, *flags, "list_contexts")
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_the_mcp_command_serves_the_contexts_named_by_its_flags(kubeconfig: Path) -> None:
    args = [*CLI[1:], "mcp", "--kubeconfig", str(kubeconfig), "--context", "west", "--context", "east"]
    command = StdioServerParameters(command=CLI[0], args=args, env=dict(os.environ))
    tools, contexts, east = _call(command, [("list_contexts", {}), ("list_namespaces", {"context": "east"})])
    assert next(t for t in tools if t.name == "list_pods").input_schema["properties"]["context"]["anyOf"][0][
        "enum"
    ] == ["west", "east"]
    assert [(c["name"], c["default"]) for c in contexts.structured_content["contexts"]] == [
        ("west", True),
        ("east", False),
    ]
    assert [n["name"] for n in east.structured_content["namespaces"]] == _namespaces(EAST)


# The orchestrator: SRE_CLUSTERS points several clusters at one server, each naming its context.

API_TOKEN = "contexts-api-token"


def _scenario(name: str) -> dict[str, Any]:
    return yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shared_server(kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx2.Client]:
    """`serve` with three clusters: east and west on one two-context server, `lone` naming a
    context its one-context server does not serve."""
    directory = tmp_path_factory.mktemp("shared-server")
    with (
        mcp_http_server(["--kubeconfig", kubeconfig, "--context", "east,west"], directory) as shared,
        mcp_http_server(["--kubeconfig", kubeconfig, "--context", "east"], directory) as single,
    ):
        clusters = {
            "east": {"url": shared.mcp_url, "context": "east"},
            "west": {"url": shared.mcp_url, "context": "west"},
            "lone": {"url": single.mcp_url, "context": "west"},
        }
        args = ["serve", "--snapshot", DEFAULT, "--database-url", f"sqlite:///{directory / 'incidents.db'}"]
        env = {"SRE_CLUSTERS": json.dumps(clusters), "SRE_API_TOKENS": API_TOKEN}
        with (
            cli_server(args, directory, env=env) as server,
            httpx2.Client(
                base_url=server.base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10
            ) as client,
        ):
            yield client


def _investigate(client: httpx2.Client, scenario: str, cluster: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/incidents", json={"description": _scenario(scenario)["description"], "cluster": cluster}
    )
    assert response.status_code == 202, response.text
    return wait_until_finished(client, response.headers["location"])


def test_clusters_sharing_one_server_are_each_read_in_their_context(shared_server: httpx2.Client) -> None:
    for cluster, scenario in (("east", EAST.parent.name), ("west", WEST.parent.name)):
        incident = _investigate(shared_server, scenario, cluster)
        expect = _scenario(scenario)["expect"]
        assert (incident["status"], incident["cluster"]) == ("completed", cluster), incident["error"]
        assert incident["report"]["category"] == expect["category"], incident["suggested_root_cause"]
        assert incident["extracted"]["pod"] == expect["pod"]
    # East's incident sent to west: the same server, read in the other context, has no such pod.
    misrouted = _investigate(shared_server, EAST.parent.name, "west")
    assert misrouted["extracted"]["pod"] != _scenario(EAST.parent.name)["expect"]["pod"]


def test_a_context_the_server_does_not_serve_fails_the_incident_saying_so(shared_server: httpx2.Client) -> None:
    """A one-context server ignores a `context` its tools do not take: it would read the wrong cluster."""
    failed = _investigate(shared_server, WEST.parent.name, "lone")
    assert failed["status"] == "failed"
    assert "serves no kubeconfig context 'west'" in failed["error"], failed["error"]
