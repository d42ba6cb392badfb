"""The small interface every venue parser implements, and the registry that finds them.

A venue parser is pure: bytes in, normalised trades out. It does no I/O, so the same code runs on a
live socket, a recording and a benchmark. How to connect (URLs, subscribe frames, ping, limits)
lives in :mod:`wickwatch.market.connectors`; parsing lives here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from wickwatch.market.types import Instrument, Trade


class VenueParser:
    """Parses one exchange × market's WebSocket frames and REST payloads.

    Subclasses set ``exchange`` and ``market`` and implement the methods. ``instruments`` must be
    given before parsing frames whose sizes are not in base units (Gate futures contracts,
    Bybit/OKX/Bitget contract multipliers), so that ``Trade.qty`` is always base units.
    """

    exchange: ClassVar[str]
    market: ClassVar[str]

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self.instruments: dict[str, Instrument] = {}
        self.set_instruments(instruments)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        self.instruments = {i.symbol: i for i in instruments}

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """Trades in one WebSocket frame; ``None`` for a frame that carries none (ack, pong,
        subscription result). Raises :class:`~wickwatch.market.types.MalformedFrame` for a frame
        that should carry trades but can't be read."""
        raise NotImplementedError

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """Instruments from the decoded JSON of the venue's REST instrument list."""
        raise NotImplementedError

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """Trades from the decoded JSON of the venue's recent/historical trades REST answer
        (the backfill after a reconnect)."""
        raise NotImplementedError


_REGISTRY: dict[tuple[str, str], type[VenueParser]] = {}


def register(cls: type[VenueParser]) -> type[VenueParser]:
    """Class decorator: make a parser findable by ``(exchange, market)``."""
    _REGISTRY[(cls.exchange, cls.market)] = cls
    return cls


def parser_class(exchange: str, market: str) -> type[VenueParser]:
    """The parser class for ``exchange`` × ``market`` (``KeyError`` names what is known)."""
    import wickwatch.market.venues  # noqa: F401  (imports every venue module, which registers)

    try:
        return _REGISTRY[(exchange, market)]
    except KeyError:
        known = ", ".join(f"{e}_{m}" for e, m in sorted(_REGISTRY))
        raise KeyError(f"no parser for {exchange}_{market}; known: {known}") from None
