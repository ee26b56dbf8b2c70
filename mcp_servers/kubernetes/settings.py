"""Settings of the Kubernetes tool server, from flags or `SRE_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.config import CommaList, read_tokens, split_comma_list


class KubernetesServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SRE_", extra="ignore")

    snapshot: Path | None = Field(None, description="Serve this cluster snapshot instead of a live cluster.")
    kubeconfig: Path | None = Field(None, description="Kubeconfig file (default: in-cluster, then $KUBECONFIG).")
    kube_context: str | None = Field(None, description="Kubeconfig context to use (with kube_contexts: the default).")
    kube_contexts: CommaList = Field(
        default_factory=list,
        description="Serve these kubeconfig contexts, each tool taking `context` ('*': every context); "
        "empty: only kube_context (or the current context).",
    )
    context_namespaces: dict[str, CommaList] = Field(
        default_factory=dict,
        description='Allowed namespaces per context, JSON: {"prod": "shop,payments"}; others use allowed_namespaces.',
    )
    namespace: str | None = Field(None, description="Namespace for the startup connection check.")
    allowed_namespaces: CommaList = Field(default_factory=list, description="Only these namespaces are readable.")
    api_timeout_seconds: float = Field(15.0, gt=0, le=300)

    transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    mcp_allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Extra Host headers accepted over HTTP, e.g. 'sre-mcp.sre.svc:8080'.",
    )
    mcp_tokens: CommaList = Field(default_factory=list, description="Bearer tokens accepted over HTTP.")
    mcp_tokens_file: Path | None = None
    mcp_allow_unauthenticated: bool = Field(
        False,
        description="Serve HTTP on a non-loopback address without tokens (e.g. behind a NetworkPolicy).",
    )

    _split = field_validator("allowed_namespaces", "mcp_allowed_hosts", "mcp_tokens", "kube_contexts", mode="before")(
        split_comma_list
    )

    @field_validator("context_namespaces", mode="before")
    @classmethod
    def _split_each(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(key): split_comma_list(item) for key, item in value.items()}
        return value

    def tokens(self) -> list[str]:
        return read_tokens(self.mcp_tokens, self.mcp_tokens_file)
