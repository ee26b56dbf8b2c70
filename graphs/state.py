"""What flows through the investigation graph, and what it leaves behind.

State values are plain JSON (models dumped with `model_dump(mode="json")`) so the LangGraph
checkpointer can persist every step and a restarted process resumes where the last one stopped.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class InvestigationState(TypedDict, total=False):
    incident_id: str
    description: str
    namespace: str | None
    pod: str | None
    cluster: str | None  # a configured cluster's name; None: the default cluster
    extracted: dict[str, Any]
    evidence: dict[str, Any]
    triage: dict[str, Any]  # only when the ticket named no workload (graphs/triage.py)
    findings: list[dict[str, Any]]
    rule_errors: list[str]
    catalog: list[dict[str, Any]]
    result: dict[str, Any]
    tool_calls: Annotated[int, operator.add]
    llm_calls: Annotated[list[dict[str, Any]], operator.add]
