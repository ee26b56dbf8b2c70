"""Settings helpers shared by the servers: comma-separated lists and tokens from mounted files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic_settings import NoDecode

CommaList = Annotated[list[str], NoDecode]


def split_comma_list(value: object) -> object:
    """Lists in environment variables are comma separated: SRE_ALLOWED_NAMESPACES=shop,payments."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def read_tokens(inline: list[str], file: Path | None) -> list[str]:
    """Bearer tokens from a setting and from a mounted file (one token per line)."""
    tokens = list(inline)
    if file is not None:
        try:
            tokens += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError as exc:
            raise ValueError(f"cannot read the tokens file {file}: {exc.strerror}") from exc
    return tokens
