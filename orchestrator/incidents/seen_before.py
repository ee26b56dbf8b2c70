"""Seen before: a completed incident is linked to earlier ones of the same cluster, culprit and category.

The culprit is the knowledge-graph component, else the workload (store/verdicts.py). Within the
window (SRE_SEEN_BEFORE_DAYS, 14 by default) the earlier incidents are listed newest first in
`related_incidents` with their feedback, and the report gets a note such as "3rd time in 7 days:
workload shop/checkout, insufficient_memory". The confidence is nudged up (by CONFIRMED_NUDGE, at
most to NUDGE_CEILING) only when an earlier incident's verdict was confirmed by a person: the same
verdict having been right before is evidence, merely having been given before is not.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from knowledge.findings import confidence_score
from orchestrator.models import IncidentResult, RelatedIncident
from orchestrator.store import IncidentStore
from orchestrator.store.verdicts import verdict_columns

MAX_RELATED = 10
CONFIRMED_NUDGE = 0.05
NUDGE_CEILING = 0.95


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def seen_before_note(culprit: str, category: str, related: list[RelatedIncident], now: datetime) -> str:
    """'3rd time in 7 days: workload shop/checkout, insufficient_memory (earlier: ID confirmed, ID)'."""
    days = max(1, math.ceil((now - related[-1].created_at).total_seconds() / 86400))
    kind, _, name = culprit.partition(":")
    earlier = ", ".join(f"{r.incident_id}{f' {r.verdict}' if r.verdict else ''}" for r in related[:3])
    more = f" and {len(related) - 3} more" if len(related) > 3 else ""
    span = f"{days} day" if days == 1 else f"{days} days"
    return f"{ordinal(len(related) + 1)} time in {span}: {kind} {name}, {category} (earlier: {earlier}{more})"


async def link_related(
    store: IncidentStore, incident_id: str, cluster: str | None, result: IncidentResult, now: datetime, days: float
) -> IncidentResult:
    """`result` with its earlier incidents, the report's note and, if one was confirmed, the nudge."""
    columns = verdict_columns(result)
    culprit, category = columns["culprit"], columns["verdict_category"]
    if days <= 0 or culprit is None or category is None or columns["verdict_rule"] is None:
        return result
    related = await store.seen_before(incident_id, cluster, culprit, category, now - timedelta(days=days), MAX_RELATED)
    if not related:
        return result
    update: dict[str, object] = {"related_incidents": related}
    if result.report is not None:
        note = seen_before_note(culprit, category, related, now)
        update["report"] = result.report.model_copy(update={"notes": [*result.report.notes, note]})
    if any(r.verdict == "confirmed" for r in related) and result.confidence is not None:
        confidence = round(max(result.confidence, min(NUDGE_CEILING, result.confidence + CONFIRMED_NUDGE)), 4)
        update |= {"confidence": confidence, "confidence_score": confidence_score(confidence)}
    return result.model_copy(update=update)
