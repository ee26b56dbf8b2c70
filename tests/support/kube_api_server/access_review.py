"""SelfSubjectAccessReview (`POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`):
what `kubectl auth can-i` and client-go based tools ask before acting.

Every real API server answers it. The peer Kubernetes MCP server asks it before listing a kind
in every namespace and, on no answer, falls back to the `default` namespace alone: without it,
its `pods_list` printed an empty table against this server.

The answer follows this server's own authorization (the product's RBAC): the read verbs on
every resource it serves, Secrets excepted; nothing else, since it serves no write. The body
arrives as JSON or, from client-go's typed clients, as Kubernetes protobuf (the `k8s\\0` magic,
a `runtime.Unknown` around the message), which is read here at the wire level: the few fields
needed are strings at fixed field numbers, so no generated code is required.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from .catalog import ServedResource, catalog, served

GROUP_VERSION = "authorization.k8s.io/v1"
RESOURCE = "selfsubjectaccessreviews"
DISCOVERY_ENTRY: dict[str, Any] = {
    "name": RESOURCE,
    "singularName": "selfsubjectaccessreview",
    "namespaced": False,
    "kind": "SelfSubjectAccessReview",
    "verbs": ["create"],
}
_READ_VERBS = frozenset({"get", "list", "watch"})
_PROTOBUF_MAGIC = b"k8s\x00"
# Field numbers in k8s.io/api's generated.proto: Unknown.raw = 2; SelfSubjectAccessReview.spec = 2;
# spec.resourceAttributes = 1, spec.nonResourceAttributes = 2; ResourceAttributes: namespace 1,
# verb 2, group 3, version 4, resource 5, subresource 6, name 7; NonResourceAttributes: path 1, verb 2.
_RESOURCE_FIELDS = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}
_NON_RESOURCE_FIELDS = {1: "path", 2: "verb"}


@dataclass(frozen=True)
class Review:
    spec: dict[str, Any]

    @property
    def resource_attributes(self) -> dict[str, str] | None:
        return self.spec.get("resourceAttributes")


def parse_review(body: bytes, content_type: str) -> Review:
    if body.startswith(_PROTOBUF_MAGIC) or "protobuf" in content_type:
        return Review(_spec_from_protobuf(body.removeprefix(_PROTOBUF_MAGIC)))
    document = json.loads(body or b"{}")
    return Review(document.get("spec") or {})


def answer(backend: SnapshotBackend, review: Review) -> dict[str, Any]:
    allowed, reason = _decide(backend, review)
    status: dict[str, Any] = {"allowed": allowed}
    if reason:
        status["reason"] = reason
    return {"kind": "SelfSubjectAccessReview", "apiVersion": GROUP_VERSION, "spec": review.spec, "status": status}


def _decide(backend: SnapshotBackend, review: Review) -> tuple[bool, str]:
    attributes = review.resource_attributes
    if attributes is None:  # a non-resource URL: discovery and /version are readable
        verb = (review.spec.get("nonResourceAttributes") or {}).get("verb", "")
        return verb == "get", "" if verb == "get" else "this test API server serves no write"
    verb = attributes.get("verb", "")
    if verb not in _READ_VERBS:
        return False, "this test API server serves no write"
    group, version = attributes.get("group", ""), attributes.get("version", "")
    name = attributes.get("resource", "")
    resource: ServedResource | None
    if version:
        resource = served(backend, f"{group}/{version}" if group else version, name)
    else:  # no version named: any version of the group
        resource = next((r for r in catalog(backend) if r.group == group and r.name == name), None)
    if resource is None:
        return False, f"no resource {name!r} in API group {group!r} is served here"
    if resource.source == "forbidden":
        return False, f'RBAC: the test user cannot {verb} resource "{name}"'
    return True, ""


def _spec_from_protobuf(unknown: bytes) -> dict[str, Any]:
    raw = _fields(unknown).get(2, b"")
    spec = _fields(_fields(raw).get(2, b""))
    if 1 in spec:
        return {"resourceAttributes": _strings(spec[1], _RESOURCE_FIELDS)}
    return {"nonResourceAttributes": _strings(spec.get(2, b""), _NON_RESOURCE_FIELDS)}


def _strings(message: bytes, names: dict[int, str]) -> dict[str, str]:
    return {names[number]: value.decode() for number, value in _fields(message).items() if number in names}


def _fields(message: bytes) -> dict[int, bytes]:
    """The length-delimited fields of one protobuf message (the last of a repeated number wins)."""
    fields: dict[int, bytes] = {}
    position = 0
    while position < len(message):
        key, position = _varint(message, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, position = _varint(message, position)
        elif wire_type == 2:
            length, position = _varint(message, position)
            fields[number] = message[position : position + length]
            position += length
        else:
            raise ValueError(f"unexpected protobuf wire type {wire_type} in a SelfSubjectAccessReview")
    return fields


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data):
            raise ValueError("truncated protobuf message")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
