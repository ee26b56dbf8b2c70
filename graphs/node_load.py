"""Who filled the node: the heavy pods beside a pod the kubelet evicted for memory.

Contract: `neighbours(cluster, diagnosis)` returns, for a pod evicted because "the node was low
on resource: memory", the heaviest pods by memory (metrics.k8s.io, as `kubectl top pod -A
--sort-by=memory`) that run on the same node, with what they request and whether they are
limited; otherwise nothing, and no tool is called. One `top_pods` call for the `_LOOKED_AT`
heaviest pods of the cluster, then one `get_pod` for each in turn (which node it is on) until
`_HEAVIEST` on the target's node are found: at most `_LOOKED_AT` reads on any cluster. A cluster
without the metrics API gives a note and no neighbours; the eviction then stands on its own.
Whether a neighbour is the cause is the rules' decision (`knowledge/rules/nodes.yaml`), not
this module's.
"""

from __future__ import annotations

import re

from graphs.mcp_client import ClusterTools, ToolCallError
from graphs.models import NodeNeighbour
from mcp_servers.kubernetes.models import PodDiagnosis
from mcp_servers.kubernetes.quantities import byte_count

_HEAVIEST = 5
_LOOKED_AT = 4 * _HEAVIEST  # the heaviest of the cluster are not all on the one node
_EVICTED_FOR_MEMORY = re.compile(r"low on resource: memory", re.IGNORECASE)


async def neighbours(cluster: ClusterTools, diagnosis: PodDiagnosis, notes: list[str]) -> list[NodeNeighbour]:
    pod = diagnosis.pod
    if pod.reason != "Evicted" or not pod.node or not _EVICTED_FOR_MEMORY.search(pod.message or ""):
        return []
    try:
        heaviest = (await cluster.top_pods(limit=_LOOKED_AT)).pods
    except ToolCallError as exc:
        notes.append(f"the memory use of the pods on node {pod.node} could not be read: {exc.message}")
        return []
    found = []
    for usage in heaviest:
        if len(found) >= _HEAVIEST:
            break
        if (usage.namespace, usage.name) == (pod.namespace, pod.name):
            continue
        try:
            detail = await cluster.get_pod(usage.namespace, usage.name)
        except ToolCallError:
            continue  # gone since metrics-server saw it
        if detail.node != pod.node:
            continue
        owner = detail.owner_chain[-1] if detail.owner_chain else None
        found.append(
            NodeNeighbour(
                namespace=usage.namespace,
                name=usage.name,
                node=pod.node,
                workload=f"{owner.kind}/{owner.name}" if owner else None,
                memory_bytes=usage.memory_bytes,
                memory_request_bytes=sum(byte_count(c.requests.get("memory")) for c in detail.containers),
                memory_limited=all("memory" in c.limits for c in detail.containers),
            )
        )
    return found
