"""After the verdict: feedback on it, how often each rule was right, and incidents seen before.

A completed incident records three columns besides its document: the rule and the category of
its verdict (the top finding) and its culprit (the knowledge-graph component, else the workload,
else the pod's workload read from its name). Stats count verdicts by rule and category and join
their feedback; seen-before finds earlier incidents of one cluster, culprit and category through
the `incidents_seen_before` index. The SQL is written once for both backends, like base.py's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from orchestrator.models import Feedback, FeedbackRequest, IncidentResult, RelatedIncident, RuleStats, VerdictStats

FEEDBACK_COLUMNS = ("incident_id", "verdict", "actual_category", "actual_component", "comment", "author", "created_at")
# A Deployment's pod: <name>-<pod-template-hash>-<suffix>; a StatefulSet's: <name>-<ordinal>;
# a DaemonSet's or a Job's: <name>-<suffix>. Kubernetes writes hashes and suffixes in an alphabet
# without vowels (and without 0, 1, 3), so a word such as 'exporter' is not mistaken for one.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_POD_OF_WORKLOAD = (
    re.compile(rf"^(.+)-{_SAFE}{{6,10}}-{_SAFE}{{5}}$"),
    re.compile(r"^(.+)-\d+$"),
    re.compile(rf"^(.+)-{_SAFE}{{5}}$"),
)


# Parameters: cluster ('' for the default), culprit, category, since, the incident itself, limit.
SEEN_BEFORE_SQL = (
    "SELECT i.incident_id, i.created_at, i.culprit, i.verdict_category, i.result, f.verdict, f.author "
    "FROM incidents i LEFT JOIN feedback f ON f.incident_id = i.incident_id "
    "WHERE COALESCE(i.cluster, '') = %s AND i.culprit = %s AND i.culprit IS NOT NULL "
    "AND i.verdict_category = %s AND i.created_at >= %s AND i.incident_id <> %s AND i.status = 'completed' "
    "ORDER BY i.created_at DESC LIMIT %s"
)


def workload_of_pod(pod: str) -> str:
    """The workload a pod's generated name comes from; the name itself when it follows no pattern."""
    for pattern in _POD_OF_WORKLOAD:
        if match := pattern.match(pod):
            return match.group(1)
    return pod


def verdict_columns(result: IncidentResult) -> dict[str, str | None]:
    """The columns a completed incident records for stats and seen-before."""
    top = result.findings[0] if result.findings else None
    category = top.category if top else (result.report.category if result.report else None)
    extracted = result.extracted
    culprit = None
    if extracted is not None:
        if extracted.component:
            culprit = f"component:{extracted.component}"
        elif extracted.workload or extracted.pod:
            name = extracted.workload or workload_of_pod(extracted.pod or "")
            culprit = f"workload:{extracted.namespace or ''}/{name}"
    return {"verdict_rule": top.rule_id if top else None, "verdict_category": category, "culprit": culprit}


def _stats(rows: Sequence[Mapping[str, Any]]) -> list[VerdictStats]:
    stats = []
    for row in rows:
        confirmed, rejected = int(row["confirmed"] or 0), int(row["rejected"] or 0)
        judged = confirmed + rejected
        stats.append(
            VerdictStats(
                name=str(row["name"]),
                findings=int(row["findings"]),
                confirmed=confirmed,
                rejected=rejected,
                precision=round(confirmed / judged, 4) if judged else None,
            )
        )
    return stats


def _stats_query(column: str) -> str:
    return (
        f"SELECT i.{column} AS name, COUNT(*) AS findings, "  # noqa: S608 (our own column names)
        "SUM(CASE WHEN f.verdict = 'confirmed' THEN 1 ELSE 0 END) AS confirmed, "
        "SUM(CASE WHEN f.verdict = 'rejected' THEN 1 ELSE 0 END) AS rejected "
        "FROM incidents i LEFT JOIN feedback f ON f.incident_id = i.incident_id "
        f"WHERE i.status = 'completed' AND i.{column} IS NOT NULL GROUP BY i.{column} ORDER BY i.{column}"
    )


class VerdictQueries:
    """The store's queries about verdicts; mixed into IncidentStore, which supplies _execute and _param."""

    async def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def _param(self, value: Any) -> Any:
        raise NotImplementedError

    async def record_feedback(
        self, incident_id: str, request: FeedbackRequest, author: str | None, now: datetime
    ) -> Feedback:
        """Record (or replace) the feedback on an incident's verdict; the incident must exist."""
        feedback = Feedback(**request.model_dump(), incident_id=incident_id, author=author, created_at=now)
        values = [self._param(getattr(feedback, name)) for name in FEEDBACK_COLUMNS]
        updates = ", ".join(f"{name} = excluded.{name}" for name in FEEDBACK_COLUMNS[1:])
        await self._execute(
            f"INSERT INTO feedback ({', '.join(FEEDBACK_COLUMNS)}) "  # noqa: S608 (our own column names)
            f"VALUES ({', '.join(['%s'] * len(FEEDBACK_COLUMNS))}) ON CONFLICT (incident_id) DO UPDATE SET {updates}",
            values,
        )
        return feedback

    async def feedback(self, incident_ids: Sequence[str]) -> dict[str, Feedback]:
        """The feedback recorded on each of these incidents that has some."""
        if not incident_ids:
            return {}
        rows = await self._execute(
            f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback "  # noqa: S608 (our own column names)
            f"WHERE incident_id IN ({', '.join(['%s'] * len(incident_ids))})",
            list(incident_ids),
        )
        return {row["incident_id"]: Feedback.model_validate(dict(row)) for row in rows}

    async def seen_before(
        self, incident_id: str, cluster: str | None, culprit: str, category: str, since: datetime, limit: int
    ) -> list[RelatedIncident]:
        """Completed incidents other than `incident_id` of the cluster, culprit and category created
        since `since`, newest first, with their feedback: one range of `incidents_seen_before`."""
        rows = await self._execute(
            SEEN_BEFORE_SQL,
            [cluster or "", culprit, category, self._param(since), incident_id, limit],
        )
        related = []
        for row in rows:
            result = row["result"]
            document = json.loads(result) if isinstance(result, str) else (result or {})
            created_at = row["created_at"]
            related.append(
                RelatedIncident(
                    incident_id=row["incident_id"],
                    created_at=created_at.astimezone(UTC) if isinstance(created_at, datetime) else created_at,
                    culprit=row["culprit"],
                    category=row["verdict_category"],
                    suggested_root_cause=document.get("suggested_root_cause"),
                    verdict=row["verdict"],
                    feedback_author=row["author"],
                )
            )
        return related

    async def rule_stats(self) -> RuleStats:
        """Per rule and per category: verdicts given, confirmed, rejected, precision."""
        rules = await self._execute(_stats_query("verdict_rule"))
        categories = await self._execute(_stats_query("verdict_category"))
        return RuleStats(rules=_stats(rules), categories=_stats(categories))
