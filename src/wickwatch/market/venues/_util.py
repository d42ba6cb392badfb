"""Small helpers shared by the venue parsers (not on the per-trade hot path unless noted)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from wickwatch.market.types import MalformedFrame

INF = math.inf

#: What decoding untrusted text may raise: msgspec's DecodeError/ValidationError (ValueError
#: subclasses), UnicodeError (bad UTF-8, lone surrogates in ``str`` frames), RecursionError (deep
#: nesting), OverflowError. Parsers turn these into :class:`MalformedFrame`.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    RecursionError,
    OverflowError,
    TypeError,
)


def snippet(frame: bytes | str | Any, limit: int = 120) -> str:
    """A short printable excerpt of a frame, for error messages."""
    if isinstance(frame, bytes | bytearray | memoryview):
        text = bytes(frame[:limit]).decode("utf-8", "replace")
    else:
        text = str(frame)[:limit]
    return text


def malformed(what: str, frame: object = None, exc: BaseException | None = None) -> MalformedFrame:
    """Build the :class:`MalformedFrame` raised for an unreadable frame or payload."""
    detail = f"{what}: {exc}" if exc is not None else what
    if frame is not None:
        detail = f"{detail} (frame: {snippet(frame)!r})"
    return MalformedFrame(detail)


def fail(what: str, frame: object = None) -> NoReturn:
    raise malformed(what, frame)


def positive(value: Any, name: str = "number") -> float:
    """``value`` (number or decimal text) as a finite float > 0, else :class:`MalformedFrame`.

    Used on REST rows and the slower venue paths; hot paths inline the comparison.
    """
    if isinstance(value, bool):
        fail(f"{name} is a bool")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise malformed(f"{name} is not a number: {value!r}") from exc
    if not 0.0 < number < INF:
        fail(f"{name} out of range: {value!r}")
    return number


def as_int(value: Any, name: str = "integer") -> int:
    """``value`` (int or integer text) as an int, else :class:`MalformedFrame`."""
    if isinstance(value, bool):
        fail(f"{name} is a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError as exc:
            raise malformed(f"{name} is not an integer: {value!r}") from exc
    if isinstance(value, float) and value.is_integer():
        return int(value)
    fail(f"{name} is not an integer: {value!r}")


def text(row: Mapping[str, Any], key: str) -> str:
    """``row[key]`` as a non-empty string (numbers are turned into text)."""
    try:
        value = row[key]
    except (KeyError, TypeError) as exc:
        raise malformed(f"missing {key!r}", row) from exc
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    fail(f"{key!r} is not text: {value!r}")


def rows(payload: Any, what: str = "payload") -> list[Mapping[str, Any]]:
    """``payload`` as a list of JSON objects, else :class:`MalformedFrame`."""
    if not isinstance(payload, list):
        fail(f"{what} is not a list", payload)
    for row in payload:
        if not isinstance(row, Mapping):
            fail(f"{what} row is not an object", row)
    return payload


_MAX_DIGITS = 30  #: no real tick size is beyond 1e±30; a bigger exponent is a broken payload


def tick_text(value: Any) -> str:
    """Exact decimal text of a tick size without trailing zeros (``"0.01000000"`` → ``"0.01"``)."""
    try:
        dec = Decimal(str(value))
    except InvalidOperation as exc:
        raise malformed(f"bad tick size {value!r}") from exc
    if not dec.is_finite() or dec <= 0 or not -_MAX_DIGITS <= dec.adjusted() <= _MAX_DIGITS:
        fail(f"bad tick size {value!r}")
    out = format(dec.normalize(), "f")
    return out


def decimals_tick(decimals: int) -> str:
    """Tick size text for a price with ``decimals`` digits after the point (``2`` → ``"0.01"``)."""
    if not -_MAX_DIGITS <= decimals <= _MAX_DIGITS:
        fail(f"bad price precision {decimals!r}")
    if decimals <= 0:
        return "1" + "0" * (-decimals)
    return "0." + "0" * (decimals - 1) + "1"
