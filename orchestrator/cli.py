"""The `sre-orchestrator` command: one entry point, one subcommand per way of running.

Every flag falls back to its `SRE_*` environment variable (the settings classes read them),
so a flag given here only overrides what the environment says.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

# Only argparse at import time: `--help` and a mistyped flag answer at once, and each command
# imports what it uses (the MCP SDK, LangGraph and the Kubernetes client take ~1.5 s together).
if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from mcp_servers.kubernetes.settings import KubernetesServerSettings

S = TypeVar("S", bound="BaseSettings")


def _add_cluster_flags(parser: argparse.ArgumentParser, *, several_contexts: bool = False) -> None:
    parser.add_argument("--snapshot", type=Path, help="read this cluster snapshot instead of a live cluster")
    parser.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: in-cluster, then $KUBECONFIG)")
    if several_contexts:
        # Kept a plain string list here: the names are checked against the kubeconfig when it is read.
        parser.add_argument(
            "--context",
            dest="contexts",
            action="append",
            metavar="NAME",
            help="kubeconfig context; repeat it or comma-separate names to serve several (the first is the "
            "default, each tool then takes `context`); '*': every context of the kubeconfig",
        )
    else:
        parser.add_argument("--context", dest="kube_context", help="kubeconfig context")
    parser.add_argument("--allowed-namespaces", help="comma-separated namespaces the tools may read")


def _add_investigation_flags(parser: argparse.ArgumentParser) -> None:
    _add_cluster_flags(parser)
    parser.add_argument("--knowledge-graph", type=Path, help="knowledge graph YAML (default: the bundled one)")
    parser.add_argument("--rules-dir", dest="rules_dirs", action="append", type=Path, help="extra rules directory")
    parser.add_argument("--mcp-url", help="a remote Kubernetes MCP server (default: in-process)")


DATABASE_URL_HELP = (
    "sqlite:///path (default sqlite:///./sre-orchestrator.db) or postgresql://HOST/DB "
    "(a password goes in SRE_DATABASE_URL, not on the command line)"
)


def _add_database_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help=DATABASE_URL_HELP)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sre-orchestrator", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the REST API (and run investigations)")
    _add_investigation_flags(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8080)")
    _add_database_flag(serve)

    investigate = commands.add_parser("investigate", help="investigate one incident here and print the report")
    _add_investigation_flags(investigate)
    investigate.add_argument("description", help="the incident, as a person would write it")
    investigate.add_argument("--namespace", help="namespace of the incident, when known")
    investigate.add_argument("--pod", help="pod concerned, when known")
    investigate.add_argument("--output", choices=["text", "json"], default="text")

    workflow = commands.add_parser("mcp-workflow", help="serve the investigation workflow over MCP on stdio")
    _add_investigation_flags(workflow)
    _add_database_flag(workflow)

    mcp = commands.add_parser("mcp", help="serve the read-only Kubernetes tools over MCP")
    _add_cluster_flags(mcp, several_contexts=True)
    mcp.add_argument("--transport", choices=["stdio", "http"])
    mcp.add_argument("--host", help="address to listen on with --transport http (default 127.0.0.1)")
    mcp.add_argument("--port", type=int, help="port for --transport http (default 8080)")
    mcp.add_argument("--namespace", help="namespace for the startup connection check")

    rules = commands.add_parser("rules", help="what the rules did: `rules stats` prints each one's precision")
    rules.add_argument("action", choices=["stats"], help="stats: per rule and category, findings and feedback")
    rules.add_argument("--output", choices=["text", "json"], default="text")
    _add_database_flag(rules)

    tool = commands.add_parser("tool", help="call one Kubernetes tool and print its result")
    _add_cluster_flags(tool, several_contexts=True)
    tool.add_argument("--url", help="a running tool server's streamable HTTP URL (default: in-process)")
    tool.add_argument("--token", help="bearer token for --url")
    tool.add_argument("--output", choices=["text", "json"], default="text")
    tool.add_argument("name", nargs="?", help="tool name; omit to list the tools")
    tool.add_argument("arguments", nargs="*", metavar="KEY=VALUE", help="tool arguments (JSON values allowed)")
    return parser


def _settings(args: argparse.Namespace, settings_class: type[S], **derived: Any) -> S:
    """Flags given on the command line override the environment; the rest comes from SRE_*."""
    fields = settings_class.model_fields
    given = {key: value for key, value in vars(args).items() if key in fields and value is not None}
    return settings_class(**given, **derived)


def _tool_arguments(pairs: Sequence[str]) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"tool arguments are KEY=VALUE, got {pair!r}")
        try:
            arguments[key] = json.loads(raw)
        except ValueError:
            arguments[key] = raw
    return arguments


async def _call_tool(args: argparse.Namespace, settings: KubernetesServerSettings) -> int:
    from mcp import Client

    from common.errors import innermost

    if args.url:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
        target: Any = streamable_http_client(args.url, http_client=httpx2.AsyncClient(headers=headers))
    else:
        from mcp_servers.kubernetes import serve as kubernetes_serve

        target = kubernetes_serve.create_server(settings)
    try:
        async with Client(target) as client:
            if not args.name:
                for tool in (await client.list_tools()).tools:
                    print(f"{tool.name:<14} {(tool.description or '').splitlines()[0]}")
                return 0
            result = await client.call_tool(args.name, _tool_arguments(args.arguments))
    except Exception as exc:  # transport failures arrive wrapped in task-group exception groups
        if not args.url:
            raise
        print(
            f"sre-orchestrator: cannot use the MCP server at {args.url}: {_root_cause(innermost(exc))}", file=sys.stderr
        )
        print("  check the URL, that the server runs, and the --token", file=sys.stderr)
        return 2
    if args.output == "json" and not result.is_error:
        print(json.dumps(result.structured_content, indent=2))
    else:
        print("\n".join(getattr(block, "text", "") for block in result.content))
    return 1 if result.is_error else 0


def _root_cause(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# The investigation stack (LangGraph, rules, the store) is imported by the commands that use
# it, so that `sre-orchestrator mcp` starts quickly for MCP clients that spawn it.


def _orchestrator_settings(args: argparse.Namespace) -> Any:
    from orchestrator.settings import OrchestratorSettings

    return _settings(args, OrchestratorSettings)


def _context_flags(values: Sequence[str] | None) -> dict[str, Any]:
    """`--context a --context b,c` -> the served contexts (SRE_KUBE_CONTEXTS) and the default one.

    The flags replace the environment's list rather than add to it, so `--context a` serves `a`
    alone even where SRE_KUBE_CONTEXTS=* is set, as one `--context` always did.
    """
    names = list(dict.fromkeys(name.strip() for value in values or () for name in value.split(",") if name.strip()))
    if not names:
        return {}
    if "*" in names:
        if len(names) > 1:
            raise ValueError(f"--context '*' already means every context; drop it or the names {names}")
        return {"kube_contexts": names}
    return {"kube_contexts": names, "kube_context": names[0]}


def _kubernetes_settings(args: argparse.Namespace) -> KubernetesServerSettings:
    from mcp_servers.kubernetes.settings import KubernetesServerSettings

    return _settings(args, KubernetesServerSettings, **_context_flags(getattr(args, "contexts", None)))


def _serve(args: argparse.Namespace) -> int:
    from graphs.llm.client import check_llm_settings
    from orchestrator import serve as api_serve
    from orchestrator.incidents import investigator as investigation

    settings = _orchestrator_settings(args)
    investigation.load_knowledge(settings)  # a broken rule or graph file stops here, named
    check_llm_settings(settings)  # so does a refused LLM setting, before the server listens
    return api_serve.run(settings, investigation.open_server_investigator)


def _mcp_workflow(args: argparse.Namespace) -> int:
    from graphs.llm.client import check_llm_settings
    from orchestrator.mcp import stdio as workflow_mcp

    settings = _orchestrator_settings(args)
    check_llm_settings(settings)  # a refused LLM setting stops here, before the client waits on us
    return workflow_mcp.run_stdio(settings)


def _investigate(args: argparse.Namespace) -> int:
    # One investigation, then exit: the collector's passes over the ~100 MB of objects the
    # imports make would free next to nothing, and at exit it need not walk them again.
    gc.disable()
    started = time.perf_counter()
    import anyio

    from orchestrator.incidents.one_shot import Phases, investigate_once
    from orchestrator.incidents.render import render_incident

    settings = _orchestrator_settings(args)
    imported = time.perf_counter() - started
    phases = Phases()
    incident = anyio.run(investigate_once, settings, args.description, args.namespace, args.pod, phases)
    timing = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in (("imports", imported), *phases.items()))
    print(f"  {timing}", file=sys.stderr, flush=True)
    if args.output == "json":
        print(incident.model_dump_json(indent=2))
    else:
        print(render_incident(incident))
    gc.freeze()
    return 0 if incident.status == "completed" else 1


def _rules(args: argparse.Namespace) -> int:
    import anyio

    from orchestrator.incidents.rule_stats import read_rule_stats, render_rule_stats
    from orchestrator.store import StoreError

    settings = _orchestrator_settings(args)
    try:
        stats = anyio.run(read_rule_stats, settings.database_url)
    except StoreError as exc:
        print(f"sre-orchestrator: {exc}", file=sys.stderr)
        return 2
    print(stats.model_dump_json(indent=2) if args.output == "json" else render_rule_stats(stats))
    return 0


def _mcp(args: argparse.Namespace) -> int:
    from mcp_servers.kubernetes import serve as kubernetes_serve

    try:
        return kubernetes_serve.run(_kubernetes_settings(args))
    finally:
        gc.enable()


def _tool(args: argparse.Namespace) -> int:
    import anyio

    return anyio.run(_call_tool, args, _kubernetes_settings(args))


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": _serve,
    "investigate": _investigate,
    "mcp-workflow": _mcp_workflow,
    "mcp": _mcp,
    "tool": _tool,
    "rules": _rules,
}
SERVERS = ("serve", "mcp", "mcp-workflow")  # they log; the other commands print


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "mcp":
        # Its start makes objects that live as long as the server (the MCP SDK's and the tools'
        # pydantic models): collecting while they are made is about 12 % of the start, for nothing.
        # serve.run freezes them out of later collections and turns collection back on to serve.
        gc.disable()
    from pydantic import ValidationError

    from mcp_servers.kubernetes.backend import BackendError

    try:
        if args.command in SERVERS:
            from orchestrator import logs
            from orchestrator.log_settings import LogSettings

            log_settings = LogSettings()
            logs.configure(log_settings.log_format, log_settings.log_level)
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        print(f"sre-orchestrator: invalid setting: {exc}", file=sys.stderr)
    except (BackendError, ValueError) as exc:  # includes broken knowledge graph and rule files
        print(f"sre-orchestrator: {exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
