"""Deterministic identifiers: uids, generated name suffixes, hashes, container and image ids.

Everything is derived from stable inputs (kind, namespace, name, ...) with SHA-256/UUIDv5, so
the same scenario definition always yields the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

# The alphabet Kubernetes uses for generated name suffixes and pod-template-hash values
# (k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, no confusable digits).
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_UID_NAMESPACE = uuid.UUID("6f1d0c8e-2b7a-5d43-9e61-0a6c2f4b8d15")


def digest(*parts: object) -> bytes:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).digest()


def uid(kind: str, namespace: str | None, name: str) -> str:
    """metadata.uid of an object: stable for the same kind/namespace/name."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"{kind}/{namespace or ''}/{name}"))


def safe_suffix(length: int, *parts: object) -> str:
    """A generated-name suffix such as the `x2x7k` in `auth-service-7d9c7b8f5-x2x7k`."""
    number = int.from_bytes(digest(*parts), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(SAFE_ALPHABET))
        chars.append(SAFE_ALPHABET[index])
    return "".join(chars)


def hex_id(length: int, *parts: object) -> str:
    return digest(*parts).hex()[:length]


def number(low: int, high: int, *parts: object) -> int:
    """A stable integer in [low, high]."""
    return low + int.from_bytes(digest(*parts)[:8], "big") % (high - low + 1)


def template_hash(template: dict[str, Any]) -> str:
    """A pod-template-hash / controller-revision-hash value for a rendered pod template.

    Like the controllers' ComputeHash: a 32-bit hash printed in decimal, each digit then mapped
    through SafeEncodeString, which is why real values only use the characters 4-9, b, c, d, f.
    """
    value = int.from_bytes(digest(json.dumps(template, sort_keys=True))[:4], "big")
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in str(value))


def container_id(*parts: object) -> str:
    return "containerd://" + digest("container", *parts).hex()


def image_id(image: str) -> str:
    """status.imageID: the repository (fully qualified) plus the manifest digest."""
    return f"{qualified_repository(image)}@sha256:{digest('image', image).hex()}"


def qualified_repository(image: str) -> str:
    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        repository = repository[: len(repository) - len(last)] + last.split(":", 1)[0]
    first = repository.split("/", 1)[0]
    if "/" not in repository:
        return f"docker.io/library/{repository}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{repository}"
    return repository


def qualified_image(image: str) -> str:
    """status.image as containerd reports it: registry and tag made explicit."""
    repository = qualified_repository(image)
    tail = image.split("@", 1)[0].rsplit("/", 1)[-1]
    tag = tail.split(":", 1)[1] if ":" in tail else "latest"
    return f"{repository}:{tag}"
