"""Bodies of ``/api/v1/alerts``.

An alert carries the delivery state of each channel it went to (``alert_deliveries``, the
outbox), simplified for people: ``pending`` (waiting, being sent or retrying), ``sent``, ``failed``
(gave up; ``error`` says why) and ``skipped`` (channel deleted, paused or muted). Whether the user
has *seen* it in the app is the alert's own ``read_at`` / ``seen``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from wickwatch.api.numbers import DecimalText
from wickwatch.markets.schemas import CandlePublic

DeliveryState = Literal["pending", "sent", "failed", "skipped"]

#: Outbox status → what the user sees.
DELIVERY_STATES: dict[str, DeliveryState] = {
    "pending": "pending",
    "claimed": "pending",
    "sending": "pending",
    "sent": "sent",
    "failed": "failed",
    "skipped": "skipped",
}


class DeliveryPublic(BaseModel):
    id: int
    channel: str = Field(description="`telegram`, `email` or `webhook`.")
    channel_id: int | None = Field(description="The channel; null once it was deleted.")
    destination: str = Field(description="Where it went: chat, address or host.")
    state: DeliveryState
    attempts: int
    sent_at: datetime | None
    error: str | None = Field(description="Why the last attempt failed.")


_ALERT_EXAMPLE: JsonDict = {
    "id": 1042,
    "kind": "spike",
    "exchange": "binance",
    "market": "futures",
    "symbol": "BTCUSDT",
    "base": "BTC",
    "quote": "USDT",
    "ts_ms": 1767225600000,
    "window_s": 5,
    "direction": "up",
    "delta_pct": 2.35,
    "wick_pct": 0.4,
    "volume_usd": "1250000.5",
    "price": "65100.2",
    "rule": "binance futures USDT",
    "strategy": None,
    "series_count": 1,
    "folded_count": 0,
    "read_at": None,
    "seen": False,
    "created_at": "2026-01-01T00:00:00.120000Z",
    "deliveries": [
        {
            "id": 77,
            "channel": "telegram",
            "channel_id": 3,
            "destination": "chat 123456789",
            "state": "sent",
            "attempts": 1,
            "sent_at": "2026-01-01T00:00:00.450000Z",
            "error": None,
        }
    ],
}


AlertKind = Literal["spike", "above_max", "below_min"]


def alert_kind(kind: str) -> AlertKind:
    """A stored ``alerts.kind`` as the API's literal (anything unknown shows as a spike)."""
    if kind == "above_max":
        return "above_max"
    if kind == "below_min":
        return "below_min"
    return "spike"


class AlertPublic(BaseModel):
    """A spike that matched one of your rules, or (``kind`` ``above_max`` / ``below_min``) a
    price that left the band of one of your price alerts: then ``price`` is the price that
    crossed and ``rule`` names the edge (``max 110000``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ALERT_EXAMPLE]})

    id: int
    kind: AlertKind = "spike"
    exchange: str
    market: str
    symbol: str
    base: str
    quote: str
    ts_ms: int = Field(description="Start of the second that closed the spike (epoch ms).")
    window_s: int
    direction: Literal["up", "down"]
    delta_pct: float = Field(description="Size of the move, percent (always positive).")
    wick_pct: float
    volume_usd: DecimalText | None = Field(
        description="USD volume of the window (exact decimal); null when it cannot be known "
        "(no live price of a non-USD quote)."
    )
    price: DecimalText = Field(description="Close of the last candle (exact decimal).")
    rule: str
    strategy: str | None
    series_count: int
    folded_count: int
    read_at: datetime | None
    seen: bool = Field(description="You marked it read.")
    created_at: datetime
    deliveries: list[DeliveryPublic] = Field(description="One per channel it was sent to.")


class AlertsPage(BaseModel):
    """One page of your alerts, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [_ALERT_EXAMPLE], "next_cursor": "YToxMDQy", "limit": 50}]
        }
    )

    items: list[AlertPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )
    limit: int


class Affected(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 12}]})

    count: int = Field(description="Alerts changed or deleted.")


#: The 1-second candles stored around an alert (the collector's ``spike_candles_1s``): from this
#: long before the alert's second …
SPIKE_WINDOW_BEFORE_MS = 59_000
#: … to this long after it.
SPIKE_WINDOW_AFTER_MS = 30_000

_SECOND_CANDLES_EXAMPLE: JsonDict = {
    "alert_id": 1042,
    "exchange": "binance",
    "market": "futures",
    "symbol": "BTCUSDT",
    "interval_s": 1,
    "spike_ts_ms": 1767225600000,
    "candles": [
        {
            "t": 1767225599000,
            "o": "64980.1",
            "h": "64990",
            "l": "64975.3",
            "c": "64988.8",
            "v": "1.204",
            "qv": "78243.11",
            "n": 17,
            "complete": True,
        },
        {
            "t": 1767225600000,
            "o": "64988.8",
            "h": "66520",
            "l": "64988.8",
            "c": "65100.2",
            "v": "9.87",
            "qv": "646002.4",
            "n": 412,
            "complete": True,
        },
    ],
}


class AlertCandles(BaseModel):
    """The candles of an alert's chart, oldest first. ``interval_s`` says which:

    * ``1`` — the 1-second candles the collector stored around the spike, exactly as it built
      them: from 59 s before the alert's second to 30 s after it (fewer while the alert is
      younger than that; seconds without trades have no candle). Kept for
      ``WICKWATCH_SPIKE_RETENTION_DAYS``, like the market spikes.
    * ``60`` — 1-minute candles from the price history (`before_min` / `after_min` around the
      spike): for older alerts, and alerts from before the 1-second candles were kept.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [_SECOND_CANDLES_EXAMPLE]})

    alert_id: int
    exchange: str
    market: str
    symbol: str
    interval_s: Literal[1, 60] = Field(
        60, description="Candle length: 1 (stored spike window) or 60 (price history)."
    )
    spike_ts_ms: int = Field(description="Start of the alert's second (epoch ms): the spike.")
    candles: list[CandlePublic] = Field(description="Oldest first.")
