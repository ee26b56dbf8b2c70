"""Whole objects as the generic tools may return them: nothing secret, nothing bulky.

`managedFields` and the `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of
the whole object as last applied, env literals and ConfigMap values included) are dropped. A
ConfigMap's values are redacted like env literals (hidden whole when the key names a secret, else
secret-like parts replaced); its binaryData shows only its size. Every `env` list's literal values
go through `redact_env_value`, and every other string through `redact_text`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from common.redaction import redact_env_value, redact_text
from mcp_servers.kubernetes.backend import KubeObject

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def clean_object(obj: KubeObject, *, config_map: bool = False) -> tuple[KubeObject, int]:
    """A redacted deep copy of the object, and how many values were redacted."""
    counter = [0]
    cleaned = _walk(obj, None, counter)
    metadata = cleaned.get("metadata")
    if isinstance(metadata, dict) and metadata.get("annotations") == {}:
        metadata.pop("annotations")  # nothing left once last-applied-configuration is dropped
    if config_map:
        _config_map_values(obj, cleaned, counter)
    return cleaned, counter[0]


def _walk(value: Any, key: str | None, counter: list[int]) -> Any:
    if isinstance(value, dict):
        if key == "metadata" and "managedFields" in value:
            value = {k: v for k, v in value.items() if k != "managedFields"}
        if key == "annotations" and LAST_APPLIED in value:
            value = {k: v for k, v in value.items() if k != LAST_APPLIED}
        return {k: _walk(v, k, counter) for k, v in value.items()}
    if isinstance(value, list):
        if key == "env":
            return [_env_entry(entry, counter) for entry in value]
        return [_walk(item, None, counter) for item in value]
    if isinstance(value, str):
        redacted, count = redact_text(value)
        counter[0] += count
        return redacted
    return value


def _env_entry(entry: Any, counter: list[int]) -> Any:
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
        return _walk(entry, None, counter)
    cleaned = _walk({k: v for k, v in entry.items() if k != "value"}, None, counter)
    value, redacted = redact_env_value(str(entry.get("name", "")), entry["value"])
    counter[0] += redacted
    return {**cleaned, "value": value}


def _config_map_values(original: KubeObject, cleaned: KubeObject, counter: list[int]) -> None:
    data = original.get("data")
    if isinstance(data, dict):
        cleaned["data"] = {}
        for name, value in data.items():
            shown, redacted = redact_env_value(str(name), str(value))
            counter[0] += redacted
            cleaned["data"][name] = shown
    binary = original.get("binaryData")
    if isinstance(binary, dict):
        cleaned["binaryData"] = {name: f"<{_decoded_size(value)} bytes>" for name, value in binary.items()}


def _decoded_size(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))
