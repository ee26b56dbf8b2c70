"""Pydantic validation errors, reworded for a person editing the YAML file."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel
from pydantic_core import ErrorDetails

_EXPECTED = {
    "string_type": "a string",
    "dict_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def yaml_kind(value: object) -> str:
    """What a loaded value was written as, in YAML's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def describe_error(error: ErrorDetails, model: type[BaseModel]) -> str:
    field = ".".join(str(step) for step in error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"missing required key '{field}'"
    if kind == "extra_forbidden":
        return f"unknown key '{field}' (allowed: {', '.join(allowed_keys(model))})"
    if kind == "literal_error":
        choices = _literal_choices(model, error)
        return f"{field} must be {choices[0]}" if len(choices) == 1 else f"{field} must be one of {', '.join(choices)}"
    if kind == "string_too_short":
        return f"{field} must not be empty"
    if kind == "value_error":
        # Our own validators word their messages for the file already.
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in _EXPECTED:
        got = yaml_kind(error["input"])
        hint = " (quote it in YAML)" if kind == "string_type" and got.startswith("the ") else ""
        return f"{field} must be {_EXPECTED[kind]}, got {got}{hint}".lstrip()
    return f"{field}: {error['msg']}" if field else error["msg"]


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _literal_choices(model: type[BaseModel], error: ErrorDetails) -> list[str]:
    info = model.model_fields.get(str(error["loc"][0])) if error["loc"] else None
    choices = [str(choice) for choice in get_args(info.annotation)] if info else []
    return choices or [str(error.get("ctx", {}).get("expected", "?"))]
