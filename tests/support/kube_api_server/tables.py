"""`as=Table` answers: what `kubectl get` prints, computed by the product's printers.

kubectl (and the product's live backend) ask for `application/json;as=Table;v=v1;g=meta.k8s.io`;
the real API server then answers a meta.k8s.io/v1 Table whose rows carry the printed cells and,
by default, the object's metadata (`includeObject=Metadata`; `Object` gives the whole object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_servers.kubernetes import printers
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from .catalog import ServedResource
from .status import ApiError


def wants_table(accept: str) -> bool:
    return any("as=Table" in part and "g=meta.k8s.io" in part for part in accept.split(","))


def table_document(
    backend: SnapshotBackend,
    resource: ServedResource,
    objects: list[KubeObject],
    metadata: Mapping[str, Any],
    params: Mapping[str, str],
) -> dict[str, Any]:
    include = params.get("includeObject") or "Metadata"
    if include not in ("None", "Metadata", "Object"):
        raise ApiError.bad_request(f"includeObject: Unsupported value: {include!r}")
    columns, cells = printers.columns_and_cells(resource.type, backend.resources.printer_columns(resource.type))
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj)}
        if include == "Metadata":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj.get("metadata") or {},
            }
        elif include == "Object":
            row["object"] = {"kind": resource.kind, "apiVersion": resource.group_version, **obj}
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(metadata),
        "columnDefinitions": [c.definition() for c in columns],
        "rows": rows,
    }
