"""The discovery documents clients read before anything else: /version, /api, /apis, and the
resource list of each group version.

Only the legacy (unaggregated) format is served: kubectl asks for aggregated discovery first
and falls back when the answer is a plain APIVersions/APIGroupList, which is exactly how it
talks to an older cluster.
"""

from __future__ import annotations

from typing import Any

from mcp_servers.kubernetes.backends.snapshot import SnapshotBackend

from . import access_review
from .catalog import ServedResource, group_versions, served_in

# Claim the same minor version as the installed kubectl so it prints no version-skew warning.
SERVER_VERSION: dict[str, str] = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T16:02:27Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_READ_VERBS = ["get", "list", "watch"]


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _named_groups(backend: SnapshotBackend) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    # Every cluster serves authorization.k8s.io (access reviews), whatever its snapshot holds.
    for group_version in [*group_versions(backend), access_review.GROUP_VERSION]:
        group, _, version = group_version.rpartition("/")
        if group:
            groups.setdefault(group, []).append(version)
    return groups


def _api_group(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(backend: SnapshotBackend) -> dict[str, Any]:
    groups = [_api_group(group, versions) for group, versions in _named_groups(backend).items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(backend: SnapshotBackend, group: str) -> dict[str, Any] | None:
    versions = _named_groups(backend).get(group)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group, versions)}


def _resource_entries(resource: ServedResource) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": resource.name,
        "singularName": resource.type.singular_name,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": _READ_VERBS,
    }
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    entries = [entry]
    if resource.group == "" and resource.name == "pods":
        entries.append({"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]})
    return entries


def api_resource_list(backend: SnapshotBackend, group_version: str) -> dict[str, Any] | None:
    entries = [entry for resource in served_in(backend, group_version) for entry in _resource_entries(resource)]
    if group_version == access_review.GROUP_VERSION:
        entries.append(access_review.DISCOVERY_ENTRY)
    if not entries:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}
