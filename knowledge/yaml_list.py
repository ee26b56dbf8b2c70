"""A YAML file that is a mapping holding one list (`rules:`, `consequences:`): read, or refused naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def yaml_list(path: Path, key: str, error: type[ValueError]) -> list[Any]:
    """The items under `key`; `error` (naming the file) when it cannot be read or is not that shape."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read {key}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise error(f"{path}: a {key} file is a mapping with a '{key}' list")
    return document[key]
