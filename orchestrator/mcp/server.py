"""The investigation workflow as an MCP server: start, follow and read investigations.

Tools: `investigate` (start one; optionally wait for its report, with progress notifications
per step), `get_incident` (optionally waiting too), `list_incidents`, `give_feedback` (say
whether a verdict was right; the author is the HTTP token's name, as for the REST API). Resources: each
incident's report `incident://{incident_id}` (JSON, the REST API's incident document), the
knowledge graph `knowledge://graph` (YAML) and the loaded rules `knowledge://rules` (JSON).
Prompt: `triage`, which walks an assistant through an incident with these tools and those of
the Kubernetes tool server.

Every call goes through the IncidentService, the same store and runner the REST API uses:
over streamable HTTP the server is mounted at `/mcp` in `serve` (sharing its service), and
`sre-orchestrator mcp-workflow` serves it on stdio with a service of its own.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context, UserMessage
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field, StringConstraints, ValidationError

from common.errors import validation_problems
from common.kubernetes_names import DNS_LABEL, DNS_SUBDOMAIN, kubernetes_name
from common.mcp_arguments import refuse_unknown_arguments
from common.mcp_logging import sdk_logging_setup_skipped
from common.mcp_tools import READ_ONLY, tool_result
from common.version import package_version
from graphs.models import STEPS
from orchestrator.incidents.clusters import UnknownCluster
from orchestrator.incidents.feedback import NothingToJudge
from orchestrator.incidents.render import description_lines, render_incident
from orchestrator.incidents.service import (
    FINISHED,
    IncidentService,
    OnStep,
    UnknownIncident,
)
from orchestrator.mcp.models import INCIDENT_URI, IncidentPage, IncidentSummary, incident_uri
from orchestrator.models import (
    DEFAULT_CLUSTER,
    Category,
    Feedback,
    FeedbackRequest,
    Incident,
    IncidentRequest,
    IncidentStatus,
    Verdict,
)
from orchestrator.store import InvalidCursor

SERVER_NAME = "sre-orchestrator"
MCP_PATH = "/mcp"
MAX_WAIT_SECONDS = 120.0
log = logging.getLogger("sre.orchestrator.mcp.server")

INSTRUCTIONS = f"""The virtual SRE's investigation workflow. `investigate` takes an incident as a person would
write it ("checkout is in CrashLoopBackOff in shop"), finds the workload, collects read-only evidence,
correlates it with the knowledge graph and the rules, and answers with a root-cause category, a
confidence and next steps. Pass wait_seconds (up to {MAX_WAIT_SECONDS:g}) to get the report in the same
call; progress notifications name each step ({", ".join(STEPS)}). Otherwise follow the incident with
get_incident. The full report with all evidence is the resource incident://{{incident_id}};
knowledge://graph and knowledge://rules show what the investigation correlates with. The raw,
read-only Kubernetes tools (find_pods, diagnose_pod, get_events, ...) are on the separate
Kubernetes MCP server (`sre-orchestrator mcp`). The `triage` prompt combines both."""

# Records feedback (a repeat replaces it with the same content), never touches the cluster.
GIVE_FEEDBACK = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
# Creates an incident record, so not read-only; it never changes the cluster.
INVESTIGATE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


Namespace = kubernetes_name("namespace", DNS_LABEL, 63, "Kubernetes namespace of the incident, e.g. 'shop'.")
Pod = kubernetes_name("pod", DNS_SUBDOMAIN, 253, "Name (or name prefix) of the pod concerned.")
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    Field(description="The incident as a person would write it, e.g. 'auth-service is in CrashLoopBackOff'."),
]
OptionalNamespace = Annotated[Namespace | None, Field(description="Namespace to look in, when known.")]  # type: ignore[valid-type]
OptionalPod = Annotated[Pod | None, Field(description="Name (or prefix) of the pod concerned, when known.")]  # type: ignore[valid-type]
Cluster = Annotated[
    str | None,
    Field(
        max_length=253,
        description="Which of the server's clusters to investigate (an unknown name is refused with the list "
        f"of known ones); omit it or pass '{DEFAULT_CLUSTER}' for the default cluster.",
    ),
]
WaitSeconds = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_WAIT_SECONDS,
        description=f"Wait up to this many seconds (0..{MAX_WAIT_SECONDS:g}) for the investigation to finish; "
        "0 returns at once.",
    ),
]
IncidentId = Annotated[
    str, Field(min_length=1, max_length=128, description="The incident_id that investigate returned.")
]

ServiceSource = Callable[[], IncidentService]


def _result(summary: IncidentSummary | IncidentPage, text: str) -> CallToolResult:
    return tool_result(summary, text)


def incident_text(incident: Incident) -> str:
    """The report as `sre-orchestrator investigate` prints it once finished; the state before."""
    uri = incident_uri(incident.incident_id)
    if incident.status in FINISHED:
        return f"{render_incident(incident)}\n\nFull report and evidence: {uri}"
    where = f" (step {incident.step})" if incident.step else ""
    lines = [f"Incident {incident.incident_id} is {incident.status}{where}.", *description_lines(incident)]
    if incident.status not in FINISHED:
        lines.append(
            f"Call get_incident with incident_id={incident.incident_id} and wait_seconds (up to "
            f"{MAX_WAIT_SECONDS:g}) for the report; the full document will be {uri}."
        )
    elif incident.error:
        lines.append(f"Error: {incident.error}")
    return "\n".join(lines)


def _page_text(page: IncidentPage) -> str:
    if not page.incidents:
        return "No incidents."
    lines = [
        f"{i.created_at:%Y-%m-%d %H:%M:%S}  {i.status:<13} {i.category or i.step or '-':<24} {i.incident_id}  "
        f"{i.description[:80]}"
        for i in page.incidents
    ]
    if page.next_cursor:
        lines.append(f"More: pass cursor={page.next_cursor}")
    return "\n".join(lines)


def _progress(ctx: Context) -> OnStep:
    """Progress notifications: step i of 4 as it starts, then 4 of 4 when the incident is finished."""
    total = float(len(STEPS))
    last = -1.0

    async def on_step(step: str) -> None:
        nonlocal last
        if step in FINISHED:
            value = total
        elif step in STEPS:
            value = float(STEPS.index(step))
        else:  # a step this table does not know (another graph): count it, short of done
            value = min(last + 1, total - 1)
        if value > last:  # progress only goes forward, also when a resumed run repeats a step
            last = value
            await ctx.report_progress(value, total=total, message=step)

    return on_step


def _bad_arguments(exc: ValidationError) -> ToolError:
    return ToolError(f"invalid arguments: {validation_problems(exc, 'arguments')}")


class WorkflowTools:
    """The tools and resources, over whatever IncidentService `service()` returns when a request comes."""

    def __init__(self, service: ServiceSource) -> None:
        self._service = service

    async def _follow(self, incident_id: str, wait_seconds: float, ctx: Context) -> Incident:
        try:
            return await self._service().wait(incident_id, wait_seconds, _progress(ctx) if wait_seconds > 0 else None)
        except UnknownIncident as exc:
            raise ToolError(f"{exc}; list incidents with list_incidents") from exc

    async def investigate(
        self,
        description: Description,
        ctx: Context,
        namespace: OptionalNamespace = None,
        pod: OptionalPod = None,
        cluster: Cluster = None,
        wait_seconds: WaitSeconds = 0,
    ) -> Annotated[CallToolResult, IncidentSummary]:
        """Start an investigation of an incident described in words; return its incident_id at once, or
        with wait_seconds wait up to that long and return the report: suggested root cause, category,
        confidence, summary, next steps and top findings. Progress notifications name each step
        (extract, collect, correlate, report). Read-only towards the cluster; it records the incident."""
        try:
            request = IncidentRequest(description=description, namespace=namespace, pod=pod, cluster=cluster)
            incident = await self._service().report(request, source="mcp")
        except ValidationError as exc:
            raise _bad_arguments(exc) from None
        except UnknownCluster as exc:
            raise ToolError(str(exc)) from None
        if wait_seconds > 0:
            incident = await self._follow(incident.incident_id, wait_seconds, ctx)
        return _result(IncidentSummary.of(incident), incident_text(incident))

    async def get_incident(
        self, incident_id: IncidentId, ctx: Context, wait_seconds: WaitSeconds = 0
    ) -> Annotated[CallToolResult, IncidentSummary]:
        """An incident's status and, once completed, its report: suggested root cause, category,
        confidence, summary, next steps and top findings. With wait_seconds, wait up to that long for
        a running investigation to finish (with progress notifications). The whole document with all
        the evidence is the resource incident://{incident_id}."""
        incident = await self._follow(incident_id, wait_seconds, ctx)
        return _result(IncidentSummary.of(incident), incident_text(incident))

    async def list_incidents(
        self,
        limit: Annotated[int, Field(ge=1, le=100, description="How many incidents to return.")] = 20,
        status: Annotated[IncidentStatus | None, Field(description="Only incidents with this status.")] = None,
        cursor: Annotated[str | None, Field(max_length=512, description="next_cursor of the previous page.")] = None,
    ) -> Annotated[CallToolResult, IncidentPage]:
        """Incidents, newest first, with their status and (once completed) root-cause category."""
        try:
            page = await self._service().list_incidents(limit=limit, cursor=cursor, status=status)
        except InvalidCursor as exc:
            raise ToolError(f"invalid cursor: {exc}") from exc
        summary = IncidentPage.of(page)
        return _result(summary, _page_text(summary))

    async def give_feedback(
        self,
        incident_id: IncidentId,
        verdict: Annotated[Verdict, Field(description="'confirmed': the root cause was right; 'rejected': not.")],
        ctx: Context,
        actual_category: Annotated[Category | None, Field(description="What it really was, if rejected.")] = None,
        actual_component: Annotated[
            str | None, Field(max_length=253, description="The workload or component really at fault.")
        ] = None,
        comment: Annotated[
            str | None, Field(max_length=2000, description="Anything a later reader should know.")
        ] = None,
    ) -> Annotated[CallToolResult, Feedback]:
        """Say whether a completed investigation's suggested root cause was right. A later call replaces
        the earlier feedback. The feedback feeds each rule's precision (GET /api/v1/stats/rules)."""
        request = ctx.request_context.request
        author = getattr(getattr(request, "state", None), "author", None)
        try:
            body = FeedbackRequest(
                verdict=verdict, actual_category=actual_category, actual_component=actual_component, comment=comment
            )
            recorded = await self._service().give_feedback(incident_id, body, author)
        except ValidationError as exc:
            raise _bad_arguments(exc) from None
        except UnknownIncident as exc:
            raise ToolError(f"{exc}; list incidents with list_incidents") from exc
        except NothingToJudge as exc:
            raise ToolError(str(exc)) from None
        by = f" by {recorded.author}" if recorded.author else ""
        return tool_result(recorded, f"Recorded{by}: the verdict of incident {incident_id} {recorded.verdict}.")

    async def incident_report(self, incident_id: str) -> str:
        try:
            incident = await self._service().get(incident_id)
        except UnknownIncident as exc:
            raise ResourceNotFoundError(f"{exc}; list incidents with the list_incidents tool") from exc
        return incident.model_dump_json(indent=2)

    def knowledge_graph(self) -> str:
        return self._service().knowledge.graph_yaml

    def rules(self) -> str:
        return json.dumps([dataclasses.asdict(rule) for rule in self._service().knowledge.rules], indent=2)


