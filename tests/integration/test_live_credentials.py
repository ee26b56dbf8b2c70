"""Credentials that expire, over the live backend: a kubeconfig whose user is an exec plugin (as on
EKS or GKE) handing out a token that expires within the client's 5-minute margin, so the client
wants a fresh one at every check. The check runs every few seconds, not before every request
(the plugin is a process spawn), and a token the plugin rotates is the one the next request sends."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from kube_api_server import Kubeconfig
from paths import DEMO_CLUSTER

from mcp_servers.kubernetes.backend import BackendError
from mcp_servers.kubernetes.backends import live_http
from mcp_servers.kubernetes.backends.live import LiveBackend, load_api_client

PLUGIN = """
import datetime, json, pathlib, sys
folder = pathlib.Path(sys.argv[1])
with (folder / "calls").open("a") as calls:
    calls.write("call\\n")
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)
print(json.dumps({
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential",
    "status": {"token": (folder / "token").read_text(), "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
}))
"""


@pytest.fixture
def exec_kubeconfig(kubeconfig_for: Callable[..., Kubeconfig], tmp_path: Path) -> tuple[Kubeconfig, Path]:
    """The demo cluster's kubeconfig with its token handed out by an exec plugin reading `token`."""
    kubeconfig = kubeconfig_for(DEMO_CLUSTER)
    document = yaml.safe_load(kubeconfig.path.read_text(encoding="utf-8"))
    user = document["users"][0]["user"]
    (tmp_path / "token").write_text(user.pop("token"), encoding="utf-8")
    (tmp_path / "plugin.py").write_text(PLUGIN, encoding="utf-8")
    user["exec"] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": sys.executable,
        "args": [str(tmp_path / "plugin.py"), str(tmp_path)],
        "interactiveMode": "Never",
    }
    kubeconfig.path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return kubeconfig, tmp_path


def _plugin_calls(folder: Path) -> int:
    return len((folder / "calls").read_text(encoding="utf-8").splitlines())


def test_an_expiring_token_is_checked_every_few_seconds_not_per_request(
    exec_kubeconfig: tuple[Kubeconfig, Path],
) -> None:
    kubeconfig, folder = exec_kubeconfig
    backend = LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))
    loaded = _plugin_calls(folder)
    for _ in range(20):
        assert backend.list("pods", "kube-system").items
    # One check at the first request (the token is within the client's expiry margin): 21 before.
    assert _plugin_calls(folder) - loaded == 1


def test_a_rotated_token_is_sent_once_the_check_is_due(
    exec_kubeconfig: tuple[Kubeconfig, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig, folder = exec_kubeconfig
    backend = LiveBackend(load_api_client(str(kubeconfig.path), kubeconfig.context))
    assert backend.list("pods", "kube-system").items
    (folder / "token").write_text("rotated-by-the-plugin", encoding="utf-8")
    assert backend.list("pods", "kube-system").items  # not due yet: the token still held works
    monkeypatch.setattr(live_http._CredentialCheck, "INTERVAL_SECONDS", 0.0)
    with pytest.raises(BackendError, match="401"):  # the test API server knows only the first token
        backend.list("pods", "kube-system")
