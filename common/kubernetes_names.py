"""Kubernetes object names as the API server checks them, for every boundary that accepts one.

Namespaces and container names are DNS-1123 labels; pods, nodes and most objects DNS-1123
subdomains. `kubernetes_name` makes a pydantic type that refuses anything else with a message
saying what a valid name looks like, and publishes the pattern in the JSON schema.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema

DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def kubernetes_name(what: str, pattern: str, max_length: int, description: str) -> Any:
    """A str type accepting only names that fully match `pattern` (DNS_LABEL or DNS_SUBDOMAIN)."""
    compiled = re.compile(pattern)
    separators = "'-' or '.'" if pattern == DNS_SUBDOMAIN else "'-'"

    def check(value: str) -> str:
        if len(value) > max_length or not compiled.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a valid {what}: use at most {max_length} lowercase letters, digits"
                f" and {separators}, starting and ending with a letter or digit"
            )
        return value

    schema = {"type": "string", "pattern": f"^{pattern}$", "maxLength": max_length, "description": description}
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]