def triage(
    description: Annotated[str, Field(description="The incident, as a person would write it.")],
    namespace: Annotated[str | None, Field(description="The namespace, when known.")] = None,
) -> list[UserMessage]:
    """Walk through an incident: investigate it with this server, then dig deeper with the Kubernetes
    tools when the answer is unknown or not confident."""
    return [UserMessage(triage_text(description, namespace))]


# (uri, name, title, description, MIME type) of each resource, read by the WorkflowTools method of that name.
RESOURCES = (
    (
        INCIDENT_URI,
        "incident_report",
        "Incident report",
        "An incident and its whole investigation report (findings, evidence, next steps) as JSON: "
        "the document GET /api/v1/incidents/{incident_id} returns.",
        "application/json",
    ),
    (
        "knowledge://graph",
        "knowledge_graph",
        "Knowledge graph",
        "The application's components (namespace, pod selector, Service) and what depends on what, "
        "as the YAML file the investigations load.",
        "application/yaml",
    ),
    (
        "knowledge://rules",
        "rules",
        "Rules",
        "The loaded rules, in evaluation order: id, root-cause category, title, the kind of fact "
        "each looks at (for_each) and the file defining it, as a JSON list.",
        "application/json",
    ),
)
# The resources' names as MCP clients have always seen them.
RESOURCE_NAMES = {"incident_report": "incident", "knowledge_graph": "knowledge-graph", "rules": "rules"}
TOOLS = (
    ("investigate", "Investigate an incident", INVESTIGATE),
    ("get_incident", "Get an incident", READ_ONLY),
    ("list_incidents", "List incidents", READ_ONLY),
    ("give_feedback", "Give feedback on a verdict", GIVE_FEEDBACK),
)


