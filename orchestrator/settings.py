"""Settings of the orchestrator (`serve`, `investigate`), from flags or `SRE_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.config import CommaList, read_tokens, split_comma_list
from graphs.llm.settings import LLMSettings
from orchestrator.models import DEFAULT_CLUSTER, ClusterName
from orchestrator.notify_settings import NotifySettings

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")  # the URIs libpq itself accepts


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(_POSTGRES_SCHEMES)


def sqlite_path(database_url: str) -> Path:
    """The file of a `sqlite:///PATH` URL (`sqlite:////abs/path` or `sqlite:///./relative`)."""
    scheme, sep, _ = database_url.partition("://")
    if not sep or not database_url.startswith(_SQLITE_PREFIX):
        # Name only the scheme: the rest of a database URL may hold a password.
        raise ValueError(
            f"unsupported database URL scheme {scheme + sep if sep else database_url!r}: use "
            "'sqlite:///PATH' (one replica), e.g. sqlite:///./sre-orchestrator.db, or "
            "'postgresql://USER:PASSWORD@HOST:5432/DATABASE' (any number of replicas)"
        )
    path = database_url.removeprefix(_SQLITE_PREFIX)
    if not path or path == ":memory:" or path.startswith("file:"):
        # The checkpointer opens its own connection to the same file, so it must be a real file.
        raise ValueError(f"the SQLite database must be a file path, got {database_url!r}")
    return Path(path)


class ClusterConfig(BaseModel):
    """One more cluster the orchestrator investigates, through that cluster's Kubernetes MCP server."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        pattern=r"^https?://", description="The MCP server's streamable HTTP URL, e.g. http://mcp:8080/mcp."
    )
    token_file: Path | None = Field(None, description="File holding the bearer token for that server.")
    context: str | None = Field(
        None,
        min_length=1,
        max_length=253,
        description="The kubeconfig context to read on that server when it serves several (its SRE_KUBE_CONTEXTS); "
        "so several clusters can share one server. None: the server's default context.",
    )

    def token(self) -> str | None:
        """Read when a session opens, so a rotated Secret is picked up by the next one."""
        tokens = read_tokens([], self.token_file)
        return tokens[0] if tokens else None


