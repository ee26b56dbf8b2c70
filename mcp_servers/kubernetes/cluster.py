"""Read operations over a backend: bounds, the namespace allow-list, redaction and owner chains.

This is where each tool's meaning lives; `tools.py` only adapts it to MCP. The orchestrator's
in-process mode calls the same tools over an in-memory MCP client, never this class directly,
so every caller sees exactly what an MCP client sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from common.redaction import redact_text
from mcp_servers.kubernetes import history, summaries
from mcp_servers.kubernetes.backend import (
    Backend,
    BackendError,
    KubeObject,
    LogsUnavailableError,
    NotFoundError,
)
from mcp_servers.kubernetes.log_grep import compile_pattern, grep_lines
from mcp_servers.kubernetes.models import (
    EventInfo,
    EventList,
    LogExcerpt,
    NodeDetail,
    ObjectRef,
    PodDetail,
    PodDiagnosis,
    PodList,
    PodMatch,
    PodMatches,
    ServiceDetail,
    WorkloadDetail,
)
from mcp_servers.kubernetes.owners import OwnerChains, Top
from mcp_servers.kubernetes.resources import RESOURCE_BY_KIND

# Labels people use to name an application, most specific first.
_APP_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "app.kubernetes.io/instance", "component")
# A name that is also a valid label value, so the API server can select on it.
_SELECTABLE = re.compile(r"[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?")
_DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
T = TypeVar("T")


class NamespaceNotAllowedError(BackendError):
    pass


class InvalidArgumentError(BackendError):
    pass


@dataclass(frozen=True)
class Limits:
    """Output bounds; each tool argument is validated against these maxima."""

    max_list: int = 500
    find_scan: int = 5000
    max_tail_lines: int = 5000
    max_log_bytes: int = 262_144
    max_events: int = 200
    diagnose_events: int = 25
    diagnose_tail_lines: int = 100
    diagnose_log_bytes: int = 12_288
    max_endpoint_addresses: int = 100


class ClusterReader:
    def __init__(
        self,
        backend: Backend,
        *,
        allowed_namespaces: Iterable[str] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.backend = backend
        self.allowed_namespaces = frozenset(allowed_namespaces) if allowed_namespaces else None
        self.limits = limits or Limits()
        self._owners = OwnerChains(backend)

    # -- namespace allow-list -------------------------------------------------------------

    def _check_namespace(self, namespace: str) -> None:
        if self.allowed_namespaces is not None and namespace not in self.allowed_namespaces:
            allowed = ", ".join(sorted(self.allowed_namespaces))
            raise NamespaceNotAllowedError(
                f"namespace {namespace!r} is not in this server's allowed namespaces ({allowed})"
            )

    def check_namespace(self, namespace: str) -> None:
        """For the tool modules beside this class (history.py, problems.py)."""
        self._check_namespace(namespace)

    def _namespaces(self, namespace: str | None) -> list[str | None]:
        """The namespaces a list call covers: the one asked, all, or every allowed one."""
        if namespace:
            self._check_namespace(namespace)
            return [namespace]
        if self.allowed_namespaces is None:
            return [None]
        return sorted(self.allowed_namespaces)

    def _list(
        self,
        resource: str,
        namespace: str | None,
        *,
        limit: int,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[KubeObject], bool]:
        items: list[KubeObject] = []
        truncated = False
        for ns in self._namespaces(namespace):
            page = self.backend.list(
                resource,  # type: ignore[arg-type]
                ns,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=limit - len(items),
            )
            items += page.items
            truncated = truncated or page.truncated
            if len(items) >= limit:
                break
        return items, truncated

    # -- tools ------------------------------------------------------------------------------

    def list_pods(
        self,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        limit: int,
    ) -> PodList:
        pods, truncated = self._list(
            "pods", namespace, limit=limit, label_selector=label_selector, field_selector=field_selector
        )
        return PodList(pods=[summaries.pod_summary(p) for p in pods], truncated=truncated)

    def find_pods(self, query: str, namespace: str | None, limit: int) -> PodMatches:
        wanted = query.strip().lower()
        pods, scan_truncated = self._list("pods", namespace, limit=self.limits.find_scan)
        if scan_truncated and _SELECTABLE.fullmatch(wanted):
            pods = _unique(pods + self._selected_pods(wanted, namespace))
        ranked: list[tuple[int, str, KubeObject]] = []
        for pod in pods:
            match = _match_pod(pod, wanted)
            if match:
                ranked.append((match[0], match[1], pod))
        ranked.sort(key=lambda r: (r[0], r[2]["metadata"].get("namespace", ""), r[2]["metadata"]["name"]))
        matches = [
            PodMatch(**summaries.pod_summary(pod).model_dump(), matched_on=why) for _, why, pod in ranked[:limit]
        ]
        return PodMatches(query=query, pods=matches, truncated=scan_truncated or len(ranked) > limit)

    def _selected_pods(self, query: str, namespace: str | None) -> list[KubeObject]:
        """The pods named `query` or labelled with it as their app, selected by the API server.

        In a cluster with more pods than one scan reads, the best kinds of match (the exact name,
        an app label) are still found, whichever namespace they sort into.
        """
        found, _ = self._list("pods", namespace, limit=self.limits.max_list, field_selector=f"metadata.name={query}")
        for label in _APP_LABELS:
            selected, _ = self._list("pods", namespace, limit=self.limits.max_list, label_selector=f"{label}={query}")
            found += selected
        return found

    def _pod(self, namespace: str, name: str) -> KubeObject:
        self._check_namespace(namespace)
        return self.backend.get("pods", namespace, name)

    def owner_chain(self, obj: KubeObject, namespace: str) -> tuple[list[ObjectRef], Top | None]:
        """Controllers from the object upwards, and the topmost one that could be read."""
        return self._owners.chain(obj, namespace)

    def get_pod(self, namespace: str, name: str) -> PodDetail:
        pod = self._pod(namespace, name)
        return summaries.pod_detail(pod, self._owners.names(pod, namespace))

    def get_pod_logs(
        self,
        namespace: str,
        name: str,
        container: str | None,
        tail_lines: int,
        previous: bool,
        max_bytes: int,
        grep: str | None = None,
    ) -> LogExcerpt:
        try:
            pattern = compile_pattern(grep) if grep is not None else None
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from exc
        if container is None:
            container = _resolve_container(self._pod(namespace, name), None)
            return self._logs(namespace, name, container, tail_lines, previous, max_bytes, pattern)
        # A named container's logs are read first, the pod only to explain a failure (which pod or
        # container is missing): one GET instead of two for what an assistant asks most.
        self._check_namespace(namespace)
        try:
            return self._logs(namespace, name, container, tail_lines, previous, max_bytes, pattern)
        except LogsUnavailableError:
            _resolve_container(self._pod(namespace, name), container)
            raise

    def _logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        tail_lines: int,
        previous: bool,
        max_bytes: int,
        grep: re.Pattern[str] | None = None,
    ) -> LogExcerpt:
        """The newest `tail_lines` lines; with `grep`, up to `tail_lines` lines of matches and context
        found in the newest `max_tail_lines` lines (searched after redaction)."""
        window = self.limits.max_tail_lines if grep is not None else tail_lines
        # One line more than asked tells whether older lines were cut.
        text = self.backend.logs(namespace, pod, container, tail_lines=window + 1, previous=previous)
        lines = text.splitlines(keepends=True)
        truncated = len(lines) > window
        lines = lines[-window:] if window else []
        redacted, redactions = redact_text("".join(lines))
        matches = None
        if grep is not None:
            found, matches, cut = grep_lines(redacted.splitlines(keepends=True), grep, tail_lines)
            redacted, truncated = "".join(found), truncated or cut
        encoded = redacted.encode("utf-8")
        if len(encoded) > max_bytes:
            truncated = True
            tail = encoded[-max_bytes:].decode("utf-8", errors="ignore")
            # Drop the partial first line so every line shown is whole.
            redacted = tail[tail.find("\n") + 1 :] if "\n" in tail[:-1] else tail
        return LogExcerpt(
            namespace=namespace,
            pod=pod,
            container=container,
            previous=previous,
            lines=len(redacted.splitlines()),
            text=redacted,
            truncated=truncated,
            redactions=redactions,
            grep=grep.pattern if grep is not None else None,
            matches=matches,
        )

    def get_events(
        self,
        namespace: str | None,
        object_kind: str | None,
        object_name: str | None,
        warnings_only: bool,
        limit: int,
    ) -> EventList:
        selector = [f"involvedObject.{k}={v}" for k, v in (("kind", object_kind), ("name", object_name)) if v]
        if warnings_only:
            selector.append("type=Warning")
        # Lists come in name order, so fetch up to the cap and sort by time ourselves.
        raw, truncated = self._list(
            "events", namespace, limit=self.limits.max_events, field_selector=",".join(selector) or None
        )
        ordered = summaries.sort_events_newest_first(raw)
        return EventList(
            namespace=namespace,
            events=[summaries.event_info(e) for e in ordered[:limit]],
            truncated=truncated or len(ordered) > limit,
        )

    def get_workload(self, kind: str, namespace: str, name: str) -> WorkloadDetail:
        self._check_namespace(namespace)
        workload = self.backend.get(RESOURCE_BY_KIND[kind].name, namespace, name)
        chain, _ = self.owner_chain(workload, namespace)
        return summaries.workload_detail(workload, kind, chain)

    def get_service(self, namespace: str, name: str) -> ServiceDetail:
        self._check_namespace(namespace)
        service = self.backend.get("services", namespace, name)
        try:
            endpoints: KubeObject | None = self.backend.get("endpoints", namespace, name)
        except NotFoundError:
            endpoints = None
        return summaries.service_detail(service, endpoints, self.limits.max_endpoint_addresses)

    def get_node(self, name: str) -> NodeDetail:
        return summaries.node_detail(self.backend.get("nodes", None, name))

    def diagnose_pod(self, namespace: str, name: str) -> PodDiagnosis:
        """Everything about one pod; a part the cluster fails to give (an API error, a timeout) is left out
        with a note saying why, so one failing read does not cost the whole diagnosis."""
        pod = self._pod(namespace, name)
        notes: list[str] = []
        chain, top = _partial(notes, "the owner workload", lambda: self.owner_chain(pod, namespace)) or ([], None)
        detail = summaries.pod_detail(pod, chain)
        events = _partial(
            notes,
            "the pod's events",
            lambda: self.get_events(namespace, "Pod", name, False, self.limits.diagnose_events),
        ) or EventList(namespace=namespace, events=[], truncated=False)
        logs = self._diagnosis_logs(namespace, detail, notes)
        owner: WorkloadDetail | None = None
        owner_events: list[EventInfo] = []
        latest_change = None
        if top is not None:
            owner = summaries.workload_detail(top[1], top[0].kind, [])
            latest_change = _partial(
                notes,
                f"the rollout history of {top[0].kind} {top[0].name}",
                lambda: history.latest_change(self, top[0].kind, top[1]),
            )
            # Controllers report what stops pods from existing at all (quota, admission).
            for ref in chain:
                if ref.kind in RESOURCE_BY_KIND:
                    found = _partial(
                        notes,
                        f"the events of {ref.kind} {ref.name}",
                        lambda ref=ref: self.get_events(
                            namespace, ref.kind, ref.name, True, self.limits.diagnose_events
                        ),
                    )
                    owner_events += found.events if found else []
        truncated = events.truncated or any(log.truncated for log in logs)
        node: NodeDetail | None = None
        if detail.node:
            try:
                node = _partial(notes, f"node {detail.node}", lambda: self.get_node(detail.node))
            except NotFoundError:
                notes.append(f"node {detail.node} of the pod was not found")
        return PodDiagnosis(
            pod=detail,
            events=events.events,
            logs=logs,
            owner=owner,
            owner_events=owner_events[: self.limits.diagnose_events],
            owner_latest_change=latest_change,
            node=node,
            notes=notes,
            truncated=truncated,
        )

    def _diagnosis_logs(self, namespace: str, pod: PodDetail, notes: list[str]) -> list[LogExcerpt]:
        logs = []
        for container in pod.init_containers + pod.containers:
            succeeded_init = container.init and container.state.exit_code == 0
            if succeeded_init or container.state.state == "unknown":
                continue
            wants_previous = container.restart_count > 0 or container.last_state is not None
            for previous in (False, True) if wants_previous else (False,):
                try:
                    logs.append(
                        self._logs(
                            namespace,
                            pod.name,
                            container.name,
                            self.limits.diagnose_tail_lines,
                            previous,
                            self.limits.diagnose_log_bytes,
                        )
                    )
                except LogsUnavailableError as exc:
                    notes.append(str(exc))
                except BackendError as exc:
                    kind = "previous logs" if previous else "logs"
                    notes.append(f"the {kind} of container {container.name} could not be read: {exc}")
        return logs


def _partial(notes: list[str], what: str, read: Callable[[], T]) -> T | None:
    """`read()`, or None with a note when the cluster fails to answer; a missing object still raises."""
    try:
        return read()
    except NotFoundError:
        raise
    except BackendError as exc:
        notes.append(f"{what} could not be read: {exc}")
        return None


def _unique(pods: list[KubeObject]) -> list[KubeObject]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for pod in pods:
        meta = pod.get("metadata") or {}
        key = (meta.get("namespace", ""), meta.get("name", ""))
        if key not in seen:
            seen.add(key)
            unique.append(pod)
    return unique


def _match_pod(pod: KubeObject, query: str) -> tuple[int, str] | None:
    """How well a pod matches a name someone typed: lower rank is better."""
    meta = pod.get("metadata") or {}
    name = meta.get("name", "")
    if name == query:
        return 0, "name"
    labels = meta.get("labels") or {}
    for label in _APP_LABELS:
        if labels.get(label, "").lower() == query:
            return 1, f"label {label}={labels[label]}"
    owner = summaries.controller_ref(pod)
    if owner and owner.name == query:
        return 2, f"owner {owner.kind} {owner.name}"
    if owner and owner.kind == "ReplicaSet" and owner.name.rsplit("-", 1)[0] == query:
        return 2, f"owner Deployment {query}"
    if name.startswith(query + "-"):
        return 3, "name prefix"
    if query in name:
        return 4, "name contains"
    return None


def _resolve_container(pod: KubeObject, container: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
    if container is None:
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        default = annotations.get(_DEFAULT_CONTAINER_ANNOTATION)
        regular = [c.get("name") for c in spec.get("containers") or []]
        return default if default in names else regular[0]
    if container not in names:
        meta = pod.get("metadata") or {}
        raise InvalidArgumentError(
            f"container {container!r} is not in pod {meta.get('namespace')}/{meta.get('name')}; "
            f"its containers are: {', '.join(str(n) for n in names)}"
        )
    return container
