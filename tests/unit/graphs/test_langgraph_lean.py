"""LangGraph runs without the LangGraph SDK's clients in the process (graphs/langgraph_lean.py).

Each check runs in a fresh interpreter: what it finds in sys.modules is what the import loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import graphs.investigator  # what serve imports to investigate
from langgraph.graph import END, START, StateGraph
from typing import TypedDict

class State(TypedDict):
    n: int

builder = StateGraph(State)
builder.add_node("double", lambda state: {"n": state["n"] * 2})
builder.add_edge(START, "double")
builder.add_edge("double", END)
print(json.dumps({
    "result": builder.compile().invoke({"n": 21})["n"],
    "loaded": sorted(name for name in ("langgraph_sdk.client", "httpx", "websockets", "rich") if name in sys.modules),
    "auth_types": "langgraph_sdk.auth.types" in sys.modules,
}))
"""


def test_a_graph_runs_without_loading_the_sdk_clients() -> None:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    # The one type LangGraph needs from the SDK is there; its clients and what they import are not.
    assert probe == {"result": 42, "loaded": [], "auth_types": True}
