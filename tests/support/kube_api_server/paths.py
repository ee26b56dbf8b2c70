"""Resource paths below a group version, parsed the way the API server's RequestInfo does.

`namespaces/{ns}` is a Namespace while `namespaces/{ns}/pods` is a namespaced collection; a
route table cannot tell these apart by shape alone, so the segments are read here instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourcePath:
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None


def parse_resource_path(path: str) -> ResourcePath | None:
    """`pods`, `nodes/n1`, `namespaces/ns/pods/p/log`, ...; None when it is no resource path."""
    parts = path.strip("/").split("/")
    if any(not part for part in parts):
        return None
    namespace = None
    if len(parts) >= 3 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    if len(parts) > 3:
        return None
    return ResourcePath(parts[0], namespace, *parts[1:])


# Every snapshot is served below its own prefix, so one server (one port, one CA) can serve
# many clusters to concurrent tests; both kubectl and the Python client keep a server URL's path.
CLUSTER_PREFIX = "/clusters"


def cluster_path(cluster_id: str) -> str:
    return f"{CLUSTER_PREFIX}/{cluster_id}"


def split_cluster_path(path: str) -> tuple[str | None, str]:
    """("<id>", "/api/v1/pods") for "/clusters/<id>/api/v1/pods"; (None, path) elsewhere."""
    prefix = CLUSTER_PREFIX + "/"
    if not path.startswith(prefix):
        return None, path
    cluster_id, slash, rest = path[len(prefix) :].partition("/")
    return cluster_id, slash + rest
