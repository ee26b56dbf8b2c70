"""What counts as the right answer for a scenario.

A scenario names one pod, but when several replicas of the same controller fail the same way
(two Pending pods of one ReplicaSet, the failed attempts of one Job), any of them is an equally
right target: the check is that the investigation chose a pod of the same controller in the
same state, not that it guessed the author's pick.
"""

from __future__ import annotations

from pathlib import Path

from mcp_servers.kubernetes.backend import NotFoundError
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend
from mcp_servers.kubernetes.summaries import controller_ref, pod_status_text


def equivalent_pod(cluster: Path, namespace: str | None, expected: str, actual: str | None) -> bool:
    if actual == expected:
        return True
    if actual is None or namespace is None:
        return False
    backend = SnapshotBackend(cluster)
    try:
        want, got = backend.get("pods", namespace, expected), backend.get("pods", namespace, actual)
    except NotFoundError:
        return False
    owner = controller_ref(want)
    return owner is not None and controller_ref(got) == owner and pod_status_text(got) == pod_status_text(want)
