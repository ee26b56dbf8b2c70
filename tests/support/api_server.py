"""The REST API for tests: real uvicorn on a loopback port, with a real LangGraph investigation double.

The double is a two-node StateGraph (`first` -> `second`) checkpointed by AsyncSqliteSaver in the
incidents' own database file, so it exercises the checkpoint/resume contract for real. Each
incident's description scripts it, in `;`-separated `node=action` parts:
`"disk full; first=0.2; second=fail:no space"` makes `first` sleep 0.2 s and `second` raise
RuntimeError("no space"); `second=hang` never finishes; `second=hang-once` hangs the first time
and finishes at once when resumed. Every node start is appended to a journal file as
"<incident_id> <node>", so tests see which nodes ran, even in another process.

Run as a script (`python tests/support/api_server.py`), it is `sre-orchestrator serve` with this double,
configured by SRE_* variables and SRE_TEST_JOURNAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import aiosqlite
import uvicorn
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from starlette.types import ASGIApp
from uvicorn_thread import UvicornThread, tcp_listener

from graphs.models import Evidence, EvidenceItem, Extracted, InvestigationResult, Report
from knowledge.findings import Finding
from orchestrator import serve
from orchestrator.incidents.runner import OnStep
from orchestrator.models import IncidentRequest
from orchestrator.settings import OrchestratorSettings

NODES = ("first", "second")
HANG_SECONDS = 3600.0


class State(TypedDict):
    description: str
    visited: Annotated[list[str], operator.add]


def _action(description: str, node: str) -> str:
    for part in description.split(";"):
        name, sep, action = part.strip().partition("=")
        if sep and name == node:
            return action
    return "0"


def _graph(journal: Path) -> StateGraph[State]:
    def node(name: str) -> Any:
        async def run(state: State, config: RunnableConfig) -> dict[str, Any]:
            incident_id = config["configurable"]["thread_id"]
            first_time = name not in journal_entries(journal, incident_id)
            with journal.open("a", encoding="utf-8") as out:
                out.write(f"{incident_id} {name}\n")
            action = _action(state["description"], name)
            if action.startswith("fail:"):
                raise RuntimeError(action.removeprefix("fail:"))
            if action == "hang" or (action == "hang-once" and first_time):
                await asyncio.sleep(HANG_SECONDS)
            elif action != "hang-once":
                await asyncio.sleep(float(action))
            return {"visited": [name]}

        return run

    graph = StateGraph(State)
    for name in NODES:
        graph.add_node(name, node(name))
    graph.add_edge(START, "first")
    graph.add_edge("first", "second")
    graph.add_edge("second", END)
    return graph


class ScriptedInvestigator:
    """An `Investigator` over the double graph; counts how many runs overlap."""

    def __init__(self, connection: aiosqlite.Connection, journal: Path) -> None:
        self._connection = connection
        self.graph: CompiledStateGraph[State] = _graph(journal).compile(checkpointer=AsyncSqliteSaver(connection))
        self.running = 0
        self.peak = 0

    @classmethod
    async def open(cls, database: Path, journal: Path) -> ScriptedInvestigator:
        return cls(await aiosqlite.connect(database), journal)

    async def run(self, incident_id: str, request: IncidentRequest | None, on_step: OnStep) -> dict[str, Any]:
        config: RunnableConfig = {"configurable": {"thread_id": incident_id}}
        # Like GraphInvestigator: a checkpoint with steps left is resumed, whether or not a request is given.
        resumable = bool((await self.graph.aget_state(config)).next)
        graph_input = None if resumable or request is None else {"description": request.description, "visited": []}
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            # "sync" durability: each checkpoint is on disk before the next step starts.
            async for task in self.graph.astream(graph_input, config, stream_mode="tasks", durability="sync"):
                if "input" in task:  # a task starting (its result comes as a second event)
                    await on_step(task["name"])
        finally:
            self.running -= 1
        state = await self.graph.aget_state(config)
        return scripted_result(state.values["visited"], state.values["description"])

    async def aclose(self) -> None:
        await self._connection.close()


def scripted_result(visited: list[str], description: str = "") -> dict[str, Any]:
    """What the double reports: a valid investigation result whose evidence lists the steps it ran.

    `rule=ID`, `category=NAME` and `workload=NAME` in the description choose its verdict and culprit.
    """
    rule, category, workload = (_action(description, key) for key in ("rule", "category", "workload"))
    finding = Finding(
        rule_id=rule if rule != "0" else "double",
        category=category if category != "0" else "application_crash",  # type: ignore[arg-type]
        title="The double's verdict",
        root_cause="the double always blames the application",
        confidence=0.9,
        confidence_score="high",
        evidence=[f"step:{step}" for step in visited],
        remediation="none: this is a test double",
    )
    return InvestigationResult(
        extracted=Extracted(resolution="scripted")
        if workload == "0"
        else Extracted(resolution="scripted", namespace="shop", workload=workload),
        extraction_method="deterministic",
        evidence=Evidence(
            target="scripted", items=[EvidenceItem(id=f"step:{step}", kind="step", summary=step) for step in visited]
        ),
        suggested_root_cause=finding.root_cause,
        confidence_score="high",
        confidence=0.9,
        findings=[finding],
        report=Report(category=finding.category, summary="scripted", next_steps=[]),
    ).model_dump(mode="json")


class ScriptedFactory:
    """The `InvestigatorFactory` for the double; keeps what it opened for the test to inspect."""

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self.opened: list[ScriptedInvestigator] = []

    async def __call__(self, settings: OrchestratorSettings) -> ScriptedInvestigator:
        investigator = await ScriptedInvestigator.open(settings.database_path, self.journal)
        self.opened.append(investigator)
        return investigator


def journal_entries(journal: Path, incident_id: str) -> list[str]:
    """The nodes started for one incident, in order."""
    if not journal.exists():
        return []
    lines = journal.read_text(encoding="utf-8").splitlines()
    return [node for owner, _, node in (line.partition(" ") for line in lines) if owner == incident_id]


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve `app` on a loopback port in a thread (lifespan included) and yield its base URL."""
    server = UvicornThread(uvicorn.Config(app, lifespan="on", log_level="warning"), tcp_listener(), "API server")
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop(force=False)


if __name__ == "__main__":
    sys.exit(serve.run(OrchestratorSettings(), ScriptedFactory(Path(os.environ["SRE_TEST_JOURNAL"]))))