class OrchestratorSettings(NotifySettings, LLMSettings, BaseSettings):
    """Everything `serve`, `investigate` and `mcp-workflow` read; the LLM's part is graphs' LLMSettings."""

    # Inputs stay out of error messages: a database URL or an API key may hold a secret.
    model_config = SettingsConfigDict(env_prefix="SRE_", extra="ignore", hide_input_in_errors=True)

    database_url: str = Field(
        "sqlite:///./sre-orchestrator.db",
        description="Where incidents and investigation checkpoints live: sqlite:///PATH (one replica) or "
        "postgresql://USER:PASSWORD@HOST:PORT/DATABASE (replicas share it).",
    )
    lease_seconds: float = Field(
        30.0,
        ge=1,
        description="How long a replica's claim on an investigation lasts unless renewed (every third of it); "
        "a replica that dies is replaced after at most this long.",
    )
    claim_poll_seconds: float = Field(
        2.0, gt=0, description="How often a replica looks for investigations nobody holds (another replica's, say)."
    )

    # The REST API.
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    api_tokens: CommaList = Field(default_factory=list, description="Bearer tokens accepted by the REST API.")
    api_tokens_file: Path | None = Field(None, description="File with one bearer token per line.")
    allow_unauthenticated: bool = Field(
        False,
        description="Serve on a non-loopback address without tokens (e.g. behind a NetworkPolicy).",
    )
    access_log: bool = Field(True, description="Log one line per HTTP request (uvicorn's access log).")
    max_body_bytes: int = Field(64 * 1024, gt=0, description="Largest request body accepted.")
    max_alert_body_bytes: int = Field(
        1024 * 1024, gt=0, description="Largest Alertmanager notification accepted (a group can hold many alerts)."
    )
    alert_cluster_label: str = Field(
        "cluster", min_length=1, description="The alert label naming the cluster, when `clusters` are configured."
    )
    mcp_allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Extra Host headers the workflow MCP server at /mcp accepts, e.g. 'sre-orchestrator.sre.svc:8080'.",
    )
    allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Host headers the whole server accepts besides loopback names when it has no API tokens "
        "(DNS-rebinding guard), and /mcp always; 'name', 'name:port' or 'name:*'.",
    )
    # The web UI at /ui/.
    ui_session_secret: SecretStr | None = Field(
        None, description="Key that signs the UI's session cookies; unset: a random one per process start."
    )
    ui_session_secret_file: Path | None = Field(None, description="File holding ui_session_secret (a mounted Secret).")
    ui_session_max_age_seconds: int = Field(12 * 3600, gt=0, description="How long a UI login lasts.")
    ui_login_max_failures: int = Field(
        5,
        ge=1,
        description="Wrong tokens one client address may type into the UI's login form within "
        "ui_login_failure_window_seconds; then it gets 429 with Retry-After until the oldest leaves the window.",
    )
    ui_login_failure_window_seconds: int = Field(
        300, ge=1, description="The window ui_login_max_failures counts in (per replica, in memory)."
    )
    metrics_public: bool = Field(
        True,
        description="Serve /metrics without a token, for Prometheus (it shows counts and durations, no incident).",
    )
    document_cache_bytes: int = Field(
        4 * 2**20, ge=0, description="Memory for the JSON of finished incidents, which GET serves without the database."
    )
    max_concurrent_investigations: int = Field(4, ge=1)
    investigation_timeout_seconds: float = Field(120.0, gt=0)
    seen_before_days: float = Field(
        14.0,
        ge=0,
        description="Link a completed incident to earlier ones of the same cluster, culprit and category within "
        "this many days (0: never).",
    )
    triage_candidates: int = Field(
        3, ge=1, le=10, description="Swept problems a ticket that names no workload investigates (graphs/triage.py)."
    )

    # What the investigation reads.
    snapshot: Path | None = Field(None, description="Investigate this cluster snapshot instead of a live cluster.")
    kubeconfig: Path | None = Field(None, description="Kubeconfig file (default: in-cluster, then $KUBECONFIG).")
    kube_context: str | None = Field(None, description="Kubeconfig context to use.")
    knowledge_graph: Path | None = Field(None, description="Knowledge graph YAML (default: the bundled one).")
    mcp_url: str | None = Field(None, description="A remote Kubernetes MCP server instead of the in-process one.")
    mcp_token: SecretStr | None = Field(None, description="Bearer token for mcp_url.")
    mcp_timeout_seconds: float = Field(
        30.0, gt=0, description="Longest wait for one Kubernetes MCP tool call (and for connecting)."
    )
    clusters: dict[ClusterName, ClusterConfig] = Field(
        default_factory=dict,
        description='More clusters, by name, as JSON: {"prod-eu": {"url": "http://mcp.prod-eu:8080/mcp", '
        '"token_file": "/var/run/secrets/prod-eu/token"}}. An incident names one with `cluster`; '
        "without it the default cluster (mcp_url, or the in-process server) is investigated.",
    )
    rules_dirs: CommaList = Field(default_factory=list, description="Directories of extra rule files (*.yaml).")

    _split = field_validator("api_tokens", "rules_dirs", "mcp_allowed_hosts", "allowed_hosts", mode="before")(
        split_comma_list
    )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not is_postgres(value):
            sqlite_path(value)
        return value

    @model_validator(mode="after")
    def _llm_budget_within_deadline(self) -> OrchestratorSettings:
        if self.llm_model and self.llm_budget_seconds >= self.investigation_timeout_seconds:
            raise ValueError(
                f"SRE_LLM_BUDGET_SECONDS ({self.llm_budget_seconds:g}) must be shorter than "
                f"SRE_INVESTIGATION_TIMEOUT_SECONDS ({self.investigation_timeout_seconds:g}), or a slow LLM "
                "would fail investigations that the rules alone complete"
            )
        return self

    @field_validator("clusters")
    @classmethod
    def _default_is_reserved(cls, clusters: dict[str, ClusterConfig]) -> dict[str, ClusterConfig]:
        if DEFAULT_CLUSTER in clusters:
            raise ValueError(f"{DEFAULT_CLUSTER!r} names the default cluster (mcp_url or in-process); rename it")
        return clusters

    @property
    def database_path(self) -> Path:
        """The SQLite file shared by the incident store and the LangGraph checkpointer (SQLite only)."""
        return sqlite_path(self.database_url)

    def database_name(self) -> str:
        """The database for a log line: the SQLite file, or the PostgreSQL URL without its password."""
        if is_postgres(self.database_url):
            from psycopg.conninfo import conninfo_to_dict  # only with PostgreSQL

            info = conninfo_to_dict(self.database_url)
            return f"PostgreSQL database {info.get('dbname', '')!r} on {info.get('host', 'localhost')}"
        return str(self.database_path)

    def hosts(self) -> list[str]:
        """The Host headers accepted besides loopback names: SRE_ALLOWED_HOSTS and SRE_MCP_ALLOWED_HOSTS."""
        return [*self.allowed_hosts, *self.mcp_allowed_hosts]

    def tokens(self) -> list[str]:
        return read_tokens(self.api_tokens, self.api_tokens_file)

    def ui_secret(self) -> str | None:
        """The UI's cookie-signing key from the setting or its file; None when neither is set."""
        if self.ui_session_secret is not None:
            return self.ui_session_secret.get_secret_value()
        if self.ui_session_secret_file is None:
            return None
        try:
            secret = self.ui_session_secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(
                f"cannot read the UI session secret file {self.ui_session_secret_file}: {exc.strerror}"
            ) from exc
        if not secret:
            raise ValueError(f"the UI session secret file {self.ui_session_secret_file} is empty")
        return secret
