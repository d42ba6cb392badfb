"""Bodies of the markets routes: feed status, symbols, latest prices and 1-minute candles.

Prices and volumes are exact decimals, sent as JSON strings (``"65000.1"``) so no digit is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from wickwatch.api.numbers import DecimalText

#: Symbols as venues write them: ``BTCUSDT``, ``BTC-USDT-SWAP``, ``PURR/USDC``, ``@107``.
SYMBOL_PATTERN = r"^[A-Za-z0-9@/_.:-]{1,64}$"
FeedState = Literal["active", "degraded", "down"]
#: Largest epoch millisecond accepted (year 2286): bounded so it always fits a BIGINT.
MAX_MS = 10**13

#: Candle timeframes of the price history (aggregated from the stored 1-minute candles).
Timeframe = Literal["1m", "5m", "15m", "1h", "4h", "1d"]
TIMEFRAME_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}
TIMEFRAME_DESCRIPTION = (
    "Candle length: `1m` (stored), or `5m`, `15m`, `1h`, `4h`, `1d` aggregated from the minutes "
    "in buckets aligned to UTC (open of the first minute, close of the last, extremes, sums)."
)

CANDLE_EXAMPLE: JsonDict = {
    "t": 1767225600000,
    "o": "65000.1",
    "h": "65120",
    "l": "64990.5",
    "c": "65100.2",
    "v": "12.345",
    "qv": "803456.78",
    "n": 1532,
    "complete": True,
}


class CandlePublic(BaseModel):
    """One candle of the requested timeframe; ``t`` is its start (epoch ms, exchange time)."""

    model_config = ConfigDict(json_schema_extra={"examples": [CANDLE_EXAMPLE]})

    t: int
    o: DecimalText
    h: DecimalText
    l: DecimalText  # noqa: E741 (the short names match the live stream's candles)
    c: DecimalText
    v: DecimalText = Field(description="Volume in the base asset.")
    qv: DecimalText = Field(description="Volume in the quote asset.")
    n: int = Field(description="Trades.")
    complete: bool = Field(
        description="False when a gap or a restart touched this minute (or a minute of it)."
    )


class Candles(BaseModel):
    exchange: str
    market: str
    symbol: str
    interval_s: int = Field(60, description="Candle length in seconds (the `tf` asked for).")
    candles: list[CandlePublic] = Field(description="Oldest first.")


class MarketStatus(BaseModel):
    """Live status of one exchange × market feed (the collector's last report)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exchange": "binance",
                    "market": "futures",
                    "status": "active",
                    "reason": None,
                    "reported_status": "up",
                    "stale": False,
                    "age_s": 2.1,
                    "connections_up": 3,
                    "connections_total": 3,
                    "symbols": 412,
                    "reconnects": 0,
                    "trades_per_s": 1520.4,
                    "candles_per_s": 380.2,
                    "lag_p50_ms": 35.0,
                    "lag_p99_ms": 120.0,
                    "last_trade_ms": 1767225600123,
                    "gaps": 0,
                    "malformed_frames": 0,
                    "updated_at": "2026-01-01T00:00:02Z",
                }
            ]
        }
    )

    exchange: str
    market: str
    status: FeedState = Field(
        description="`active` (every connection live), `degraded` (some), `down` (none, no "
        "report yet, or the last report is older than 3 status intervals)."
    )
    reason: str | None = Field(description="Why the feed is not active.")
    reported_status: str | None = Field(description="What the collector last reported.")
    stale: bool = Field(description="The last report is older than 3 status intervals.")
    age_s: float | None = Field(description="Seconds since the last report.")
    connections_up: int
    connections_total: int
    symbols: int
    reconnects: int
    trades_per_s: float
    candles_per_s: float
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    last_trade_ms: int | None
    gaps: int
    malformed_frames: int
    updated_at: datetime | None


class SymbolPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exchange": "binance",
                    "market": "spot",
                    "symbol": "BTCUSDT",
                    "base": "BTC",
                    "quote": "USDT",
                    "last_candle_ms": 1767225600000,
                }
            ]
        }
    )

    exchange: str
    market: str
    symbol: str
    base: str
    quote: str = Field(description='"" when the spelling does not tell.')
    last_candle_ms: int | None = Field(description="Start of the newest stored 1-minute candle.")


class LatestPrice(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exchange": "binance",
                    "market": "spot",
                    "symbol": "BTCUSDT",
                    "price": "65100.2",
                    "ts_ms": 1767225600000,
                    "source": "history",
                }
            ]
        }
    )

    exchange: str
    market: str
    symbol: str
    price: DecimalText
    ts_ms: int = Field(description="Start of the candle whose close this is.")
    source: Literal["live", "history"] = Field(
        description="`live`: the last closed 1-second candle this process saw; `history`: the "
        "close of the newest stored 1-minute candle."
    )
