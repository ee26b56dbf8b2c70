"""The investigation: extract -> collect -> correlate -> report (docs/architecture.md).

Importing the package keeps the LangGraph SDK's clients out of the process (langgraph_lean.py):
it must run before anything imports LangGraph, and every module that does is in this package.
"""

from graphs.langgraph_lean import register

register()
