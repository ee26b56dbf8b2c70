"""Readable text for the generic tools: `kubectl get` tables, and YAML for whole objects."""

from __future__ import annotations

import yaml

from mcp_servers.kubernetes.durations import age
from mcp_servers.kubernetes.generic_models import NamespaceList, ResourceDetail, ResourceList
from mcp_servers.kubernetes.render import render


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["   ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in [header, *rows]]
    return "\n".join(lines)


def _more(truncated: bool) -> str:
    return "\n(more exist; narrow the query or raise the limit)" if truncated else ""


@render.register
def _(result: ResourceList) -> str:
    where = f" in {result.namespace} namespace" if result.namespace else ""
    if not result.rows:
        return f"No resources found{where}." + _more(result.truncated)
    if result.objects is not None:
        document = {"apiVersion": "v1", "kind": "List", "items": result.objects}
        return yaml.safe_dump(document, sort_keys=False, width=120).rstrip() + _more(result.truncated)
    header = [c.upper() for c in result.columns]
    rows = [row.cells for row in result.rows]
    if result.namespaced and result.namespace is None:
        header = ["NAMESPACE", *header]
        rows = [[row.namespace or "", *row.cells] for row in result.rows]
    return _table(header, rows) + _more(result.truncated)


@render.register
def _(detail: ResourceDetail) -> str:
    text = _table([c.upper() for c in detail.columns], [detail.cells])
    if detail.object is not None:
        text += "\n\n" + yaml.safe_dump(detail.object, sort_keys=False, width=120).rstrip()
    if detail.truncated:
        text += "\n(cut to stay within this server's bounds: a long value was shortened or the object left out)"
    return text


@render.register
def _(result: NamespaceList) -> str:
    if not result.namespaces:
        return "No namespaces found."
    rows = [[ns.name, ns.status, age(ns.created_at)] for ns in result.namespaces]
    return _table(["NAME", "STATUS", "AGE"], rows) + _more(result.truncated)
