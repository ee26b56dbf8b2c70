"""`sre-orchestrator rules stats`: how often each rule's verdict was confirmed, read from a database."""

from __future__ import annotations

from orchestrator.models import RuleStats, VerdictStats
from orchestrator.store import open_store


async def read_rule_stats(database_url: str) -> RuleStats:
    """The stats of the incident database at `database_url` (created or upgraded if need be)."""
    async with open_store(database_url) as store:
        return await store.rule_stats()


def _table(title: str, rows: list[VerdictStats]) -> list[str]:
    width = max([len(title), *(len(row.name) for row in rows)])
    lines = [f"{title:<{width}}  findings  confirmed  rejected  precision"]
    for row in rows:
        precision = f"{row.precision:.2f}" if row.precision is not None else "-"
        lines.append(f"{row.name:<{width}}  {row.findings:>8}  {row.confirmed:>9}  {row.rejected:>8}  {precision:>9}")
    if not rows:
        lines.append("(no completed incident yet)")
    return lines


def render_rule_stats(stats: RuleStats) -> str:
    """Two tables, per rule then per category; precision = confirmed / (confirmed + rejected)."""
    return "\n".join([*_table("rule", stats.rules), "", *_table("category", stats.categories)])
