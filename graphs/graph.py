"""The investigation as a LangGraph state machine: extract -> collect -> correlate -> report.

The steps (`steps.py`) are bound to the investigation's Dependencies with functools.partial;
the checkpointer persists each step's state update, so an investigation resumes where it stopped.
"""

from __future__ import annotations

from functools import partial

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from graphs.models import STEPS
from graphs.state import InvestigationState
from graphs.steps import NODES, Dependencies


def build_graph(deps: Dependencies, checkpointer: Checkpointer = None) -> CompiledStateGraph:
    builder = StateGraph(InvestigationState)
    for step in STEPS:
        builder.add_node(step, partial(NODES[step], deps=deps))
    for before, after in zip((START, *STEPS), (*STEPS, END), strict=True):
        builder.add_edge(before, after)
    return builder.compile(checkpointer=checkpointer)
