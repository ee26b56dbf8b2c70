"""Building blocks every layer shares: redaction, HTTP guards, settings helpers, names, errors, version.

The lowest floor: it imports nothing of the project, so the Kubernetes MCP server (a separate
deployable) and the orchestrator both build on it without depending on each other.
"""
