"""How a host name as it appears in a log line, a URL or a connection string is reduced to the
bare DNS name the knowledge graph indexes."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_AFTER_AUTHORITY = re.compile(r"[/?#]")


def normalize_host(text: str) -> str:
    """`postgres://app:pw@Users-DB.shop.svc:5432/users` -> `users-db.shop.svc`; '' when nothing is left."""
    host = _SCHEME.sub("", text.strip().lower())
    host = _AFTER_AUTHORITY.split(host, maxsplit=1)[0]
    host = host.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host[1:].partition("]")[0]
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit():
        host = name
    # A trailing dot is the absolute form of the same name, as resolvers and some clients print it.
    return host.rstrip(".")


def service_references(labels: list[str]) -> list[tuple[str, str]]:
    """The (service, namespace) pairs a multi-label cluster DNS name may refer to. The cluster
    domain after `.svc` varies between clusters, so it is not checked."""
    references = []
    if len(labels) == 2 or (len(labels) >= 3 and labels[2] == "svc"):
        references.append((labels[0], labels[1]))  # svc.ns, svc.ns.svc, svc.ns.svc.cluster.local
    if len(labels) >= 4 and labels[3] == "svc":
        references.append((labels[1], labels[2]))  # pod.svc.ns.svc...: a StatefulSet pod by name
    return references