def build_workflow_server(
    service: ServiceSource,
    *,
    lifespan: Callable[[MCPServer[Any]], AbstractAsyncContextManager[Any]] | None = None,
) -> MCPServer[Any]:
    """The workflow server over whatever IncidentService `service()` returns when a request comes."""
    # The SDK logs every call at INFO; on stdio that would drown the user's terminal.
    with sdk_logging_setup_skipped():  # rich stays out of a process whose logging is configured
        server: MCPServer[Any] = MCPServer(
            SERVER_NAME, instructions=INSTRUCTIONS, version=package_version(), log_level="WARNING", lifespan=lifespan
        )
    tools = WorkflowTools(service)
    for name, title, hints in TOOLS:
        method = getattr(tools, name)
        # The docstring, dedented, is the description the model reads.
        server.tool(title=title, annotations=hints, description=inspect.getdoc(method))(method)
    for uri, method_name, title, description, mime_type in RESOURCES:
        resource = server.resource(
            uri, name=RESOURCE_NAMES[method_name], title=title, description=description, mime_type=mime_type
        )
        resource(getattr(tools, method_name))
    server.prompt(title="Triage an incident", description=inspect.getdoc(triage))(triage)
    refuse_unknown_arguments(server)
    return server


def triage_text(description: str, namespace: str | None) -> str:
    arguments = {"description": description, **({"namespace": namespace} if namespace else {}), "wait_seconds": 60}
    ns = namespace or "<namespace>"
    return f"""Triage this Kubernetes incident as an SRE would, using only read-only tools.

Incident: {description}
{f"Namespace: {namespace}" if namespace else "Namespace: not given (the investigation works it out)"}

1. Call the `investigate` tool with {json.dumps(arguments)}. It returns the incident_id, the status
   and, when completed, the category, suggested_root_cause, confidence_score, summary, next_steps
   and the top findings with their evidence ids.
2. If the status is still `pending` or `investigating`, call `get_incident` with that incident_id
   and wait_seconds=60 until it is `completed` or `failed`. If it failed, say why (its `error`).
3. When the category is not `unknown` and confidence_score is `high`, read the resource
   incident://<incident_id> for the evidence behind the top finding and quote it.
4. When the category is `unknown`, the confidence_score is `medium` or `low`, or the investigation
   failed, dig in with the Kubernetes tools. They are on the separate Kubernetes MCP server
   (`sre-orchestrator mcp`); if it is not connected, say so and list the kubectl commands from
   next_steps instead:
   - find_pods(query=<app or workload name>, namespace={ns}) to find the pods concerned;
   - diagnose_pod(namespace, name) for status, restarts, events, current and previous logs;
   - get_events(namespace={ns}) for the namespace's warnings;
   - get_service / get_workload / get_node for dependencies, rollouts and nodes.
   The resource knowledge://graph says which components the workload depends on: check those
   too. knowledge://rules lists what the investigation already knows how to recognise.
5. Answer with: the root cause (category and one sentence), how confident you are and why, the
   evidence (quote the status, events or log lines), and the next steps. Nothing here changes the
   cluster: present remediations as recommendations for a person to apply."""
