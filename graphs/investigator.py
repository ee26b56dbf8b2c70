"""One investigation implementation behind every entry point: REST, the command line and MCP.

`GraphInvestigator` runs the compiled graph; with a checkpointer (thread_id = the incident id)
an investigation interrupted by a crash resumes from its last completed step.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from langgraph.types import Checkpointer

from graphs.graph import build_graph
from graphs.models import OnStep
from graphs.steps import Dependencies, ResumeError


class GraphInvestigator:
    def __init__(
        self, deps: Dependencies, checkpointer: Checkpointer = None, resources: AsyncExitStack | None = None
    ) -> None:
        self.deps = deps
        self.graph = build_graph(deps, checkpointer)
        self._checkpointed = checkpointer is not None
        self._resources = resources

    async def run(self, incident_id: str, request: Any, on_step: OnStep) -> dict[str, Any]:
        """Run the graph for `request`, or resume the incident's checkpoint when `request` is None."""
        config = {"configurable": {"thread_id": incident_id}}
        checkpoint = await self.graph.aget_state(config) if self._checkpointed else None
        if checkpoint is not None and not checkpoint.next and "result" in checkpoint.values:
            # It finished, but the process stopped before the outcome was stored: the report stands.
            return checkpoint.values["result"]
        resumable = checkpoint is not None and bool(checkpoint.next)
        if request is None and not resumable:
            raise ResumeError(f"incident {incident_id} has no checkpoint to resume from; submit it again")
        if resumable:
            # Also when a request is given: a crash can come after the first checkpoint and before
            # the incident was marked investigating, and starting over would count steps twice.
            graph_input = None
        else:
            graph_input = {
                "incident_id": incident_id,
                "description": request.description,
                "namespace": request.namespace,
                "pod": request.pod,
                "cluster": request.cluster,
            }
        final: dict[str, Any] = {}
        # durability="sync": each step's checkpoint is on disk before the next step starts, so
        # a crash never loses a step that was reported as done.
        durability = {"durability": "sync"} if self._checkpointed else {}
        async for kind, part in self.graph.astream(graph_input, config, stream_mode=["tasks", "values"], **durability):
            if kind == "tasks" and "result" not in part:
                await on_step(part["name"])
            elif kind == "values":
                final = part
        if "result" not in final:
            raise RuntimeError("the investigation ended without a report")
        return final["result"]

    async def aclose(self) -> None:
        """Close what the investigator was opened with (the MCP client, the checkpointer's connection)."""
        if self._resources is not None:
            await self._resources.aclose()
