"""Query parameters parsed the way the API server's Go decoders read them."""

from __future__ import annotations

from collections.abc import Mapping

from .status import ApiError

# strconv.ParseBool's spellings.
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def bool_param(params: Mapping[str, str], key: str) -> bool:
    raw = params.get(key)
    if raw is None or raw == "" or raw in _FALSE:
        return False
    if raw in _TRUE:
        return True
    raise ApiError.bad_request(f"invalid value for {key}: {raw!r} is not a boolean")


def int_param(params: Mapping[str, str], key: str) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError.bad_request(f"invalid value for {key}: {raw!r} is not an integer") from None
