"""Which cluster an incident is investigated in: the default one, or one of `SRE_CLUSTERS` by name.

An incident names its cluster when it is reported; a name the server does not know is refused
there and then (listing the names it knows), rather than failing later in the investigation.
"""

from __future__ import annotations

from orchestrator.models import DEFAULT_CLUSTER
from orchestrator.settings import OrchestratorSettings


class UnknownCluster(ValueError):
    """An incident names a cluster the server is not configured for."""


def known_clusters_text(settings: OrchestratorSettings) -> str:
    if not settings.clusters:
        return "this server has no clusters configured (SRE_CLUSTERS), only the default one: omit cluster"
    names = ", ".join(sorted(settings.clusters))
    return f"the known clusters are: {names} (omit cluster, or pass '{DEFAULT_CLUSTER}', for the default one)"


def resolve_cluster(settings: OrchestratorSettings, name: str | None) -> str | None:
    """The configured cluster `name` names; None for the default cluster. Raises UnknownCluster."""
    if name is None or name == DEFAULT_CLUSTER:
        return None
    if name not in settings.clusters:
        raise UnknownCluster(f"unknown cluster {name!r}; {known_clusters_text(settings)}")
    return name
