"""Kubernetes resource quantities ("250m", "1.5", "128Mi", "1Gi", "12345678n") as numbers, and back
the way `kubectl top` prints them (CPU in millicores "250m", memory in mebibytes "128Mi")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIXES: dict[str, Decimal] = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15),
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40), "Pi": Decimal(2**50),
}  # fmt: skip


def parse_quantity(text: str | int | float | None) -> Decimal | None:
    """The quantity's value in base units (cores, bytes); None when it is absent or malformed."""
    if text is None:
        return None
    match = _QUANTITY.match(str(text).strip())
    if not match or match.group(2) not in _SUFFIXES:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]
    except InvalidOperation:
        return None


def millicores(quantity: str | Decimal | None) -> int:
    """Millicores rounded up, as a Quantity's MilliValue() (sum quantities before rounding, as kubectl does)."""
    value = quantity if isinstance(quantity, Decimal) else parse_quantity(quantity)
    return int((value * 1000).to_integral_value(rounding="ROUND_CEILING")) if value is not None else 0


def byte_count(quantity: str | Decimal | None) -> int:
    value = quantity if isinstance(quantity, Decimal) else parse_quantity(quantity)
    return int(value.to_integral_value(rounding="ROUND_CEILING")) if value is not None else 0


def cpu_text(millis: int) -> str:
    return f"{millis}m"


def memory_text(size: int) -> str:
    return f"{size // 2**20}Mi"


def percent(used: int, total: int) -> str:
    return f"{used * 100 // total}%" if total else "<unknown>"
