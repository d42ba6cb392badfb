"""Market data: venue connectors, normalised trades, 1-second candles, recording and replay."""

from wickwatch.market.types import (
    BUY,
    FUTURES,
    SELL,
    SPOT,
    Candle,
    Instrument,
    MalformedFrame,
    Trade,
)

__all__ = ["BUY", "FUTURES", "SELL", "SPOT", "Candle", "Instrument", "MalformedFrame", "Trade"]
