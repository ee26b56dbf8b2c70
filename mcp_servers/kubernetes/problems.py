"""`find_problems`: everything unhealthy in a namespace, a list of namespaces or the whole
allowed cluster, ranked by severity (problem_models.py says how severity is decided).

Contract:
- One list per resource kind and namespace (pods, ReplicaSets, Deployments, StatefulSets,
  DaemonSets, Jobs, Services, Endpoints, PVCs, events) plus one of nodes; never a call per
  object, so the cost grows with the cluster only through those lists. Lists are read page by
  page and each object cut down to the fields the checks use, so memory stays a fraction of
  the objects' size. Each list reads at most
  `SCAN_LIMIT` objects; a cut list, or a kind the server may not read, becomes a note (and
  `truncated`), never a failure of the whole sweep.
- Each problem names its object, its top owner workload and says why in one line; pods with
  the same reason under the same owner are one problem with a count.
- 'Recent' (restarts, events) is relative to the newest time seen in the data read, so a
  snapshot is judged at the moment it was taken and both backends give identical answers.
- At most `limit` problems, most severe first; `counts` covers all of them, `truncated` says
  when some were left out. Every free text passes `redact_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mcp_servers.kubernetes import problem_checks, problem_workloads
from mcp_servers.kubernetes.backend import Backend, BackendError, KubeObject, ListPage, NotFoundError
from mcp_servers.kubernetes.problem_inventory import Inventory, Owners
from mcp_servers.kubernetes.problem_models import SEVERITIES, Problem, ProblemReport
from mcp_servers.kubernetes.slim import slim

if TYPE_CHECKING:
    from mcp_servers.kubernetes.cluster import ClusterReader

SCAN_LIMIT = 20_000
_NAMESPACED = (
    "pods",
    "replicasets",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "services",
    "endpoints",
    "persistentvolumeclaims",
    "events",
)
_KIND_ORDER = {"Node": 0, "Deployment": 1, "StatefulSet": 2, "DaemonSet": 3, "Job": 4, "Service": 5, "Pod": 6}


def _scope(reader: ClusterReader, namespaces: list[str] | None) -> list[str | None]:
    if namespaces:
        for namespace in namespaces:
            reader.check_namespace(namespace)
        return list(dict.fromkeys(namespaces))
    if reader.allowed_namespaces is None:
        return [None]
    return sorted(reader.allowed_namespaces)


def _pages(backend: Backend, resource: str, namespace: str | None) -> Iterable[ListPage]:
    """The list page by page when the backend can (both of ours can), else in one piece."""
    pages = getattr(backend, "pages", None)
    if pages is not None:
        return pages(resource, namespace, limit=SCAN_LIMIT)  # type: ignore[no-any-return]
    return [backend.list(resource, namespace, limit=SCAN_LIMIT)]  # type: ignore[arg-type]


def _read(reader: ClusterReader, inventory: Inventory, resource: str, scope: list[str | None]) -> None:
    """Every object of one kind in the scope, each cut down to what the checks read (slim.py)
    page by page, so a big cluster is never held whole."""
    items: list[KubeObject] = []
    for namespace in scope:
        where = f" in namespace {namespace}" if namespace else ""
        try:
            for page in _pages(reader.backend, resource, namespace):
                items += [slim(resource, obj) for obj in page.items]
                if page.truncated:
                    inventory.truncated = True
                    inventory.notes.append(f"only the first {SCAN_LIMIT} {resource}{where} were checked")
        except NotFoundError:
            continue
        except BackendError as exc:
            inventory.notes.append(f"{resource}{where} could not be read: {exc}")
    inventory.objects[resource] = items


def read_inventory(reader: ClusterReader, scope: list[str | None]) -> Inventory:
    inventory = Inventory()
    for resource in _NAMESPACED:
        _read(reader, inventory, resource, scope)
    _read(reader, inventory, "nodes", [None])
    return inventory


def _rank(problem: Problem) -> tuple[int, int, str, str, str]:
    return (
        SEVERITIES.index(problem.severity),
        _KIND_ORDER.get(problem.kind, 7),
        problem.namespace or "",
        problem.name,
        problem.reason,
    )


def find_problems(reader: ClusterReader, namespaces: list[str] | None, limit: int) -> ProblemReport:
    scope = _scope(reader, namespaces)
    inventory = read_inventory(reader, scope)
    owners = Owners(inventory)
    judged_at = problem_checks.newest_time(inventory["events"], inventory["pods"], inventory["nodes"])
    pod_nodes = {(p.get("spec") or {}).get("nodeName") for p in inventory["pods"]}
    problems = (
        problem_checks.node_problems(inventory["nodes"], None if scope == [None] else pod_nodes)
        + problem_checks.pod_problems(inventory["pods"], owners, judged_at)
        + problem_workloads.workload_problems(inventory)
        + problem_workloads.service_problems(inventory)
        + problem_workloads.claim_problems(inventory["persistentvolumeclaims"], inventory["events"])
        + problem_checks.event_problems(inventory["events"], inventory["pods"], owners, judged_at)
    )
    problems.sort(key=_rank)
    counts = {severity: sum(p.severity == severity for p in problems) for severity in SEVERITIES}
    return ProblemReport(
        namespaces=None if scope == [None] else [ns for ns in scope if ns],
        problems=problems[:limit],
        counts=counts,
        checked={resource: len(objects) for resource, objects in inventory.objects.items()},
        judged_at=judged_at,
        notes=inventory.notes,
        truncated=inventory.truncated or len(problems) > limit,
    )
