"""Exact decimals in JSON: written as fixed-point strings with every digit (``"0.00000001"``,
never ``"1E-8"``), read from strings or numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def decimal_text(value: Decimal) -> str:
    """Every digit, never an exponent: ``Decimal("1E-8")`` → ``0.00000001``."""
    return format(value, "f")


#: A response field holding an exact decimal (prices, volumes).
DecimalText = Annotated[
    Decimal,
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["65000.5"]},
        mode="serialization",
    ),
]
