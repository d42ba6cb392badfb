"""The normalised shapes every venue module produces: :class:`Trade` and :class:`Instrument`.

``Trade`` is created once per exchange trade, so it is a msgspec ``Struct`` (cheap to build, no GC
tracking). Prices and quantities are floats inside the process (Decimal costs several times more on
the per-trade path); exact decimal text is produced at the edges (CSV, database, API).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

BUY = "buy"
SELL = "sell"

SPOT = "spot"
FUTURES = "futures"


class Trade(msgspec.Struct, gc=False):
    """One exchange trade, in base units whatever the venue counts in (contracts, lots)."""

    exchange: str
    market: str  #: ``spot`` or ``futures``
    symbol: str  #: as the exchange writes it (``BTCUSDT``, ``BTC-USDT-SWAP``, ``BTC_USDT``)
    price: float
    qty: float  #: base quantity
    quote_qty: float  #: price × base quantity, in the quote currency
    side: str  #: taker side, ``buy`` or ``sell``
    ts_ms: int  #: exchange trade time, ms since the epoch (UTC)
    recv_ms: int  #: local receive time of the frame, ms since the epoch
    trade_id: str  #: venue trade id as text (unique per symbol), for de-duplication


class Candle(msgspec.Struct, gc=False):
    """One second (or minute) of trades of one symbol, bucketed by exchange trade time.

    ``complete`` is False when the feed had a gap that could not be backfilled inside the candle's
    span: such candles are kept for charts but never fire alerts.
    """

    exchange: str
    market: str
    symbol: str
    ts_ms: int  #: start of the bucket, ms since the epoch (UTC)
    open: float
    high: float
    low: float
    close: float
    volume: float  #: base units
    quote_volume: float  #: quote currency
    trades: int
    taker_buy_volume: float  #: base units bought by takers
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Instrument:
    """One listed pair of a venue, from its REST instrument list."""

    exchange: str
    market: str
    symbol: str  #: the symbol trades carry (what candles are keyed by)
    base: str  #: real token name (Hyperliquid ``@107`` resolved to e.g. ``HYPE``)
    quote: str
    trading: bool  #: listed and open for trading now
    tick_size: str  #: exact decimal text
    contract_size: float = 1.0  #: base units per unit of the venue's size field
    stream_symbol: str = ""  #: name to subscribe with, when it differs from ``symbol``

    @property
    def subscribe_name(self) -> str:
        return self.stream_symbol or self.symbol


class MalformedFrame(ValueError):
    """A frame that should carry trades but cannot be read: counted and logged, never fatal."""
