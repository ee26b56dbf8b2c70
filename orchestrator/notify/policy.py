"""Which finished incidents go to which targets (SRE_NOTIFY_MIN_CONFIDENCE, _CATEGORIES, _SOURCES, _CLUSTERS).

Source and cluster filters apply to every finished incident; confidence and category only to
completed ones (a failed investigation has neither, and is worth telling whoever watches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.models import DEFAULT_CLUSTER, IncidentResult
from orchestrator.notify_settings import NotifySettings, Target


@dataclass(frozen=True)
class NotifyPolicy:
    targets: tuple[Target, ...]
    min_confidence: float = 0.0
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    clusters: frozenset[str] = frozenset()

    @classmethod
    def of(cls, settings: NotifySettings) -> NotifyPolicy:
        return cls(
            targets=tuple(settings.notify_targets()),
            min_confidence=settings.notify_min_confidence,
            categories=frozenset(settings.notify_categories),
            sources=frozenset(settings.notify_sources),
            clusters=frozenset(settings.notify_clusters),
        )

    def targets_for(self, source: str, cluster: str | None, result: IncidentResult | None) -> Sequence[str]:
        """The targets a finished incident goes to: all configured, or none when a filter leaves it out."""
        if not self.targets:
            return ()
        if self.sources and source not in self.sources:
            return ()
        if self.clusters and (cluster or DEFAULT_CLUSTER) not in self.clusters:
            return ()
        if result is not None:
            if (result.confidence or 0.0) < self.min_confidence:
                return ()
            category = result.report.category if result.report else "unknown"
            if self.categories and category not in self.categories:
                return ()
        return self.targets
