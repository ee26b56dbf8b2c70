"""Addresses in logs mapped to the components behind them.

Contract: given the target's logs and the dependencies already collected, find the components
that log lines name but the knowledge graph does not list as the target's dependencies:
- a Service DNS name (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`, with or without `:port`) or a
  host of a component (`KnowledgeGraph.component_for_host`);
- an IPv4 address (with or without `:port`) that is the ClusterIP of a component's Service or
  the address of one of its endpoints (a pod IP).
collect checks each one found like a dependency and marks it with the address that named it,
so `ECONNREFUSED 10.96.14.2:5672` leads to the broker behind that ClusterIP and says whether it
has endpoints. Bounded: at most `_MAX_SERVICE_LOOKUPS` Services are read, the
target's namespace first; a Service that cannot be read is skipped.
"""

from __future__ import annotations

import re

from graphs.log_lines import numbered_log_lines
from graphs.mcp_client import ClusterTools, ToolCallError
from graphs.models import CollectedEvidence
from knowledge.graph import KnowledgeGraph

_IPV4 = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?::\d{1,5})?(?![\d.])")
_HOST = re.compile(r"[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?")
_MAX_SERVICE_LOOKUPS = 12
_MAX_ADDED = 3


def _log_texts(evidence: CollectedEvidence) -> list[str]:
    if evidence.diagnosis is None:
        return []
    return [
        text
        for excerpt in evidence.diagnosis.logs
        for _, _, text in numbered_log_lines(excerpt.model_dump(mode="json"))
    ]


def _named_hosts(texts: list[str], knowledge: KnowledgeGraph, namespace: str | None) -> dict[str, str]:
    """Components named by a host in the logs: component name -> the host as written."""
    found: dict[str, str] = {}
    for text in texts:
        for host in _HOST.findall(text):
            if "." not in host and ":" not in host:
                continue  # a bare word is a name only when it looks like an address (svc.ns, svc:port)
            component = knowledge.component_for_host(host, namespace)
            if component is not None and component.name not in found:
                found[component.name] = host
    return found


async def _by_address(
    cluster: ClusterTools, knowledge: KnowledgeGraph, ips: set[str], skip: set[str], namespace: str | None
) -> dict[str, str]:
    """Components whose Service ClusterIP or endpoint IP appears in the logs: name -> address."""
    candidates = [c for c in knowledge.components if c.service and c.namespace and c.name not in skip]
    candidates.sort(key=lambda c: c.namespace != namespace)
    found: dict[str, str] = {}
    for component in candidates[:_MAX_SERVICE_LOOKUPS]:
        try:
            service = await cluster.get_service(str(component.namespace), str(component.service))
        except ToolCallError:
            continue
        addresses = {service.cluster_ip} | {e.ip for e in service.ready_endpoints + service.not_ready_endpoints}
        named = sorted(ips & addresses)
        if named:
            found[component.name] = named[0]
    return found


async def components_named_in_logs(
    cluster: ClusterTools,
    knowledge: KnowledgeGraph,
    evidence: CollectedEvidence,
    namespace: str | None,
    own: str | None,
) -> dict[str, str]:
    """In-cluster components the logs name that are neither the target (`own`) nor a collected
    dependency: component name -> the address as written (at most `_MAX_ADDED`)."""
    texts = _log_texts(evidence)
    if not texts:
        return {}
    known = {d.name for d in evidence.dependencies} | ({own} if own else set())
    named = {n: h for n, h in _named_hosts(texts, knowledge, namespace).items() if n not in known}
    known_addresses = {a for d in evidence.dependencies for a in d.addresses}
    ips = {ip for text in texts for ip in _IPV4.findall(text)} - known_addresses
    if ips:
        named |= await _by_address(cluster, knowledge, ips, known | set(named), namespace)
    in_cluster = {n: a for n, a in named.items() if (c := knowledge.component(n)) is not None and c.type != "external"}
    return dict(list(in_cluster.items())[:_MAX_ADDED])
