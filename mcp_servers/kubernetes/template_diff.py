"""The field-level difference of two pod templates, as a person reviewing a rollout reads it.

A template is flattened into named fields ('containers[app].image', 'containers[app].env[DB_URL]',
'volumes[config]', 'nodeSelector[disktype]', ...), each with the raw value it is compared on and
the value shown. Shown values are redacted exactly like `get_pod` (a secret-named env literal is
hidden whole, a Secret/ConfigMap reference is shown as the reference, other strings pass
`redact_text`), while comparison uses the raw value: a changed secret shows as changed, with both
sides '[REDACTED]'. Fields without a dedicated rendering (securityContext, lifecycle, ...) are
compared as compact JSON, so nothing in the template can change unseen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from common.redaction import redact_env_value, redact_text
from mcp_servers.kubernetes.backend import KubeObject
from mcp_servers.kubernetes.history_models import FieldChange
from mcp_servers.kubernetes.summaries import probe

# Labels the controllers add per revision: they differ by construction, so they say nothing.
_REVISION_LABELS = frozenset({"pod-template-hash", "controller-revision-hash", "pod-template-generation"})
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_CONTAINER_DONE = frozenset(
    {"name", "image", "command", "args", "env", "envFrom", "resources", "volumeMounts", *_PROBES}
)
_SPEC_DONE = frozenset(
    {"containers", "initContainers", "volumes", "nodeSelector", "tolerations", "affinity", "serviceAccountName"}
)
# Fields the API server defaults on every container: noise when a whole container is added or removed.
_CONTAINER_DEFAULTS = {"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
# The deprecated alias of serviceAccountName, which the API server keeps equal to it.
_DEPRECATED_ALIASES = frozenset({"serviceAccount"})

Flat = dict[str, tuple[str, str]]  # field -> (raw value compared, value shown)


def _raw(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _shown(value: Any) -> str:
    return redact_text(_raw(value))[0]


def _plain(value: Any) -> tuple[str, str]:
    return _raw(value), _shown(value)


def _env(var: dict[str, Any]) -> tuple[str, str]:
    source = var.get("valueFrom")
    if source is not None:
        for key, name_key in (("secretKeyRef", "name"), ("configMapKeyRef", "name")):
            if ref := source.get(key):
                shown = f"<{key} {ref.get(name_key)}/{ref.get('key')}>"
                return _raw(source), shown
        if ref := source.get("fieldRef"):
            return _raw(source), f"<fieldRef {ref.get('fieldPath')}>"
        return _raw(source), _shown(source)
    value = str(var.get("value", ""))
    return value, redact_env_value(str(var.get("name", "")), value)[0]


def _probe(raw: dict[str, Any]) -> tuple[str, str]:
    summary = probe(raw)
    if summary is None:
        return _raw(raw), ""
    shown = (
        f"{summary.target} delay={summary.initial_delay_seconds}s period={summary.period_seconds}s "
        f"timeout={summary.timeout_seconds}s failures={summary.failure_threshold}"
    )
    return _raw(raw), shown


def _container(prefix: str, container: dict[str, Any]) -> Iterator[tuple[str, tuple[str, str]]]:
    yield f"{prefix}.image", _plain(container.get("image", ""))
    for key in ("command", "args"):
        if container.get(key):
            yield f"{prefix}.{key}", (_raw(container[key]), redact_text(" ".join(map(str, container[key])))[0])
    for var in container.get("env") or []:
        yield f"{prefix}.env[{var.get('name', '')}]", _env(var)
    for source in container.get("envFrom") or []:
        for key in ("configMapRef", "secretRef"):
            if ref := source.get(key):
                yield f"{prefix}.envFrom[{key} {ref.get('name')}]", _plain(source.get("prefix", ""))
    for bound in ("requests", "limits"):
        for resource, quantity in ((container.get("resources") or {}).get(bound) or {}).items():
            yield f"{prefix}.resources.{bound}.{resource}", _plain(str(quantity))
    for key in _PROBES:
        if container.get(key):
            yield f"{prefix}.{key}", _probe(container[key])
    for mount in container.get("volumeMounts") or []:
        shown = f"{mount.get('mountPath')}{' (ro)' if mount.get('readOnly') else ''}"
        if mount.get("subPath"):
            shown += f" subPath {mount['subPath']}"
        yield f"{prefix}.volumeMounts[{mount.get('name')}]", (_raw(mount), shown)
    for key, value in container.items():
        if key not in _CONTAINER_DONE and _CONTAINER_DEFAULTS.get(key) != value:
            yield f"{prefix}.{key}", _plain(value)


def _volume(volume: dict[str, Any]) -> tuple[str, str]:
    """'configMap app-config', 'secret db-credentials', 'persistentVolumeClaim data', else the JSON."""
    for key, name_key in (
        ("configMap", "name"),
        ("secret", "secretName"),
        ("persistentVolumeClaim", "claimName"),
        ("hostPath", "path"),
    ):
        if key in volume:
            source = volume[key] or {}
            extra = {k: v for k, v in source.items() if k != name_key}
            shown = f"{key} {source.get(name_key, '')}" + (f" {_shown(extra)}" if extra else "")
            return _raw(volume), shown
    return _raw(volume), _shown({k: v for k, v in volume.items() if k != "name"})


def _toleration(toleration: dict[str, Any]) -> str:
    key = toleration.get("key") or "<any>"
    value = f"={toleration['value']}" if toleration.get("value") else ""
    operator = toleration.get("operator", "Equal")
    text = f"{key}{value}:{toleration.get('effect') or '<any effect>'} ({operator})"
    if toleration.get("tolerationSeconds") is not None:
        text += f" for {toleration['tolerationSeconds']}s"
    return text


def flatten(template: KubeObject) -> Flat:
    """The template's fields in reading order: metadata, containers, then pod-level fields."""
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    flat: Flat = {}
    for key, value in sorted((meta.get("labels") or {}).items()):
        if key not in _REVISION_LABELS:
            flat[f"labels[{key}]"] = _plain(value)
    for key, value in sorted((meta.get("annotations") or {}).items()):
        flat[f"annotations[{key}]"] = _plain(value)
    for list_key in ("initContainers", "containers"):
        for container in spec.get(list_key) or []:
            flat.update(_container(f"{list_key}[{container.get('name', '')}]", container))
    for volume in spec.get("volumes") or []:
        flat[f"volumes[{volume.get('name', '')}]"] = _volume(volume)
    for key, value in sorted((spec.get("nodeSelector") or {}).items()):
        flat[f"nodeSelector[{key}]"] = _plain(value)
    if spec.get("tolerations"):
        tolerations = spec["tolerations"]
        flat["tolerations"] = (_raw(tolerations), "; ".join(_toleration(t) for t in tolerations))
    if spec.get("affinity"):
        flat["affinity"] = _plain(spec["affinity"])
    flat["serviceAccountName"] = _plain(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    for key, value in spec.items():
        if key not in _SPEC_DONE and key not in _DEPRECATED_ALIASES:
            flat[key] = _plain(value)
    return flat


def diff(older: KubeObject, newer: KubeObject, limit: int) -> tuple[list[FieldChange], bool]:
    """What changed from `older` to `newer`, at most `limit` fields, and whether more changed."""
    before, after = flatten(older), flatten(newer)
    changes = []
    for field in dict.fromkeys([*after, *before]):
        old, new = before.get(field), after.get(field)
        if (old and old[0]) == (new and new[0]):
            continue
        changes.append(FieldChange(field=field, before=old and old[1], after=new and new[1]))
    return changes[:limit], len(changes) > limit


def images(template: KubeObject) -> list[str]:
    spec = template.get("spec") or {}
    return [str(c.get("image", "")) for c in spec.get("containers") or []]
