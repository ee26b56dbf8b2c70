"""How list and get answers are shaped: List envelopes, pagination, field label checks.

Pagination follows the API server's contract: items ordered by namespace then name (etcd key
order), `limit` cuts a page, and `metadata.continue` is an opaque token that resumes after
the last item returned, so a client that follows it sees every item exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.selectors import parse_field_selector

from .catalog import ServedResource
from .params import int_param
from .status import ApiError

# One resourceVersion for the whole snapshot: it never changes, and lists must carry one.
LIST_RESOURCE_VERSION = "1"

ObjectKey = tuple[str, str]


@dataclass(frozen=True)
class ListQuery:
    label_selector: str | None = None
    field_selector: str | None = None
    limit: int | None = None
    after: ObjectKey | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.label_selector or self.field_selector)


def parse_list_query(params: Mapping[str, str], resource: ServedResource) -> ListQuery:
    field_selector = params.get("fieldSelector") or None
    for requirement in parse_field_selector(field_selector):
        if requirement.key not in resource.field_labels:
            # The real server's wording, so callers can be tested against it.
            raise ApiError.bad_request(f"field label not supported: {requirement.key}")
    token = params.get("continue")
    return ListQuery(
        label_selector=params.get("labelSelector") or None,
        field_selector=field_selector,
        limit=_limit(params),
        after=_decode_continue(token) if token else None,
    )


def _limit(params: Mapping[str, str]) -> int | None:
    limit = int_param(params, "limit")
    # The API server treats zero and negative limits as "no limit".
    return limit if limit is not None and limit > 0 else None


def object_key(obj: KubeObject) -> ObjectKey:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")


def _encode_continue(key: ObjectKey) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": int(LIST_RESOURCE_VERSION), "start": list(key)}
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def _decode_continue(token: str) -> ObjectKey:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, name = decoded["start"]
        return (str(namespace), str(name))
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ApiError.bad_request(f"continue key is not valid: {token!r}") from None


def list_document(resource: ServedResource, objects: list[KubeObject], query: ListQuery) -> dict[str, Any]:
    ordered = sorted(objects, key=object_key)
    if query.after is not None:
        after = query.after
        ordered = [obj for obj in ordered if object_key(obj) > after]
    page = ordered if query.limit is None else ordered[: query.limit]
    metadata: dict[str, Any] = {"resourceVersion": LIST_RESOURCE_VERSION}
    remaining = len(ordered) - len(page)
    if remaining:
        metadata["continue"] = _encode_continue(object_key(page[-1]))
        # Like the real server: an exact count is only known when nothing was filtered out.
        if not query.filtered:
            metadata["remainingItemCount"] = remaining
    return {
        "kind": f"{resource.kind}List",
        "apiVersion": resource.group_version,
        "metadata": metadata,
        "items": [_without_type_meta(obj) for obj in page],
    }


def object_document(resource: ServedResource, obj: KubeObject) -> dict[str, Any]:
    return {"kind": resource.kind, "apiVersion": resource.group_version, **_without_type_meta(obj)}


def _without_type_meta(obj: KubeObject) -> KubeObject:
    # A shallow copy: the backend's cached objects must never be modified.
    return {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}
