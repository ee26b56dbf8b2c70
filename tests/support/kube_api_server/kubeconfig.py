"""Kubeconfig files that both kubectl and the `kubernetes` Python client load unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

USER_NAME = "test-user"


@dataclass(frozen=True)
class Kubeconfig:
    """A kubeconfig file for one served snapshot, with two contexts.

    `context` (the current context) serves the snapshot; `alt_context` serves the alternative
    snapshot it was written with, or the same one, so tests can check that a client honours
    an explicitly chosen context.
    """

    path: Path
    context: str
    alt_context: str
    server_url: str
    alt_server_url: str


def write_kubeconfig(
    path: str | Path,
    contexts: Mapping[str, str],
    *,
    ca_file: Path,
    token: str,
    current_context: str | None = None,
    namespace: str | None = None,
) -> Path:
    """One cluster and one context per entry of `contexts` (context name -> server URL)."""
    if not contexts:
        raise ValueError("a kubeconfig needs at least one context")
    current = current_context or next(iter(contexts))
    if current not in contexts:
        raise ValueError(f"current context {current!r} is not one of {sorted(contexts)}")
    context_fields = {"namespace": namespace} if namespace else {}
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {"name": name, "cluster": {"server": url, "certificate-authority": str(ca_file)}}
            for name, url in contexts.items()
        ],
        "users": [{"name": USER_NAME, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": USER_NAME, **context_fields}} for name in contexts
        ],
        "current-context": current,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target
