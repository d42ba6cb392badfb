"""Bodies of ``/api/v1/stats``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wickwatch.api.numbers import DecimalText

Scope = Literal["me", "global"]


class DayCount(BaseModel):
    date: dt.date = Field(description="Calendar day in the statistics' timezone.")
    count: int


class VenueCount(BaseModel):
    exchange: str
    market: str
    count: int


class SymbolCount(BaseModel):
    exchange: str
    market: str
    symbol: str
    base: str
    count: int


class TopSpike(BaseModel):
    """One of the largest spikes of the period."""

    alert_id: int | None = Field(description="Your alert (scope `me`); null for `global`.")
    exchange: str
    market: str
    symbol: str
    base: str
    ts_ms: int
    direction: Literal["up", "down"]
    delta_pct: float
    volume_usd: DecimalText | None = Field(description="Null when the USD volume is unknown.")
    price: DecimalText


class StatsResponse(BaseModel):
    """Statistics of a period of whole local days (today included).

    * `me`: the alerts you received (each alert counts, also when several of your rules caught
      the same spike).
    * `global`: every user's alerts **de-duplicated per spike**: alerts of the same exchange,
      market, symbol, second (`ts_ms`) and direction are one spike, counted once, with the
      largest move and volume any rule measured for it (rules with other windows measure it
      differently). Nothing identifies users or their rules.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scope": "me",
                    "days": 2,
                    "timezone": "Europe/Moscow",
                    "first_day": "2026-01-01",
                    "last_day": "2026-01-02",
                    "from_ms": 1767214800000,
                    "to_ms": 1767387600000,
                    "total": 3,
                    "up": 2,
                    "down": 1,
                    "avg_delta_pct": 2.1,
                    "avg_volume_usd": 180000.5,
                    "per_day": [
                        {"date": "2026-01-01", "count": 1},
                        {"date": "2026-01-02", "count": 2},
                    ],
                    "by_exchange_market": [{"exchange": "binance", "market": "spot", "count": 3}],
                    "top_symbols": [
                        {
                            "exchange": "binance",
                            "market": "spot",
                            "symbol": "BTCUSDT",
                            "base": "BTC",
                            "count": 3,
                        }
                    ],
                    "top_delta": [],
                    "top_volume": [],
                }
            ]
        }
    )

    scope: Scope
    days: int
    timezone: str = Field(description="IANA zone the days are counted in.")
    first_day: dt.date
    last_day: dt.date
    from_ms: int = Field(description="Start of the first day (epoch ms, inclusive).")
    to_ms: int = Field(description="End of the last day (epoch ms, exclusive).")
    total: int
    up: int
    down: int
    avg_delta_pct: float | None = Field(description="Mean move, percent; null without alerts.")
    avg_volume_usd: float | None = Field(
        description="Mean USD volume of the alerts whose volume is known; null without any."
    )
    per_day: list[DayCount] = Field(description="Every day of the period, oldest first.")
    by_exchange_market: list[VenueCount] = Field(description="Most alerts first.")
    top_symbols: list[SymbolCount] = Field(description="Most alerts first.")
    top_delta: list[TopSpike] = Field(description="Largest moves first.")
    top_volume: list[TopSpike] = Field(description="Largest USD volumes first.")
